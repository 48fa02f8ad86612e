//! The Admin page: the site's settings, for administrators.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Redirect;
use serde::Deserialize;

use crate::domain::Registration;
use crate::services::media_servers::pull;
use crate::services::membership;
use crate::web::error::AppError;
use crate::web::session::{RequireAdmin, SessionUser};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
pub struct AdminPage {
    user: Option<SessionUser>,
    registration_open: bool,
    media_servers: Vec<MediaServer>,
}

/// A media server a pull reads, and how the site reaches it.
pub struct MediaServer {
    server: &'static str,
    name: &'static str,
    /// The address and the key's last characters, when connected.
    connected: Option<(String, String)>,
}

pub async fn show(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
) -> Result<AdminPage, AppError> {
    let mut media_servers = Vec::new();
    for server in pull::PULLED {
        media_servers.push(MediaServer {
            server: server.as_str(),
            name: server.name(),
            connected: pull::connection(&state.pool, server)
                .await?
                .map(|c| (c.url.clone(), c.masked_secret())),
        });
    }
    Ok(AdminPage {
        user: Some(me),
        registration_open: membership::registration(&state.pool).await? == Registration::Open,
        media_servers,
    })
}

#[derive(Debug, Deserialize)]
pub struct RegistrationForm {
    #[serde(default)]
    registration: String,
}

pub async fn set_registration(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Form(form): Form<RegistrationForm>,
) -> Result<Redirect, AppError> {
    let value: Registration = form
        .registration
        .parse()
        .map_err(|e: String| AppError::bad_request(e))?;
    membership::set_registration(&state.pool, value).await?;
    tracing::info!(user_id = me.id.get(), registration = %value, "registration setting changed");
    Ok(Redirect::to("/admin"))
}
