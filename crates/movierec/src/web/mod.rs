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
//!   A session holds the account id and the account's session stamp; every request reads
//!   the account back, so a deleted account, a changed password (which renews the stamp)
//!   or a revoked administrator role takes effect at the next request.
//! - **Roles.** The first account is the administrator; only administrators train and
//!   change site settings ([`session::RequireAdmin`]).
//! - **Passwords** are argon2id hashes; a log-in for an unknown name is checked against
//!   a dummy hash so both cost the same, and common or predictable passwords are refused
//!   (zxcvbn). Log-ins are throttled per account and per client address in the database,
//!   reserving each attempt before the password is checked, so concurrent guesses cannot
//!   pass the limit; a browser that logged in before has its own allowance, so strangers'
//!   guesses cannot lock the owner out (see [`crate::services::accounts`]). Hashing runs a
//!   bounded number at a time in reused memory; past that, 503 with `Retry-After`.
//! - **Client addresses** are the TCP peer, or behind `--trusted-proxies` the nearest
//!   untrusted `X-Forwarded-For` entry; IPv6 clients are counted per /64.
//! - **Slow clients** are cut off by header, body and idle timeouts and a connection cap
//!   ([`crate::http_server`]).
//! - **Output** is escaped by askama in every template.

pub mod api;
pub mod assets;
pub mod chart;
pub mod client;
pub mod cover;
pub mod dates;
pub mod error;
pub mod error_page;
pub mod extract;
pub(crate) mod hooks;
pub mod pages;
pub mod posters;
pub(crate) mod radarr_list;
pub mod session;
pub mod state;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;

use state::AppState;

/// Forms and API bodies are small; anything bigger is refused with 413 before a handler
/// runs.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body of a history upload: the file ([`crate::importers::history::MAX_UPLOAD_BYTES`])
/// and room for the form's other fields and the multipart framing. The server-wide limit;
/// every other route is held to [`MAX_BODY_BYTES`].
pub const MAX_UPLOAD_BODY_BYTES: usize =
    crate::importers::history::MAX_UPLOAD_BYTES + MAX_BODY_BYTES;

/// The two routes that take an uploaded history.
pub fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST && (path == "/my/import" || path == api::HISTORY_UPLOAD_PATH)
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
        .route("/account", get(pages::accounts::account))
        .route("/account/password", post(pages::accounts::change_password))
        .route("/account/delete", post(pages::accounts::delete_account))
        .route("/account/hooks", post(pages::connections::regenerate))
        .route("/account/hooks/options", post(pages::connections::options))
        .route(
            "/account/hooks/pending/{id}",
            get(pages::connections::pending),
        )
        .route(
            "/account/hooks/pending/{id}/match",
            post(pages::connections::match_pending),
        )
        .route("/admin", get(pages::admin::show))
        .route("/admin/registration", post(pages::admin::set_registration))
        .route("/admin/media/{server}", post(pages::connections::connect))
        .route(
            "/admin/media/{server}/disconnect",
            post(pages::connections::disconnect),
        )
        .route(
            "/account/media/{server}/link",
            post(pages::connections::link),
        )
        .route(
            "/account/media/{server}/sync",
            post(pages::connections::sync),
        )
        .route(
            "/account/media/{server}/unlink",
            post(pages::connections::unlink),
        )
        // Radarr: the connection, who may request, the Request button, the list it polls.
        .route("/admin/radarr", post(pages::admin::connect_radarr))
        .route(
            "/admin/radarr/disconnect",
            post(pages::admin::disconnect_radarr),
        )
        .route(
            "/admin/radarr/requesters",
            post(pages::admin::set_radarr_requesters),
        )
        .route("/movies/{id}/request", post(pages::requests::request))
        .route(
            "/account/radarr-list",
            post(pages::connections::radarr_list),
        )
        .route("/lists/{token}/radarr.json", get(radarr_list::show))
        .route(pages::duplicates::PATH, get(pages::duplicates::show))
        .route("/admin/duplicates/merge", post(pages::duplicates::merge))
        .route("/movies/{id}", get(pages::movies::show))
        .route("/movies/{id}/rating", post(pages::movies::rate))
        .route("/movies/{id}/rating/delete", post(pages::movies::unrate))
        .route("/my/ratings", get(pages::my_ratings::show))
        .route("/movies/{id}/hide", post(pages::lists::hide))
        .route("/movies/{id}/unhide", post(pages::lists::unhide))
        .route("/movies/{id}/watchlist", post(pages::lists::watch))
        .route("/movies/{id}/watchlist/delete", post(pages::lists::unwatch))
        .route("/my/watchlist", get(pages::lists::show))
        .route("/my/not-interested", get(pages::lists::not_interested))
        .route(
            "/nights",
            get(pages::nights::list).post(pages::nights::create),
        )
        .route("/nights/{id}", get(pages::nights::show))
        .route("/nights/{id}/join", post(pages::nights::join))
        .route("/nights/{id}/vote", post(pages::nights::vote))
        .route("/nights/{id}/results", get(pages::nights::results))
        .route(
            "/invite/{token}",
            get(pages::nights::invitation).post(pages::nights::accept),
        )
        .route("/model", get(pages::model::show))
        .route("/model/train", post(pages::model::train))
        .route("/search", get(pages::search_page::show))
        .route("/my/import/{id}", get(pages::history::report))
        .route("/my/import/{id}/apply", post(pages::history::apply))
        .route("/my/import/{id}/match", post(pages::history::match_row))
        .merge(api::routes())
        // Everything so far takes small bodies; only the uploads below take files.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(uploads())
        .merge(media_hooks())
        .route("/health", get(health))
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/posters/{file}", get(posters::image))
        .route("/movies/{id}/poster", get(posters::card))
        .route("/movies/{id}/cover.svg", get(posters::cover))
        .route(
            "/movies/from/{source}/{id}",
            get(pages::movies::open_from_provider),
        )
        .fallback(error::not_found)
        .with_state(state)
}

/// The routes that take a history file, up to [`MAX_UPLOAD_BODY_BYTES`] (which the
/// server-wide limit enforces; axum's own default limit for multipart bodies is lifted).
fn uploads() -> Router<AppState> {
    Router::new()
        .route(
            "/my/import",
            get(pages::history::form).post(pages::history::upload),
        )
        .merge(api::upload_routes())
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES))
}

/// Media servers' webhooks, up to [`hooks::MAX_HOOK_BODY_BYTES`] (Plex sends a thumbnail
/// beside its JSON).
fn media_hooks() -> Router<AppState> {
    Router::new()
        .route("/hooks/{server}/{token}", post(hooks::receive))
        .layer(DefaultBodyLimit::max(hooks::MAX_HOOK_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(hooks::MAX_HOOK_BODY_BYTES))
}

async fn health() -> &'static str {
    "ok"
}
