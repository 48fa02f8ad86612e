//! The Connections section of the account page: the user's media-server webhook URLs, a new
//! token on request, what came through them, and films waiting for a match.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Redirect;
use serde::Deserialize;

use crate::domain::MovieId;
use crate::importers::media::Server;
use crate::services::media_servers::hooks;
use crate::services::media_servers::pull::{self, PullError};
use crate::services::requests;
use crate::store::media_hooks::LoggedEvent;
use crate::store::movie_search::Hit;
use crate::web::error::AppError;
use crate::web::hooks::HookUrls;
use crate::web::session::{RequireAdmin, RequireUser, SessionUser};
use crate::web::state::AppState;

/// Events listed on the page.
const SHOWN_EVENTS: usize = 10;

/// What the section shows.
#[derive(Debug, Clone)]
pub(crate) struct Connections {
    pub(crate) urls: HookUrls,
    /// "Seen via Jellyfin: Heat (1995)", "2 min ago"; newest first.
    pub(crate) activity: Vec<(String, String)>,
    /// Films a media server named that the catalog does not know: the event's id and
    /// "Heat (1995)".
    pub(crate) pending: Vec<(i64, String)>,
    /// Plex: the server's shared users' plays count too.
    pub(crate) shared_users: bool,
    /// The one media-server account whose events count; empty for every account.
    pub(crate) account: String,
    /// The servers an administrator connected, each with the user's link to it.
    pub(crate) libraries: Vec<LibraryLink>,
    /// An administrator may read the Plex server owner's account.
    pub(crate) is_admin: bool,
    /// The list Radarr polls has the user's top picks too, beside their watchlist.
    pub(crate) radarr_top_picks: bool,
}

/// A connected server and the user's link to it, as the section shows them.
#[derive(Debug, Clone)]
pub(crate) struct LibraryLink {
    /// As in the form's address: `jellyfin`, `plex`.
    pub(crate) server: &'static str,
    pub(crate) name: &'static str,
    /// The linked account ("own token" for Plex), when linked.
    pub(crate) account: Option<String>,
    /// "2 min ago", when it synced.
    pub(crate) synced: Option<String>,
    /// The last sync's outcome in words.
    pub(crate) result: Option<String>,
    /// The history report where its unmatched films are matched.
    pub(crate) report: Option<i64>,
}

impl LibraryLink {
    pub(crate) fn is_jellyfin(&self) -> bool {
        self.server == Server::Jellyfin.as_str()
    }
}

/// The section for a user, on the address they reached the site by.
pub(crate) async fn load(
    state: &AppState,
    user_id: crate::domain::UserId,
    is_admin: bool,
    headers: &HeaderMap,
) -> Result<Connections, AppError> {
    let (token, options, events) = hooks::connections(&state.pool, user_id).await?;
    let (links, connected) = pull::links(&state.pool, user_id).await?;
    let now = crate::store::now();
    let libraries = connected
        .into_iter()
        .map(|server| {
            let link = links.iter().find(|l| l.server == server.as_str());
            LibraryLink {
                server: server.as_str(),
                name: server.name(),
                // Jellyfin's account is the server's id of the user: the name was typed.
                account: link.map(|l| match server {
                    Server::Plex => l.account.clone(),
                    _ => "linked".to_owned(),
                }),
                synced: link.and_then(|l| l.synced_at).map(|t| ago(now - t)),
                result: link.and_then(|l| l.last_result.clone()),
                report: link.and_then(|l| l.last_report),
            }
        })
        .collect();
    let name = |e: &LoggedEvent| match (&e.title, e.year) {
        (Some(t), Some(y)) => format!("{t} ({y})"),
        (Some(t), None) => t.clone(),
        (None, _) => "a film without a title".to_owned(),
    };
    let (pending, matched): (Vec<&LoggedEvent>, Vec<&LoggedEvent>) =
        events.iter().partition(|e| e.movie_id.is_none());
    Ok(Connections {
        urls: HookUrls::new(headers, &token),
        activity: matched
            .into_iter()
            .take(SHOWN_EVENTS)
            .map(|e| {
                (
                    format!("{} via {}: {}", what(e), server_name(&e.server), name(e)),
                    ago(now - e.created_at),
                )
            })
            .collect(),
        pending: pending.into_iter().map(|e| (e.id, name(e))).collect(),
        shared_users: options.shared_users,
        account: options.account.unwrap_or_default(),
        libraries,
        is_admin,
        radarr_top_picks: requests::list_has_top_picks(&state.pool, user_id).await?,
    })
}

