//! The Connections section of the account page: the user's media-server webhook URLs, a new
//! token on request, what came through them, and films waiting for a match.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Redirect;
use serde::Deserialize;

use crate::services::media_servers::hooks;
use crate::services::requests;
use crate::store::media_hooks::LoggedEvent;
use crate::web::error::AppError;
use crate::web::hooks::HookUrls;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

/// Events listed on the page.
const SHOWN_EVENTS: usize = 10;

/// What the section shows.
#[derive(Debug, Clone)]
pub(crate) struct Connections {
    pub(crate) urls: HookUrls,
    /// "Seen via Jellyfin: Heat (1995)", "2 min ago"; newest first.
    pub(crate) activity: Vec<(String, String)>,
    /// Films a media server named that the catalog does not know: "Heat (1995)".
    pub(crate) pending: Vec<String>,
    /// Plex: the server's shared users' plays count too.
    pub(crate) shared_users: bool,
    /// The one media-server account whose events count; empty for every account.
    pub(crate) account: String,
    /// The list Radarr polls has the user's top picks too, beside their watchlist.
    pub(crate) radarr_top_picks: bool,
}

/// The section for a user, on the address they reached the site by.
pub(crate) async fn load(
    state: &AppState,
    user_id: crate::domain::UserId,
    headers: &HeaderMap,
) -> Result<Connections, AppError> {
    let (token, options, events) = hooks::connections(&state.pool, user_id).await?;
    let now = crate::store::now();
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
        pending: pending.into_iter().map(name).collect(),
        shared_users: options.shared_users,
        account: options.account.unwrap_or_default(),
        radarr_top_picks: requests::list_has_top_picks(&state.pool, user_id).await?,
    })
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

fn server_name(server: &str) -> &str {
    crate::importers::media::Server::from_path(server).map_or(server, |s| s.name())
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
