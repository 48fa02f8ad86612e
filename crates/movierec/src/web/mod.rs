//! The web app: routes, pages, errors, sessions and static files.

pub mod assets;
pub mod error;
pub mod pages;
pub mod session;

use axum::Router;
use axum::routing::{get, post};
use sqlx::SqlitePool;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: SqlitePool,
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
        .route("/health", get(health))
        .route("/static/{file}", get(assets::serve))
        .fallback(error::not_found)
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}
