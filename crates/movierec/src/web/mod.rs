//! The web app: routes, pages, errors, sessions and static files.
//!
//! # Security model
//!
//! - **Cross-site request forgery.** Every request other than GET, HEAD and OPTIONS
//!   passes tower-http's `CsrfLayer`, which follows the scheme of Go's
//!   `CrossOriginProtection`: it reads the `Sec-Fetch-Site` header that browsers attach
//!   to every request, and falls back to comparing `Origin` with `Host`. A form posted
//!   from another site is answered 403 and never reaches a handler. Requests with
//!   neither header (curl, scripts) pass: they cannot carry a victim's cookies from a
//!   web page. No token is needed in forms. Behind a reverse proxy, forward `Host` and
//!   `Origin` unchanged. The session cookie is also `SameSite=Lax`, so browsers do not
//!   send it on cross-site POSTs in the first place.
//! - **Sessions** are stored in the database (tower-sessions), survive restarts, expire
//!   after 14 idle days, and get a new id at log-in. The cookie is `HttpOnly`,
//!   `SameSite=Lax`, and `Secure` with `--secure-cookies` (set it when serving https).
//! - **Passwords** are argon2id hashes; a log-in for an unknown name is checked against
//!   a dummy hash so both cost the same. Failed log-ins are counted in the database per
//!   account and per client address (the TCP peer: behind a proxy every visitor shares
//!   the proxy's address, so only the per-account limit is meaningful there).
//! - **Output** is escaped by askama in every template.

pub mod api;
pub mod assets;
pub mod chart;
pub mod dates;
pub mod error;
pub mod pages;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use sqlx::SqlitePool;

use crate::jobs::{ModelSlot, Trainer};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
    /// The model serving recommendations; empty until the first training finishes.
    pub models: Arc<ModelSlot>,
    /// Trains new models in the background, one at a time.
    pub trainer: Arc<Trainer>,
}

/// The routes; cross-cutting layers are added in [`crate::startup`].
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home::show))
        .route(
            "/register",
            get(pages::accounts::register_form).post(pages::accounts::register),
        )
        .route(
            "/login",
            get(pages::accounts::login_form).post(pages::accounts::login),
        )
        .route("/logout", post(pages::accounts::logout))
        .route("/movies/{id}", get(pages::movies::show))
        .route("/movies/{id}/rating", post(pages::movies::rate))
        .route("/movies/{id}/rating/delete", post(pages::movies::unrate))
        .route("/my/ratings", get(pages::my_ratings::show))
        .route("/movies/{id}/hide", post(pages::lists::hide))
        .route("/movies/{id}/unhide", post(pages::lists::unhide))
        .route("/movies/{id}/watchlist", post(pages::lists::watch))
        .route("/movies/{id}/watchlist/delete", post(pages::lists::unwatch))
        .route("/my/watchlist", get(pages::lists::show))
        .route("/model", get(pages::model::show))
        .route("/model/train", post(pages::model::train))
        .route("/search", get(pages::search_page::show))
        .merge(api::routes())
        .route("/health", get(health))
        .route("/static/{file}", get(assets::serve))
        .fallback(error::not_found)
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}
