//! Server-rendered pages, one module each.

pub mod accounts;
pub mod admin;
pub mod home;
pub mod imports;
pub mod lists;
pub mod model;
pub mod movies;
pub mod my_ratings;
pub mod search_page;

use askama::Template;
use askama_web::WebTemplate;
use axum::response::Redirect;
use serde::Deserialize;

use super::error::AppError;
use super::session::{SessionUser, safe_next};
use crate::domain::MovieId;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    user: Option<SessionUser>,
    status: u16,
    heading: &'static str,
    message: String,
}

impl ErrorPage {
    pub fn new(user: Option<SessionUser>, error: &AppError) -> Self {
        use super::error::ErrorKind::*;
        let heading = match error.kind {
            BadRequest => "That did not work",
            Unauthorized => "Please log in",
            Forbidden => "Not allowed",
            NotFound => "Not found",
            MethodNotAllowed => "Not possible here",
            Conflict => "Already there",
            PayloadTooLarge => "Too much at once",
            TooManyRequests => "Slow down",
            Internal => "Something went wrong",
            Unavailable => "Busy right now",
        };
        Self {
            user,
            status: error.kind.status().as_u16(),
            heading,
            message: error.message.clone(),
        }
    }
}

/// Parses the movie id in a page's path; a malformed one is simply a page that does not exist.
pub fn movie_id(raw: &str) -> Result<MovieId, AppError> {
    MovieId::parse(raw).map_err(|_| AppError::no_such_movie(raw))
}

/// A form whose only field is where to go back to afterwards.
#[derive(Debug, Deserialize)]
pub struct NextForm {
    pub next: Option<String>,
}

/// After a form about a movie: back to `next` (one of our pages), or to the movie's page.
pub fn back(next: Option<&str>, id: MovieId) -> Redirect {
    match next {
        Some(_) => Redirect::to(&safe_next(next)),
        None => Redirect::to(&format!("/movies/{id}")),
    }
}
