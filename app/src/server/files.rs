//! Stored files (of requests, of articles, finished reports): size limit,
//! type checked by content, kept by a random key outside the web root and
//! shared by every node of several: in the database in pieces of
//! [`CHUNK_BYTES`] (the default), or in an S3-compatible object store when
//! one is configured ([`FileStore`]).

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::config::ObjectStoreConfig;
use super::entity::{attachment, file_chunk, kb_attachment};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::wire::{AppError, AttachmentView};

/// Where this node keeps stored files. Every node of several must be
/// configured alike.
#[derive(Clone)]
pub enum FileStore {
    /// In the database, in the writer's transaction: a file goes with the
    /// rows that name it.
    Database,
    /// In an S3-compatible bucket, written before the rows that name it
    /// (a file whose rows were not saved is removed by the sweep). Files
    /// still in the database (kept before the bucket was configured) are
    /// read from there until [`move_into_objects`] has moved them.
    Objects(Arc<dyn ObjectStore>),
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileStore::Database => f.write_str("FileStore::Database"),
            FileStore::Objects(store) => write!(f, "FileStore::Objects({store})"),
        }
    }
}

impl FileStore {
    /// The store a configuration names.
    pub fn from_config(config: Option<&ObjectStoreConfig>) -> object_store::Result<FileStore> {
        match config {
            None => Ok(FileStore::Database),
            Some(o) => FileStore::objects(o),
        }
    }

    /// An S3-compatible bucket.
    pub fn objects(o: &ObjectStoreConfig) -> object_store::Result<FileStore> {
        // A store that does not answer is told within seconds (a page or
        // `/readyz` waits no longer), not after the default three minutes.
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let client = object_store::ClientOptions::new()
            .with_connect_timeout(std::time::Duration::from_secs(3))
            .with_timeout(std::time::Duration::from_secs(60));
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&o.bucket)
            .with_region(&o.region)
            .with_retry(retry)
            .with_client_options(client);
        if let Some(endpoint) = &o.endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(object_store::Error::Generic {
                    store: "S3",
                    source: format!("endpoint {endpoint:?} is not an http:// or https:// address")
                        .into(),
                });
            }
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        // Without a key, requests go unsigned (a bucket open to this
        // network); never to a cloud's instance metadata for credentials.
        builder = if o.access_key_id.is_empty() {
            builder.with_skip_signature(true)
        } else {
            builder
                .with_access_key_id(&o.access_key_id)
                .with_secret_access_key(&o.secret_access_key)
        };
        let store: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
        let prefix = o.prefix.trim_matches('/');
        Ok(FileStore::Objects(if prefix.is_empty() {
            store
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        }))
    }

    /// Whether a file is written within the database transaction of the
    /// rows that name it (else before it, outside).
    pub fn in_transaction(&self) -> bool {
        matches!(self, FileStore::Database)
    }

    /// Stores `bytes` under `key`: in the database through `db` (the
    /// caller's transaction, when it has one), or in the bucket.
    pub async fn put<C: ConnectionTrait>(
        &self,
        db: &C,
        key: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        match self {
            FileStore::Database => Ok(put(db, key, bytes, now).await?),
            FileStore::Objects(store) => {
                store
                    .put(&ObjectPath::from(key), bytes.to_vec().into())
                    .await
                    .map_err(object_error)?;
                Ok(())
            }
        }
    }

    /// The bytes stored under `key`.
    pub async fn get<C: ConnectionTrait>(&self, db: &C, key: &str) -> ServiceResult<Vec<u8>> {
        match self {
            FileStore::Database => get(db, key).await,
            FileStore::Objects(store) => match store.get(&ObjectPath::from(key)).await {
                Ok(found) => Ok(found.bytes().await.map_err(object_error)?.to_vec()),
                // Not moved yet: still in the database.
                Err(object_store::Error::NotFound { .. }) => get(db, key).await,
                Err(e) => Err(object_error(e)),
            },
        }
    }

    /// Removes the bytes stored under `key`; a file already gone is fine.
    pub async fn remove<C: ConnectionTrait>(&self, db: &C, key: &str) -> ServiceResult<()> {
        if let FileStore::Objects(store) = self {
            match store.delete(&ObjectPath::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(object_error(e)),
            }
        }
        // In the bucket's case too: a file not moved yet is in the database.
        Ok(remove(db, key).await?)
    }

    /// Whether the store answers (for `/readyz`): a listing under a key
    /// that is never written, which fails for a bucket that is missing
    /// (a lookup of one key would not tell it from a missing key).
    pub async fn reachable(&self) -> Result<(), String> {
        use futures::StreamExt;
        match self {
            FileStore::Database => Ok(()),
            FileStore::Objects(store) => {
                let probe = ObjectPath::from("readiness-probe");
                let mut listed = store.list(Some(&probe));
                let first = tokio::time::timeout(std::time::Duration::from_secs(5), listed.next())
                    .await
                    .map_err(|_| "no answer within 5 s".to_string())?;
                match first {
                    None | Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => Err(e.to_string()),
                }
            }
        }
    }
}