impl From<PullError> for AppError {
    fn from(e: PullError) -> Self {
        match e {
            PullError::Invalid { .. } => AppError::bad_request(e.to_string()),
            PullError::NotConnected(_) | PullError::NotLinked(_) => {
                AppError::conflict(e.to_string())
            }
            PullError::Unavailable { .. } => AppError::unavailable(e.to_string(), 60),
            PullError::Internal(cause) => AppError::internal(cause),
        }
    }
}

/// A server a pull reads, from the address; anything else is no page.
fn pulled(segment: &str) -> Result<Server, AppError> {
    Server::from_path(segment)
        .filter(|s| pull::PULLED.contains(s))
        .ok_or_else(|| AppError::not_found("No such media server."))
}

/// The link form: Jellyfin's user name, or a Plex token (empty: the site's, for admins).
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    jellyfin_user: String,
    #[serde(default)]
    plex_token: String,
}

/// `POST /account/media/{server}/link`: links the user's account of the server and reads
/// its library once.
#[tracing::instrument(skip_all, fields(user = me.id.get(), server = %server))]
pub async fn link(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(server): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Redirect, AppError> {
    let server = pulled(&server)?;
    pull::link(
        &state.pool,
        me.id,
        me.is_admin,
        server,
        &form.jellyfin_user,
        &form.plex_token,
    )
    .await?;
    Ok(Redirect::to("/account?done=synced#libraries"))
}

/// `POST /account/media/{server}/sync`: reads the linked library now.
#[tracing::instrument(skip_all, fields(user = me.id.get(), server = %server))]
pub async fn sync(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(server): Path<String>,
) -> Result<Redirect, AppError> {
    pull::sync(&state.pool, me.id, pulled(&server)?).await?;
    Ok(Redirect::to("/account?done=synced#libraries"))
}

/// `POST /account/media/{server}/unlink`.
#[tracing::instrument(skip_all, fields(user = me.id.get(), server = %server))]
pub async fn unlink(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(server): Path<String>,
) -> Result<Redirect, AppError> {
    pull::unlink(&state.pool, me.id, pulled(&server)?).await?;
    Ok(Redirect::to("/account?done=unlinked#libraries"))
}

/// The Admin page's connection form: the address and the key or token (empty keeps the
/// stored one).
#[derive(Debug, Deserialize)]
pub struct ConnectForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
}

/// `POST /admin/media/{server}`: connects the site to a server, after asking it.
#[tracing::instrument(skip_all, fields(admin = me.id.get(), server = %server))]
pub async fn connect(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Path(server): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Result<Redirect, AppError> {
    pull::connect(&state.pool, pulled(&server)?, &form.url, &form.secret).await?;
    Ok(Redirect::to("/admin?done=connected#media-servers"))
}

/// `POST /admin/media/{server}/disconnect`.
#[tracing::instrument(skip_all, fields(admin = me.id.get(), server = %server))]
pub async fn disconnect(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    Path(server): Path<String>,
) -> Result<Redirect, AppError> {
    pull::disconnect(&state.pool, pulled(&server)?).await?;
    Ok(Redirect::to("/admin?done=disconnected#media-servers"))
}

/// The settings form: a checkbox sends `shared_users` only when ticked.
#[derive(Debug, Deserialize)]
pub struct OptionsForm {
    shared_users: Option<String>,
    #[serde(default)]
    account: String,
}

/// `POST /account/hooks/options`: which of the media server's events count.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn options(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Form(form): Form<OptionsForm>,
) -> Result<Redirect, AppError> {
    hooks::set_options(
        &state.pool,
        me.id,
        form.shared_users.is_some(),
        &form.account,
    )
    .await
    .map_err(|e| match e {
        hooks::OptionsError::AccountTooLong => AppError::bad_request(e.to_string()),
        hooks::OptionsError::Internal(cause) => AppError::internal(cause),
    })?;
    Ok(Redirect::to("/account?done=hook-options#connections"))
}

/// The list-for-Radarr form: a checkbox sends `top_picks` only when ticked.
#[derive(Debug, Deserialize)]
pub struct RadarrListForm {
    top_picks: Option<String>,
}

