//! `/api/v1/me/watchlist/{movie_id}` and `/api/v1/me/hidden/{movie_id}`: put a movie on the
//! caller's watchlist or "Not interested" list, or take it off.

use crate::domain::{MovieId, UserId};
use axum::extract::State;
use axum::http::StatusCode;

use crate::store;
use crate::store::lists::List;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

async fn put(
    state: &AppState,
    user_id: UserId,
    id: MovieId,
    list: List,
) -> Result<StatusCode, AppError> {
    if !store::lists::add(&state.pool, list, user_id, id).await? {
        return Err(AppError::no_such_movie(id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Taking off a movie that is not listed succeeds too: the outcome is the one asked for.
async fn delete(
    state: &AppState,
    user_id: UserId,
    id: MovieId,
    list: List,
) -> Result<StatusCode, AppError> {
    if store::movies::find(&state.pool, id).await?.is_none() {
        return Err(AppError::no_such_movie(id));
    }
    store::lists::remove(&state.pool, list, user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn watch(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<StatusCode, AppError> {
    put(&state, me.id, id, List::Watchlist).await
}

pub async fn unwatch(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<StatusCode, AppError> {
    delete(&state, me.id, id, List::Watchlist).await
}

pub async fn hide(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<StatusCode, AppError> {
    put(&state, me.id, id, List::Hidden).await
}

pub async fn unhide(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<StatusCode, AppError> {
    delete(&state, me.id, id, List::Hidden).await
}
