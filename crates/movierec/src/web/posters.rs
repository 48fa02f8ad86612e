//! Posters from our own origin: a visitor's browser never contacts a provider.
//!
//! `/posters/{hash}.jpg` is a stored image named by its content, so it may be cached for
//! good. `/movies/{id}/poster` sends a card to the movie's current card-size image, or to
//! its drawn cover when it has none: the card markup needs only the movie's id.
//! `/movies/{id}/cover.svg?v={version}` is that cover, its URL versioned by its content.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::cover::{self, Cover};
use super::error::AppError;
use super::extract::PageId;
use super::state::AppState;
use crate::domain::MovieId;
use crate::services::artwork::{self, CardImage};
use crate::store;
use crate::store::movies::Label;

/// The image shown where an id names no movie (a static asset).
pub const PLACEHOLDER: &str = "/static/poster.svg";

fn drawn(label: &Label) -> Cover<'_> {
    Cover {
        title: &label.title,
        year: label.year,
        genres: &label.genres,
    }
}

/// The URL of a movie's cover as drawn now: a new title, year or genre makes a new URL, so
/// a browser may keep each one for good.
pub fn cover_url(id: i64, cover: &Cover) -> String {
    format!("/movies/{id}/cover.svg?v={}", cover::version(&cover.svg()))
}

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

/// A movie's card-size poster: a redirect to its content-named URL or to its cover.
pub async fn card(
    State(state): State<AppState>,
    PageId(id): PageId<MovieId>,
) -> Result<Response, AppError> {
    // A poster stays a day; a cover a minute, as the movie's poster may come soon.
    let (target, cache) = match artwork::card(&state.pool, id).await? {
        CardImage::Poster(p) => (p.url(), "public, max-age=86400"),
        CardImage::Cover(label) => (cover_url(id.get(), &drawn(&label)), "public, max-age=60"),
        CardImage::Unknown => (PLACEHOLDER.to_owned(), "public, max-age=60"),
    };
    Ok((
        StatusCode::FOUND,
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

#[derive(Debug, Deserialize)]
pub struct CoverQuery {
    /// The drawing's version the URL was made for.
    v: Option<String>,
}

/// A movie's drawn cover. Asked for by its current version, it is kept a year; any other
/// way (no version, or a stale one from before the title changed) an hour, with an ETag.
pub async fn cover(
    State(state): State<AppState>,
    PageId(id): PageId<MovieId>,
    Query(query): Query<CoverQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let label = artwork::cover(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::no_such_movie(id))?;
    let svg = drawn(&label).svg();
    let version = cover::version(&svg);
    let etag = format!("\"{version}\"");
    let cache = if query.v.as_deref() == Some(version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(AppError::internal)?,
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        svg,
    )
        .into_response())
}
