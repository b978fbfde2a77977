//! What people do with a request. Each action reads the request, asks the
//! domain's transition for the change (or its refusal), and hands the change
//! to `store::apply`, which writes it guarded against a concurrent one.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::read::view_for;
use super::store::{self, Applied, apply, apply_with_file, visible};
use crate::domain::deadline;
use crate::domain::lifecycle::{Action, Actor, Change, FinalAnswer, NewTerm, Record, Ticket};
use crate::domain::{FieldErrorCode, Outcome, Status};
use crate::server::auth::{Caller, parse_roles};
use crate::server::calendar;
use crate::server::catalogue::units;
use crate::server::entity::{attachment, comment, extension_request, ticket, user};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;
use crate::server::submissions::{self, Made, SubmissionKey};
use crate::wire::{AppError, CommentView, TicketView, UserRef};

async fn load(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<(ticket::Model, Ticket)> {
    let row = visible(state, caller, id).await?;
    let t = store::parse(&row)?;
    Ok((row, t))
}

pub(super) fn actor(caller: &Caller) -> Actor<'_> {
    Actor {
        id: caller.id,
        roles: &caller.roles,
    }
}

/// How often an action is judged again after a concurrent change.
const ATTEMPTS: usize = 8;

fn lost_race(e: &ServiceError) -> bool {
    matches!(e, ServiceError::App(AppError::Conflict { reason }) if reason == "changed")
}

/// Reads the request, asks `decide` for the change and writes it. When
/// somebody changed the request in between, it is read and judged again, so
/// every rule is checked against the state the change really applies to:
/// of ten simultaneous transfers exactly two pass, the rest are refused by
/// the rule, not by chance.
pub(super) async fn act<F>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    decide: F,
) -> ServiceResult<Applied>
where
    F: FnMut(&Ticket) -> ServiceResult<Change>,
{
    act_with_file(state, caller, id, None, None, decide).await
}

/// [`act`], attaching `file` to the message the change writes.
async fn act_with_file<F>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    file: Option<attachment::ActiveModel>,
    submission: Option<&SubmissionKey>,
    mut decide: F,
) -> ServiceResult<Applied>
where
    F: FnMut(&Ticket) -> ServiceResult<Change>,
{
    for _ in 0..ATTEMPTS {
        let (_, t) = load(state, caller, id).await?;
        let change = decide(&t)?;
        match apply_with_file(state, Some(caller), &t, change, file.clone(), submission).await {
            Err(e) if lost_race(&e) => continue,
            other => return other,
        }
    }
    Err(AppError::Conflict {
        reason: "changed".into(),
    }
    .into())
}

/// [`act`], answering with the request as it is now.
async fn done<F>(state: &AppState, caller: &Caller, id: i64, decide: F) -> ServiceResult<TicketView>
where
    F: FnMut(&Ticket) -> ServiceResult<Change>,
{
    let applied = act(state, caller, id, decide).await?;
    view_for(state, caller, applied.row).await
}

/// The term of a written request with `days` of extension, on the calendar.
fn extended_term<'a>(
    state: &'a AppState,
    cal: &'a crate::domain::calendar::WorkCalendar,
    t: &Ticket,
) -> impl FnOnce(u32) -> Result<NewTerm, crate::domain::calendar::CalendarError> + 'a {
    let registered_on = state.local(t.registered_at).date();
    move |days| {
        let due = deadline::written(cal, &state.hours, registered_on, Some(days))?;
        Ok(NewTerm {
            due_at: state.from_local(due.due_at),
            explanation: due.explanation,
            due_on: due.due_on,
        })
    }
}

/// An executor takes a request of their unit into work.
pub async fn take(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let now = state.now();
    match done(state, caller, id, |t| Ok(t.take(actor(caller), now)?)).await {
        // A second click, or a retry after a lost answer: it is taken.
        Err(ServiceError::App(AppError::Conflict { reason })) if reason == "already_yours" => {
            super::read::get(state, caller, id).await
        }
        other => other,
    }
}