fn object_error(e: object_store::Error) -> ServiceError {
    ServiceError::Storage(e.to_string())
}

/// A new random key, under the day and time it is written.
pub fn new_key(now: DateTime<Utc>) -> String {
    dated(now, &uuid::Uuid::new_v4().simple().to_string())
}

/// `name` under the day and time of `now` (`2026-03-02/101500-name`): the
/// sweep of a bucket lists the days it looks at, not the whole bucket, and
/// tells a file's age by its key.
pub fn dated(now: DateTime<Utc>, name: &str) -> String {
    // Only characters no store escapes: a key reads the same in a row and
    // in a bucket's listing.
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}-{name}", now.format("%Y-%m-%d/%H%M%S"))
}

/// When a key made by [`dated`] (or a report key of one) was written.
fn written_at(key: &str) -> Option<DateTime<Utc>> {
    let key = key.strip_prefix("reports/").unwrap_or(key);
    let stamp = key.get(..17)?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d/%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

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
    let now = state.now();
    let key = new_key(now);
    state.files.put(db, &key, bytes, now).await?;
    Ok((content_type, key))
}

/// Stores `bytes` under `key` in the database (a key already used gets an
/// error, never a mix of two files).
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

/// The bytes stored under `key` in the database; a key with nothing
/// stored is an error of the data (a row names a file that is gone).
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

/// Whether anything is stored under `key` in the database.
pub async fn exists<C: ConnectionTrait>(db: &C, key: &str) -> Result<bool, DbErr> {
    Ok(file_chunk::Entity::find()
        .filter(file_chunk::Column::FileKey.eq(key))
        .count(db)
        .await?
        > 0)
}

/// The bytes stored under `key`.
pub(crate) async fn read_stored(state: &AppState, key: &str) -> ServiceResult<Vec<u8>> {
    state.files.get(&state.db, key).await
}

/// Removes the bytes stored under `key`; a file already gone is fine.
pub(crate) async fn remove_stored(state: &AppState, key: &str) {
    if let Err(e) = state.files.remove(&state.db, key).await {
        tracing::warn!(error = %e, key, "stored file not removed; the sweep will");
    }
}

/// Removes the bytes stored under `key` in the database.
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
/// within [`SWEEP_LOOKBACK_HOURS`] of it; returns how many pieces (in the
/// database) and objects (in a bucket) went. Mail waits for its file only
/// until it is sent. Each run reads the first pieces of that day on their
/// partial index, or lists the bucket's keys of those days, and looks each
/// key up, so its cost follows the files of a day, not all files.
pub async fn sweep_unnamed(state: &AppState, before: DateTime<Utc>) -> ServiceResult<u64> {
    let since = before - chrono::Duration::hours(SWEEP_LOOKBACK_HOURS);
    let objects = match &state.files {
        FileStore::Database => 0,
        FileStore::Objects(store) => sweep_objects(state, store, since, before).await?,
    };
    Ok(objects + sweep_pieces(state, since, before).await?)
}

