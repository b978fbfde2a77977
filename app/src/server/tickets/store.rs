//! The floor of the request code: the one place a stored row becomes a typed
//! [`Ticket`], the access check every read starts with, numbering, timeline
//! entries, and [`apply`], which writes a lifecycle change with its event,
//! its row beside the request and its notices in one guarded transaction.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, Set, SqlErr, TransactionTrait,
};
use serde_json::{Value, json};

use crate::domain::lifecycle::{Audience, Change, NoticeSpec, Record, Ticket};
use crate::domain::{Outcome, RequestForm, Status};
use crate::server::auth::Caller;
use crate::server::entity::{
    attachment, comment, extension_request, ticket, ticket_counter, ticket_event, ticket_rating,
    user,
};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::notify::{self, TicketNotice};
use crate::server::reference::Staff;
use crate::server::state::AppState;
use crate::server::submissions::{self, Made, SubmissionKey};
use crate::wire::AppError;

fn count(value: i32, what: &str) -> ServiceResult<u32> {
    u32::try_from(value).map_err(|_| ServiceError::Corrupt(format!("{what} {value}")))
}

fn stored(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Parses a stored row; a code this program does not know is reported as
/// corrupt data here and nowhere else.
pub(crate) fn parse(row: &ticket::Model) -> ServiceResult<Ticket> {
    let corrupt = |what: &str, value: &str| ServiceError::Corrupt(format!("{what} {value}"));
    Ok(Ticket {
        id: row.id,
        number: row.number.clone(),
        subject: row.subject.clone(),
        unit: row.unit_code.clone(),
        requester_id: row.requester_id,
        assignee_id: row.assignee_id,
        status: Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
        form: RequestForm::parse(&row.form).ok_or_else(|| corrupt("form", &row.form))?,
        registered_at: row.registered_at,
        due_at: row.due_at,
        due_explanation: serde_json::from_str(&row.due_explanation).ok(),
        extension_days: row
            .extension_days
            .map(|d| count(d, "extension days"))
            .transpose()?,
        extension_reason: row.extension_reason.clone(),
        extended_at: row.extended_at,
        transfer_count: count(row.transfer_count, "transfer count")?,
        questions: count(row.questions, "questions")?,
        taken_at: row.taken_at,
        answered_at: row.answered_at,
        handling_work_seconds: row.handling_work_seconds,
        outcome: row
            .outcome
            .as_deref()
            .map(|o| Outcome::parse(o).ok_or_else(|| corrupt("outcome", o)))
            .transpose()?,
        planned_on: row
            .planned_on
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        answers: count(row.answers, "answers")?,
        rated_answers: count(row.rated_answers, "rated answers")?,
        reopen_count: count(row.reopen_count, "reopen count")?,
        reopen_until: row.reopen_until,
        closed_at: row.closed_at,
        pending_extension: row.pending_extension_id,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// Loads a request the caller may see; others get "not found" so that
/// numbers of foreign requests leak nothing.
pub(crate) async fn visible(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<ticket::Model> {
    let row = ticket::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !caller
        .roles
        .can_view(caller.id, row.requester_id, &row.unit_code)
    {
        return Err(AppError::NotFound.into());
    }
    Ok(row)
}

pub(crate) async fn next_sequence<C: ConnectionTrait>(
    db: &C,
    unit: &str,
    year: i32,
) -> ServiceResult<u32> {
    take_sequences(db, unit, year, 1).await
}

/// Takes `n` numbers of a unit's year at once; returns the last of them
/// (the others are the `n - 1` before it).
pub(crate) async fn take_sequences<C: ConnectionTrait>(
    db: &C,
    unit: &str,
    year: i32,
    n: u32,
) -> ServiceResult<u32> {
    // One statement: the first number of a unit's year inserts the row, every
    // later one raises it; the conflict update takes the row's lock, so
    // concurrent filings get distinct numbers.
    let row = ticket_counter::Entity::insert(ticket_counter::ActiveModel {
        unit_code: Set(unit.to_string()),
        year: Set(year),
        value: Set(i64::from(n)),
    })
    .on_conflict(
        OnConflict::columns([
            ticket_counter::Column::UnitCode,
            ticket_counter::Column::Year,
        ])
        .value(
            ticket_counter::Column::Value,
            Expr::col((ticket_counter::Entity, ticket_counter::Column::Value)).add(n),
        )
        .to_owned(),
    )
    .exec_with_returning(db)
    .await?;
    u32::try_from(row.value).map_err(|_| ServiceError::Corrupt("ticket counter overflow".into()))
}

pub(crate) async fn add_event<C: ConnectionTrait>(
    db: &C,
    ticket_id: i64,
    actor: Option<i64>,
    kind: &str,
    data: Value,
    internal: bool,
    at: DateTime<Utc>,
) -> ServiceResult<()> {
    event_row(ticket_id, actor, kind, &data, internal, at)
        .insert(db)
        .await?;
    Ok(())
}

/// A timeline entry, not yet written.
pub(crate) fn event_row(
    ticket_id: i64,
    actor: Option<i64>,
    kind: &str,
    data: &Value,
    internal: bool,
    at: DateTime<Utc>,
) -> ticket_event::ActiveModel {
    ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor_id: Set(actor),
        kind: Set(kind.to_string()),
        data: Set(data.to_string()),
        internal: Set(internal),
        created_at: Set(at),
        ..Default::default()
    }
}

pub(crate) async fn users_by_id<C: ConnectionTrait>(
    db: &C,
    mut ids: Vec<i64>,
) -> ServiceResult<HashMap<i64, user::Model>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found =
        crate::server::packed::models(db, user::Entity::find().filter(user::Column::Id.is_in(ids)))
            .await?;
    Ok(found.into_iter().map(|u| (u.id, u)).collect())
}

/// The columns a change may touch, as they are after it.
fn columns(before: &Ticket, t: &Ticket) -> ticket::ActiveModel {
    let mut row = ticket::ActiveModel {
        unit_code: Set(t.unit.clone()),
        assignee_id: Set(t.assignee_id),
        status: Set(t.status.code().into()),
        due_at: Set(t.due_at),
        extension_days: Set(t.extension_days.map(stored)),
        extension_reason: Set(t.extension_reason.clone()),
        extended_at: Set(t.extended_at),
        transfer_count: Set(stored(t.transfer_count)),
        questions: Set(stored(t.questions)),
        taken_at: Set(t.taken_at),
        answered_at: Set(t.answered_at),
        handling_work_seconds: Set(t.handling_work_seconds),
        outcome: Set(t.outcome.map(|o| o.code().to_string())),
        planned_on: Set(t.planned_on.map(|d| d.format("%Y-%m-%d").to_string())),
        answers: Set(stored(t.answers)),
        rated_answers: Set(stored(t.rated_answers)),
        reopen_count: Set(stored(t.reopen_count)),
        reopen_until: Set(t.reopen_until),
        closed_at: Set(t.closed_at),
        pending_extension_id: Set(t.pending_extension),
        updated_at: Set(t.updated_at),
        version: Set(t.version),
        ..Default::default()
    };
    // An explanation that could not be read is left as it is stored.
    if t.due_explanation != before.due_explanation
        && let Some(e) = &t.due_explanation
    {
        row.due_explanation = Set(serde_json::to_string(e).unwrap_or_default());
    }
    row
}

fn changed() -> ServiceError {
    AppError::Conflict {
        reason: "changed".into(),
    }
    .into()
}

/// What [`apply`] wrote.
pub(crate) struct Applied {
    pub row: ticket::Model,
    pub comment: Option<comment::Model>,
    /// The file sent with the message ([`apply_with_file`]).
    pub attached: Option<attachment::Model>,
}

/// Writes a change made from `before` in one transaction: the request
/// (only if nobody changed it since `before` was read, else 409 `changed`),
/// the row beside it, its timeline and the notices. `actor` is `None` for
/// the scheduler.
pub(crate) async fn apply(
    state: &AppState,
    actor: Option<&Caller>,
    before: &Ticket,
    change: Change,
) -> ServiceResult<Applied> {
    apply_with_file(state, actor, before, change, None, None).await
}

/// [`apply`], attaching `file` to the message the change writes in the
/// same transaction: counted under the request's lock taken by the guarded
/// write, so a message is never saved without the file it was sent with.
pub(crate) async fn apply_with_file(
    state: &AppState,
    actor: Option<&Caller>,
    before: &Ticket,
    change: Change,
    file: Option<attachment::ActiveModel>,
    submission: Option<&SubmissionKey>,
) -> ServiceResult<Applied> {
    let after = &change.after;
    let now = after.updated_at;
    let actor_id = actor.map(|a| a.id);
    // Read before the transaction (it holds no lock while the copy
    // reloads), and only when someone is to be told.
    let staff = if change.notices.is_empty() {
        Arc::default()
    } else {
        state.reference().await?.staff
    };
    let txn = state.db.begin().await?;
    // The guarded write comes first, so that it takes the row (PostgreSQL)
    // or the database (SQLite) before anything is read in the transaction.
    let written = ticket::Entity::update_many()
        .set(columns(before, after))
        .filter(ticket::Column::Id.eq(before.id))
        .filter(ticket::Column::Version.eq(before.version))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        txn.rollback().await?;
        return Err(changed());
    }
    let mut event_data = change
        .event
        .as_ref()
        .map(|e| e.data.clone())
        .unwrap_or(Value::Null);
    let saved_comment = match change.record.clone() {
        Some(record) => {
            write_record(&txn, actor_id, before, after, record, &mut event_data).await?
        }
        None => None,
    };
    // The key that sent the message is taken with it: a second send of it
    // fails here, whole, and is answered with this message.
    if let (Some(key), Some(c)) = (submission, &saved_comment) {
        submissions::row(key, Made::Comment(c.id), now)
            .insert(&txn)
            .await?;
    }
    let attached = match file {
        Some(mut file) => {
            let held = attachment::Entity::find()
                .filter(attachment::Column::TicketId.eq(before.id))
                .count(&txn)
                .await?;
            if held >= super::attachments::MAX_PER_REQUEST {
                txn.rollback().await?;
                return Err(super::attachments::too_many());
            }
            file.ticket_id = Set(before.id);
            file.comment_id = Set(saved_comment.as_ref().map(|c| c.id));
            Some(file.insert(&txn).await?)
        }
        None => None,
    };
    if let Some(event) = &change.event {
        add_event(
            &txn,
            before.id,
            actor_id,
            event.kind,
            event_data,
            event.internal,
            now,
        )
        .await?;
    }
    if after.status != before.status {
        add_event(
            &txn,
            before.id,
            actor_id,
            "status",
            json!({ "from": before.status, "to": after.status }),
            false,
            now,
        )
        .await?;
    }
    send_notices(&txn, &staff, actor, after, &change.notices).await?;
    txn.commit().await?;
    let row = ticket::Entity::find_by_id(before.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Applied {
        row,
        comment: saved_comment,
        attached,
    })
}

async fn write_record(
    txn: &DatabaseTransaction,
    actor_id: Option<i64>,
    before: &Ticket,
    after: &Ticket,
    record: Record,
    event_data: &mut Value,
) -> ServiceResult<Option<comment::Model>> {
    let now = after.updated_at;
    match record {
        Record::Comment { body, internal } => {
            let author = actor_id.ok_or_else(|| ServiceError::Corrupt("comment author".into()))?;
            let saved = comment::ActiveModel {
                ticket_id: Set(before.id),
                author_id: Set(author),
                body: Set(body),
                internal: Set(internal),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            if let Some(data) = event_data.as_object_mut() {
                data.insert("comment_id".into(), json!(saved.id));
            }
            Ok(Some(saved))
        }
        Record::Rating {
            answer,
            score,
            comment,
        } => {
            let rater = actor_id.ok_or_else(|| ServiceError::Corrupt("rater".into()))?;
            let inserted = ticket_rating::ActiveModel {
                ticket_id: Set(before.id),
                answer: Set(stored(answer)),
                score: Set(i32::from(score)),
                comment: Set(comment),
                rater_id: Set(rater),
                unit_code: Set(after.unit.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await;
            match inserted {
                Ok(_) => Ok(None),
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    Err(AppError::Conflict {
                        reason: "already_rated".into(),
                    }
                    .into())
                }
                Err(e) => Err(e.into()),
            }
        }
        Record::ExtensionRequest { days, reason } => {
            let by = actor_id.ok_or_else(|| ServiceError::Corrupt("asked by".into()))?;
            let saved = extension_request::ActiveModel {
                ticket_id: Set(before.id),
                requested_by: Set(by),
                days: Set(stored(days)),
                reason: Set(reason),
                state: Set("pending".into()),
                decided_by: Set(None),
                decision_reason: Set(None),
                created_at: Set(now),
                decided_at: Set(None),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            ticket::Entity::update_many()
                .col_expr(ticket::Column::PendingExtensionId, Expr::value(saved.id))
                .filter(ticket::Column::Id.eq(before.id))
                .exec(txn)
                .await?;
            if let Some(data) = event_data.as_object_mut() {
                data.insert("request_id".into(), json!(saved.id));
            }
            Ok(None)
        }
        Record::ExtensionDecision {
            id,
            approved,
            reason,
        } => {
            let decided = extension_request::Entity::update_many()
                .col_expr(
                    extension_request::Column::State,
                    Expr::value(if approved { "approved" } else { "refused" }),
                )
                .col_expr(extension_request::Column::DecidedBy, Expr::value(actor_id))
                .col_expr(
                    extension_request::Column::DecisionReason,
                    Expr::value(Some(reason)),
                )
                .col_expr(extension_request::Column::DecidedAt, Expr::value(Some(now)))
                .filter(extension_request::Column::Id.eq(id))
                .filter(extension_request::Column::State.eq("pending"))
                .exec(txn)
                .await?;
            if decided.rows_affected != 1 {
                return Err(AppError::Conflict {
                    reason: "no_extension_request".into(),
                }
                .into());
            }
            Ok(None)
        }
    }
}

/// Kinds about a unit's queue, whose e-mail each person may switch off.
const QUEUE_KINDS: [&str; 2] = ["new_request", "transferred_in"];

/// Kinds that reach the person who caused them (the receipt of a filing).
const TO_SELF: [&str; 1] = ["registered"];

/// Resolves each notice's audience and tells them, the actor excepted.
/// `staff` is the unit staff as read before the transaction (`reference`).
pub(crate) async fn send_notices<C: ConnectionTrait>(
    db: &C,
    staff: &Staff,
    actor: Option<&Caller>,
    after: &Ticket,
    notices: &[NoticeSpec],
) -> ServiceResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut ids = vec![after.requester_id];
    ids.extend(after.assignee_id);
    for n in notices {
        if let Audience::User(id) = n.to {
            ids.push(id);
        }
        if let Some(id) = n.data.get("assignee_id").and_then(Value::as_i64) {
            ids.push(id);
        }
    }
    let people = users_by_id(db, ids).await?;
    let of = NoticesOf {
        actor,
        after,
        notices,
        people: &people,
        staff,
    };
    send_notices_of(db, &[of], after.updated_at).await
}

/// The notices of one request, with the people they name at hand (its
/// requester, assignee, and anyone a notice names).
pub(crate) struct NoticesOf<'a> {
    pub actor: Option<&'a Caller>,
    pub after: &'a Ticket,
    pub notices: &'a [NoticeSpec],
    pub people: &'a HashMap<i64, user::Model>,
    /// Who works in which unit, as read before the transaction.
    pub staff: &'a Staff,
}

/// Notices of one or several requests (a batch of filings), everyone told
/// in one round of statements.
pub(crate) async fn send_notices_of<C: ConnectionTrait>(
    db: &C,
    items: &[NoticesOf<'_>],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    // Worded data first (each notice's), then everyone told at once.
    let worded: Vec<Vec<(&NoticeSpec, Vec<&user::Model>, Value)>> =
        items.iter().map(word).collect();
    let mut told = Vec::new();
    for (of, worded) in items.iter().zip(&worded) {
        for (n, recipients, data) in worded {
            for person in recipients {
                // Nobody is told of their own action, except of their own filing.
                if of.actor.is_some_and(|a| a.id == person.id) && !TO_SELF.contains(&n.kind) {
                    continue;
                }
                let notice = TicketNotice {
                    ticket_id: of.after.id,
                    kind: n.kind,
                    data,
                    dedup_key: format!("{}:{}:{}", n.kind, of.after.id, of.after.version),
                    mail: person.mail_queue || !QUEUE_KINDS.contains(&n.kind),
                };
                told.push((*person, notice));
            }
        }
    }
    notify::tell_all(db, &told, now).await
}

/// Each notice's recipients and its data as worded for them.
fn word<'a>(of: &NoticesOf<'a>) -> Vec<(&'a NoticeSpec, Vec<&'a user::Model>, Value)> {
    let (after, people, staff) = (of.after, of.people, of.staff);
    let mut worded = Vec::with_capacity(of.notices.len());
    for n in of.notices {
        let recipients: Vec<&user::Model> = match &n.to {
            Audience::Requester => people.get(&after.requester_id).into_iter().collect(),
            Audience::User(id) => people.get(id).into_iter().collect(),
            Audience::AssigneeOrUnit => {
                match after
                    .assignee_id
                    .and_then(|id| people.get(&id))
                    .filter(|u| u.active)
                {
                    Some(a) => vec![a],
                    None => staff.of(&after.unit).iter().collect(),
                }
            }
            Audience::UnitStaff(unit) => staff.of(unit).iter().collect(),
            Audience::UnitHeads => staff
                .of(&after.unit)
                .iter()
                .filter(|u| crate::server::auth::parse_roles(&u.roles).is_head_of(&after.unit))
                .collect(),
        };
        let mut data = n.data.clone();
        if let Some(obj) = data.as_object_mut() {
            obj.insert("number".into(), json!(after.number));
            obj.insert("subject".into(), json!(after.subject));
            obj.entry("actor")
                .or_insert_with(|| json!(of.actor.map(|a| a.name.clone()).unwrap_or_default()));
            if let Some(name) = obj
                .get("assignee_id")
                .and_then(Value::as_i64)
                .and_then(|id| people.get(&id))
                .map(|u| u.shown_name())
            {
                obj.insert("assignee".into(), json!(name));
            }
        }
        worded.push((n, recipients, data));
    }
    worded
}
