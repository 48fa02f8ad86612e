//! Reading an uploaded file from a `multipart/form-data` body, for the import page and API.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;

use super::error::{AppError, ErrorKind};
use crate::importers::history::MAX_UPLOAD_BYTES;

/// What a form with one file field sent.
#[derive(Debug, Default)]
pub struct Upload {
    /// The file's name as the browser gave it; empty when none.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Whether a `file` field came at all.
    pub has_file: bool,
    /// The other fields, as text.
    pub fields: HashMap<String, String>,
}

/// Reads every field; the file field is `file`, refused past [`MAX_UPLOAD_BYTES`] as it
/// streams in rather than after.
pub async fn read(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.has_file = true;
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            while let Some(chunk) = field.chunk().await.map_err(refused)? {
                if upload.bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                    return Err(too_large());
                }
                upload.bytes.extend_from_slice(&chunk);
            }
        } else {
            let text = field.text().await.map_err(refused)?;
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}

/// The refusal of a file past the limit.
pub fn too_large() -> AppError {
    AppError::new(
        ErrorKind::PayloadTooLarge,
        format!(
            "file: The file is larger than the {} MB an upload may be.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ),
    )
}

fn refused(error: MultipartError) -> AppError {
    let kind = ErrorKind::from_status(error.status());
    if kind == ErrorKind::PayloadTooLarge {
        return too_large();
    }
    AppError::new(kind, format!("file: {}", error.body_text()))
}
