//! `GET /lists/{token}/radarr.json`: a user's list that Radarr polls as a Custom List. No
//! session: the secret token in the URL (the user's webhook token) names the user.

use axum::Json;
use axum::extract::{Path, State};

use crate::services::requests::{self, ListItem};
use crate::web::error::AppError;
use crate::web::state::AppState;

#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Vec<ListItem>>, AppError> {
    requests::custom_list(&state.pool, &state.models, &state.caches.picks, &token)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found("There is no list at this address."))
}
