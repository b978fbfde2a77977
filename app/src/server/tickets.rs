//! Requests: filing (with routing, numbering and the due date), reading with
//! access rules, listing with keyset pages, replies, notes, taking and assigning.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::auth::{Caller, parse_roles, upsert_user};
use super::entity::{comment, request_kind, ticket, ticket_counter, ticket_event, unit, user};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::domain::fields::{BODY_MAX, SUBJECT_MAX, validate_text};
use crate::domain::{
    Channel, FieldError, FieldErrorCode, KindSpec, RequestForm, Status, TicketNumber, deadline,
};
use crate::i18n::Lang;
use crate::wire::{
    AppError, CommentView, EventView, NewTicket, TicketDetail, TicketPage, TicketView, UnitRef,
    UserRef,
};

/// Largest page of a list.
pub const PAGE_MAX: u64 = 100;

/// The active request kinds in catalogue order.
pub async fn kinds(db: &DatabaseConnection) -> ServiceResult<Vec<KindSpec>> {
    let rows = request_kind::Entity::find()
        .filter(request_kind::Column::Active.eq(true))
        .order_by_asc(request_kind::Column::Position)
        .all(db)
        .await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str(&r.spec)
                .map_err(|e| ServiceError::Corrupt(format!("kind {}: {e}", r.code)))
        })
        .collect()
}

pub async fn units(db: &DatabaseConnection) -> ServiceResult<Vec<unit::Model>> {
    Ok(unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?)
}

fn user_ref(u: &user::Model) -> UserRef {
    UserRef {
        login: u.login.clone(),
        name: u.full_name.clone(),
    }
}

/// Turns ticket rows into views with three queries in all, however many rows.
async fn views(
    state: &AppState,
    rows: Vec<ticket::Model>,
    lang: Lang,
) -> ServiceResult<Vec<TicketView>> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|t| [Some(t.requester_id), t.assignee_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let users: HashMap<i64, user::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let units: HashMap<String, String> = units(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let kinds: HashMap<String, String> = kinds_all(&state.db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.title))
        .collect();
    let now = state.now();
    rows.into_iter()
        .map(|t| {
            let status = Status::parse(&t.status)
                .ok_or_else(|| ServiceError::Corrupt(format!("status {}", t.status)))?;
            let requester = users
                .get(&t.requester_id)
                .map(user_ref)
                .ok_or_else(|| ServiceError::Corrupt("requester".into()))?;
            Ok(TicketView {
                id: t.id,
                kind_title: kinds
                    .get(&t.kind_code)
                    .cloned()
                    .unwrap_or_else(|| t.kind_code.clone()),
                unit: UnitRef {
                    name: units.get(&t.unit_code).cloned().unwrap_or_default(),
                    code: t.unit_code.clone(),
                },
                status,
                form: RequestForm::parse(&t.form).unwrap_or(RequestForm::Written),
                channel: Channel::parse(&t.channel).unwrap_or(Channel::Portal),
                fields: serde_json::from_str(&t.fields).unwrap_or_default(),
                overdue: deadline::is_overdue(status.is_open(), t.answered_at, t.due_at, now),
                due_explanation: serde_json::from_str::<deadline::Explanation>(&t.due_explanation)
                    .map(|e| crate::i18n::explain(&e, lang))
                    .unwrap_or_default(),
                extension_days: t.extension_days.and_then(|d| u32::try_from(d).ok()),
                extension_reason: t.extension_reason,
                transfer_count: u32::try_from(t.transfer_count).unwrap_or(0),
                answered_at: t.answered_at,
                outcome: t.outcome,
                planned_on: t.planned_on,
                requester,
                assignee: t.assignee_id.and_then(|id| users.get(&id)).map(user_ref),
                number: t.number,
                kind: t.kind_code,
                subject: t.subject,
                description: t.description,
                registered_at: t.registered_at,
                due_at: t.due_at,
            })
        })
        .collect()
}

/// Every kind including inactive ones, so old requests keep their titles.
pub(crate) async fn kinds_all(db: &DatabaseConnection) -> ServiceResult<Vec<KindSpec>> {
    let rows = request_kind::Entity::find().all(db).await?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.spec).ok())
        .collect())
}

