//! The bounds on what a data set may put in the catalog, in one place: every reader checks
//! its fields here where it parses a record, so a malformed or hostile file is refused at its
//! line, naming the field, before anything is written.
//!
//! The bounds are far past anything in MovieLens or IMDb's dumps (the longest film titles are
//! around 200 characters, the oldest films from the 1870s, the longest runtime some 860
//! hours) and far under what would hurt the site: a title is indexed for search, shown on
//! every page that lists it and compared on every history import.

use crate::domain::{FIRST_FILM_YEAR as FIRST_YEAR, LAST_FILM_YEAR as LAST_YEAR};

/// Bytes a line of a data set may take, its line end included. Longer lines are refused
/// before they are read whole, so a file cannot make the reader hold more than this.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Genres one film may have, and characters in one genre's name.
pub(crate) const MAX_GENRES: usize = 30;
pub(crate) const MAX_GENRE_CHARS: usize = 50;

/// A runtime in minutes, at most 100 days.
pub(crate) const MAX_RUNTIME_MINUTES: u32 = 100 * 24 * 60;

/// The message for a line over [`MAX_LINE_BYTES`].
pub(crate) fn line_too_long() -> String {
    format!("the line is longer than {MAX_LINE_BYTES} bytes")
}

/// `text` if it is at most [`crate::domain::MAX_TITLE_CHARS`] long; else an error naming
/// `field`.
pub(crate) fn title<'a>(field: &str, text: &'a str) -> Result<&'a str, String> {
    crate::domain::check_title_length(field, text)
}

/// `year` if a film can be from it.
pub(crate) fn year(field: &str, year: u16) -> Result<u16, String> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(format!(
            "{field}: {year} is not a year from {FIRST_YEAR} to {LAST_YEAR}"
        ))
    }
}

/// A film's genres, if there are not too many nor any too long.
pub(crate) fn genres<S: AsRef<str>>(field: &str, genres: &[S]) -> Result<(), String> {
    if genres.len() > MAX_GENRES {
        return Err(format!(
            "{field}: {} genres, more than {MAX_GENRES}",
            genres.len()
        ));
    }
    match genres
        .iter()
        .find(|g| g.as_ref().chars().nth(MAX_GENRE_CHARS).is_some())
    {
        Some(long) => Err(format!(
            "{field}: a genre is longer than {MAX_GENRE_CHARS} characters ({})",
            super::quoted(long.as_ref())
        )),
        None => Ok(()),
    }
}

/// `minutes` if a film can last that long.
pub(crate) fn runtime(field: &str, minutes: u32) -> Result<u32, String> {
    if minutes <= MAX_RUNTIME_MINUTES {
        Ok(minutes)
    } else {
        Err(format!(
            "{field}: {minutes} minutes is more than {MAX_RUNTIME_MINUTES}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_within_the_bounds_pass_and_others_name_their_field() {
        assert_eq!(title("title", "Toy Story"), Ok("Toy Story"));
        let long = "é".repeat(crate::domain::MAX_TITLE_CHARS);
        assert!(title("title", &long).is_ok(), "characters, not bytes");
        assert_eq!(
            title("primaryTitle", &format!("{long}x")),
            Err("primaryTitle: longer than 500 characters (1001 bytes)".into())
        );
        assert_eq!(year("startYear", 1874), Ok(1874));
        assert_eq!(
            year("year", 9999),
            Err("year: 9999 is not a year from 1870 to 2200".into())
        );
        assert!(genres("genres", &["Drama"; 30]).is_ok());
        assert_eq!(
            genres("genres", &["Drama"; 31]),
            Err("genres: 31 genres, more than 30".into())
        );
        assert!(genres("genres", &["x".repeat(51)]).is_err());
        assert_eq!(runtime("runtimeMinutes", 51_420), Ok(51_420));
        assert!(runtime("runtimeMinutes", 4_000_000_000).is_err());
    }
}
