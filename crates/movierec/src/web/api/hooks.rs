//! `GET /api/v1/me/hooks`: the user's media-server webhook URLs.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::services::media_servers::hooks;
use crate::web::error::AppError;
use crate::web::hooks::HookUrls;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

/// The URLs to paste into Jellyfin's webhook plugin, Plex's webhooks and Emby's
/// notifications; the token in them is made on first use.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn show(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    headers: HeaderMap,
) -> Result<Json<HookUrls>, AppError> {
    let token = hooks::token(&state.pool, me.id).await?;
    Ok(Json(HookUrls::new(&headers, &token)))
}