/// `POST /account/radarr-list`: whether the list Radarr polls has the user's top picks.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn radarr_list(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Form(form): Form<RadarrListForm>,
) -> Result<Redirect, AppError> {
    requests::set_list_top_picks(&state.pool, me.id, form.top_picks.is_some()).await?;
    Ok(Redirect::to("/account?done=radarr-list#connections"))
}

/// `POST /account/hooks`: a new token; the old URLs stop working.
pub async fn regenerate(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
) -> Result<Redirect, AppError> {
    hooks::regenerate(&state.pool, me.id).await?;
    Ok(Redirect::to("/account?done=hooks#connections"))
}

fn what(e: &LoggedEvent) -> String {
    match e.action.as_str() {
        "seen" => "Seen".into(),
        "unseen" => "Marked unplayed".into(),
        "liked" => "Liked".into(),
        "rated" => match e.rating {
            Some(r) => format!("Rated {r}★"),
            None => "Rated".into(),
        },
        "unrated" => "Rating removed".into(),
        other => other.to_owned(),
    }
}

fn server_name(server: &str) -> &'static str {
    crate::importers::media::Server::from_path(server).map_or("Your media server", |s| s.name())
}

/// "just now", "2 min ago", "3 h ago", "5 days ago".
fn ago(secs: i64) -> String {
    match secs {
        ..60 => "just now".into(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => match secs / 86_400 {
            1 => "1 day ago".into(),
            d => format!("{d} days ago"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::ago;

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(130), "2 min ago");
        assert_eq!(ago(3 * 3600 + 5), "3 h ago");
        assert_eq!(ago(86_400 + 1), "1 day ago");
        assert_eq!(ago(5 * 86_400), "5 days ago");
    }
}

/// The page that matches one pending film by hand.
#[derive(Template, WebTemplate)]
#[template(path = "pending_match.html")]
pub struct PendingPage {
    user: Option<SessionUser>,
    id: i64,
    server: &'static str,
    what: &'static str,
    title: String,
    year: Option<i64>,
    q: String,
    candidates: Result<Vec<Hit>, String>,
}

#[derive(Debug, Deserialize)]
pub struct PendingQuery {
    q: Option<String>,
}

/// A pending event's id in the address; anything else is no page.
fn event_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found("There is no such film waiting for a match."))
}

fn match_error(e: hooks::MatchError) -> AppError {
    match e {
        hooks::MatchError::NotFound(message) => AppError::not_found(message),
        hooks::MatchError::Internal(cause) => AppError::internal(cause),
    }
}

/// `GET /account/hooks/pending/{id}`: the catalog's films a pending film may be.
#[tracing::instrument(skip_all, fields(user = me.id.get(), event = id))]
pub async fn pending(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(id): Path<String>,
    Query(query): Query<PendingQuery>,
) -> Result<PendingPage, AppError> {
    let id = event_id(&id)?;
    let found = hooks::pending_match(&state.pool, &state.search, me.id, id, query.q.as_deref())
        .await
        .map_err(match_error)?;
    let event = found.event;
    let title = event.title.clone().unwrap_or_default();
    Ok(PendingPage {
        user: Some(me),
        id,
        server: server_name(&event.server),
        what: match event.action.as_str() {
            "rated" => "rated",
            "liked" => "liked",
            _ => "watched",
        },
        q: query.q.unwrap_or_else(|| title.clone()),
        title,
        year: event.year,
        candidates: found.candidates,
    })
}

#[derive(Debug, Deserialize)]
pub struct MatchForm {
    movie_id: String,
}

/// `POST /account/hooks/pending/{id}/match`: the pending film is this movie.
#[tracing::instrument(skip_all, fields(user = me.id.get(), event = id))]
pub async fn match_pending(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(id): Path<String>,
    Form(form): Form<MatchForm>,
) -> Result<Redirect, AppError> {
    let id = event_id(&id)?;
    let movie_id = MovieId::parse(form.movie_id.trim())
        .map_err(|_| AppError::bad_request("movie_id: choose one of the films listed."))?;
    hooks::match_pending(&state.pool, me.id, id, movie_id.get())
        .await
        .map_err(match_error)?;
    Ok(Redirect::to("/account?done=matched#connections"))
}
