//! Typed path parameters. A route's id is parsed here, once, and a malformed one is answered
//! the way its side of the site answers a bad id: a page that does not exist (404) on pages,
//! a 400 naming the path parameter in the API (`movie_id: 'abc' is not a movie id.`).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use super::error::{AppError, ErrorKind};
use crate::domain::{MovieId, NightId, UploadId};

/// An id a route's path carries.
pub trait PathId: Sized {
    /// The id in `raw`, or a message saying why it is not one.
    fn parse(raw: &str) -> Result<Self, String>;

    /// What a page answers for `raw` when it is not an id: the page of nothing there.
    fn not_found(raw: &str) -> AppError;
}

impl PathId for MovieId {
    fn parse(raw: &str) -> Result<Self, String> {
        MovieId::parse(raw)
    }

    fn not_found(raw: &str) -> AppError {
        AppError::no_such_movie(raw)
    }
}

impl PathId for UploadId {
    fn parse(raw: &str) -> Result<Self, String> {
        UploadId::parse(raw)
    }

    fn not_found(_raw: &str) -> AppError {
        AppError::not_found("There is no such import.")
    }
}

impl PathId for NightId {
    fn parse(raw: &str) -> Result<Self, String> {
        NightId::parse(raw)
    }

    fn not_found(_raw: &str) -> AppError {
        AppError::not_found("There is no such movie night.")
    }
}

/// The route's one path parameter as a `T`, for a page: a malformed id is a 404 page.
#[derive(Debug, Clone, Copy)]
pub struct PageId<T>(pub T);

impl<T: PathId, S: Send + Sync> FromRequestParts<S> for PageId<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let (_, raw) = only_param(parts, state).await?;
        T::parse(&raw).map(Self).map_err(|_| T::not_found(&raw))
    }
}

/// The route's one path parameter as a `T`, for the API: a malformed id is a 400 whose
/// message names the parameter.
#[derive(Debug, Clone, Copy)]
pub struct ApiId<T>(pub T);

impl<T: PathId, S: Send + Sync> FromRequestParts<S> for ApiId<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let (name, raw) = only_param(parts, state).await?;
        T::parse(&raw)
            .map(Self)
            .map_err(|message| AppError::bad_request(format!("{name}: {message}")))
    }
}

/// The name and the (percent-decoded) value of the route's only path parameter.
async fn only_param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<(String, String), AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| {
            AppError::new(
                ErrorKind::from_status(rejection.status()),
                rejection.body_text(),
            )
        })?;
    let mut params = params.iter();
    match (params.next(), params.next()) {
        (Some((name, value)), None) => Ok((name.to_owned(), value.to_owned())),
        // A route table mistake, not the visitor's.
        _ => Err(AppError::internal(anyhow::anyhow!(
            "a typed path id needs a route with exactly one parameter"
        ))),
    }
}
