//! Files of a request and of its replies: stored by `server::files`,
//! served only to those who may see the request, and a file on an internal
//! note only to those who may see internal notes.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use super::store::visible;
use crate::server::auth::Caller;
use crate::server::entity::{attachment, comment, ticket};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::files::{
    check, clean_file_name, read_stored, remove_stored, view, write_checked,
};
use crate::server::state::AppState;
use crate::wire::{AppError, AttachmentView, CommentView};

/// Stores a file for a request (and optionally one of its comments).
pub async fn store(
    state: &AppState,
    caller: &Caller,
    ticket_id: i64,
    comment_id: Option<i64>,
    file_name: &str,
    bytes: &[u8],
) -> ServiceResult<AttachmentView> {
    let row = visible(state, caller, ticket_id).await?;
    if let Some(cid) = comment_id {
        let c = comment::Entity::find_by_id(cid).one(&state.db).await?;
        // Only to one's own message of this request.
        let ok = c.is_some_and(|c| {
            c.ticket_id == row.id
                && c.author_id == caller.id
                && (!c.internal || caller.roles.can_see_internal(&row.unit_code))
        });
        if !ok {
            return Err(AppError::NotFound.into());
        }
    }
    let content_type = check(state, bytes)?;
    let model = attachment::ActiveModel {
        ticket_id: Set(row.id),
        comment_id: Set(comment_id),
        uploader_id: Set(caller.id),
        file_name: Set(clean_file_name(file_name)),
        content_type: Set(content_type.to_string()),
        size: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        created_at: Set(state.now()),
        ..Default::default()
    };
    Ok(view(insert_counted(state, row.id, model, bytes).await?))
}

pub(super) fn too_many() -> ServiceError {
    AppError::Conflict {
        reason: "too_many_files".into(),
    }
    .into()
}

/// Files one request may hold in all.
pub const MAX_PER_REQUEST: u64 = 20;

/// Stores a file and inserts its row unless the request holds
/// [`MAX_PER_REQUEST`] already, in one transaction (neither is saved
/// without the other). The request's row is written first, which takes its
/// lock on both databases, so two uploads at once are counted one after
/// the other.
async fn insert_counted(
    state: &AppState,
    ticket_id: i64,
    mut model: attachment::ActiveModel,
    bytes: &[u8],
) -> ServiceResult<attachment::Model> {
    // A bucket is written before the transaction, which then holds no lock
    // while the file travels; a file whose row is not saved goes after.
    let early = if state.files.in_transaction() {
        None
    } else {
        Some(write_checked(state, &state.db, bytes).await?.1)
    };
    let saved = insert_counted_in(state, ticket_id, &mut model, bytes, early.as_deref()).await;
    if saved.is_err()
        && let Some(key) = &early
    {
        remove_stored(state, key).await;
    }
    saved
}

async fn insert_counted_in(
    state: &AppState,
    ticket_id: i64,
    model: &mut attachment::ActiveModel,
    bytes: &[u8],
    written: Option<&str>,
) -> ServiceResult<attachment::Model> {
    let txn = state.db.begin().await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::Id, Expr::col(ticket::Column::Id))
        .filter(ticket::Column::Id.eq(ticket_id))
        .exec(&txn)
        .await?;
    let held = attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .count(&txn)
        .await?;
    if held >= MAX_PER_REQUEST {
        return Err(too_many());
    }
    let key = match written {
        Some(key) => key.to_string(),
        None => write_checked(state, &txn, bytes).await?.1,
    };
    model.storage_key = Set(key);
    let saved = model.clone().insert(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A message with a file, as the request page sends it: the text (may be
/// empty) becomes a reply or, for staff, an internal note, and the file is
/// attached to it. The file is checked before anything is written.
pub async fn store_with_message(
    state: &AppState,
    caller: &Caller,
    ticket_id: i64,
    text: &str,
    internal: bool,
    file_name: &str,
    bytes: &[u8],
) -> ServiceResult<AttachmentView> {
    check(state, bytes)?;
    // Hidden requests stay hidden (404) before anything is written.
    visible(state, caller, ticket_id).await?;
    let name = clean_file_name(file_name);
    let body = if text.trim().is_empty() {
        format!("📎 {name}")
    } else {
        text.to_string()
    };
    let (content_type, key) = write_checked(state, &state.db, bytes).await?;
    let file = attachment::ActiveModel {
        uploader_id: Set(caller.id),
        file_name: Set(name),
        content_type: Set(content_type.to_string()),
        size: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        storage_key: Set(key.clone()),
        created_at: Set(state.now()),
        ..Default::default()
    };
    // The message and its file are written together, counted under the
    // request's lock: neither is saved without the other.
    let message = super::act::Message {
        body: &body,
        internal,
        question: false,
        file: Some(file),
        submission: None,
    };
    let saved = super::act::comment_with_file(state, caller, ticket_id, message).await;
    match saved {
        Ok((_, Some(file))) => Ok(view(file)),
        Ok((_, None)) => Err(ServiceError::Corrupt("file not saved".into())),
        Err(e) => {
            // Lose nothing half-written: the file goes if its message could
            // not be saved (the sweep takes it if this fails too).
            remove_stored(state, &key).await;
            Err(e)
        }
    }
}

/// Files of a request that belong to the request itself or to a visible comment.
pub async fn list(
    state: &AppState,
    ticket_id: i64,
    visible_comments: &[CommentView],
) -> ServiceResult<Vec<AttachmentView>> {
    Ok(shown(rows(state, ticket_id).await?, visible_comments))
}

/// A request's files, oldest first, whoever may see them.
pub(crate) async fn rows(
    state: &AppState,
    ticket_id: i64,
) -> ServiceResult<Vec<attachment::Model>> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .order_by_asc(attachment::Column::Id)
        .all(&state.db)
        .await?)
}

/// The files of the request itself and of the replies the reader sees.
pub(crate) fn shown(
    rows: Vec<attachment::Model>,
    visible_comments: &[CommentView],
) -> Vec<AttachmentView> {
    rows.into_iter()
        .filter(|a| {
            a.comment_id
                .is_none_or(|c| visible_comments.iter().any(|v| v.id == c))
        })
        .map(view)
        .collect()
}

/// The file and its bytes, if the caller may see it.
pub async fn open(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<(AttachmentView, Vec<u8>)> {
    let a = attachment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = visible(state, caller, a.ticket_id).await?;
    if let Some(cid) = a.comment_id {
        let internal = comment::Entity::find_by_id(cid)
            .one(&state.db)
            .await?
            .is_some_and(|c| c.internal);
        if internal && !caller.roles.can_see_internal(&row.unit_code) {
            return Err(AppError::NotFound.into());
        }
    }
    let bytes = read_stored(state, &a.storage_key).await?;
    Ok((view(a), bytes))
}
