//! What the regulations allow a unit to do with a request: extend its term
//! once, transfer it to another unit at most twice, and answer it (interim
//! answers and questions keep it open; the final answer names one of four
//! outcomes and the executor with their contacts).

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use serde_json::json;

use super::auth::Caller;
use super::calendar;
use super::entity::{ticket, unit, user};
use super::error::{ServiceError, ServiceResult};
use super::notify::{self, Notice};
use super::state::AppState;
use super::tickets::{self, add_event, visible};
use crate::domain::deadline::{self, Explanation};
use crate::domain::fields::{BODY_MAX, parse_date, validate_text};
use crate::domain::ticket::TRANSFERS_MAX;
use crate::domain::{FieldError, FieldErrorCode, Outcome, RequestForm, Status};
use crate::wire::{AppError, TicketView};

fn conflict(reason: &str) -> ServiceError {
    AppError::Conflict {
        reason: reason.into(),
    }
    .into()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

async fn requester(state: &AppState, row: &ticket::Model) -> ServiceResult<user::Model> {
    user::Entity::find_by_id(row.requester_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ServiceError::Corrupt("requester".into()))
}

fn open_status(row: &ticket::Model) -> ServiceResult<Status> {
    let status = Status::parse(&row.status)
        .ok_or_else(|| ServiceError::Corrupt(format!("status {}", row.status)))?;
    if status.is_open() {
        Ok(status)
    } else {
        Err(conflict("not_open"))
    }
}

fn reason_text(reason: &str, errors: &mut Vec<FieldError>) -> String {
    validate_text("reason", reason, true, 2000, errors)
}

/// Extends the term of a written request once, by 1–30 days (unit head or administrator).
pub async fn extend(
    state: &AppState,
    caller: &Caller,
    id: i64,
    days: i64,
    reason: &str,
) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    if !caller.roles.can_assign(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    open_status(&row)?;
    if RequestForm::parse(&row.form) != Some(RequestForm::Written) {
        return Err(conflict("oral"));
    }
    if row.extension_days.is_some() {
        return Err(conflict("already_extended"));
    }
    let mut errors = Vec::new();
    let days = match deadline::extension_days(days) {
        Some(d) => d,
        None => {
            let code = if days < 1 {
                FieldErrorCode::BelowMin { min: 1.0 }
            } else {
                FieldErrorCode::AboveMax {
                    max: f64::from(deadline::EXTENSION_MAX_DAYS),
                }
            };
            errors.push(FieldError::new("days", code));
            0
        }
    };
    let reason = reason_text(reason, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    let cal = calendar::load(state).await?;
    let registered_on = state.local(row.registered_at).date();
    let due =
        deadline::written(&cal, &state.hours, registered_on, Some(days)).map_err(AppError::from)?;
    let due_at = state.from_local(due.due_at);
    let requester = requester(state, &row).await?;
    let now = state.now();
    let number = row.number.clone();

    let txn = state.db.begin().await?;
    let mut update: ticket::ActiveModel = row.clone().into();
    update.due_at = Set(due_at);
    update.due_explanation = Set(serde_json::to_string(&due.explanation).unwrap_or_default());
    update.extension_days = Set(i32::try_from(days).ok());
    update.extension_reason = Set(Some(reason.clone()));
    update.extended_at = Set(Some(now));
    update.updated_at = Set(now);
    let saved = update.update(&txn).await?;
    add_event(
        &txn,
        id,
        Some(caller.id),
        "extended",
        json!({ "days": days, "reason": reason, "due_on": due.due_on }),
        false,
        now,
    )
    .await?;
    let body = format!(
        "Срок ответа по обращению {number} продлён на {days} дн., до {}. Причина: {reason}",
        dmy(due.due_on)
    );
    let notice = Notice {
        ticket_id: Some(id),
        kind: "extended",
        subject: format!("Срок ответа по обращению {number} продлён"),
        body,
        dedup_key: format!("extended:{id}"),
    };
    notify::send(&txn, &requester, notice, now).await?;
    txn.commit().await?;
    tickets::view_for(state, saved, caller.lang).await
}

/// Transfers a request to another unit (staff of its unit or administrator),
/// at most twice; it keeps its number and due date.
pub async fn transfer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    unit_code: &str,
    reason: &str,
) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    if !caller.roles.can_work(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    open_status(&row)?;
    if u32::try_from(row.transfer_count).unwrap_or(u32::MAX) >= TRANSFERS_MAX {
        return Err(conflict("too_many_transfers"));
    }
    let mut errors = Vec::new();
    let target = unit::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .find(|u| u.code == unit_code.trim().to_uppercase());
    match &target {
        None => errors.push(FieldError::new("unit", FieldErrorCode::UnknownOption)),
        Some(t) if t.code == row.unit_code => {
            errors.push(FieldError::new("unit", FieldErrorCode::NotAllowed))
        }
        Some(_) => {}
    }
    let reason = reason_text(reason, &mut errors);
    let (Some(target), true) = (target, errors.is_empty()) else {
        return Err(AppError::Invalid { fields: errors }.into());
    };
    let requester = requester(state, &row).await?;
    let now = state.now();
    let count = row.transfer_count + 1;
    let txn = state.db.begin().await?;
    let mut update: ticket::ActiveModel = row.clone().into();
    update.unit_code = Set(target.code.clone());
    update.assignee_id = Set(None);
    update.status = Set(Status::Registered.code().into());
    update.transfer_count = Set(count);
    update.updated_at = Set(now);
    let saved = update.update(&txn).await?;
    add_event(
        &txn,
        id,
        Some(caller.id),
        "transferred",
        json!({ "from": row.unit_code, "to": target.code, "unit_name": target.name, "reason": reason }),
        false,
        now,
    )
    .await?;
    let notice = Notice {
        ticket_id: Some(id),
        kind: "transferred",
        subject: format!("Обращение {} передано в другое подразделение", row.number),
        body: format!(
            "Обращение {} передано для ответа: {}. Причина: {reason}. Номер и срок ответа не меняются.",
            row.number, target.name
        ),
        dedup_key: format!("transferred:{id}:{count}"),
    };
    notify::send(&txn, &requester, notice, now).await?;
    txn.commit().await?;
    tickets::view_for(state, saved, caller.lang).await
}

/// An answer as submitted.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub body: String,
    pub final_answer: bool,
    /// An interim answer that asks the requester something: the request waits for them.
    pub question: bool,
    pub outcome: Option<String>,
    pub planned_on: Option<String>,
}

