//! The one error type of the web layer: [`AppError`], a kind, the message shown and the
//! cause kept. Nothing here renders; [`super::error_page`] turns errors into pages.
//!
//! # Error-handling policy
//!
//! - **Which status.** A handler returns `AppError`; its [`ErrorKind`] alone decides the
//!   status (and the stable `code` of JSON errors). Refusals the visitor can fix are
//!   4xx with a message saying how. A lower-level error converts by `From`: a database
//!   pool that stayed exhausted for its acquire timeout is 503 with `Retry-After` (the
//!   server is busy, not broken), any other database, session or unexpected error is 500.
//!   Services return their own typed errors; their `From` impls here pick the kind.
//! - **What is shown.** The message only: for 500 and for the busy pool a fixed sentence,
//!   never the cause, which may hold paths, SQL or names. The page or the
//!   `{"error":{"code","message"}}` body is made in [`super::error_page::render_errors`],
//!   a middleware, so extractor rejections and layers' errors look the same.
//! - **What is logged.** The cause, with its whole chain, once, by that middleware, inside
//!   the request's span: `error` for 500s, `warn` for 503s that carry a cause. Client
//!   errors are not logged as errors (the trace layer records every response's status).
//!   Handlers and services do not log an error they return.
//! - **Cloning.** The cause sits in an `Arc`, as axum's error-handling example keeps it, so
//!   the error can travel in a response extension and be cloned out of it intact.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Seconds a client is asked to wait after the database pool stayed busy.
const POOL_BUSY_RETRY_SECS: i64 = 2;

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
    /// Logged, never shown: what went wrong underneath.
    cause: Option<Arc<anyhow::Error>>,
    /// Seconds for the `Retry-After` header of a 429 or 503.
    retry_after: Option<i64>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            cause: None,
            retry_after: None,
        }
    }

    /// Sets the `Retry-After` header the response carries.
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Keeps `cause` to be logged with the error.
    pub fn caused_by(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(Arc::new(cause.into()));
        self
    }

    /// What went wrong underneath, for the log.
    pub fn cause(&self) -> Option<&anyhow::Error> {
        self.cause.as_deref()
    }

    /// The `Retry-After` the response carries, in seconds.
    pub fn retry_after_secs(&self) -> Option<i64> {
        self.retry_after
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

    /// Something that should not fail did: 500, with `cause` logged and never shown.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            ErrorKind::Internal,
            "Something went wrong on our side. Please try again.",
        )
        .caused_by(cause)
    }

    /// Every database connection stayed busy for the pool's acquire timeout: a moment of
    /// load, not a fault, so the client is asked to come back.
    fn pool_busy(cause: anyhow::Error) -> Self {
        Self::unavailable(
            "The server is busy right now. Try again in a moment.",
            POOL_BUSY_RETRY_SECS,
        )
        .caused_by(cause)
    }
}

/// Whether `e` is, or was caused by, the pool's acquire timeout.
fn is_pool_timeout(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::PoolTimedOut)
        )
    })
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        anyhow::Error::new(e).context("database").into()
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        if is_pool_timeout(&e) {
            Self::pool_busy(e)
        } else {
            Self::internal(e)
        }
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

impl From<crate::services::nights::NightError> for AppError {
    fn from(e: crate::services::nights::NightError) -> Self {
        use crate::services::nights::NightError;
        match e {
            NightError::Invalid(message) => AppError::bad_request(message),
            NightError::NotFound => AppError::not_found(e.to_string()),
            NightError::Changed(message) => AppError::conflict(message),
            NightError::Database(e) => e.into(),
            NightError::Other(e) => e.into(),
        }
    }
}

impl From<crate::services::requests::RequestError> for AppError {
    /// Radarr not connected or not knowing the film is a state of the site (409); Radarr
    /// down, slow, failing or refusing the key is an availability error (503).
    fn from(e: crate::services::requests::RequestError) -> Self {
        use crate::services::requests::RequestError;
        let message = e.to_string();
        match e {
            RequestError::NotConnected
            | RequestError::NoIds(_)
            | RequestError::UnknownToRadarr(_)
            | RequestError::Refused(_) => AppError::conflict(message),
            RequestError::NotAllowed => AppError::forbidden(message),
            RequestError::NoSuchMovie(_) => AppError::not_found(message),
            RequestError::Unavailable(_) => AppError::unavailable(message, 60),
            RequestError::Internal(e) => e.into(),
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        anyhow::Error::new(e).context("session").into()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.kind.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
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
        let e = AppError::internal(anyhow::anyhow!("disk on fire at /var/db"));
        assert!(!e.message.contains("disk"));
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.extensions().get::<AppError>().is_some());
    }

    #[test]
    fn the_cause_survives_a_clone_whole() {
        let e: AppError = sqlx::Error::RowNotFound.into();
        let copy = e.clone();
        let cause = copy.cause().expect("a database error keeps its cause");
        assert!(cause.downcast_ref::<sqlx::Error>().is_some());
        assert_eq!(
            format!("{cause:#}"),
            format!("database: {}", sqlx::Error::RowNotFound)
        );
        assert_eq!(e.kind, ErrorKind::Internal);
    }

    #[test]
    fn a_pool_timeout_is_503_with_retry_after_however_deep() {
        let direct: AppError = sqlx::Error::PoolTimedOut.into();
        let wrapped: AppError = anyhow::Error::new(sqlx::Error::PoolTimedOut)
            .context("reading the ratings")
            .into();
        for e in [direct, wrapped] {
            assert_eq!(e.kind, ErrorKind::Unavailable);
            assert_eq!(e.kind.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(e.retry_after_secs(), Some(POOL_BUSY_RETRY_SECS));
            assert!(!e.message.contains("pool"), "{}", e.message);
            assert!(e.cause().is_some());
        }
        // Every other database error stays a 500.
        let other: AppError = sqlx::Error::PoolClosed.into();
        assert_eq!(other.kind, ErrorKind::Internal);
        assert_eq!(other.retry_after_secs(), None);
    }
}
