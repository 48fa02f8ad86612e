//! The JSON API, version 1, under `/api/v1`.
//!
//! It does what the pages do, through the same domain types and store functions, and
//! answers every failure as `{"error":{"code","message"}}` (see [`super::error`]); a
//! message names the refused field first, as in `rating: A rating is between 0.5 and 5
//! stars.` Authentication is the session cookie of the site, and the site's CSRF check
//! applies to `POST`, `PUT` and `DELETE`. The routes come from one list, [`route_table`] shows
//! it, and the hand-kept OpenAPI document served at `/api/v1/openapi.json` describes it;
//! a test keeps the two in step.

pub mod history;
mod hooks;
mod lists;
mod model;
mod movies;
mod nights;
mod ratings;
mod recommendations;
mod requests;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::handler::Handler;
use axum::http::{Method, header};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, any, on};
use serde::de::DeserializeOwned;

use super::error::{AppError, ErrorKind};
use super::state::AppState;
use crate::domain::MovieId;

/// The OpenAPI 3.1 description of every endpoint.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The path history files are uploaded to; the only endpoint that takes a large body.
pub const HISTORY_UPLOAD_PATH: &str = "/api/v1/me/imports";

/// One method on one path.
struct Endpoint {
    method: Method,
    path: &'static str,
    router: MethodRouter<AppState>,
}

impl Endpoint {
    fn is_upload(&self) -> bool {
        super::is_upload(&self.method, self.path)
    }
}

fn endpoint<H, T>(method: Method, path: &'static str, handler: H) -> Endpoint
where
    H: Handler<T, AppState>,
    T: 'static,
{
    // Only the standard methods below are ever passed in.
    let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
    Endpoint {
        method,
        path,
        router: on(filter, handler),
    }
}

/// Every endpoint: the one list both the router and [`route_table`] are built from.
fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint(Method::GET, "/api/v1/openapi.json", openapi),
        endpoint(Method::GET, "/api/v1/search", movies::search),
        endpoint(Method::GET, "/api/v1/genres", movies::genres),
        endpoint(Method::GET, "/api/v1/movies/{id}", movies::show),
        endpoint(
            Method::GET,
            "/api/v1/movies/{id}/similar",
            recommendations::similar,
        ),
        endpoint(
            Method::GET,
            "/api/v1/recommendations",
            recommendations::recommendations,
        ),
        endpoint(Method::GET, "/api/v1/me/ratings", ratings::list),
        endpoint(Method::PUT, "/api/v1/me/ratings/{movie_id}", ratings::put),
        endpoint(
            Method::DELETE,
            "/api/v1/me/ratings/{movie_id}",
            ratings::delete,
        ),
        endpoint(Method::POST, HISTORY_UPLOAD_PATH, history::upload),
        endpoint(Method::GET, "/api/v1/me/imports/{id}", history::report),
        endpoint(
            Method::POST,
            "/api/v1/me/imports/{id}/matches",
            history::match_row,
        ),
        endpoint(Method::GET, "/api/v1/me/export", history::export),
        endpoint(Method::GET, "/api/v1/me/hooks", hooks::show),
        endpoint(
            Method::POST,
            "/api/v1/movies/{id}/request",
            requests::request,
        ),
        endpoint(Method::GET, "/api/v1/me/requests", requests::list),
        endpoint(Method::PUT, "/api/v1/me/watchlist/{movie_id}", lists::watch),
        endpoint(
            Method::DELETE,
            "/api/v1/me/watchlist/{movie_id}",
            lists::unwatch,
        ),
        endpoint(Method::PUT, "/api/v1/me/hidden/{movie_id}", lists::hide),
        endpoint(
            Method::DELETE,
            "/api/v1/me/hidden/{movie_id}",
            lists::unhide,
        ),
        endpoint(Method::POST, "/api/v1/nights", nights::create),
        endpoint(Method::GET, "/api/v1/nights/{id}", nights::show),
        endpoint(Method::POST, "/api/v1/nights/{id}/join", nights::join),
        endpoint(Method::GET, "/api/v1/nights/{id}/picks", nights::picks),
        endpoint(Method::POST, "/api/v1/nights/{id}/votes", nights::vote),
        endpoint(Method::GET, "/api/v1/model", model::show),
        endpoint(Method::POST, "/api/v1/model/train", model::train),
    ]
}

/// `(method, path)` of every endpoint, paths in the router's `{param}` syntax (which is
/// also OpenAPI's).
pub fn route_table() -> Vec<(Method, &'static str)> {
    endpoints()
        .into_iter()
        .map(|e| (e.method, e.path))
        .collect()
}

/// Every endpoint but the upload, which [`upload_routes`] holds.
pub fn routes() -> Router<AppState> {
    endpoints()
        .into_iter()
        .filter(|e| !e.is_upload())
        .fold(Router::new(), |router, e| router.route(e.path, e.router))
        .route("/api/{*rest}", any(unknown))
}

/// The endpoint that takes a history file.
pub fn upload_routes() -> Router<AppState> {
    endpoints()
        .into_iter()
        .filter(Endpoint::is_upload)
        .fold(Router::new(), |router, e| router.route(e.path, e.router))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn unknown() -> AppError {
    AppError::not_found("There is no such API endpoint; the list is at /api/v1/openapi.json.")
}

/// A JSON request body whose rejections (not JSON, wrong shape, wrong content type, too
/// large) become [`AppError`]s, so they are answered like every other API error. The body
/// must be a JSON object: serde would otherwise read `[4]` as a struct's fields in order.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(value) =
            axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(AppError::bad_request("body: Send a JSON object."));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| AppError::bad_request(format!("body: {e}")))
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::new(
            ErrorKind::from_status(rejection.status()),
            format!("body: {}", rejection.body_text()),
        )
    }
}

/// A movie id from the path; `field` names the path parameter in the message.
fn path_movie_id(field: &str, raw: &str) -> Result<MovieId, AppError> {
    MovieId::parse(raw).map_err(|e| AppError::bad_request(format!("{field}: {e}")))
}