/// Answers a request. An interim answer is a public reply that keeps the
/// request open; the final one records the outcome and closes the work.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: AnswerInput,
) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    if !caller.roles.can_work(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    open_status(&row)?;
    let mut input = input;
    input.body = super::templates::fill_reply(state, caller, &row, &input.body).await?;
    if !input.final_answer {
        if !input.question {
            tickets::add_comment(state, caller, id, &input.body, false).await?;
            return tickets::get(state, caller, id).await;
        }
        let mut errors = Vec::new();
        let body = validate_text("body", &input.body, true, BODY_MAX, &mut errors);
        if !errors.is_empty() {
            return Err(AppError::Invalid { fields: errors }.into());
        }
        let requester = requester(state, &row).await?;
        let now = state.now();
        let number = row.number.clone();
        let txn = state.db.begin().await?;
        let (_, fresh) =
            tickets::insert_comment(&txn, caller, row, body.clone(), false, now).await?;
        let from = fresh.status.clone();
        let questions = fresh.questions + 1;
        let mut update: ticket::ActiveModel = fresh.into();
        update.status = Set(Status::AwaitingRequester.code().into());
        update.questions = Set(questions);
        let saved = update.update(&txn).await?;
        add_event(
            &txn,
            id,
            Some(caller.id),
            "status",
            json!({ "from": from, "to": Status::AwaitingRequester }),
            false,
            now,
        )
        .await?;
        let notice = Notice {
            ticket_id: Some(id),
            kind: "question",
            subject: format!("Вопрос по обращению {number}"),
            body: format!(
                "По обращению {number} исполнитель просит уточнить:\n\n{body}\n\nОтветьте на странице обращения."
            ),
            dedup_key: format!("question:{id}:{}", saved.updated_at.timestamp_millis()),
        };
        notify::send(&txn, &requester, notice, now).await?;
        txn.commit().await?;
        return tickets::view_for(state, saved, caller.lang).await;
    }
    let mut errors = Vec::new();
    let body = validate_text("body", &input.body, true, BODY_MAX, &mut errors);
    let outcome = match input
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        None => {
            errors.push(FieldError::new("outcome", FieldErrorCode::Required));
            None
        }
        Some(code) => match Outcome::parse(code) {
            Some(o) => Some(o),
            None => {
                errors.push(FieldError::new("outcome", FieldErrorCode::UnknownOption));
                None
            }
        },
    };
    let registered_on = state.local(row.registered_at).date();
    let planned_on = match (
        outcome,
        input
            .planned_on
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty()),
    ) {
        (Some(Outcome::WillBeSolved), None) => {
            errors.push(FieldError::new("planned_on", FieldErrorCode::Required));
            None
        }
        (Some(Outcome::WillBeSolved), Some(text)) => match parse_date(text) {
            Some(d) if d >= registered_on => Some(d),
            Some(_) => {
                errors.push(FieldError::new("planned_on", FieldErrorCode::NotAllowed));
                None
            }
            None => {
                errors.push(FieldError::new("planned_on", FieldErrorCode::InvalidDate));
                None
            }
        },
        _ => None,
    };
    let (Some(outcome), true) = (outcome, errors.is_empty()) else {
        return Err(AppError::Invalid { fields: errors }.into());
    };
    let executor = user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let outcome_text = match outcome {
        Outcome::Solved => "вопрос решён".to_string(),
        Outcome::WillBeSolved => format!(
            "вопрос будет решён до {}",
            planned_on.map(dmy).unwrap_or_default()
        ),
        Outcome::SolvableNoDate => {
            "вопрос может быть решён, срок пока определить нельзя".to_string()
        }
        Outcome::CannotBeSolved => "вопрос не может быть решён".to_string(),
    };
    let signature = format!(
        "Итог: {outcome_text}.\nИсполнитель: {}{}{}",
        executor.full_name,
        if executor.phone.is_empty() {
            String::new()
        } else {
            format!(", тел. {}", executor.phone)
        },
        if executor.email.is_empty() {
            String::new()
        } else {
            format!(", e-mail {}", executor.email)
        },
    );
    let full_body = format!("{body}\n\n{signature}");
    let requester = requester(state, &row).await?;
    let now = state.now();
    let number = row.number.clone();
    // The reply and the outcome are saved together or not at all.
    let txn = state.db.begin().await?;
    let (comment, fresh) =
        tickets::insert_comment(&txn, caller, row, full_body.clone(), false, now).await?;
    let mut update: ticket::ActiveModel = fresh.into();
    update.status = Set(Status::Answered.code().into());
    update.answered_at = Set(Some(now));
    update.outcome = Set(Some(outcome.code().into()));
    update.planned_on = Set(planned_on.map(|d| d.format("%Y-%m-%d").to_string()));
    update.updated_at = Set(now);
    let saved = update.update(&txn).await?;
    let executor_json =
        json!({ "name": executor.full_name, "phone": executor.phone, "email": executor.email });
    add_event(
        &txn,
        id,
        Some(caller.id),
        "answered",
        json!({ "outcome": outcome, "planned_on": planned_on, "executor": executor_json, "comment_id": comment.id }),
        false,
        now,
    )
    .await?;
    let notice = Notice {
        ticket_id: Some(id),
        kind: "answered",
        subject: format!("Ответ на обращение {number}"),
        body: format!("На обращение {number} дан ответ.\n\n{full_body}"),
        dedup_key: format!("answered:{id}"),
    };
    notify::send(&txn, &requester, notice, now).await?;
    txn.commit().await?;
    tickets::view_for(state, saved, caller.lang).await
}

/// The date by which a request out of competence must be forwarded.
pub async fn forward_deadline(
    state: &AppState,
    row: &ticket::Model,
) -> ServiceResult<(NaiveDate, Explanation)> {
    let cal = calendar::load(state).await?;
    let d = deadline::forward(&cal, &state.hours, state.local(row.registered_at).date())
        .map_err(AppError::from)?;
    Ok((d.due_on, d.explanation))
}
