//! Notifications: an in-app notice (the bell) and, when the person has an
//! address, an e-mail queued in the outbox for the mail job to send.
//!
//! Notices about a request are stored as kind plus data and worded by
//! `i18n::notice` in the reader's language: the bell words them for whoever
//! reads, the mail for its recipient. Digests (lists of requests) are stored
//! as their text.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use serde_json::Value;

use super::auth::Caller;
use super::entity::{mail_outbox, notification, ticket, user};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::i18n::{self, Lang};
use crate::wire::{Inbox, NotificationView};

/// One message to one person.
pub struct Notice<'a> {
    pub ticket_id: Option<i64>,
    pub kind: &'a str,
    pub subject: String,
    pub body: String,
    /// Identifies the message so that it is queued once however often it is produced.
    pub dedup_key: String,
}

/// Queues a mail only (digests), once per dedup key.
pub async fn enqueue_mail<C: ConnectionTrait>(
    db: &C,
    to: &str,
    subject: &str,
    body: &str,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    enqueue_mail_with(db, to, subject, body, dedup_key, None, now).await
}

/// Queues a mail with an optional file: (name for the recipient, path
/// under the data folder).
pub async fn enqueue_mail_with<C: ConnectionTrait>(
    db: &C,
    to: &str,
    subject: &str,
    body: &str,
    dedup_key: &str,
    attachment: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    if to.trim().is_empty() {
        return Ok(false);
    }
    let inserted =
        mail_outbox::Entity::insert(outbox_row(to, subject, body, dedup_key, attachment, now))
            .on_conflict(
                OnConflict::column(mail_outbox::Column::DedupKey)
                    .do_nothing()
                    .to_owned(),
            )
            .try_insert()
            .exec_without_returning(db)
            .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// A message waiting in the outbox.
fn outbox_row(
    to: &str,
    subject: &str,
    body: &str,
    dedup_key: &str,
    attachment: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> mail_outbox::ActiveModel {
    mail_outbox::ActiveModel {
        to_addr: Set(to.to_string()),
        subject: Set(subject.to_string()),
        body: Set(body.to_string()),
        dedup_key: Set(dedup_key.to_string()),
        created_at: Set(now),
        sent_at: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        attachment_name: Set(attachment.map(|(name, _)| name.to_string())),
        attachment_path: Set(attachment.map(|(_, path)| path.to_string())),
        ..Default::default()
    }
}

/// An in-app notice plus an e-mail; a repeated dedup key adds nothing.
pub async fn send<C: ConnectionTrait>(
    db: &C,
    to: &user::Model,
    notice: Notice<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let key = format!("{}:{}", notice.dedup_key, to.id);
    let row = notification::ActiveModel {
        user_id: Set(to.id),
        ticket_id: Set(notice.ticket_id),
        kind: Set(notice.kind.to_string()),
        body: Set(notice.body.clone()),
        data: Set("{}".into()),
        dedup_key: Set(key.clone()),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    };
    if record(db, row).await? {
        enqueue_mail(db, &to.email, &notice.subject, &notice.body, &key, now).await?;
    }
    Ok(())
}

/// Records a notice once per dedup key; true if it is new.
async fn record<C: ConnectionTrait>(db: &C, row: notification::ActiveModel) -> ServiceResult<bool> {
    let inserted = notification::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notification::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec_without_returning(db)
        .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// A notice about a request, worded from `kind` and `data`.
pub struct TicketNotice<'a> {
    pub ticket_id: i64,
    pub kind: &'a str,
    pub data: &'a Value,
    /// Identifies the change it tells of; the recipient is added.
    pub dedup_key: String,
    /// Whether it also goes by e-mail.
    pub mail: bool,
}

/// Tells one person of a change to a request: the bell at once and, unless
/// `mail` is off, an e-mail in their language through the outbox.
pub async fn tell<C: ConnectionTrait>(
    db: &C,
    to: &user::Model,
    notice: TicketNotice<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    tell_all(db, &[(to, notice)], now).await
}

/// Tells several people at once (see [`tell`]) in three statements however
/// many they are: which notices exist already, the new ones in one insert,
/// and their mail in one insert. A notice produced twice (the same dedup
/// key) is stored and mailed once, even when two writers race.
pub async fn tell_all<C: ConnectionTrait>(
    db: &C,
    notices: &[(&user::Model, TicketNotice<'_>)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut rows = Vec::with_capacity(notices.len());
    let mut mails = Vec::new();
    let keys: Vec<String> = notices
        .iter()
        .map(|(to, n)| format!("{}:{}", n.dedup_key, to.id))
        .collect();
    let mut known = std::collections::HashSet::new();
    for some in keys.chunks(ROWS_PER_INSERT) {
        known.extend(
            notification::Entity::find()
                .select_only()
                .column(notification::Column::DedupKey)
                .filter(notification::Column::DedupKey.is_in(some.iter().cloned()))
                .into_tuple::<String>()
                .all(db)
                .await?,
        );
    }
    let mut fresh = std::collections::HashSet::new();
    for ((to, notice), key) in notices.iter().zip(keys) {
        if known.contains(&key) || !fresh.insert(key.clone()) {
            continue;
        }
        let lang = Lang::parse(&to.lang);
        let (subject, body) = i18n::notice(notice.kind, notice.data, lang)
            .ok_or_else(|| ServiceError::Corrupt(format!("notice kind {}", notice.kind)))?;
        if notice.mail && !to.email.trim().is_empty() {
            mails.push(outbox_row(&to.email, &subject, &body, &key, None, now));
        }
        rows.push(notification::ActiveModel {
            user_id: Set(to.id),
            ticket_id: Set(Some(notice.ticket_id)),
            kind: Set(notice.kind.to_string()),
            body: Set(body),
            data: Set(notice.data.to_string()),
            dedup_key: Set(key),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        });
    }
    // In statements of at most ROWS_PER_INSERT rows: a batch of filings
    // for a large unit stays within PostgreSQL's 65,535 bound values.
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_INSERT));
        notification::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .on_conflict(
                OnConflict::column(notification::Column::DedupKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    while !mails.is_empty() {
        let rest = mails.split_off(mails.len().min(ROWS_PER_INSERT));
        mail_outbox::Entity::insert_many(std::mem::replace(&mut mails, rest))
            .on_conflict(
                OnConflict::column(mail_outbox::Column::DedupKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Rows written by one multi-row insert at most (about ten values each).
const ROWS_PER_INSERT: usize = 2000;

/// A stored notice in the reader's language (its stored text when its data
/// cannot be worded).
fn text_of(n: &notification::Model, lang: Lang) -> String {
    serde_json::from_str::<Value>(&n.data)
        .ok()
        .filter(|d| d.as_object().is_some_and(|o| !o.is_empty()))
        .and_then(|d| i18n::notice(&n.kind, &d, lang))
        .map(|(_, body)| body)
        .unwrap_or_else(|| n.body.clone())
}

/// How many of the caller's notices are unread (the bell).
pub async fn unread_count(state: &AppState, caller: &Caller) -> ServiceResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(caller.id))
        .filter(notification::Column::ReadAt.is_null())
        .count(&state.db)
        .await?)
}

/// The caller's latest notices and how many are unread.
pub async fn inbox(state: &AppState, caller: &Caller, limit: u64) -> ServiceResult<Inbox> {
    let unread = unread_count(state, caller).await?;
    let queue_mail = if caller.roles.is_staff() {
        Some(mail_queue(state, caller).await?)
    } else {
        None
    };
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(caller.id))
        .order_by_desc(notification::Column::Id)
        .limit(limit.clamp(1, 100))
        .all(&state.db)
        .await?;
    // The requests they are about, named by number and subject.
    let mut ids: Vec<i64> = rows.iter().filter_map(|n| n.ticket_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let labels: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        ticket::Entity::find()
            .select_only()
            .columns([
                ticket::Column::Id,
                ticket::Column::Number,
                ticket::Column::Subject,
            ])
            .filter(ticket::Column::Id.is_in(ids))
            .into_tuple::<(i64, String, String)>()
            .all(&state.db)
            .await?
            .into_iter()
            .map(|(id, number, subject)| (id, format!("{number}: {subject}")))
            .collect()
    };
    let items = rows
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            ticket_id: n.ticket_id,
            text: text_of(&n, caller.lang),
            kind: n.kind,
            created_at: n.created_at,
            read: n.read_at.is_some(),
            ticket_label: n.ticket_id.and_then(|t| labels.get(&t).cloned()),
        })
        .collect();
    Ok(Inbox {
        unread,
        items,
        queue_mail,
    })
}

/// Opens one of the caller's notices: marks it read and answers with it.
/// `None` when it is not the caller's (or is gone).
pub async fn open(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<Option<notification::Model>> {
    let Some(n) = notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(caller.id))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if n.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(state.now()),
            )
            .filter(notification::Column::Id.eq(id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&state.db)
            .await?;
    }
    Ok(Some(n))
}

/// Marks all of the caller's notices read.
pub async fn mark_all_read(state: &AppState, caller: &Caller) -> ServiceResult<u64> {
    let result = notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            sea_orm::sea_query::Expr::value(state.now()),
        )
        .filter(notification::Column::UserId.eq(caller.id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(result.rows_affected)
}

/// Whether notices about the unit's queue (new and transferred-in requests)
/// also come to the caller by e-mail.
pub async fn mail_queue(state: &AppState, caller: &Caller) -> ServiceResult<bool> {
    Ok(user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .is_none_or(|u| u.mail_queue))
}

/// Switches the e-mail part of queue notices on or off for the caller.
pub async fn set_mail_queue(state: &AppState, caller: &Caller, on: bool) -> ServiceResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::MailQueue, sea_orm::sea_query::Expr::value(on))
        .filter(user::Column::Id.eq(caller.id))
        .exec(&state.db)
        .await?;
    Ok(())
}