/// The unit head assigns a request to one of the unit's staff.
pub async fn assign(
    state: &AppState,
    caller: &Caller,
    id: i64,
    login: &str,
) -> ServiceResult<TicketView> {
    let (_, t) = load(state, caller, id).await?;
    let now = state.now();
    t.may(Action::Assign, actor(caller), now)?;
    let target = user::Entity::find()
        .filter(user::Column::Login.eq(login.trim()))
        .one(&state.db)
        .await?;
    let Some(target) = target.filter(|u| u.active && parse_roles(&u.roles).is_staff_of(&t.unit))
    else {
        return Err(AppError::invalid("assignee", FieldErrorCode::UnknownOption).into());
    };
    done(state, caller, id, |t| {
        Ok(t.assign(actor(caller), target.id, now)?)
    })
    .await
}

/// A public reply or an internal note. Neither closes the request.
pub async fn add_comment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: &str,
    internal: bool,
) -> ServiceResult<CommentView> {
    comment(state, caller, id, body, internal, false).await
}

/// A public reply, an internal note, or (`question`) a clarifying question
/// after which the request waits for the requester; their reply returns it
/// to work. The due date does not move.
pub async fn comment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: &str,
    internal: bool,
    question: bool,
) -> ServiceResult<CommentView> {
    comment_once(state, caller, id, body, internal, question, None).await
}

/// [`comment`] sent with a submission key: sent again, it makes no second
/// message and answers with the first.
pub async fn comment_once(
    state: &AppState,
    caller: &Caller,
    id: i64,
    body: &str,
    internal: bool,
    question: bool,
    submission: Option<&SubmissionKey>,
) -> ServiceResult<CommentView> {
    let message = Message {
        body,
        internal,
        question,
        file: None,
        submission,
    };
    let (view, _) = comment_with_file(state, caller, id, message).await?;
    Ok(view)
}

/// A message to write on a request: a reply, a note or a question, with
/// the file it carries and the key it was sent with.
pub(crate) struct Message<'a> {
    pub body: &'a str,
    pub internal: bool,
    pub question: bool,
    pub file: Option<attachment::ActiveModel>,
    pub submission: Option<&'a SubmissionKey>,
}

/// [`comment`] with a file attached to the message in the same write (or
/// neither is saved). Refused or failed with a key already used, it answers
/// with the message that key sent.
pub(crate) async fn comment_with_file(
    state: &AppState,
    caller: &Caller,
    id: i64,
    message: Message<'_>,
) -> ServiceResult<(CommentView, Option<attachment::Model>)> {
    let submission = message.submission;
    let written = write_comment(state, caller, id, message).await;
    match (written, submission) {
        (Err(e), Some(key)) => match sent_before(state, caller, key).await? {
            Some(view) => Ok((view, None)),
            None => Err(e),
        },
        (written, _) => written,
    }
}

/// The message a key already sent (the request's state may have moved on
/// since, so that sending it again would now be refused).
async fn sent_before(
    state: &AppState,
    caller: &Caller,
    key: &SubmissionKey,
) -> ServiceResult<Option<CommentView>> {
    let Some(Made::Comment(id)) = submissions::made_by(&state.db, key).await? else {
        return Ok(None);
    };
    let Some(saved) = comment::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    Ok(Some(comment_view(caller, saved)))
}

fn comment_view(caller: &Caller, saved: comment::Model) -> CommentView {
    CommentView {
        id: saved.id,
        author: UserRef {
            login: caller.login.clone(),
            name: caller.name.clone(),
        },
        body: saved.body,
        internal: saved.internal,
        created_at: saved.created_at,
    }
}

async fn write_comment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    message: Message<'_>,
) -> ServiceResult<(CommentView, Option<attachment::Model>)> {
    let Message {
        body,
        internal,
        question,
        file,
        submission,
    } = message;
    let (row, t) = load(state, caller, id).await?;
    let now = state.now();
    let may = if internal {
        Action::Note
    } else {
        Action::Reply
    };
    t.may(may, actor(caller), now)?;
    // Staff may write placeholders (an inserted template): filled here or refused.
    let body = if caller.roles.can_work(&t.unit) {
        crate::server::templates::fill_reply(state, caller, &row, body).await?
    } else {
        body.to_string()
    };
    let applied = act_with_file(state, caller, id, file, submission, |t| {
        Ok(t.comment(actor(caller), &body, internal, question, now)?)
    })
    .await?;
    let saved = applied
        .comment
        .ok_or_else(|| ServiceError::Corrupt("comment not saved".into()))?;
    Ok((comment_view(caller, saved), applied.attached))
}

