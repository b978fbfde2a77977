//! Stored files (of requests, of articles, finished reports): size limit,
//! type checked by content, kept in the database by a random key (outside
//! the web root, and shared by every node of several), in pieces of
//! [`CHUNK_BYTES`].

use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::entity::{attachment, file_chunk};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::wire::{AppError, AttachmentView};

/// The size of a stored piece: any row of either database holds it, and a
/// usual scan or document is one to a few of them.
pub const CHUNK_BYTES: usize = 512 * 1024;

/// Content types accepted, as detected from the bytes.
pub const ALLOWED_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

pub(crate) fn view(a: attachment::Model) -> AttachmentView {
    AttachmentView {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        comment_id: a.comment_id,
        created_at: a.created_at,
    }
}

/// Keeps the last path segment, drops control characters, bounds the length.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".into()
    } else {
        cleaned
    }
}

/// The detected content type, if it is one we accept.
pub fn detect_type(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ALLOWED_TYPES
        .iter()
        .copied()
        .find(|t| *t == kind.mime_type())
}

/// A file's size and type (by content), judged before anything is written;
/// returns the type.
pub(crate) fn check(state: &AppState, bytes: &[u8]) -> Result<&'static str, AppError> {
    let max = state.config.upload_max_bytes;
    if bytes.len() as u64 > max {
        return Err(AppError::TooLarge { max_bytes: max });
    }
    if bytes.is_empty() {
        return Err(AppError::invalid(
            "file",
            crate::domain::FieldErrorCode::Required,
        ));
    }
    detect_type(bytes).ok_or(AppError::UnsupportedFileType)
}

/// Checks a file (see [`check`]) and stores it under a random key through
/// `db` (the caller's transaction, when it has one: then the file goes with
/// the rows that name it); returns the type and the key.
pub(crate) async fn write_checked<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    bytes: &[u8],
) -> ServiceResult<(&'static str, String)> {
    let content_type = check(state, bytes)?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    put(db, &key, bytes, state.now()).await?;
    Ok((content_type, key))
}

