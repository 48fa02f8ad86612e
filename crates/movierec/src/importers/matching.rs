//! How a film of a data set is recognised in the catalog when ids cannot tell: by title,
//! year and director, compared loosely enough to survive the data sets' spelling habits.

use crate::search::text;

/// How far apart two release years may be for the same film: data sets disagree by one
/// around New Year and between festival and theatrical releases.
pub const YEAR_TOLERANCE: i64 = 1;

/// Words left out of a title key: articles and "and", which data sets write, drop or spell
/// as "&" as they please ("Romeo & Juliet", "Matrix, The").
const IGNORED_WORDS: [&str; 4] = ["the", "a", "an", "and"];

/// The form two titles are compared in: folded by [`text::normalise`], articles and "and"
/// dropped, "ep" read as "episode" ("Star Wars Ep. IV: A New Hope" and "Star Wars: Episode
/// IV - A New Hope" share a key).
pub fn title_key(title: &str) -> String {
    let normalised = text::normalise(title);
    let mut key = String::with_capacity(normalised.len());
    for word in normalised.split(' ') {
        if word.is_empty() || IGNORED_WORDS.contains(&word) {
            continue;
        }
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(if word == "ep" { "episode" } else { word });
    }
    key
}

/// Whether two release years may be the same film's; two unknown years fit, one does not.
pub fn years_fit(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= YEAR_TOLERANCE,
        (None, None) => true,
        _ => false,
    }
}

/// Whether a catalog director (one name, or several joined by commas) fits the data set's
/// directors, by family name: first names change or are spelled differently between
/// sources ("Andy Wachowski", "Lana Wachowski"). Unknown on either side fits: the director
/// only tells films apart when both sides name one.
pub fn directors_fit(catalog: Option<&str>, names: &[String]) -> bool {
    let Some(catalog) = catalog.filter(|d| !d.trim().is_empty()) else {
        return true;
    };
    if names.is_empty() {
        return true;
    }
    let known: Vec<String> = catalog.split(',').filter_map(family_name).collect();
    names
        .iter()
        .filter_map(|name| family_name(name))
        .any(|name| known.contains(&name))
}

/// The last word of a folded name.
fn family_name(name: &str) -> Option<String> {
    text::normalise(name)
        .rsplit(' ')
        .next()
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_keys_ignore_articles_punctuation_and_ampersands() {
        assert_eq!(title_key("The Matrix"), title_key("Matrix"));
        assert_eq!(
            title_key("Star Wars Ep. IV: A New Hope"),
            title_key("Star Wars: Episode IV - A New Hope")
        );
        assert_eq!(title_key("Romeo & Juliet"), title_key("Romeo and Juliet"));
        assert_eq!(title_key("Amélie"), "amelie");
        assert_ne!(title_key("Dune"), title_key("Dune: Part Two"));
        assert_ne!(title_key("Alien"), title_key("Aliens"));
    }

    #[test]
    fn years_fit_within_one() {
        assert!(years_fit(Some(2001), Some(2002)));
        assert!(years_fit(Some(2001), Some(2001)));
        assert!(!years_fit(Some(2001), Some(2003)));
        assert!(years_fit(None, None));
        assert!(!years_fit(Some(2001), None));
    }

    #[test]
    fn directors_tell_films_apart_only_when_both_sides_know_them() {
        let lynch = ["David Lynch".to_owned()];
        assert!(directors_fit(Some("David Lynch"), &lynch));
        assert!(directors_fit(Some("david  lynch"), &lynch));
        assert!(!directors_fit(Some("Denis Villeneuve"), &lynch));
        assert!(directors_fit(None, &lynch));
        assert!(directors_fit(Some("Denis Villeneuve"), &[]));
        let coens = ["Ethan Coen".to_owned(), "Joel Coen".to_owned()];
        assert!(directors_fit(Some("Joel Coen, Ethan Coen"), &coens));
        assert!(directors_fit(Some("Joel Coen"), &coens));
        let wachowskis = ["Lana Wachowski".to_owned(), "Lilly Wachowski".to_owned()];
        assert!(directors_fit(Some("Andy Wachowski"), &wachowskis));
    }
}
