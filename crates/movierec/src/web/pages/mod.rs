//! Server-rendered pages, one module each.

pub mod accounts;
pub mod admin;
pub(crate) mod connections;
pub mod duplicates;
pub mod history;
pub mod home;
pub mod lists;
pub mod model;
pub mod movies;
pub mod my_ratings;
pub mod nights;
pub(crate) mod requests;
pub mod search_page;

use axum::response::Redirect;
use serde::Deserialize;

use super::error::AppError;
use super::session::safe_next;
use std::borrow::Borrow;

use crate::domain::{MovieId, Stars};

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

/// Every rating a star strip offers, lowest first: the order the arrow keys move in.
pub fn star_steps() -> Vec<Stars> {
    Stars::all().collect()
}

/// A rating in half steps for the card templates, 0 for none.
pub fn half_steps(rating: Option<Stars>) -> u8 {
    rating.map_or(0, Stars::half_steps)
}

/// The rating `current` (half steps, 0 for none) as the forms write it; empty for none.
pub fn stars_text(current: impl Borrow<u8>) -> String {
    Stars::all()
        .find(|s| s.half_steps() == *current.borrow())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// Whether the strip's button `s` is the rating `current` (half steps).
pub fn same_steps(s: impl Borrow<Stars>, current: impl Borrow<u8>) -> bool {
    s.borrow().half_steps() == *current.borrow()
}

/// The form action that flips a list toggle: add when off, remove when on.
pub fn list_path(list: &str, on: impl Borrow<bool>) -> &'static str {
    match (list, *on.borrow()) {
        ("hidden", false) => "hide",
        ("hidden", true) => "unhide",
        (_, false) => "watchlist",
        (_, true) => "watchlist/delete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_strip_helpers_agree_on_half_steps() {
        assert_eq!(half_steps(None), 0);
        assert_eq!(half_steps(Some(Stars::parse("3.5").unwrap())), 7);
        assert_eq!(stars_text(7), "3.5");
        assert_eq!(stars_text(0), "");
        assert!(same_steps(Stars::parse("4").unwrap(), 8u8));
        assert!(!same_steps(Stars::parse("4").unwrap(), 0u8));
        assert_eq!(star_steps().first(), Some(&Stars::MIN));
    }

    #[test]
    fn list_toggles_post_to_the_opposite_of_their_state() {
        assert_eq!(list_path("hidden", false), "hide");
        assert_eq!(list_path("hidden", true), "unhide");
        assert_eq!(list_path("watchlist", false), "watchlist");
        assert_eq!(list_path("watchlist", true), "watchlist/delete");
    }
}
