//! Posters from our own origin: a visitor's browser never contacts a provider.
//!
//! `/posters/{hash}.jpg` is a stored image named by its content, so it may be cached for
//! good. `/movies/{id}/poster` sends a card to the movie's current card-size image, or to
//! the placeholder when it has none: the card markup needs only the movie's id.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::AppError;
use super::pages::movie_id;
use crate::providers::poster::PosterSize;
use crate::store;

/// The image shown where a movie has no poster (a static asset).
pub const PLACEHOLDER: &str = "/static/poster.svg";

/// A content-named poster: a year fresh, never revalidated.
pub async fn image(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::not_found("There is no such poster.");
    let hash = file
        .strip_suffix(".jpg")
        .filter(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(not_found)?;
    let bytes = store::details::poster_bytes(&state.pool, hash)
        .await?
        .ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A movie's card-size poster: a redirect to its content-named URL or to the placeholder.
pub async fn card(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = movie_id(&raw)?;
    let poster = store::details::poster(&state.pool, id, PosterSize::Card).await?;
    // A poster stays a day; a placeholder a minute, as the movie's poster may come soon.
    let (target, cache) = match poster {
        Some(p) => (p.url(), "public, max-age=86400"),
        None => (PLACEHOLDER.to_owned(), "public, max-age=60"),
    };
    Ok((
        axum::http::StatusCode::FOUND,
        [
            (
                header::LOCATION,
                HeaderValue::from_str(&target).map_err(AppError::internal)?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
    )
        .into_response())
}
