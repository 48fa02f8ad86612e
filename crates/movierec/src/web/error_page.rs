//! Error responses as the visitor sees them: an HTML page, or under `/api/` the JSON
//! `{"error":{"code","message"}}`; the policy is in [`super::error`].

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::csrf::ProtectionError;
use tower_sessions::Session;

use super::error::{AppError, ErrorKind};
use super::session::SessionUser;
use super::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    user: Option<SessionUser>,
    status: u16,
    heading: &'static str,
    message: String,
}

impl ErrorPage {
    pub fn new(user: Option<SessionUser>, error: &AppError) -> Self {
        use ErrorKind::*;
        let heading = match error.kind {
            BadRequest => "That did not work",
            Unauthorized => "Please log in",
            Forbidden => "Not allowed",
            NotFound => "Not found",
            MethodNotAllowed => "Not possible here",
            Conflict => "Already there",
            PayloadTooLarge => "Too much at once",
            TooManyRequests => "Slow down",
            Internal => "Something went wrong",
            Unavailable => "Busy right now",
        };
        Self {
            user,
            status: error.kind.status().as_u16(),
            heading,
            message: error.message.clone(),
        }
    }
}

/// Middleware: renders every error response as a page or JSON, and logs it once.
pub async fn render_errors(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    // Hooks are called by media servers, not browsers: they are answered in JSON too.
    let is_api =
        request.uri().path().starts_with("/api/") || request.uri().path().starts_with("/hooks/");
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
    log(&error);
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
    if let Some(secs) = error.retry_after_secs() {
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
        return AppError::internal(anyhow::anyhow!("status {status} from a layer"));
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

/// Logs an error once, with its cause's whole chain, in the request's span.
fn log(error: &AppError) {
    match (error.cause(), error.kind) {
        (Some(cause), ErrorKind::Unavailable) => {
            tracing::warn!(cause = format!("{cause:#}"), "request refused for now");
        }
        (Some(cause), _) => tracing::error!(cause = format!("{cause:#}"), "request failed"),
        (None, ErrorKind::Internal) => tracing::error!(message = %error.message, "request failed"),
        _ => {}
    }
}
