//! Filing a request: the kind's fields checked, routing to a unit, the
//! registration number, the due date, the acknowledgement to the requester
//! and the notice to the unit's staff, all in one transaction.

use std::sync::Arc;

use chrono::Datelike;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Map, Value, json};

use super::read::views_of;
use super::store::{self, next_sequence};
use crate::domain::fields::{BODY_MAX, SUBJECT_MAX, validate_text};
use crate::domain::lifecycle::{Audience, NoticeSpec};
use crate::domain::{Channel, FieldError, FieldErrorCode, RequestForm, Status, TicketNumber};
use crate::server::auth::{Caller, upsert_user};
use crate::server::entity::{attachment, submission, ticket, ticket_event, user};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::files::{check, clean_file_name, detect_type, new_key, put, remove_stored};
use crate::server::state::AppState;
use crate::server::submissions::{self, Made, SubmissionKey};
use crate::wire::{AppError, NewTicket, TicketView};

/// How many files one new request may carry.
pub const MAX_FILES: usize = 5;

/// A file sent with a new request. A reader that stops keeping bytes past the
/// configured limit still reports the full `size`, so the limit is judged here.
pub struct NewFile {
    pub name: String,
    pub size: u64,
    pub bytes: Vec<u8>,
}

/// Files a request. Employees file their own written requests from the
/// portal; unit staff may register a request on an employee's behalf with
/// any channel and form.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: NewTicket,
) -> ServiceResult<TicketView> {
    create_with_files(state, caller, input, Vec::new()).await
}