async fn sweep_objects(
    state: &AppState,
    store: &Arc<dyn ObjectStore>,
    since: DateTime<Utc>,
    before: DateTime<Utc>,
) -> ServiceResult<u64> {
    let mut old_enough: Vec<ObjectPath> = Vec::new();
    let mut day = since.date_naive();
    while day <= before.date_naive() {
        let day_name = day.format("%Y-%m-%d").to_string();
        for prefix in [day_name.clone(), format!("reports/{day_name}")] {
            let listed: Vec<object_store::ObjectMeta> = store
                .list(Some(&ObjectPath::from(prefix)))
                .try_collect()
                .await
                .map_err(object_error)?;
            old_enough.extend(
                listed
                    .into_iter()
                    .map(|m| m.location)
                    .filter(|k| written_at(k.as_ref()).is_some_and(|t| t >= since && t < before)),
            );
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    if old_enough.is_empty() {
        return Ok(0);
    }
    // Keys made by `dated` need no escaping, so the store's spelling of a
    // key is the one the rows keep; the rows' keys are still put in the
    // store's spelling for the comparison.
    let listed: Vec<String> = old_enough.iter().map(|p| p.as_ref().to_string()).collect();
    let named: std::collections::HashSet<ObjectPath> = named_keys(state, &listed)
        .await?
        .iter()
        .map(|k| ObjectPath::from(k.as_str()))
        .collect();
    let mut gone = 0;
    for key in old_enough.iter().filter(|k| !named.contains(*k)) {
        match store.delete(key).await {
            Ok(()) => gone += 1,
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(object_error(e)),
        }
    }
    Ok(gone)
}

/// Which of `keys` a row names: a request's or an article's file, a
/// report export, mail not sent yet.
async fn named_keys(
    state: &AppState,
    keys: &[String],
) -> ServiceResult<std::collections::HashSet<String>> {
    use super::entity::{mail_outbox, report_export};
    let mut named = std::collections::HashSet::new();
    for some in keys.chunks(500) {
        let of_requests: Vec<String> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::StorageKey)
            .filter(attachment::Column::StorageKey.is_in(some.iter().cloned()))
            .into_tuple()
            .all(&state.db)
            .await?;
        let of_articles: Vec<String> = kb_attachment::Entity::find()
            .select_only()
            .column(kb_attachment::Column::StorageKey)
            .filter(kb_attachment::Column::StorageKey.is_in(some.iter().cloned()))
            .into_tuple()
            .all(&state.db)
            .await?;
        named.extend(of_requests);
        named.extend(of_articles);
    }
    // Small sets (exports of a day, mail not yet sent), read once.
    let reports: Vec<Option<String>> = report_export::Entity::find()
        .select_only()
        .column(report_export::Column::Path)
        .filter(report_export::Column::Path.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    named.extend(reports.into_iter().flatten().map(|p| report_key(&p)));
    let waiting: Vec<Option<String>> = mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::AttachmentPath)
        .filter(mail_outbox::Column::AttachmentPath.is_not_null())
        .filter(mail_outbox::Column::SentAt.is_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    named.extend(waiting.into_iter().flatten());
    Ok(named)
}

/// The database's part of [`sweep_unnamed`].
async fn sweep_pieces(
    state: &AppState,
    since: DateTime<Utc>,
    before: DateTime<Utc>,
) -> ServiceResult<u64> {
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
/// key, `reports/` by name) move into the store on start: each is stored,
/// then unlinked; one already in the database is only unlinked. Returns
/// how many moved.
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
        tracing::info!(
            moved,
            "files moved from the data folder into the file store"
        );
    }
    Ok(moved)
}

async fn adopt_one(state: &AppState, path: &Path, key: &str) -> ServiceResult<()> {
    let bytes = tokio::fs::read(path).await?;
    let txn = state.db.begin().await?;
    if !exists(&txn, key).await? {
        state.files.put(&txn, key, &bytes, state.now()).await?;
    }
    txn.commit().await?;
    tokio::fs::remove_file(path).await?;
    Ok(())
}

/// With a bucket configured, files kept in the database (before it was)
/// move into it on start, a hundred keys a round: each is written to the
/// bucket, then its pieces are deleted. Until then they are read from the
/// database. Two nodes moving at once may write the same bytes twice; a
/// key the other one already moved is skipped. Returns how many moved.
pub async fn move_into_objects(state: &AppState) -> ServiceResult<usize> {
    let FileStore::Objects(store) = &state.files else {
        return Ok(0);
    };
    let mut moved = 0;
    loop {
        let keys: Vec<String> = file_chunk::Entity::find()
            .select_only()
            .column(file_chunk::Column::FileKey)
            // Written as the partial index is, for SQLite to use it.
            .filter(Expr::cust("seq = 0"))
            .limit(100)
            .into_tuple()
            .all(&state.db)
            .await?;
        if keys.is_empty() {
            break;
        }
        for key in keys {
            // Another node starting at the same time may have moved it.
            let Ok(bytes) = get(&state.db, &key).await else {
                continue;
            };
            store
                .put(&ObjectPath::from(key.as_str()), bytes.into())
                .await
                .map_err(object_error)?;
            remove(&state.db, &key).await?;
            moved += 1;
        }
    }
    if moved > 0 {
        tracing::info!(moved, "files moved from the database into the object store");
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_keys_need_no_escaping_and_tell_when_they_were_written() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:15:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let key = dated(at, "monthly-ИТ #1-2026-03.xlsx");
        assert_eq!(key, "2026-03-02/101500-monthly-____1-2026-03.xlsx");
        assert_eq!(ObjectPath::from(key.as_str()).as_ref(), key, "no escaping");
        assert_eq!(written_at(&key), Some(at));
        assert_eq!(written_at(&report_key(&key)), Some(at));
        assert_eq!(written_at(&new_key(at)), Some(at));
        assert_eq!(written_at("0123abcd"), None, "an old key is not dated");
    }

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
