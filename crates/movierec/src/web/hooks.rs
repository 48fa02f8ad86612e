//! Media servers' webhooks, `POST /hooks/{server}/{token}`: no session and no form token,
//! since the secret token in the URL names the user. The handler only takes the JSON out of
//! the wrapping each server sends it in; [`hooks::receive`] does the rest.

use axum::body::Bytes;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Form, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::importers::media::Server;
use crate::services::media_servers::hooks::{self, HookError, Received};
use crate::web::error::{AppError, ErrorKind};
use crate::web::state::AppState;

/// A webhook's body at most: Plex sends a thumbnail beside its JSON.
pub(crate) const MAX_HOOK_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The form fields or multipart parts that hold the JSON: Plex's `payload`, Emby's `data`.
const JSON_PARTS: [&str; 2] = ["payload", "data"];

#[tracing::instrument(skip_all, fields(server = %server))]
pub(crate) async fn receive(
    State(state): State<AppState>,
    Path((server, token)): Path<(String, String)>,
    request: Request,
) -> Result<Response, AppError> {
    let Some(server) = Server::from_path(&server) else {
        return Err(AppError::not_found("There is no webhook at this address."));
    };
    let json = json_of(request, &state).await?;
    match hooks::receive(&state.pool, &state.providers, server, &token, &json).await {
        Ok(hooks::Outcome { received, added }) => {
            if let Some(new) = added {
                state.search.add(new).await;
            }
            let (status, outcome) = match received {
                Received::Applied { .. } => (StatusCode::OK, "applied"),
                Received::Unchanged => (StatusCode::OK, "unchanged"),
                Received::Pending => (StatusCode::ACCEPTED, "pending"),
                Received::Ignored(_) => (StatusCode::OK, "ignored"),
            };
            let detail = match received {
                Received::Ignored(why) => Some(why),
                _ => None,
            };
            Ok((status, Json(json!({"outcome": outcome, "detail": detail}))).into_response())
        }
        Err(HookError::UnknownToken) => {
            Err(AppError::not_found("There is no webhook at this address."))
        }
        Err(HookError::Malformed(message)) => Err(AppError::bad_request(format!(
            "The {} payload is not understood: {message}.",
            server.name()
        ))),
        Err(e @ HookError::TooMany { retry_after }) => {
            Err(AppError::too_many_requests(e.to_string()).retry_after(retry_after))
        }
        Err(HookError::Internal(e)) => Err(AppError::internal(e)),
    }
}

/// The JSON document of a webhook: the body itself (JSON, or JSON sent as `text/plain`), or
/// the `payload`/`data` field of a form or of a multipart form (other parts, such as Plex's
/// thumbnail, are skipped).
async fn json_of(request: Request, state: &AppState) -> Result<Bytes, AppError> {
    let kind = content_type(request.headers());
    if kind == "multipart/form-data" {
        let mut form = Multipart::from_request(request, state).await.map_err(|e| {
            AppError::bad_request(format!("The multipart body is not readable: {e}."))
        })?;
        while let Some(field) = form.next_field().await.map_err(|e| {
            AppError::bad_request(format!("The multipart body is not readable: {e}."))
        })? {
            if field.name().is_some_and(|n| JSON_PARTS.contains(&n)) {
                return field.bytes().await.map_err(|e| {
                    AppError::bad_request(format!("The multipart body is not readable: {e}."))
                });
            }
        }
        return Err(AppError::bad_request(
            "The multipart body has no payload part.",
        ));
    }
    if kind == "application/x-www-form-urlencoded" {
        let Form(mut fields) = Form::<HashMap<String, String>>::from_request(request, state)
            .await
            .map_err(|e| {
                AppError::bad_request(format!("The form is not readable: {}.", e.body_text()))
            })?;
        return JSON_PARTS
            .iter()
            .find_map(|name| fields.remove(*name))
            .map(Bytes::from)
            .ok_or_else(|| AppError::bad_request("The form has no data field."));
    }
    Bytes::from_request(request, state)
        .await
        .map_err(|e| AppError::new(ErrorKind::from_status(e.status()), e.body_text()))
}

/// The media type of a request, lower case, without its parameters.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// `scheme://host` of the address the visitor reached the site by (`Host`, and
/// `X-Forwarded-Proto` from a proxy that ends TLS): for links people copy elsewhere.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// A user's three receiver URLs and their list for Radarr, as the account page and
/// `GET /api/v1/me/hooks` show them.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct HookUrls {
    pub(crate) jellyfin: String,
    pub(crate) plex: String,
    pub(crate) emby: String,
    /// Radarr's Custom List (Settings, Import Lists) polls it.
    pub(crate) radarr_list: String,
}

impl HookUrls {
    /// The URLs on the address the visitor reached the site by (`Host`, and
    /// `X-Forwarded-Proto` from a proxy that ends TLS): the one their media server can reach
    /// too, in the usual set-up.
    pub(crate) fn new(headers: &HeaderMap, token: &str) -> Self {
        let origin = origin(headers);
        let url = |server| format!("{origin}{}", hooks::path(server, token));
        Self {
            jellyfin: url(Server::Jellyfin),
            plex: url(Server::Plex),
            emby: url(Server::Emby),
            radarr_list: format!("{origin}{}", crate::services::requests::list_path(token)),
        }
    }
}