/// Files a request with its files: every file is checked with the fields,
/// before anything is written, and stored in the request's transaction.
pub async fn create_with_files(
    state: &AppState,
    caller: &Caller,
    input: NewTicket,
    files: Vec<NewFile>,
) -> ServiceResult<TicketView> {
    let mut errors: Vec<FieldError> = Vec::new();
    let submission = match SubmissionKey::parse(caller.id, input.submission.as_deref()) {
        Ok(key) => key,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    // Sent again after it was saved: the request it made, nothing new.
    if let Some(key) = &submission
        && let Some(view) = filed_before(state, caller, key).await?
    {
        return Ok(view);
    }
    let reference = state.reference_for(caller).await?;
    let kind = reference
        .catalogue
        .kinds
        .iter()
        .find(|k| k.code == input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", FieldErrorCode::UnknownKind));
    }
    let subject = validate_text("subject", &input.subject, true, SUBJECT_MAX, &mut errors);
    let description = validate_text(
        "description",
        &input.description,
        false,
        BODY_MAX,
        &mut errors,
    );
    let on_behalf = input
        .requester_login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let staff = caller.roles.is_staff() || caller.roles.is_admin();

    let channel = match input.channel.as_deref().filter(|c| !c.is_empty()) {
        None => Some(Channel::Portal),
        Some(code) => match Channel::parse(code) {
            Some(c) if c == Channel::Portal || staff => Some(c),
            Some(_) => {
                errors.push(FieldError::new("channel", FieldErrorCode::NotAllowed));
                None
            }
            None => {
                errors.push(FieldError::new("channel", FieldErrorCode::UnknownOption));
                None
            }
        },
    };
    let form = match input.form.as_deref().filter(|f| !f.is_empty()) {
        None => channel.map(Channel::default_form),
        Some(code) => match RequestForm::parse(code) {
            Some(RequestForm::Oral) if !staff => {
                errors.push(FieldError::new("form", FieldErrorCode::NotAllowed));
                None
            }
            Some(f) => Some(f),
            None => {
                errors.push(FieldError::new("form", FieldErrorCode::UnknownOption));
                None
            }
        },
    };
    let fields = match kind.map(|k| k.validate(&input.fields)) {
        Some(Ok(f)) => f,
        Some(Err(mut e)) => {
            errors.append(&mut e);
            Map::new()
        }
        None => Map::new(),
    };
    let unit = kind.and_then(|k| k.unit_for(&fields));
    // Registering on someone's behalf, or from a call, a visit or a letter,
    // puts a request into the registrar's own unit's queue only.
    let registered_by_staff = on_behalf.is_some()
        || channel.is_some_and(|c| c != Channel::Portal)
        || form == Some(RequestForm::Oral);
    if let Some(u) = &unit
        && registered_by_staff
        && staff
        && !caller.roles.can_work(u)
    {
        errors.push(FieldError::new("kind", FieldErrorCode::NotAllowed));
    }
    check_files(state, &files, &mut errors);

    let requester = match on_behalf {
        None => None,
        Some(_) if !staff => {
            errors.push(FieldError::new(
                "requester_login",
                FieldErrorCode::NotAllowed,
            ));
            None
        }
        Some(text) => match person_for(state, text).await? {
            Ok(person) => Some(upsert_user(state, &person, false).await?),
            Err(code) => {
                errors.push(FieldError::new("requester_login", code));
                None
            }
        },
    };

    let (Some(kind), Some(unit), Some(channel), Some(form), true) =
        (kind, unit, channel, form, errors.is_empty())
    else {
        return Err(AppError::Invalid { fields: errors }.into());
    };
    let requester = match (requester, &caller.person) {
        (Some(r), _) => r,
        // Read with the session moments ago.
        (None, Some(person)) => (**person).clone(),
        (None, None) => user::Entity::find_by_id(caller.id)
            .one(&state.db)
            .await?
            .ok_or(AppError::Unauthenticated)?,
    };
    let now = state.now();
    let local = state.local(now);
    let due = crate::server::calendar::deadline_for(state, &reference.calendar, form, local, None)?;
    let due_at = state.from_local(due.due_at);
    let year = local.year();

    let files = stage_files(state, files, now).await?;
    let unit_name = reference
        .catalogue
        .unit_name(&unit)
        .unwrap_or_default()
        .to_owned();
    let filing = Filing {
        caller: caller.clone(),
        kind: kind.code.clone(),
        unit,
        unit_name,
        requester: requester.clone(),
        form,
        channel,
        subject,
        description,
        fields: Value::Object(fields).to_string(),
        due_on: due.due_on,
        due_at,
        due_explanation: serde_json::to_string(&due.explanation).unwrap_or_default(),
        now,
        year,
        files,
        staff: Arc::clone(&reference.staff),
        submission: submission.clone(),
    };
    let in_bucket: Vec<String> = filing
        .files
        .iter()
        .filter(|f| f.bytes.is_none())
        .map(|f| f.key.clone())
        .collect();
    // Written with whatever other filings wait, in one transaction (one
    // commit, one flush to disk); answered only once it is committed.
    let filed = state.filings.file(&state.db, &state.metrics, filing).await;
    let row = match filed {
        Ok(row) => row,
        Err(e) => {
            // Lose nothing half-written: files already in the bucket go
            // with the request that was not saved (else the sweep takes them).
            for key in &in_bucket {
                remove_stored(state, key).await;
            }
            // Sent twice at once: the other send saved it.
            if let Some(key) = &submission
                && let Some(view) = filed_before(state, caller, key).await?
            {
                return Ok(view);
            }
            return Err(e);
        }
    };
    tracing::info!(number = %row.number, kind = %row.kind_code, unit = %row.unit_code, "request registered");
    // A new request names only its requester, who is at hand.
    let people = [(requester.id, requester)].into();
    views_of(state, &reference, vec![row], &people, caller.lang)
        .pop()
        .ok_or_else(|| ServiceError::Corrupt("view".into()))?
}

/// The request a submission key already made, as the caller sees it.
async fn filed_before(
    state: &AppState,
    caller: &Caller,
    key: &SubmissionKey,
) -> ServiceResult<Option<TicketView>> {
    match submissions::made_by(&state.db, key).await? {
        Some(Made::Ticket(id)) => Ok(Some(super::read::get(state, caller, id).await?)),
        _ => Ok(None),
    }
}

/// A request checked and ready to be written: everything the transaction
/// needs, computed before it.
pub(crate) struct Filing {
    pub(super) caller: Caller,
    pub(super) kind: String,
    pub(super) unit: String,
    pub(super) unit_name: String,
    pub(super) requester: user::Model,
    pub(super) form: RequestForm,
    pub(super) channel: Channel,
    pub(super) subject: String,
    pub(super) description: String,
    pub(super) fields: String,
    pub(super) due_on: chrono::NaiveDate,
    pub(super) due_at: chrono::DateTime<chrono::Utc>,
    pub(super) due_explanation: String,
    pub(super) now: chrono::DateTime<chrono::Utc>,
    pub(super) year: i32,
    pub(super) files: Vec<PendingFile>,
    /// Who works in which unit, as read before the transaction.
    pub(super) staff: std::sync::Arc<crate::server::reference::Staff>,
    /// The key it was sent with, taken in its transaction.
    pub(super) submission: Option<SubmissionKey>,
}

/// Writes one filing in `txn`: its number, row, registration event,
/// notices and files.
pub(crate) async fn write_filing(
    txn: &sea_orm::DatabaseTransaction,
    f: &Filing,
) -> ServiceResult<ticket::Model> {
    let sequence = next_sequence(txn, &f.unit, f.year).await?;
    let row = new_row(f, sequence).insert(txn).await?;
    if let Some(key) = &f.submission {
        submissions::row(key, Made::Ticket(row.id), f.now)
            .insert(txn)
            .await?;
    }
    registered_event(f, &row).insert(txn).await?;
    store::send_notices(
        txn,
        &f.staff,
        Some(&f.caller),
        &store::parse(&row)?,
        &filing_notices(f),
    )
    .await?;
    // The files are stored in the request's transaction: they go with a
    // request that fails, and none is saved without its request.
    store_files(txn, &row, f).await?;
    Ok(row)
}

/// Writes filings together in `txn`, in a few statements for all of them:
/// the numbers of each unit's year in one, the rows in one, their events
/// in one, their notices in one round. `filings` come sorted by unit and
/// year. Any failure fails them all (the caller then writes them one by
/// one); the rows come back in the filings' order.
pub(crate) async fn write_filings(
    txn: &sea_orm::DatabaseTransaction,
    filings: &[&Filing],
) -> ServiceResult<Vec<ticket::Model>> {
    let mut sequences = Vec::with_capacity(filings.len());
    for group in filings.chunk_by(|a, b| (&a.unit, a.year) == (&b.unit, b.year)) {
        let n = u32::try_from(group.len()).unwrap_or(u32::MAX);
        let last = store::take_sequences(txn, &group[0].unit, group[0].year, n).await?;
        sequences.extend((last + 1 - n)..=last);
    }
    let written = ticket::Entity::insert_many(
        filings
            .iter()
            .zip(&sequences)
            .map(|(f, seq)| new_row(f, *seq)),
    )
    .exec_with_returning(txn)
    .await?;
    // Matched by number, whatever order the database returns them in.
    let mut by_number: std::collections::HashMap<String, ticket::Model> =
        written.into_iter().map(|r| (r.number.clone(), r)).collect();
    let mut rows = Vec::with_capacity(filings.len());
    for (f, seq) in filings.iter().zip(&sequences) {
        let number = number_of(f, *seq);
        rows.push(
            by_number
                .remove(&number)
                .ok_or_else(|| ServiceError::Corrupt(format!("{number} not returned")))?,
        );
    }
    // A key sent twice in the batch fails it here; written one by one, the
    // second send then finds the first's request.
    let keys: Vec<submission::ActiveModel> = filings
        .iter()
        .zip(&rows)
        .filter_map(|(f, row)| {
            let key = f.submission.as_ref()?;
            Some(submissions::row(key, Made::Ticket(row.id), f.now))
        })
        .collect();
    if !keys.is_empty() {
        submission::Entity::insert_many(keys)
            .exec_without_returning(txn)
            .await?;
    }
    ticket_event::Entity::insert_many(
        filings
            .iter()
            .zip(&rows)
            .map(|(f, row)| registered_event(f, row)),
    )
    .exec_without_returning(txn)
    .await?;
    let parsed = rows
        .iter()
        .map(store::parse)
        .collect::<ServiceResult<Vec<_>>>()?;
    let notices: Vec<Vec<NoticeSpec>> = filings.iter().map(|f| filing_notices(f)).collect();
    let people: Vec<std::collections::HashMap<i64, user::Model>> = filings
        .iter()
        .map(|f| [(f.requester.id, f.requester.clone())].into())
        .collect();
    let items: Vec<store::NoticesOf<'_>> = filings
        .iter()
        .zip(&parsed)
        .zip(notices.iter().zip(&people))
        .map(|((f, after), (notices, people))| store::NoticesOf {
            actor: Some(&f.caller),
            after,
            notices,
            people,
            staff: &f.staff,
        })
        .collect();
    let now = filings.iter().map(|f| f.now).max().unwrap_or_default();
    store::send_notices_of(txn, &items, now).await?;
    for (f, row) in filings.iter().zip(&rows) {
        store_files(txn, row, f).await?;
    }
    Ok(rows)
}

fn number_of(f: &Filing, sequence: u32) -> String {
    TicketNumber {
        unit: f.unit.clone(),
        year: f.year,
        sequence,
    }
    .to_string()
}

/// A filing's row, numbered.
fn new_row(f: &Filing, sequence: u32) -> ticket::ActiveModel {
    let number = number_of(f, sequence);
    let words = super::search_text(&number, &f.subject, &f.description, &f.requester.full_name);
    ticket::ActiveModel {
        search_text: Set(Some(words)),
        number: Set(number),
        kind_code: Set(f.kind.clone()),
        unit_code: Set(f.unit.clone()),
        requester_id: Set(f.requester.id),
        registered_by_id: Set(f.caller.id),
        assignee_id: Set(None),
        status: Set(Status::Registered.code().into()),
        form: Set(f.form.code().into()),
        channel: Set(f.channel.code().into()),
        subject: Set(f.subject.clone()),
        description: Set(f.description.clone()),
        fields: Set(f.fields.clone()),
        registered_at: Set(f.now),
        due_at: Set(f.due_at),
        updated_at: Set(f.now),
        closed_at: Set(None),
        due_explanation: Set(f.due_explanation.clone()),
        transfer_count: Set(0),
        questions: Set(0),
        version: Set(0),
        answers: Set(0),
        rated_answers: Set(0),
        reopen_count: Set(0),
        reopen_until: Set(None),
        pending_extension_id: Set(None),
        ..Default::default()
    }
}

/// The registration entry of a filed request's timeline.
fn registered_event(f: &Filing, row: &ticket::Model) -> ticket_event::ActiveModel {
    store::event_row(
        row.id,
        Some(f.caller.id),
        "registered",
        &json!({ "number": row.number, "unit": f.unit }),
        false,
        f.now,
    )
}

/// The unit's notice of a new request and, for a written one, the
/// acknowledgement of receipt (number, due date, the unit that answers).
fn filing_notices(f: &Filing) -> Vec<NoticeSpec> {
    let mut notices = vec![NoticeSpec {
        to: Audience::UnitStaff(f.unit.clone()),
        kind: "new_request",
        data: json!({ "actor": f.requester.full_name, "due_on": f.due_on }),
    }];
    if f.form == RequestForm::Written {
        notices.push(NoticeSpec {
            to: Audience::Requester,
            kind: "registered",
            data: json!({ "due_on": f.due_on, "unit_name": f.unit_name }),
        });
    }
    notices
}

/// The files' count, and each file's size and type (`files::check`).
fn check_files(state: &AppState, files: &[NewFile], errors: &mut Vec<FieldError>) {
    if files.len() > MAX_FILES {
        errors.push(FieldError::new(
            "file",
            FieldErrorCode::TooManyFiles { max: MAX_FILES },
        ));
        return;
    }
    let max_bytes = state.config.upload_max_bytes;
    for f in files {
        let name = clean_file_name(&f.name);
        // A reader keeps no bytes past the limit, so the full size counts too.
        let judged = if f.size > max_bytes {
            Err(AppError::TooLarge { max_bytes })
        } else {
            check(state, &f.bytes).map(|_| ())
        };
        match judged {
            Ok(()) => {}
            Err(AppError::TooLarge { .. }) => errors.push(FieldError::new(
                "file",
                FieldErrorCode::FileTooLarge { name, max_bytes },
            )),
            Err(_) => errors.push(FieldError::new("file", FieldErrorCode::FileType { name })),
        }
    }
}

/// A new request's file, checked with the fields: already in the bucket,
/// or its bytes to be written in the request's transaction.
pub(crate) struct PendingFile {
    name: String,
    content_type: &'static str,
    size: i64,
    key: String,
    bytes: Option<Vec<u8>>,
}

/// Files for the database wait for the request's transaction; files for a
/// bucket are written now, so the single filing writer never waits on the
/// network (one whose request is not saved is removed after, or swept).
async fn stage_files(
    state: &AppState,
    files: Vec<NewFile>,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Vec<PendingFile>> {
    let mut staged: Vec<PendingFile> = Vec::with_capacity(files.len());
    for file in files {
        let content_type = detect_type(&file.bytes).ok_or(AppError::UnsupportedFileType)?;
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let key = new_key(now);
        let bytes = if state.files.in_transaction() {
            Some(file.bytes)
        } else {
            if let Err(e) = state.files.put(&state.db, &key, &file.bytes, now).await {
                // The ones already written go too.
                for written in &staged {
                    remove_stored(state, &written.key).await;
                }
                return Err(e);
            }
            None
        };
        staged.push(PendingFile {
            name: clean_file_name(&file.name),
            content_type,
            size,
            key,
            bytes,
        });
    }
    Ok(staged)
}

/// Stores each file still to be written and each file's row in the
/// request's transaction.
async fn store_files(
    txn: &sea_orm::DatabaseTransaction,
    row: &ticket::Model,
    f: &Filing,
) -> ServiceResult<()> {
    for file in &f.files {
        if let Some(bytes) = &file.bytes {
            put(txn, &file.key, bytes, f.now).await?;
        }
        attachment::ActiveModel {
            ticket_id: Set(row.id),
            comment_id: Set(None),
            uploader_id: Set(f.caller.id),
            file_name: Set(file.name.clone()),
            content_type: Set(file.content_type.to_string()),
            size: Set(file.size),
            storage_key: Set(file.key.clone()),
            created_at: Set(row.registered_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The person a registrar means by `text`: a login, else a surname or part
/// of a name that only one person in the directory goes by.
async fn person_for(
    state: &AppState,
    text: &str,
) -> ServiceResult<Result<crate::server::directory::DirectoryUser, FieldErrorCode>> {
    let directory = &state.directory;
    if let Some(person) = directory.lookup(text).await.map_err(AppError::from)? {
        return Ok(Ok(person));
    }
    let found = directory
        .search(text, SEVERAL_SHOWN + 1)
        .await
        .map_err(AppError::from)?;
    let exact: Vec<&str> = found
        .iter()
        .filter(|p| p.full_name.to_lowercase() == text.trim().to_lowercase())
        .map(|p| p.login.as_str())
        .collect();
    let one = match (found.as_slice(), exact.as_slice()) {
        ([one], _) => one.login.clone(),
        (_, [login]) => login.to_string(),
        ([], _) => return Ok(Err(FieldErrorCode::NoSuchPerson)),
        (several, _) => {
            let mut names: Vec<String> = several
                .iter()
                .take(SEVERAL_SHOWN)
                .map(|p| format!("{} ({})", p.full_name, p.login))
                .collect();
            if several.len() > SEVERAL_SHOWN {
                names.push("…".into());
            }
            return Ok(Err(FieldErrorCode::SeveralPeople { names }));
        }
    };
    // Read again by login, with the roles.
    Ok(directory
        .lookup(&one)
        .await
        .map_err(AppError::from)?
        .ok_or(FieldErrorCode::NoSuchPerson))
}

/// How many of several matching people a refusal names.
const SEVERAL_SHOWN: usize = 5;
