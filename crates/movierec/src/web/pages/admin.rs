//! The Admin page: the site's settings, for administrators.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::Registration;
use crate::providers::radarr::MinimumAvailability;
use crate::services::media_servers::pull;
use crate::services::membership;
use crate::services::requests::{self, ConnectError, ConnectForm, Requesters};
use crate::web::error::AppError;
use crate::web::session::{RequireAdmin, SessionUser};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
pub struct AdminPage {
    user: Option<SessionUser>,
    registration_open: bool,
    media_servers: Vec<MediaServer>,
    radarr: RadarrSection,
}

/// A media server a pull reads, and how the site reaches it.
pub struct MediaServer {
    server: &'static str,
    name: &'static str,
    /// The address and the key's last characters, when connected.
    connected: Option<(String, String)>,
}

/// The media servers' part of the page.
async fn media_servers(state: &AppState) -> Result<Vec<MediaServer>, AppError> {
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
    Ok(media_servers)
}

pub async fn show(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Query(query): Query<AdminQuery>,
) -> Result<AdminPage, AppError> {
    let mut radarr = RadarrSection::load(&state).await?;
    radarr.notice = match query.done.as_deref() {
        Some("radarr") => Some("Radarr is connected: the settings were checked with it and saved."),
        Some("radarr-off") => Some("Radarr is disconnected."),
        Some("radarr-requesters") => Some("Who may request films is saved."),
        _ => None,
    };
    Ok(AdminPage {
        user: Some(me),
        registration_open: membership::registration(&state.pool).await? == Registration::Open,
        media_servers: media_servers(&state).await?,
        radarr,
    })
}

#[derive(Debug, Deserialize)]
pub struct AdminQuery {
    done: Option<String>,
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

// Radarr: its connection (checked with the server before it is saved) and who may request.

/// The Radarr section of the page: the stored connection, or the form being corrected.
pub struct RadarrSection {
    connected: bool,
    url: String,
    /// "••••abcd"; empty when no key is stored.
    masked_key: String,
    version: String,
    /// The chosen profile's name, and every profile (id, name) to choose from.
    profile: String,
    profiles: Vec<(i64, String)>,
    root_folder: String,
    folders: Vec<String>,
    availability: MinimumAvailability,
    admins_only: bool,
    /// Why the last save was refused, field first.
    error: Option<String>,
    notice: Option<&'static str>,
}

impl RadarrSection {
    async fn load(state: &AppState) -> Result<Self, AppError> {
        let connection = requests::connection(&state.pool).await?;
        let admins_only = requests::requesters(&state.pool).await? == Requesters::Admins;
        Ok(match connection {
            Some(c) => Self {
                connected: true,
                masked_key: c.api_key.masked(),
                profile: c.profile_name(),
                profiles: c.profiles.iter().map(|p| (p.id, p.name.clone())).collect(),
                url: c.url,
                version: c.version,
                root_folder: c.root_folder,
                folders: c.folders,
                availability: c.minimum_availability,
                admins_only,
                error: None,
                notice: None,
            },
            None => Self {
                connected: false,
                url: String::new(),
                masked_key: String::new(),
                version: String::new(),
                profile: String::new(),
                profiles: Vec::new(),
                root_folder: String::new(),
                folders: Vec::new(),
                availability: MinimumAvailability::default(),
                admins_only,
                error: None,
                notice: None,
            },
        })
    }

    fn availabilities(&self) -> [MinimumAvailability; 3] {
        MinimumAvailability::ALL
    }

    /// Whether `profile` is the chosen one: by name, or by the id a refused form sent.
    fn is_profile(&self, profile: &(i64, String)) -> bool {
        profile.1 == self.profile || profile.0.to_string() == self.profile
    }
}

/// The connection form; the key field left empty keeps the stored key.
#[derive(Deserialize)]
pub struct RadarrForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    quality_profile: String,
    #[serde(default)]
    root_folder: String,
    #[serde(default)]
    minimum_availability: String,
}

/// `POST /admin/radarr`: checked with Radarr at once; refused, the page says why and
/// nothing is saved.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn connect_radarr(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Form(form): Form<RadarrForm>,
) -> Result<Response, AppError> {
    let asked = ConnectForm {
        url: form.url,
        api_key: form.api_key,
        quality_profile: form.quality_profile,
        root_folder: form.root_folder,
        minimum_availability: form.minimum_availability,
    };
    match requests::connect(&state.pool, &asked).await {
        Ok(_) => Ok(Redirect::to("/admin?done=radarr#radarr-heading").into_response()),
        Err(e @ ConnectError::Field { .. }) => {
            let mut radarr = RadarrSection::load(&state).await?;
            // The form as typed (the key aside), so the admin corrects rather than retypes.
            radarr.url = asked.url.trim().to_owned();
            radarr.profile = asked.quality_profile.trim().to_owned();
            radarr.root_folder = asked.root_folder.trim().to_owned();
            radarr.error = Some(e.to_string());
            let page = AdminPage {
                user: Some(me),
                registration_open: membership::registration(&state.pool).await?
                    == Registration::Open,
                media_servers: media_servers(&state).await?,
                radarr,
            };
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(ConnectError::Internal(e)) => Err(AppError::internal(e)),
    }
}

/// `POST /admin/radarr/disconnect`.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn disconnect_radarr(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
) -> Result<Redirect, AppError> {
    requests::disconnect(&state.pool).await?;
    Ok(Redirect::to("/admin?done=radarr-off#radarr-heading"))
}

#[derive(Debug, Deserialize)]
pub struct RequestersForm {
    #[serde(default)]
    requesters: String,
}

/// `POST /admin/radarr/requesters`: everyone, or administrators only.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn set_radarr_requesters(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Form(form): Form<RequestersForm>,
) -> Result<Redirect, AppError> {
    let who: Requesters = form.requesters.parse().map_err(AppError::bad_request)?;
    requests::set_requesters(&state.pool, who).await?;
    Ok(Redirect::to("/admin?done=radarr-requesters#radarr-heading"))
}
