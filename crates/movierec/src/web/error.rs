//! The one error type of the web layer.
//!
//! A handler returns `AppError`; its response carries the error in an extension and
//! [`render_errors`] (a middleware that knows the path and the visitor) turns it into an
//! HTML page or, under `/api/`, into `{"error":{"code","message"}}`, logging it once.
//! Error responses from outside the handlers (extractor rejections, the CSRF layer, the
//! body limit) get the same treatment.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::csrf::ProtectionError;
use tower_sessions::Session;

use super::AppState;
use super::pages::ErrorPage;
use super::session::SessionUser;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The stable `code` of JSON errors.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests => "too_many_requests",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::TOO_MANY_REQUESTS => Self::TooManyRequests,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            s if s.is_server_error() => Self::Internal,
            _ => Self::BadRequest,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: ErrorKind,
    /// Shown to the visitor.
    pub message: String,
    /// Logged, never shown: the cause of an internal error.
    detail: Option<String>,
    /// Seconds for the `Retry-After` header of a 429 or 503.
    retry_after: Option<i64>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            detail: None,
            retry_after: None,
        }
    }

    /// Sets the `Retry-After` header the response carries.
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Over capacity for a moment: 503 with `Retry-After`.
    pub fn unavailable(message: impl Into<String>, retry_after_secs: i64) -> Self {
        Self::new(ErrorKind::Unavailable, message).retry_after(retry_after_secs)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooManyRequests, message)
    }

    /// A movie id that names no movie: `id` as parsed, or as the visitor typed it (cut short).
    pub fn no_such_movie(id: impl std::fmt::Display) -> Self {
        let shown: String = id.to_string().chars().take(20).collect();
        Self::not_found(format!("There is no movie with id {shown}."))
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: "Something went wrong on our side. Please try again.".into(),
            detail: Some(detail.to_string()),
            retry_after: None,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(format!("{e:#}"))
    }
}

impl From<crate::services::accounts::HashError> for AppError {
    fn from(e: crate::services::accounts::HashError) -> Self {
        use crate::services::accounts::HashError;
        match e {
            HashError::Busy => Self::unavailable(
                "The server is busy checking other passwords. Try again in a moment.",
                2,
            ),
            HashError::Failed(e) => e.into(),
        }
    }
}

impl From<crate::services::catalog::CatalogError> for AppError {
    fn from(e: crate::services::catalog::CatalogError) -> Self {
        use crate::services::catalog::CatalogError;
        match e {
            CatalogError::SameFilm(_) => AppError::bad_request(capitalised(&e.to_string())),
            CatalogError::NoSuchFilm { .. } => AppError::not_found(capitalised(&e.to_string())),
            CatalogError::Database(e) => e.into(),
        }
    }
}

/// A message of a lower-level error as the site's sentences are written.
fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

impl From<crate::services::history::HistoryError> for AppError {
    fn from(e: crate::services::history::HistoryError) -> Self {
        use crate::services::history::HistoryError;
        match e {
            HistoryError::Parse(e) => AppError::bad_request(format!("file: {e}")),
            HistoryError::NotFound(message) => AppError::not_found(message),
            HistoryError::Invalid(message) => AppError::conflict(message),
            HistoryError::Busy => AppError::unavailable(
                "The server is reading other uploads; try again in a few seconds.",
                5,
            ),
            HistoryError::Database(e) => e.into(),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        Self::internal(format!("session: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.kind.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware: renders every error response as a page or JSON, and logs it once.
pub async fn render_errors(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let is_upload = super::is_upload(request.method(), request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match response.extensions().get::<AppError>() {
        Some(error) => error.clone(),
        None if is_rendered(&response) => return response,
        None if is_upload && status == StatusCode::PAYLOAD_TOO_LARGE => super::upload::too_large(),
        None => from_foreign(response, is_api).await,
    };
    match (&error.detail, error.kind) {
        (Some(detail), _) => tracing::error!(%detail, "request failed"),
        (None, ErrorKind::Internal) => tracing::error!(message = %error.message, "request failed"),
        _ => {}
    }
    let mut response = if is_api {
        let body = serde_json::json!({
            "error": { "code": error.kind.code(), "message": error.message }
        });
        (error.kind.status(), Json(body)).into_response()
    } else {
        // The page is shown without the visitor's name rather than not at all.
        let user = SessionUser::from_session(&session, &state.pool)
            .await
            .ok()
            .flatten();
        match user {
            // A file too large for the import form: the form again, not a bare error page.
            Some(me) if is_upload && error.kind == ErrorKind::PayloadTooLarge => {
                super::pages::history::form_again(me, &error)
            }
            user => (error.kind.status(), ErrorPage::new(user, &error)).into_response(),
        }
    };
    if let Some(secs) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// Pages that answer with an error status on purpose (a form shown again with its
/// errors) are already complete.
fn is_rendered(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"))
}

/// Wraps an error response produced outside our handlers: keep its short plain-text
/// explanation for client errors, never anything for server errors.
async fn from_foreign(response: Response, is_api: bool) -> AppError {
    let status = response.status();
    let kind = ErrorKind::from_status(status);
    if kind == ErrorKind::Internal {
        return AppError::internal(format!("status {status} from a layer"));
    }
    if response.extensions().get::<ProtectionError>().is_some() {
        return AppError::forbidden(
            "This request came from another site and was refused. \
             Go back to the page and submit the form again.",
        );
    }
    let message = match kind {
        ErrorKind::NotFound => "There is no page at this address.".to_owned(),
        ErrorKind::PayloadTooLarge => format!(
            "The request body is too large: at most {} KiB.",
            super::MAX_BODY_BYTES / 1024
        ),
        // axum adds the `Allow` header after this layer, so it cannot be quoted here.
        ErrorKind::MethodNotAllowed if is_api => "This endpoint does not take this method; \
            the Allow header lists the ones it does, and /api/v1/openapi.json describes them."
            .to_owned(),
        ErrorKind::MethodNotAllowed => "This address cannot be used that way. \
            Follow a link or use the buttons on the pages instead."
            .to_owned(),
        _ => {
            let bytes = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            if text.is_empty() {
                status
                    .canonical_reason()
                    .unwrap_or("Bad request")
                    .to_owned()
            } else {
                text
            }
        }
    };
    AppError::new(kind, message)
}

/// The fallback route.
pub async fn not_found() -> AppError {
    AppError::not_found("There is no page at this address.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_matching_status_and_code() {
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::MethodNotAllowed,
            ErrorKind::Conflict,
            ErrorKind::PayloadTooLarge,
            ErrorKind::TooManyRequests,
            ErrorKind::Internal,
            ErrorKind::Unavailable,
        ] {
            assert_eq!(ErrorKind::from_status(kind.status()), kind);
            assert!(!kind.code().is_empty());
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = AppError::internal("disk on fire at /var/db");
        assert!(!e.message.contains("disk"));
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.extensions().get::<AppError>().is_some());
    }
}
