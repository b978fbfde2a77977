//! A browser's multipart form as a server function receives it, read with
//! limits: the text fields as pairs in their order, and the files with their
//! full size but their bytes kept only up to the file limit, so the limit is
//! reported with the file's name instead of cutting the connection.

use leptos::server_fn::codec::MultipartData;

use crate::server::tickets::NewFile;
use crate::wire::AppError;

/// The longest text field accepted (bytes); longer ones are malformed.
pub const TEXT_MAX: usize = 256 * 1024;
/// The most parts (fields and files) one form may have.
const PARTS_MAX: usize = 1000;

#[derive(Default)]
pub struct FormParts {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<NewFile>,
}

impl FormParts {
    /// The first value of a field, if sent.
    pub fn get(&self, key: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

fn malformed(detail: impl ToString) -> AppError {
    AppError::Malformed {
        detail: detail.to_string(),
    }
}

/// Reads the whole form. `body_max` bounds everything read; past it the
/// answer is `TooLarge` with the file limit.
pub async fn read(
    data: MultipartData,
    file_max: u64,
    body_max: u64,
) -> Result<FormParts, AppError> {
    let Some(mut multipart) = data.into_inner() else {
        return Err(malformed("not a multipart form"));
    };
    let mut parts = FormParts::default();
    let mut total: u64 = 0;
    let mut count = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        count += 1;
        if count > PARTS_MAX {
            return Err(malformed("too many parts"));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut bytes: Vec<u8> = Vec::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            let len = chunk.len() as u64;
            size += len;
            total += len;
            if total > body_max {
                return Err(AppError::TooLarge {
                    max_bytes: file_max,
                });
            }
            match file_name {
                Some(_) if size <= file_max => bytes.extend_from_slice(&chunk),
                // Past the limit the file is only counted.
                Some(_) => bytes = Vec::new(),
                None if bytes.len() + chunk.len() <= TEXT_MAX => bytes.extend_from_slice(&chunk),
                None => return Err(malformed(format!("field {name} too long"))),
            }
        }
        match file_name {
            // A file input left empty still sends a nameless, empty part.
            Some(f) if f.is_empty() && size == 0 => {}
            Some(f) => parts.files.push(NewFile {
                name: f,
                size,
                bytes,
            }),
            None => parts.pairs.push((
                name,
                String::from_utf8(bytes).map_err(|_| malformed("text is not UTF-8"))?,
            )),
        }
    }
    Ok(parts)
}
