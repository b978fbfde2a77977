//! Reading requests: the view of rows (a fixed number of queries however
//! many rows), one request, and the request page with its replies,
//! timeline, files and what the viewer may do.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::store::{self, users_by_id, visible};
use crate::domain::lifecycle::Actions;
use crate::domain::{Channel, deadline};
use crate::i18n::Lang;
use crate::server::auth::Caller;
use crate::server::catalogue::user_ref;
use crate::server::entity::{comment, extension_request, ticket, ticket_event, ticket_rating};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::reference::Reference;
use crate::server::state::AppState;
use crate::wire::{
    CommentView, EventView, ExtensionRequestView, TicketDetail, TicketView, UnitRef,
};

/// Turns ticket rows into views with two queries in all, however many rows.
pub(crate) async fn views(
    state: &AppState,
    caller: &Caller,
    rows: Vec<ticket::Model>,
) -> ServiceResult<Vec<TicketView>> {
    let reference = state.reference_for(caller).await?;
    views_in(state, &reference, rows, caller.lang).await
}

/// [`views`] with the reference data the caller already read.
pub(crate) async fn views_in(
    state: &AppState,
    reference: &Reference,
    rows: Vec<ticket::Model>,
    lang: Lang,
) -> ServiceResult<Vec<TicketView>> {
    let users = users_by_id(
        &state.db,
        rows.iter()
            .flat_map(|t| [Some(t.requester_id), t.assignee_id])
            .flatten()
            .collect(),
    )
    .await?;
    views_of(state, reference, rows, &users, lang)
        .into_iter()
        .collect()
}

/// The views of rows whose requesters and assignees are in `users`.
pub(crate) fn views_of(
    state: &AppState,
    reference: &Reference,
    rows: Vec<ticket::Model>,
    users: &std::collections::HashMap<i64, crate::server::entity::user::Model>,
    lang: Lang,
) -> Vec<ServiceResult<TicketView>> {
    let now = state.now();
    let catalogue = &reference.catalogue;
    let local_now = state.local(now);
    rows.into_iter()
        .map(|row| {
            let t = store::parse(&row)?;
            let requester = users
                .get(&t.requester_id)
                .map(user_ref)
                .ok_or_else(|| ServiceError::Corrupt("requester".into()))?;
            Ok(TicketView {
                id: t.id,
                kind_title: catalogue
                    .kind_title(&row.kind_code, lang)
                    .unwrap_or(&row.kind_code)
                    .to_owned(),
                unit: UnitRef {
                    name: catalogue
                        .unit_name_in(&t.unit, lang)
                        .unwrap_or_default()
                        .to_owned(),
                    code: t.unit.clone(),
                },
                status: t.status,
                form: t.form,
                channel: Channel::parse(&row.channel).unwrap_or(Channel::Portal),
                fields: serde_json::from_str(&row.fields).unwrap_or_default(),
                overdue: deadline::is_overdue(t.status.is_open(), t.answered_at, t.due_at, now),
                time_left: t.status.is_open().then(|| {
                    deadline::TimeLeft::at(state.local(t.due_at), local_now, &reference.calendar)
                }),
                due_explanation: t
                    .due_explanation
                    .as_ref()
                    .map(|e| crate::i18n::explain(e, lang))
                    .unwrap_or_default(),
                extension_days: t.extension_days,
                extension_reason: t.extension_reason,
                transfer_count: t.transfer_count,
                answered_at: t.answered_at,
                outcome: row.outcome,
                planned_on: row.planned_on,
                requester,
                assignee: t.assignee_id.and_then(|id| users.get(&id)).map(user_ref),
                reopen_count: t.reopen_count,
                closed_at: t.closed_at,
                number: row.number,
                kind: row.kind_code,
                subject: row.subject,
                description: row.description,
                registered_at: row.registered_at,
                due_at: row.due_at,
            })
        })
        .collect()
}