async fn next_sequence<C: ConnectionTrait>(db: &C, unit: &str, year: i32) -> ServiceResult<u32> {
    ticket_counter::Entity::insert(ticket_counter::ActiveModel {
        unit_code: Set(unit.to_string()),
        year: Set(year),
        value: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            ticket_counter::Column::UnitCode,
            ticket_counter::Column::Year,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    // The update takes the row lock, so concurrent filings get distinct numbers.
    ticket_counter::Entity::update_many()
        .col_expr(
            ticket_counter::Column::Value,
            Expr::col(ticket_counter::Column::Value).add(1),
        )
        .filter(ticket_counter::Column::UnitCode.eq(unit))
        .filter(ticket_counter::Column::Year.eq(year))
        .exec(db)
        .await?;
    let row = ticket_counter::Entity::find_by_id((unit.to_string(), year))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Corrupt("ticket counter vanished".into()))?;
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
    ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor_id: Set(actor),
        kind: Set(kind.to_string()),
        data: Set(data.to_string()),
        internal: Set(internal),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Files a request. Employees file their own written requests from the
/// portal; unit staff may register a request on an employee's behalf with
/// any channel and form.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: NewTicket,
) -> ServiceResult<TicketView> {
    let mut errors: Vec<FieldError> = Vec::new();
    let kinds = kinds(&state.db).await?;
    let kind = kinds.iter().find(|k| k.code == input.kind);
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

    let requester = match on_behalf {
        None => None,
        Some(_) if !staff => {
            errors.push(FieldError::new(
                "requester_login",
                FieldErrorCode::NotAllowed,
            ));
            None
        }
        Some(login) => match state.directory.lookup(login).await {
            Ok(Some(person)) => Some(upsert_user(state, &person, false).await?),
            Ok(None) => {
                errors.push(FieldError::new(
                    "requester_login",
                    FieldErrorCode::UnknownOption,
                ));
                None
            }
            Err(e) => return Err(AppError::from(e).into()),
        },
    };

    let (Some(kind), Some(unit), Some(channel), Some(form), true) =
        (kind, unit, channel, form, errors.is_empty())
    else {
        return Err(AppError::Invalid { fields: errors }.into());
    };
    let requester = match requester {
        Some(r) => r,
        None => user::Entity::find_by_id(caller.id)
            .one(&state.db)
            .await?
            .ok_or(AppError::Unauthenticated)?,
    };
    let requester_id = requester.id;
    let now = state.now();
    let local = state.local(now);
    let cal = super::calendar::load(state).await?;
    let due = super::calendar::deadline_for(state, &cal, form, local, None)?;
    let due_at = state.from_local(due.due_at);
    let year = local.year();

    let unit_name = units(&state.db)
        .await?
        .into_iter()
        .find(|u| u.code == unit)
        .map(|u| u.name)
        .unwrap_or_default();
    let txn = state.db.begin().await?;
    let sequence = next_sequence(&txn, &unit, year).await?;
    let number = TicketNumber {
        unit: unit.clone(),
        year,
        sequence,
    }
    .to_string();
    let row = ticket::ActiveModel {
        number: Set(number.clone()),
        kind_code: Set(kind.code.clone()),
        unit_code: Set(unit.clone()),
        requester_id: Set(requester_id),
        registered_by_id: Set(caller.id),
        assignee_id: Set(None),
        status: Set(Status::Registered.code().into()),
        form: Set(form.code().into()),
        channel: Set(channel.code().into()),
        subject: Set(subject),
        description: Set(description),
        fields: Set(Value::Object(fields).to_string()),
        registered_at: Set(now),
        due_at: Set(due_at),
        updated_at: Set(now),
        closed_at: Set(None),
        due_explanation: Set(serde_json::to_string(&due.explanation).unwrap_or_default()),
        transfer_count: Set(0),
        questions: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_event(
        &txn,
        row.id,
        Some(caller.id),
        "registered",
        json!({ "number": number, "unit": unit }),
        false,
        now,
    )
    .await?;
    if form == RequestForm::Written {
        // Acknowledgement of receipt: number, due date, the unit that answers.
        let notice = super::notify::Notice {
            ticket_id: Some(row.id),
            kind: "registered",
            subject: format!("Обращение {number} зарегистрировано"),
            body: format!(
                "Ваше обращение «{}» зарегистрировано под номером {number}. Срок ответа — {}. Ответит: {unit_name}.",
                row.subject,
                due.due_on.format("%d.%m.%Y")
            ),
            dedup_key: format!("registered:{}", row.id),
        };
        super::notify::send(&txn, &requester, notice, now).await?;
    }
    txn.commit().await?;
    tracing::info!(%number, kind = %kind.code, %unit, "request registered");
    one_view(state, row, caller.lang).await
}

/// The view of one row (after an action changed it).
pub(crate) async fn view_for(
    state: &AppState,
    row: ticket::Model,
    lang: Lang,
) -> ServiceResult<TicketView> {
    one_view(state, row, lang).await
}

async fn one_view(state: &AppState, row: ticket::Model, lang: Lang) -> ServiceResult<TicketView> {
    views(state, vec![row], lang)
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Corrupt("view".into()))
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

pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    one_view(state, row, caller.lang).await
}

/// The request page: the request, its replies, timeline and files, filtered for the caller.
pub async fn detail(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketDetail> {
    let row = visible(state, caller, id).await?;
    let internal = caller.roles.can_see_internal(&row.unit_code);
    let unit_code = row.unit_code.clone();
    let status = Status::parse(&row.status).unwrap_or(Status::Registered);
    let comments = comments_of(state, &row, internal).await?;
    let mut events_q = ticket_event::Entity::find().filter(ticket_event::Column::TicketId.eq(id));
    if !internal {
        events_q = events_q.filter(ticket_event::Column::Internal.eq(false));
    }
    let events = events_q
        .order_by_asc(ticket_event::Column::Id)
        .all(&state.db)
        .await?;
    let actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    let actors = users_by_id(&state.db, actor_ids).await?;
    let events = events
        .into_iter()
        .map(|e| EventView {
            id: e.id,
            actor: e.actor_id.and_then(|a| actors.get(&a)).map(user_ref),
            data: serde_json::from_str(&e.data).unwrap_or(Value::Null),
            kind: e.kind,
            created_at: e.created_at,
        })
        .collect();
    let attachments = super::files::list(state, id, &comments).await?;
    let staff = if caller.roles.can_assign(&unit_code) {
        unit_staff(state, &unit_code).await?
    } else {
        Vec::new()
    };
    let works = caller.roles.can_work(&unit_code) && status.is_open();
    let can_transfer = works
        && u32::try_from(row.transfer_count).unwrap_or(u32::MAX)
            < crate::domain::ticket::TRANSFERS_MAX;
    let transfer_units = if can_transfer {
        units(&state.db)
            .await?
            .into_iter()
            .filter(|u| u.code != unit_code)
            .map(|u| UnitRef {
                code: u.code,
                name: u.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let forward_by = if works {
        super::workflow::forward_deadline(state, &row)
            .await
            .ok()
            .map(|(_, explanation)| crate::i18n::explain(&explanation, caller.lang))
    } else {
        None
    };
    let templates = if works {
        super::templates::for_ticket(state, caller, &row).await?
    } else {
        Vec::new()
    };
    let can_extend = caller.roles.can_assign(&unit_code)
        && status.is_open()
        && row.extension_days.is_none()
        && RequestForm::parse(&row.form) == Some(RequestForm::Written);
    Ok(TicketDetail {
        ticket: one_view(state, row, caller.lang).await?,
        comments,
        events,
        attachments,
        can_see_internal: internal,
        can_take: caller.roles.can_work(&unit_code) && status.can_take(),
        can_assign: caller.roles.can_assign(&unit_code) && status.is_open(),
        staff,
        can_extend,
        can_transfer,
        can_answer: works,
        transfer_units,
        forward_by,
        templates,
    })
}

async fn users_by_id(
    db: &DatabaseConnection,
    mut ids: Vec<i64>,
) -> ServiceResult<HashMap<i64, user::Model>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

pub(crate) async fn comments_of(
    state: &AppState,
    row: &ticket::Model,
    internal: bool,
) -> ServiceResult<Vec<CommentView>> {
    let mut q = comment::Entity::find().filter(comment::Column::TicketId.eq(row.id));
    if !internal {
        q = q.filter(comment::Column::Internal.eq(false));
    }
    let rows = q.order_by_asc(comment::Column::Id).all(&state.db).await?;
    let authors = users_by_id(&state.db, rows.iter().map(|c| c.author_id).collect()).await?;
    rows.into_iter()
        .map(|c| {
            let author = authors
                .get(&c.author_id)
                .map(user_ref)
                .ok_or_else(|| ServiceError::Corrupt("author".into()))?;
            Ok(CommentView {
                id: c.id,
                author,
                body: c.body,
                internal: c.internal,
                created_at: c.created_at,
            })
        })
        .collect()
}

pub async fn comments(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<Vec<CommentView>> {
    let row = visible(state, caller, id).await?;
    comments_of(state, &row, caller.roles.can_see_internal(&row.unit_code)).await
}

/// A public reply or an internal note. Neither closes the request.
pub async fn add_comment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: &str,
    internal: bool,
) -> ServiceResult<CommentView> {
    let row = visible(state, caller, id).await?;
    if internal && !caller.roles.can_see_internal(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    // Staff may write placeholders (an inserted template): filled here or refused.
    let body = if caller.roles.can_work(&row.unit_code) {
        super::templates::fill_reply(state, caller, &row, body).await?
    } else {
        body.to_string()
    };
    let mut errors = Vec::new();
    let body = validate_text("body", &body, true, BODY_MAX, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    let txn = state.db.begin().await?;
    let (saved, _) = insert_comment(&txn, caller, row, body, internal, state.now()).await?;
    txn.commit().await?;
    Ok(CommentView {
        id: saved.id,
        author: UserRef {
            login: caller.login.clone(),
            name: caller.name.clone(),
        },
        body: saved.body,
        internal: saved.internal,
        created_at: saved.created_at,
    })
}

/// Saves a checked reply or note with its events and the status it leads
/// to, inside the caller's transaction; returns it and the updated request.
pub(crate) async fn insert_comment<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    row: ticket::Model,
    body: String,
    internal: bool,
    now: DateTime<Utc>,
) -> ServiceResult<(comment::Model, ticket::Model)> {
    let by_staff = caller.roles.can_work(&row.unit_code) && caller.id != row.requester_id;
    let status = Status::parse(&row.status).unwrap_or(Status::Registered);
    let next = if internal {
        status
    } else {
        status.after_public_reply(by_staff)
    };
    let saved = comment::ActiveModel {
        ticket_id: Set(row.id),
        author_id: Set(caller.id),
        body: Set(body),
        internal: Set(internal),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let kind = if internal { "noted" } else { "commented" };
    add_event(
        db,
        row.id,
        Some(caller.id),
        kind,
        json!({ "comment_id": saved.id }),
        internal,
        now,
    )
    .await?;
    let mut update: ticket::ActiveModel = row.into();
    if next != status {
        update.status = Set(next.code().into());
        add_event(
            db,
            saved.ticket_id,
            Some(caller.id),
            "status",
            json!({ "from": status, "to": next }),
            false,
            now,
        )
        .await?;
    }
    update.updated_at = Set(now);
    let updated = update.update(db).await?;
    Ok((saved, updated))
}

async fn set_assignee(
    state: &AppState,
    caller: &Caller,
    row: ticket::Model,
    assignee: &user::Model,
    kind: &str,
) -> ServiceResult<TicketView> {
    let now = state.now();
    let status = Status::parse(&row.status).unwrap_or(Status::Registered);
    let txn = state.db.begin().await?;
    let mut update: ticket::ActiveModel = row.clone().into();
    update.assignee_id = Set(Some(assignee.id));
    update.taken_at = Set(Some(now));
    update.updated_at = Set(now);
    if status == Status::Registered {
        update.status = Set(Status::InProgress.code().into());
    }
    let saved = update.update(&txn).await?;
    add_event(
        &txn,
        row.id,
        Some(caller.id),
        kind,
        json!({ "assignee": user_ref(assignee) }),
        false,
        now,
    )
    .await?;
    txn.commit().await?;
    one_view(state, saved, caller.lang).await
}

/// An executor takes a request of their unit into work.
pub async fn take(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    let status = Status::parse(&row.status).unwrap_or(Status::Registered);
    if !caller.roles.can_work(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    if !status.can_take() {
        return Err(AppError::invalid("status", FieldErrorCode::NotAllowed).into());
    }
    let me = user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    set_assignee(state, caller, row, &me, "taken").await
}

/// The unit head assigns a request to one of the unit's staff.
pub async fn assign(
    state: &AppState,
    caller: &Caller,
    id: i64,
    login: &str,
) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    if !caller.roles.can_assign(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    let status = Status::parse(&row.status).unwrap_or(Status::Registered);
    if !status.is_open() {
        return Err(AppError::invalid("status", FieldErrorCode::NotAllowed).into());
    }
    let target = user::Entity::find()
        .filter(user::Column::Login.eq(login.trim()))
        .one(&state.db)
        .await?;
    let Some(target) =
        target.filter(|u| u.active && parse_roles(&u.roles).is_staff_of(&row.unit_code))
    else {
        return Err(AppError::invalid("assignee", FieldErrorCode::UnknownOption).into());
    };
    set_assignee(state, caller, row, &target, "assigned").await
}

/// The unit's executors and head known to the service desk.
pub async fn unit_staff(state: &AppState, unit: &str) -> ServiceResult<Vec<UserRef>> {
    let rows = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Roles.contains(format!(":{unit}")))
        .order_by_asc(user::Column::FullName)
        .all(&state.db)
        .await?;
    Ok(rows
        .iter()
        .filter(|u| parse_roles(&u.roles).is_staff_of(unit))
        .map(user_ref)
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Mine,
    Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Closed,
    All,
}

/// A narrower view of the unit queue, as the workload page links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Open,
    DueToday,
    DueWeek,
    Overdue,
    Extended,
    Transferred,
}

impl Focus {
    pub fn parse(code: &str) -> Option<Focus> {
        Some(match code {
            "open" => Focus::Open,
            "due_today" => Focus::DueToday,
            "due_week" => Focus::DueWeek,
            "overdue" => Focus::Overdue,
            "extended" => Focus::Extended,
            "transferred" => Focus::Transferred,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub status: StatusFilter,
    pub limit: u64,
    pub cursor: Option<String>,
    /// Only this unit (of those the caller works).
    pub unit: Option<String>,
    pub focus: Option<Focus>,
}

impl ListQuery {
    /// Parses the query-string form; unknown values are input errors.
    pub fn parse(
        scope: Option<&str>,
        status: Option<&str>,
        limit: Option<&str>,
        cursor: Option<String>,
    ) -> Result<ListQuery, AppError> {
        let mut errors = Vec::new();
        let scope = match scope.unwrap_or("mine") {
            "mine" => Scope::Mine,
            "unit" => Scope::Unit,
            _ => {
                errors.push(FieldError::new("scope", FieldErrorCode::UnknownOption));
                Scope::Mine
            }
        };
        let status = match status.unwrap_or("all") {
            "open" => StatusFilter::Open,
            "closed" => StatusFilter::Closed,
            "all" => StatusFilter::All,
            _ => {
                errors.push(FieldError::new("status", FieldErrorCode::UnknownOption));
                StatusFilter::All
            }
        };
        let limit = match limit.map(str::parse::<u64>) {
            None => 20,
            Some(Ok(n)) if (1..=PAGE_MAX).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError::new(
                    "limit",
                    FieldErrorCode::AboveMax {
                        max: PAGE_MAX as f64,
                    },
                ));
                20
            }
        };
        if errors.is_empty() {
            Ok(ListQuery {
                scope,
                status,
                limit,
                cursor,
                unit: None,
                focus: None,
            })
        } else {
            Err(AppError::Invalid { fields: errors })
        }
    }

    /// Narrows a unit queue to one unit and a focus (`due_today`, `due_week`,
    /// `overdue`, `extended`, `transferred`); empty values leave it as it is.
    pub fn narrowed(mut self, unit: Option<&str>, focus: Option<&str>) -> Result<Self, AppError> {
        self.unit = unit
            .map(|u| u.trim().to_uppercase())
            .filter(|u| !u.is_empty());
        self.focus = match focus.map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(code) => Some(
                Focus::parse(code)
                    .ok_or_else(|| AppError::invalid("focus", FieldErrorCode::UnknownOption))?,
            ),
        };
        Ok(self)
    }
}

fn bad_cursor() -> ServiceError {
    AppError::invalid("cursor", FieldErrorCode::Pattern).into()
}

/// Keyset pages: "mine" newest first by id; "unit" by due time then id.
pub async fn list(state: &AppState, caller: &Caller, q: ListQuery) -> ServiceResult<TicketPage> {
    let mut select = ticket::Entity::find();
    select = match q.status {
        StatusFilter::Open => select.filter(ticket::Column::Status.is_in(open_codes())),
        StatusFilter::Closed => select.filter(ticket::Column::Status.is_not_in(open_codes())),
        StatusFilter::All => select,
    };
    match q.scope {
        Scope::Mine => {
            select = select.filter(ticket::Column::RequesterId.eq(caller.id));
            if let Some(c) = &q.cursor {
                let id: i64 = c.parse().map_err(|_| bad_cursor())?;
                select = select.filter(ticket::Column::Id.lt(id));
            }
            select = select.order_by_desc(ticket::Column::Id);
        }
        Scope::Unit => {
            if !caller.roles.is_admin() {
                let units = caller.roles.staff_units();
                if units.is_empty() {
                    return Err(AppError::Forbidden.into());
                }
                select = select.filter(ticket::Column::UnitCode.is_in(units));
            }
            if let Some(unit) = &q.unit {
                select = select.filter(ticket::Column::UnitCode.eq(unit));
            }
            if let Some(focus) = q.focus {
                select = focused(state, select, focus);
            }
            if let Some(c) = &q.cursor {
                let (due, id) = c.split_once('_').ok_or_else(bad_cursor)?;
                let due = DateTime::from_timestamp_millis(due.parse().map_err(|_| bad_cursor())?)
                    .ok_or_else(bad_cursor)?;
                let id: i64 = id.parse().map_err(|_| bad_cursor())?;
                select = select.filter(
                    Condition::any().add(ticket::Column::DueAt.gt(due)).add(
                        Condition::all()
                            .add(ticket::Column::DueAt.eq(due))
                            .add(ticket::Column::Id.gt(id)),
                    ),
                );
            }
            select = select
                .order_by_asc(ticket::Column::DueAt)
                .order_by_asc(ticket::Column::Id);
        }
    }
    let mut rows = select.limit(q.limit + 1).all(&state.db).await?;
    let more = rows.len() as u64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(usize::MAX));
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(match q.scope {
            Scope::Mine => last.id.to_string(),
            Scope::Unit => format!("{}_{}", last.due_at.timestamp_millis(), last.id),
        }),
        _ => None,
    };
    Ok(TicketPage {
        items: views(state, rows, caller.lang).await?,
        next_cursor,
    })
}

/// The open requests a focus picks, by the body's local day and week.
fn focused(
    state: &AppState,
    select: sea_orm::Select<ticket::Entity>,
    focus: Focus,
) -> sea_orm::Select<ticket::Entity> {
    use crate::domain::report::{Period, PeriodKind};
    let now = state.now();
    let today = state.local(now).date();
    let end_of = |day: chrono::NaiveDate| {
        state.from_local((day + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN))
    };
    let select = select.filter(ticket::Column::Status.is_in(open_codes()));
    match focus {
        Focus::Open => select,
        Focus::DueToday => select
            .filter(ticket::Column::DueAt.gte(now))
            .filter(ticket::Column::DueAt.lt(end_of(today))),
        Focus::DueWeek => select.filter(ticket::Column::DueAt.gte(now)).filter(
            ticket::Column::DueAt.lt(end_of(Period::containing(PeriodKind::Week, today).to)),
        ),
        Focus::Overdue => select.filter(ticket::Column::DueAt.lt(now)),
        Focus::Extended => select.filter(ticket::Column::ExtensionDays.is_not_null()),
        Focus::Transferred => select.filter(ticket::Column::TransferCount.gt(0)),
    }
}

/// Status codes of open requests, for queries.
pub(crate) fn open_codes() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

/// Unit codes and names, for forms.
pub async fn unit_names(state: &AppState) -> ServiceResult<BTreeMap<String, String>> {
    Ok(units(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect())
}
