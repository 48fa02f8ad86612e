//! Radarr requests: `POST /api/v1/movies/{id}/request` asks Radarr for a film, and
//! `GET /api/v1/me/requests` lists the caller's requests.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::domain::MovieId;
use crate::services::requests::{self, RequestState};
use crate::store;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

#[derive(Debug, Serialize)]
pub struct RequestJson {
    movie_id: i64,
    title: String,
    year: Option<i64>,
    /// `requested` or `already in Radarr`.
    state: &'static str,
    /// Seconds since 1970, as every time of the API.
    requested_at: i64,
}

/// 201 when this call asked Radarr, 200 when the film was requested before (by anyone).
#[tracing::instrument(skip_all, fields(user = me.id.get(), movie = %id))]
pub async fn request(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<(StatusCode, Json<RequestJson>), AppError> {
    let done = requests::request(&state.pool, me.id, me.is_admin, id).await?;
    let mine = requests::of_user(&state.pool, me.id)
        .await?
        .into_iter()
        .find(|r| r.movie_id == id.get())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a request just made is not stored")))?;
    let status = if done.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json_of(mine))))
}

/// The caller's requests, newest first.
#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn list(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
) -> Result<Json<Vec<RequestJson>>, AppError> {
    let mine = requests::of_user(&state.pool, me.id).await?;
    Ok(Json(mine.into_iter().map(json_of).collect()))
}

fn json_of(r: store::requests::Request) -> RequestJson {
    RequestJson {
        movie_id: r.movie_id,
        title: r.title,
        year: r.year,
        state: RequestState::from(r.state).as_str(),
        requested_at: r.requested_at,
    }
}
