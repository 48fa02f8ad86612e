//! What a film's facts may be, wherever they come from (a data set, a viewer's history
//! file, a provider's answer): one bound per fact, checked where each source's records are
//! parsed.

/// The longest title (or original, or alternative title) the site takes. Real titles stay
/// within a few hundred characters; a longer one is no film's and would only cost search
/// indexing, matching time and memory on every page that lists it.
pub const MAX_TITLE_CHARS: usize = 500;

/// The years a film may be from: the first films to 2200 (IMDb lists films announced for
/// 2115).
pub const FIRST_FILM_YEAR: u16 = 1870;
pub const LAST_FILM_YEAR: u16 = 2200;

/// Whether a film can be from `year`.
pub fn is_film_year(year: i64) -> bool {
    (i64::from(FIRST_FILM_YEAR)..=i64::from(LAST_FILM_YEAR)).contains(&year)
}

/// `text` if it is at most [`MAX_TITLE_CHARS`] long; else a message naming `field`.
pub fn check_title_length<'a>(field: &str, text: &'a str) -> Result<&'a str, String> {
    // Counting stops past the bound: a long title costs no more than a short one to refuse.
    if text.chars().nth(MAX_TITLE_CHARS).is_some() {
        return Err(format!(
            "{field}: longer than {MAX_TITLE_CHARS} characters ({} bytes)",
            text.len()
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_taken_up_to_the_bound_in_characters_not_bytes() {
        let longest = "é".repeat(MAX_TITLE_CHARS);
        assert_eq!(check_title_length("title", &longest), Ok(longest.as_str()));
        let over = format!("{longest}x");
        assert_eq!(
            check_title_length("Name", &over),
            Err(format!(
                "Name: longer than {MAX_TITLE_CHARS} characters ({} bytes)",
                over.len()
            ))
        );
    }
}
