//! Stored files (of requests and of articles): size limit, type checked by
//! content, kept under the data folder (outside the web root) by a random key.

use std::path::PathBuf;

use super::entity::attachment;
use super::error::ServiceResult;
use super::state::AppState;
use crate::wire::{AppError, AttachmentView};

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

fn storage_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("attachments")
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

/// Checks a file (see [`check`]) and writes it under a random key in the
/// data folder; returns the type, the key and the path written.
pub(crate) async fn write_checked(
    state: &AppState,
    bytes: &[u8],
) -> ServiceResult<(&'static str, String, PathBuf)> {
    let content_type = check(state, bytes)?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let dir = storage_dir(state);
    tokio::fs::create_dir_all(&dir).await?;
    let path = dir.join(&key);
    tokio::fs::write(&path, bytes).await?;
    Ok((content_type, key, path))
}

/// The bytes stored under `key`.
pub(crate) async fn read_stored(state: &AppState, key: &str) -> ServiceResult<Vec<u8>> {
    Ok(tokio::fs::read(storage_dir(state).join(key)).await?)
}

/// Removes the bytes stored under `key`; a file already gone is fine.
pub(crate) async fn remove_stored(state: &AppState, key: &str) {
    let _ = tokio::fs::remove_file(storage_dir(state).join(key)).await;
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