/// The view of one row (after an action changed it).
pub(crate) async fn view_for(
    state: &AppState,
    caller: &Caller,
    row: ticket::Model,
) -> ServiceResult<TicketView> {
    let reference = state.reference_for(caller).await?;
    view_in(state, &reference, row, caller.lang).await
}

/// [`view_for`] with the reference data the caller already read.
pub(crate) async fn view_in(
    state: &AppState,
    reference: &Reference,
    row: ticket::Model,
    lang: Lang,
) -> ServiceResult<TicketView> {
    views_in(state, reference, vec![row], lang)
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Corrupt("view".into()))
}

pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketView> {
    let row = visible(state, caller, id).await?;
    view_for(state, caller, row).await
}

/// The request page: the request, its replies, timeline and files, filtered for the caller.
pub async fn detail(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TicketDetail> {
    let row = visible(state, caller, id).await?;
    let reference = state.reference_for(caller).await?;
    let t = store::parse(&row)?;
    let now = state.now();
    let actions = Actions::of(&caller.roles, caller.id, &t, now);
    let internal = caller.roles.can_see_internal(&t.unit);
    // Everything the page shows beside the request, read side by side; the
    // people they name follow in one read.
    let events = async {
        let mut q = ticket_event::Entity::find().filter(ticket_event::Column::TicketId.eq(id));
        if !internal {
            q = q.filter(ticket_event::Column::Internal.eq(false));
        }
        Ok::<_, ServiceError>(
            q.order_by_asc(ticket_event::Column::Id)
                .all(&state.db)
                .await?,
        )
    };
    let pending = async {
        Ok::<_, ServiceError>(match t.pending_extension {
            Some(pid) if actions.decide_extension || internal => {
                extension_request::Entity::find_by_id(pid)
                    .one(&state.db)
                    .await?
            }
            _ => None,
        })
    };
    let my_rating = async {
        Ok::<_, ServiceError>(if caller.id == t.requester_id && t.answers > 0 {
            ticket_rating::Entity::find()
                .filter(ticket_rating::Column::TicketId.eq(id))
                .filter(ticket_rating::Column::Answer.eq(i32::try_from(t.answers).unwrap_or(0)))
                .one(&state.db)
                .await?
                .and_then(|r| u8::try_from(r.score).ok())
        } else {
            None
        })
    };
    let templates = async {
        if actions.answer {
            crate::server::templates::for_ticket(state, caller, &row).await
        } else {
            Ok(Vec::new())
        }
    };
    let (comment_rows, events, pending, attachment_rows, my_rating, templates, next_in_queue) = futures::try_join!(
        comment_rows(state, &row, internal),
        events,
        pending,
        super::attachments::rows(state, id),
        my_rating,
        templates,
        super::list::next_in_queue(state, caller, &row),
    )?;
    let mut people: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    people.extend(
        events
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
            .filter_map(|d| d.get("assignee_id").and_then(Value::as_i64)),
    );
    people.extend(pending.iter().map(|p| p.requested_by));
    // Everyone the page names, in one read: the timeline's people, the
    // replies' authors, the requester and the assignee.
    people.extend(comment_rows.iter().map(|c| c.author_id));
    people.push(row.requester_id);
    people.extend(row.assignee_id);
    let people = users_by_id(&state.db, people).await?;
    let comments = comment_views(comment_rows, &people)?;
    let events = events
        .into_iter()
        .map(|e| {
            let mut data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
            // Older entries carry the assignee's name; newer ones their id.
            if let Some(person) = data
                .get("assignee_id")
                .and_then(Value::as_i64)
                .and_then(|id| people.get(&id))
                && let Some(obj) = data.as_object_mut()
            {
                obj.insert("assignee".into(), serde_json::json!(user_ref(person)));
            }
            EventView {
                id: e.id,
                actor: e.actor_id.and_then(|a| people.get(&a)).map(user_ref),
                data,
                kind: e.kind,
                created_at: e.created_at,
            }
        })
        .collect();
    let extension_request = pending.and_then(|p| {
        Some(ExtensionRequestView {
            id: p.id,
            requested_by: people.get(&p.requested_by).map(user_ref)?,
            days: u32::try_from(p.days).ok()?,
            reason: p.reason,
            created_at: p.created_at,
            state: p.state,
            decision_reason: p.decision_reason,
        })
    });
    let attachments = super::attachments::shown(attachment_rows, &comments);
    let staff = if actions.assign {
        reference.staff.of(&t.unit).iter().map(user_ref).collect()
    } else {
        Vec::new()
    };
    let transfer_units = if actions.transfer {
        reference
            .catalogue
            .units
            .iter()
            .filter(|u| u.code != t.unit)
            .map(|u| UnitRef {
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let works = actions.answer;
    let forward_by = if works {
        crate::server::calendar::forward_deadline(state, &reference.calendar, t.registered_at)
            .ok()
            .map(|(_, explanation)| crate::i18n::explain(&explanation, caller.lang))
    } else {
        None
    };
    let requester_contacts = internal
        .then(|| people.get(&row.requester_id))
        .flatten()
        .map(|u| crate::wire::Contacts {
            title: u.title.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
        });
    let next_in_queue = next_in_queue.map(|n| crate::wire::TicketRef {
        id: n.id,
        number: n.number,
        subject: n.subject,
    });
    Ok(TicketDetail {
        requester_contacts,
        next_in_queue,
        ticket: views_of(state, &reference, vec![row], &people, caller.lang)
            .pop()
            .ok_or_else(|| ServiceError::Corrupt("view".into()))??,
        comments,
        events,
        attachments,
        can_see_internal: internal,
        actions,
        staff,
        extension_request,
        my_rating,
        reopen_until: t
            .reopen_until
            .filter(|_| t.status == crate::domain::Status::Answered),
        transfer_units,
        forward_by,
        templates,
    })
}

pub(crate) async fn comments_of(
    state: &AppState,
    row: &ticket::Model,
    internal: bool,
) -> ServiceResult<Vec<CommentView>> {
    let rows = comment_rows(state, row, internal).await?;
    let authors = users_by_id(&state.db, rows.iter().map(|c| c.author_id).collect()).await?;
    comment_views(rows, &authors)
}

/// A request's replies (and, for its staff, internal notes), oldest first.
async fn comment_rows(
    state: &AppState,
    row: &ticket::Model,
    internal: bool,
) -> ServiceResult<Vec<comment::Model>> {
    let mut q = comment::Entity::find().filter(comment::Column::TicketId.eq(row.id));
    if !internal {
        q = q.filter(comment::Column::Internal.eq(false));
    }
    Ok(q.order_by_asc(comment::Column::Id).all(&state.db).await?)
}

fn comment_views(
    rows: Vec<comment::Model>,
    authors: &std::collections::HashMap<i64, crate::server::entity::user::Model>,
) -> ServiceResult<Vec<CommentView>> {
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

/// A request's extension requests, newest first (its unit's staff and the administrator).
pub async fn extension_requests(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<Vec<ExtensionRequestView>> {
    let row = visible(state, caller, id).await?;
    if !caller.roles.can_see_internal(&row.unit_code) {
        return Err(crate::wire::AppError::Forbidden.into());
    }
    let rows = extension_request::Entity::find()
        .filter(extension_request::Column::TicketId.eq(id))
        .order_by_desc(extension_request::Column::Id)
        .all(&state.db)
        .await?;
    let people = users_by_id(&state.db, rows.iter().map(|r| r.requested_by).collect()).await?;
    rows.into_iter()
        .map(|r| {
            Ok(ExtensionRequestView {
                id: r.id,
                requested_by: people
                    .get(&r.requested_by)
                    .map(user_ref)
                    .ok_or_else(|| ServiceError::Corrupt("extension asked by".into()))?,
                days: u32::try_from(r.days)
                    .map_err(|_| ServiceError::Corrupt(format!("extension days {}", r.days)))?,
                reason: r.reason,
                created_at: r.created_at,
                state: r.state,
                decision_reason: r.decision_reason,
            })
        })
        .collect()
}