/// Stores `bytes` under `key` (a key already used gets an error, never a
/// mix of two files).
pub async fn put<C: ConnectionTrait>(
    db: &C,
    key: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // An empty file still has its one (empty) piece, so it is found.
    let pieces: Vec<&[u8]> = if bytes.is_empty() {
        vec![bytes]
    } else {
        bytes.chunks(CHUNK_BYTES).collect()
    };
    for (seq, piece) in pieces.into_iter().enumerate() {
        file_chunk::Entity::insert(file_chunk::ActiveModel {
            file_key: Set(key.to_string()),
            seq: Set(i32::try_from(seq).unwrap_or(i32::MAX)),
            bytes: Set(piece.to_vec()),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The bytes stored under `key`; a key with nothing stored is an error of
/// the data (a row names a file that is gone).
pub async fn get<C: ConnectionTrait>(db: &C, key: &str) -> ServiceResult<Vec<u8>> {
    let pieces = file_chunk::Entity::find()
        .filter(file_chunk::Column::FileKey.eq(key))
        .order_by_asc(file_chunk::Column::Seq)
        .all(db)
        .await?;
    if pieces.is_empty() {
        return Err(ServiceError::Corrupt(format!(
            "stored file {key} is missing"
        )));
    }
    let mut bytes = Vec::with_capacity(pieces.iter().map(|p| p.bytes.len()).sum());
    for p in pieces {
        bytes.extend_from_slice(&p.bytes);
    }
    Ok(bytes)
}

/// Whether anything is stored under `key`.
pub async fn exists<C: ConnectionTrait>(db: &C, key: &str) -> Result<bool, DbErr> {
    Ok(file_chunk::Entity::find()
        .filter(file_chunk::Column::FileKey.eq(key))
        .count(db)
        .await?
        > 0)
}

/// The bytes stored under `key`.
pub(crate) async fn read_stored(state: &AppState, key: &str) -> ServiceResult<Vec<u8>> {
    get(&state.db, key).await
}

/// Removes the bytes stored under `key`; a file already gone is fine.
pub(crate) async fn remove_stored(state: &AppState, key: &str) {
    if let Err(e) = remove(&state.db, key).await {
        tracing::warn!(error = %e, key, "stored file not removed; the sweep will");
    }
}

/// Removes the bytes stored under `key`.
pub async fn remove<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    file_chunk::Entity::delete_many()
        .filter(file_chunk::Column::FileKey.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// The key a finished report file named `name` is stored under (the name
/// the export row and the outbox keep).
pub fn report_key(name: &str) -> String {
    format!("reports/{name}")
}

/// How far back the sweep looks for files that no row names: a file is
/// checked on every run for a day after it became old enough.
pub const SWEEP_LOOKBACK_HOURS: i64 = 24;

/// Removes stored files that no row names and that were stored before
/// `before` (younger ones may belong to a write still in progress) but
/// within [`SWEEP_LOOKBACK_HOURS`] of it; returns how many pieces went.
/// Mail waits for its file only until it is sent. Each run reads the first
/// pieces of that day on their partial index and looks each key up, so its
/// cost follows the files of a day, not all files.
pub async fn sweep_unnamed(state: &AppState, before: DateTime<Utc>) -> ServiceResult<u64> {
    let since = before - chrono::Duration::hours(SWEEP_LOOKBACK_HOURS);
    let key = || Expr::col((file_chunk::Entity, file_chunk::Column::FileKey));
    let named_by = |table: &str, col: &str| {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(Alias::new(table))
                .and_where(Expr::col((Alias::new(table), Alias::new(col))).eq(key()))
                .to_owned(),
        )
        .not()
    };
    // Small sets (exports of a day, mail not yet sent), read once.
    let waiting_mail = Query::select()
        .column(Alias::new("attachment_path"))
        .from(Alias::new("mail_outbox"))
        .and_where(Expr::col(Alias::new("attachment_path")).is_not_null())
        .and_where(Expr::col(Alias::new("sent_at")).is_null())
        .to_owned();
    let reports = Query::select()
        .expr(Expr::cust("'reports/' || path"))
        .from(Alias::new("report_exports"))
        .and_where(Expr::col(Alias::new("path")).is_not_null())
        .to_owned();
    let unnamed: Vec<String> = file_chunk::Entity::find()
        .select_only()
        .column(file_chunk::Column::FileKey)
        // Written as the partial index is, for SQLite to use it.
        .filter(Expr::cust("seq = 0"))
        .filter(file_chunk::Column::CreatedAt.lt(before))
        .filter(file_chunk::Column::CreatedAt.gte(since))
        .filter(named_by("attachments", "storage_key"))
        .filter(named_by("kb_attachments", "storage_key"))
        .filter(file_chunk::Column::FileKey.not_in_subquery(reports))
        .filter(file_chunk::Column::FileKey.not_in_subquery(waiting_mail))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut gone = 0;
    for keys in unnamed.chunks(500) {
        gone += file_chunk::Entity::delete_many()
            .filter(file_chunk::Column::FileKey.is_in(keys.iter().cloned()))
            .exec(&state.db)
            .await?
            .rows_affected;
    }
    Ok(gone)
}

/// Files kept in the data folder by an earlier version (`attachments/` by
/// key, `reports/` by name) move into the database on start: each is
/// stored, then unlinked; one already stored is only unlinked. Returns how
/// many moved.
pub async fn adopt_folder(state: &AppState) -> ServiceResult<usize> {
    let mut moved = 0;
    for (folder, prefix) in [("attachments", ""), ("reports", "reports/")] {
        let dir = state.config.data_dir.join(folder);
        let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
            continue;
        };
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().await?.is_file() || name.starts_with("now-") {
                continue;
            }
            let key = format!("{prefix}{name}");
            adopt_one(state, &entry.path(), &key).await?;
            moved += 1;
        }
        // The folder goes once empty; a file left (one that failed) keeps it.
        let _ignored = tokio::fs::remove_dir(&dir).await;
    }
    if moved > 0 {
        tracing::info!(moved, "files moved from the data folder into the database");
    }
    Ok(moved)
}

async fn adopt_one(state: &AppState, path: &Path, key: &str) -> ServiceResult<()> {
    let bytes = tokio::fs::read(path).await?;
    let txn = state.db.begin().await?;
    if !exists(&txn, key).await? {
        put(&txn, key, &bytes, state.now()).await?;
    }
    txn.commit().await?;
    tokio::fs::remove_file(path).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\scan\\платёжка.pdf"), "платёжка.pdf");
        assert_eq!(clean_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name(".."), "file");
    }

    #[test]
    fn types_are_told_by_content_not_by_name() {
        assert_eq!(detect_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            detect_type(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
            Some("image/png")
        );
        assert_eq!(detect_type(b"MZ\x90\x00 this is an exe"), None);
        assert_eq!(detect_type(b"<script>alert(1)</script>"), None);
    }
}