/// Extends the term of a written request once, by 1–30 days (unit head or administrator).
pub async fn extend(
    state: &AppState,
    caller: &Caller,
    id: i64,
    days: i64,
    reason: &str,
) -> ServiceResult<TicketView> {
    let cal = calendar::load(state).await?;
    let now = state.now();
    done(state, caller, id, |t| {
        Ok(t.extend(
            actor(caller),
            days,
            reason,
            extended_term(state, &cal, t),
            now,
        )?)
    })
    .await
}

/// An executor asks the unit head to extend the term.
pub async fn ask_extension(
    state: &AppState,
    caller: &Caller,
    id: i64,
    days: i64,
    reason: &str,
) -> ServiceResult<TicketView> {
    let now = state.now();
    done(state, caller, id, |t| {
        Ok(t.request_extension(actor(caller), days, reason, now)?)
    })
    .await
}

/// The head approves an executor's extension request (the extension rule
/// then applies) or refuses it with a reason.
pub async fn decide_extension(
    state: &AppState,
    caller: &Caller,
    id: i64,
    request_id: i64,
    approve: bool,
    reason: &str,
) -> ServiceResult<TicketView> {
    let (_, t) = load(state, caller, id).await?;
    let now = state.now();
    t.may(Action::DecideExtension, actor(caller), now)?;
    let asked = extension_request::Entity::find_by_id(request_id)
        .one(&state.db)
        .await?
        .filter(|r| r.ticket_id == t.id)
        .ok_or(AppError::NotFound)?;
    let days = u32::try_from(asked.days)
        .map_err(|_| ServiceError::Corrupt(format!("extension days {}", asked.days)))?;
    let cal = calendar::load(state).await?;
    done(state, caller, id, |t| {
        Ok(t.decide_extension(
            actor(caller),
            request_id,
            asked.requested_by,
            days,
            approve,
            reason,
            extended_term(state, &cal, t),
            now,
        )?)
    })
    .await
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
    let code = unit_code.trim().to_uppercase();
    let target = units(state).await?.into_iter().find(|u| u.code == code);
    let target = target.as_ref().map(|u| (u.code.as_str(), u.name.as_str()));
    let now = state.now();
    done(state, caller, id, |t| {
        Ok(t.transfer(actor(caller), target, reason, now)?)
    })
    .await
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

fn signature(
    outcome: Option<Outcome>,
    planned: Option<chrono::NaiveDate>,
    executor: &user::Model,
) -> String {
    let outcome_text = match outcome {
        Some(Outcome::Solved) | None => "вопрос решён".to_string(),
        Some(Outcome::WillBeSolved) => format!(
            "вопрос будет решён до {}",
            planned
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default()
        ),
        Some(Outcome::SolvableNoDate) => {
            "вопрос может быть решён, срок пока определить нельзя".to_string()
        }
        Some(Outcome::CannotBeSolved) => "вопрос не может быть решён".to_string(),
    };
    let mut contacts = String::new();
    if !executor.phone.is_empty() {
        contacts.push_str(&format!(", тел. {}", executor.phone));
    }
    if !executor.email.is_empty() {
        contacts.push_str(&format!(", e-mail {}", executor.email));
    }
    format!(
        "Итог: {outcome_text}.\nИсполнитель: {}{contacts}",
        executor.shown_name()
    )
}

/// Answers a request. An interim answer is a public reply that keeps the
/// request open (a question makes it wait for the requester); the final one
/// records the outcome, signed with the executor's contacts, and the request
/// waits for the requester to confirm or reopen it.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: AnswerInput,
) -> ServiceResult<TicketView> {
    if !input.final_answer {
        let (_, t) = load(state, caller, id).await?;
        t.may(Action::Answer, actor(caller), state.now())?;
        comment(state, caller, id, &input.body, false, input.question).await?;
        return super::read::get(state, caller, id).await;
    }
    let (row, t) = load(state, caller, id).await?;
    let now = state.now();
    t.may(Action::Answer, actor(caller), now)?;
    let body = crate::server::templates::fill_reply(state, caller, &row, &input.body).await?;
    let cal = calendar::load(state).await?;
    let reopen_until = calendar::reopen_until(state, &cal, now)?;
    let executor = user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let registered_on = state.local(t.registered_at).date();
    // The working time it took, by the calendar (kept for the reports); a
    // gap in the calendar leaves it unknown rather than refusing the answer.
    let work_seconds = cal
        .working_seconds(state.local(t.registered_at), state.local(now), &state.hours)
        .ok();
    done(state, caller, id, |t| {
        let mut change = t.answer(
            actor(caller),
            FinalAnswer {
                body: &body,
                outcome: input.outcome.as_deref(),
                planned_on: input.planned_on.as_deref(),
                registered_on,
                reopen_until,
                work_seconds,
            },
            now,
        )?;
        sign(&mut change, body.trim(), &executor);
        Ok(change)
    })
    .await
}

/// Adds the outcome and the executor's contacts to a final answer.
fn sign(change: &mut Change, body: &str, executor: &user::Model) {
    let signed = format!(
        "{body}\n\n{}",
        signature(change.after.outcome, change.after.planned_on, executor)
    );
    change.record = Some(Record::Comment {
        body: signed.clone(),
        internal: false,
    });
    if let Some(event) = change.event.as_mut()
        && let Some(data) = event.data.as_object_mut()
    {
        data.insert(
            "executor".into(),
            serde_json::json!({ "name": executor.shown_name(), "phone": executor.phone, "email": executor.email }),
        );
    }
    for n in &mut change.notices {
        if let Some(data) = n.data.as_object_mut() {
            data.insert("text".into(), serde_json::json!(signed));
        }
    }
}

/// The requester confirms that the answer settles it: the request closes.
pub async fn confirm(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let now = state.now();
    done(state, caller, id, |t| Ok(t.confirm(actor(caller), now)?)).await
}

/// The requester returns an answered request to work within the window.
pub async fn reopen(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ServiceResult<TicketView> {
    let now = state.now();
    done(state, caller, id, |t| {
        Ok(t.reopen(actor(caller), reason, now)?)
    })
    .await
}

/// The unit head (or administrator) takes an answered request off control.
pub async fn close(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let now = state.now();
    done(state, caller, id, |t| Ok(t.close(actor(caller), now)?)).await
}

/// The requester rates the latest final answer, once.
pub async fn rate(
    state: &AppState,
    caller: &Caller,
    id: i64,
    score: i64,
    comment: &str,
) -> ServiceResult<TicketView> {
    let now = state.now();
    done(state, caller, id, |t| {
        Ok(t.rate(actor(caller), score, comment, now)?)
    })
    .await
}

/// Requests closed by one run of the scheduler at most; the rest wait for the next minute.
const CLOSE_BATCH: u64 = 500;

/// Closes answered requests whose reopening window has passed (the
/// scheduler, on every instance; the version guard lets one win).
pub async fn close_unclaimed(state: &AppState) -> ServiceResult<usize> {
    let now = state.now();
    let rows = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(Status::Answered.code()))
        .filter(
            Condition::any()
                .add(ticket::Column::ReopenUntil.lt(now))
                .add(ticket::Column::ReopenUntil.is_null()),
        )
        .order_by_asc(ticket::Column::Id)
        .limit(CLOSE_BATCH)
        .all(&state.db)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let cal = calendar::load(state).await?;
    let mut closed = 0;
    for row in rows {
        let mut t = store::parse(&row)?;
        // Answered before the window was recorded: count it from the answer,
        // and close it quietly (its requester was never told of a window).
        let legacy = t.reopen_until.is_none();
        if legacy && let Some(answered) = t.answered_at {
            t.reopen_until = calendar::reopen_until(state, &cal, answered).ok();
        }
        let Ok(mut change) = t.close_unclaimed(now) else {
            // Not due yet: keep its window, so it is not read again until then.
            if legacy && let Some(until) = t.reopen_until {
                ticket::Entity::update_many()
                    .col_expr(
                        ticket::Column::ReopenUntil,
                        sea_orm::sea_query::Expr::value(until),
                    )
                    .filter(ticket::Column::Id.eq(t.id))
                    .filter(ticket::Column::ReopenUntil.is_null())
                    .exec(&state.db)
                    .await?;
            }
            continue;
        };
        if legacy {
            change.notices.clear();
        }
        match apply(state, None, &t, change).await {
            Ok(_) => closed += 1,
            // Somebody acted on it meanwhile (or another instance closed it).
            Err(ServiceError::App(AppError::Conflict { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}
