//! The movie catalog compiled into the binary, so a fresh install has films to search and rate
//! without a download. The data is `catalog/movies.json`, derived from vega-datasets by
//! `scripts/clean_catalog.py`; `catalog/PROVENANCE.md` says where it came from and what was fixed.
//!
//! This module parses and checks the file; [`crate::services::catalog::seed`] puts it into the
//! database on first start.

use std::collections::HashSet;

use serde::Deserialize;

pub mod genres;

use crate::domain::Stars;

const EMBEDDED_JSON: &str = include_str!("../../catalog/movies.json");

/// Release years the catalog may hold: the first feature films to the data set's cut-off with
/// room to spare. Anything outside is a cleaning bug, not a film.
pub const YEAR_RANGE: std::ops::RangeInclusive<u16> = 1888..=2030;

/// One film of the embedded catalog, as the cleaning script wrote it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogMovie {
    /// Stable across rebuilds of the same source: assigned in sorted (title, year) order.
    /// The store uses it as the movie's database id.
    pub id: u32,
    pub title: String,
    pub year: u16,
    /// ISO 8601 (`YYYY-MM-DD`), or `None` when the source only knew the year.
    pub release_date: Option<String>,
    /// Names from [`genres::GENRES`], in its order, each once; empty when unknown.
    pub genres: Vec<String>,
    pub director: Option<String>,
    /// `G`, `PG`, `PG-13`, `R`, `NC-17` or `Not Rated`; `None` when unknown.
    pub mpaa: Option<String>,
    pub runtime_min: Option<u16>,
    /// IMDb user rating, 0–10, in tenths. Read as `f64` so 5.7 stays 5.7 all the way to the
    /// database and the API, instead of the `f32` nearest to it (5.699999809).
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<u32>,
    /// Rotten Tomatoes: percentage of critics' reviews that are positive, 0–100.
    pub rotten_tomatoes: Option<u8>,
    pub creative_type: Option<String>,
    pub source: Option<String>,
    pub distributor: Option<String>,
    /// Other titles the film was released under ("Star Wars" for Episode IV), found by search
    /// and matched by catalog imports and history uploads as the title is. Absent from most
    /// films.
    #[serde(default)]
    pub also: Vec<String>,
}

/// The critics whose scores the catalog and OMDb carry; each becomes one non-login account
/// whose ratings sit beside the users' on the 0.5–5 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Critic {
    Imdb,
    RottenTomatoes,
    /// From OMDb's details only (the catalog has no Metacritic scores); its account is
    /// created with the first score fetched.
    Metacritic,
}

impl Critic {
    /// The critics of the embedded catalog.
    pub const ALL: [Critic; 2] = [Critic::Imdb, Critic::RottenTomatoes];

    /// Account name of the critic. Contains a space, which registration refuses, so no user
    /// can claim it.
    pub fn username(self) -> &'static str {
        match self {
            Critic::Imdb => "IMDb users",
            Critic::RottenTomatoes => "Rotten Tomatoes critics",
            Critic::Metacritic => "Metacritic critics",
        }
    }

    /// The critic's rating of `movie` in stars, if it has one.
    pub fn stars(self, movie: &CatalogMovie) -> Option<f32> {
        match self {
            // A rating in tenths from 0 to 10 is exact enough in f32 to round to stars.
            Critic::Imdb => movie.imdb_rating.map(|r| imdb_to_stars(r as f32)),
            Critic::RottenTomatoes => movie.rotten_tomatoes.map(rotten_tomatoes_to_stars),
            Critic::Metacritic => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog movies.json: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("catalog movies.json: movie id {id}: {problem}")]
    Invalid { id: u32, problem: String },
}

/// Parses and checks the embedded catalog. Cheap enough (a few milliseconds) to call once at
/// start-up; an error means the build shipped a broken file.
pub fn embedded() -> Result<Vec<CatalogMovie>, CatalogError> {
    parse(EMBEDDED_JSON)
}

fn parse(json: &str) -> Result<Vec<CatalogMovie>, CatalogError> {
    let movies: Vec<CatalogMovie> = serde_json::from_str(json)?;
    let mut ids = HashSet::with_capacity(movies.len());
    for movie in &movies {
        let invalid = |problem: String| CatalogError::Invalid {
            id: movie.id,
            problem,
        };
        if !ids.insert(movie.id) {
            return Err(invalid("id used twice".into()));
        }
        if movie.title.trim().is_empty() {
            return Err(invalid("empty title".into()));
        }
        if !YEAR_RANGE.contains(&movie.year) {
            return Err(invalid(format!("year {} out of range", movie.year)));
        }
        for (i, genre) in movie.genres.iter().enumerate() {
            if !genres::is_canonical(genre) {
                return Err(invalid(format!("genre {genre:?} not in the vocabulary")));
            }
            if movie.genres[..i].contains(genre) {
                return Err(invalid(format!("genre {genre} listed twice")));
            }
        }
        if let Some(rating) = movie.imdb_rating
            && !(0.0..=10.0).contains(&rating)
        {
            return Err(invalid(format!("imdb_rating {rating} not in 0–10")));
        }
        if let Some(percent) = movie.rotten_tomatoes
            && percent > 100
        {
            return Err(invalid(format!("rotten_tomatoes {percent} not in 0–100")));
        }
    }
    Ok(movies)
}

const MIN_STARS: f32 = Stars::MIN.value() as f32;
const MAX_STARS: f32 = Stars::MAX.value() as f32;

/// IMDb's 1–10 mean user rating on our 0.5–5 scale: halve it, round to the nearest half star
/// (ties up), and clamp, because our scale has no zero and IMDb's bottom is 1.
/// Halving keeps the meaning of a rating intact: 10/10 is 5 stars, 5/10 is 2.5.
pub fn imdb_to_stars(rating: f32) -> f32 {
    (rating.round() / 2.0).clamp(MIN_STARS, MAX_STARS)
}

/// Rotten Tomatoes' share of positive reviews on our 0.5–5 scale: 0% is the bottom of the scale,
/// 100% the top, linear between, rounded to the nearest half star (ties up). The percentage is
/// a vote count, not a mean score, so it spans the whole scale rather than being halved.
/// Values above 100 are treated as 100.
pub fn rotten_tomatoes_to_stars(percent: u8) -> f32 {
    let percent = u32::from(percent.min(100));
    // Half steps above zero: 1 + 9 * p / 100, rounded in integers so ties are exact.
    let half_steps = (100 + 9 * percent + 50) / 100;
    // half_steps is 1..=10, exact in f32.
    half_steps as f32 / 2.0
}

/// A Metascore (0–100, a weighted mean of reviews) on our 0.5–5 scale: linear like
/// [`rotten_tomatoes_to_stars`], 0 the bottom and 100 the top, to the nearest half star.
pub fn metacritic_to_stars(score: u8) -> f32 {
    rotten_tomatoes_to_stars(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_half_step(stars: f32) -> bool {
        (MIN_STARS..=MAX_STARS).contains(&stars) && (stars * 2.0).fract() == 0.0
    }

    #[test]
    fn embedded_catalog_parses_and_is_large_enough() {
        let movies = embedded().unwrap();
        assert!(movies.len() >= 3_000, "only {} movies", movies.len());
    }

    #[test]
    fn embedded_ids_are_unique_and_small() {
        let movies = embedded().unwrap();
        let ids: HashSet<u32> = movies.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), movies.len());
        let max = movies.iter().map(|m| m.id).max().unwrap();
        assert_eq!(usize::try_from(max).unwrap(), movies.len(), "ids are 1..=n");
    }

    #[test]
    fn embedded_fields_are_clean() {
        let valid_mpaa = ["G", "PG", "PG-13", "R", "NC-17", "Not Rated"];
        for m in embedded().unwrap() {
            assert!(!m.title.trim().is_empty(), "id {}", m.id);
            assert_eq!(m.title, m.title.trim(), "id {}", m.id);
            assert!(YEAR_RANGE.contains(&m.year), "id {} year {}", m.id, m.year);
            // The data set was compiled in 2010; a later year is a century slip the script missed.
            assert!(m.year <= 2011, "id {} year {}", m.id, m.year);
            for genre in &m.genres {
                assert!(genres::is_canonical(genre), "id {} genre {genre}", m.id);
            }
            let order: Vec<usize> = m
                .genres
                .iter()
                .map(|g| genres::GENRES.iter().position(|v| v == g).unwrap())
                .collect();
            assert!(
                order.windows(2).all(|w| w[0] < w[1]),
                "id {}: genres in vocabulary order, each once: {:?}",
                m.id,
                m.genres
            );
            if let Some(mpaa) = &m.mpaa {
                assert!(
                    valid_mpaa.contains(&mpaa.as_str()),
                    "id {} mpaa {mpaa}",
                    m.id
                );
            }
            if let Some(date) = &m.release_date {
                assert_eq!(date.len(), 10, "id {} date {date}", m.id);
                assert_eq!(date[..4].parse::<u16>().unwrap(), m.year, "id {}", m.id);
            }
            assert_eq!(
                m.imdb_rating.is_some(),
                m.imdb_votes.is_some(),
                "id {}",
                m.id
            );
        }
    }

    #[test]
    fn embedded_titles_and_years_identify_a_film() {
        let movies = embedded().unwrap();
        let keys: HashSet<(String, u16)> = movies
            .iter()
            .map(|m| (m.title.to_lowercase(), m.year))
            .collect();
        assert_eq!(keys.len(), movies.len());
    }

    #[test]
    fn known_source_errors_are_fixed() {
        let movies = embedded().unwrap();
        let find = |title: &str| {
            movies
                .iter()
                .filter(|m| m.title == title)
                .collect::<Vec<_>>()
        };
        // A title the source stored as a JSON number.
        assert_eq!(find("300").len(), 1);
        // Mojibake repaired.
        assert_eq!(find("Léon").len(), 1);
        assert!(find("LÈon").is_empty());
        // A two-digit year pushed into the 2030s.
        assert_eq!(find("Gone with the Wind")[0].year, 1939);
        // Two releases of one film merged.
        assert_eq!(find("Fantasia 2000").len(), 1);
        // "Charge of the Light Brigade, The".
        assert_eq!(find("The Charge of the Light Brigade").len(), 1);
        // The Godfather must be there for search to find it.
        assert_eq!(find("The Godfather")[0].year, 1972);
    }

    fn one<'a>(movies: &'a [CatalogMovie], title: &str) -> &'a CatalogMovie {
        let found: Vec<_> = movies.iter().filter(|m| m.title == title).collect();
        assert_eq!(found.len(), 1, "{title}");
        found[0]
    }

    #[test]
    fn years_are_corrected_to_the_original_release() {
        let movies = embedded().unwrap();
        for (title, year) in [
            ("Good Will Hunting", 1997),
            ("Akira", 1988),
            ("Shichinin no samurai", 1954),
            ("Il buono, il brutto, il cattivo", 1966),
            ("Das Leben der Anderen", 2006),
            ("The Deer Hunter", 1978),
        ] {
            let m = one(&movies, title);
            assert_eq!(m.year, year, "{title}");
            // The source's date belonged to a later release.
            assert_eq!(m.release_date, None, "{title}");
        }
        // Reviewed and kept where MovieLens disagrees: the film opened in 1975.
        assert_eq!(one(&movies, "Monty Python and the Holy Grail").year, 1975);
    }

    #[test]
    fn titles_are_corrected_without_moving_ids() {
        let movies = embedded().unwrap();
        for (title, id) in [
            ("Das Boot", 371),
            ("Grosse Pointe Blank", 1019),
            ("E.T. the Extra-Terrestrial", 782),
            ("Richie Rich", 1941),
            ("Bram Stoker's Dracula", 706),
        ] {
            assert_eq!(one(&movies, title).id, id, "{title}");
        }
        for wrong in [
            "Boot, Das",
            "Grosse Point Blank",
            "ET: The Extra-Terrestrial",
        ] {
            assert!(movies.iter().all(|m| m.title != wrong), "{wrong}");
        }
    }

    #[test]
    fn genres_use_the_vocabulary_and_are_corrected() {
        let movies = embedded().unwrap();
        let genres_of = |title: &str| one(&movies, title).genres.clone();
        // Mapped from the source's "Major Genre" and creative type.
        assert!(
            movies
                .iter()
                .all(|m| m.genres.iter().all(|g| !g.contains('/')))
        );
        assert_eq!(genres_of("The Apartment"), ["Comedy", "Drama", "Romance"]);
        // A wrong genre removed.
        assert!(!genres_of("Titanic").contains(&"Thriller".to_string()));
        assert!(genres_of("Titanic").contains(&"Romance".to_string()));
        // A film without a genre given its genres.
        assert_eq!(genres_of("The Godfather"), ["Crime", "Drama"]);
        // MovieLens's genres added to a film both know.
        assert_eq!(
            genres_of("Toy Story"),
            ["Adventure", "Animation", "Comedy", "Family"]
        );
        // A concert film.
        assert_eq!(genres_of("U2 3D"), ["Documentary", "Music"]);
        // Most films have a genre now.
        let without = movies.iter().filter(|m| m.genres.is_empty()).count();
        assert!(without < 250, "{without} films without a genre");
    }

    #[test]
    fn imdb_scores_of_namesakes_are_dropped() {
        let movies = embedded().unwrap();
        for title in [
            "Die Hard",
            "The Sound of Music",
            "Il buono, il brutto, il cattivo",
        ] {
            let m = one(&movies, title);
            assert_eq!((m.imdb_rating, m.imdb_votes), (None, None), "{title}");
        }
    }

    #[test]
    fn parse_refuses_genres_outside_the_vocabulary() {
        let movie = |genres: &str| {
            format!(
                r#"[{{"id":1,"title":"A","year":2000,"release_date":null,"genres":{genres},"director":null,"mpaa":null,"runtime_min":null,"imdb_rating":null,"imdb_votes":null,"rotten_tomatoes":null,"creative_type":null,"source":null,"distributor":null}}]"#
            )
        };
        assert!(parse(&movie(r#"["Comedy","Romance"]"#)).is_ok());
        let err = parse(&movie(r#"["Thriller/Suspense"]"#)).unwrap_err();
        assert!(err.to_string().contains("vocabulary"), "{err}");
        let err = parse(&movie(r#"["Drama","Drama"]"#)).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn critics_stars_are_half_steps_on_the_scale() {
        for m in embedded().unwrap() {
            for critic in Critic::ALL {
                if let Some(stars) = critic.stars(&m) {
                    assert!(is_half_step(stars), "{critic:?} id {} -> {stars}", m.id);
                }
            }
        }
    }

    #[test]
    fn parse_reports_duplicate_ids() {
        let json = r#"[
            {"id":7,"title":"A","year":2000,"release_date":null,"genres":[],"director":null,"mpaa":null,"runtime_min":null,"imdb_rating":null,"imdb_votes":null,"rotten_tomatoes":null,"creative_type":null,"source":null,"distributor":null},
            {"id":7,"title":"B","year":2001,"release_date":null,"genres":[],"director":null,"mpaa":null,"runtime_min":null,"imdb_rating":null,"imdb_votes":null,"rotten_tomatoes":null,"creative_type":null,"source":null,"distributor":null}
        ]"#;
        let err = parse(json).unwrap_err().to_string();
        assert!(err.contains("movie id 7") && err.contains("twice"), "{err}");
    }

    #[test]
    fn imdb_ratings_keep_their_decimal_value() {
        let json = r#"[{"id":1,"title":"A","year":2000,"release_date":null,"genres":[],"director":null,"mpaa":null,"runtime_min":null,"imdb_rating":5.7,"imdb_votes":10,"rotten_tomatoes":null,"creative_type":null,"source":null,"distributor":null}]"#;
        let movie = &parse(json).unwrap()[0];
        assert_eq!(movie.imdb_rating, Some(5.7));
        assert_eq!(Critic::Imdb.stars(movie), Some(3.0));
    }

    #[test]
    fn parse_reports_bad_values() {
        let movie = |fields: &str| {
            format!(
                r#"[{{"id":1,"title":"A","year":2000,"release_date":null,"genres":[],"director":null,"mpaa":null,"runtime_min":null,"imdb_votes":null,"creative_type":null,"source":null,"distributor":null,{fields}}}]"#
            )
        };
        let ok = movie(r#""imdb_rating":10.0,"rotten_tomatoes":100"#);
        assert!(parse(&ok).is_ok());
        let err = parse(&movie(r#""imdb_rating":10.5,"rotten_tomatoes":null"#)).unwrap_err();
        assert!(err.to_string().contains("imdb_rating"), "{err}");
        let err = parse(&movie(r#""imdb_rating":null,"rotten_tomatoes":101"#)).unwrap_err();
        assert!(err.to_string().contains("rotten_tomatoes"), "{err}");
        let err = parse(&movie(
            r#""imdb_rating":null,"rotten_tomatoes":null,"us_gross":1"#,
        ))
        .unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let empty_title = movie(r#""imdb_rating":null,"rotten_tomatoes":null"#)
            .replace(r#""title":"A""#, r#""title":" ""#);
        assert!(
            parse(&empty_title)
                .unwrap_err()
                .to_string()
                .contains("empty title")
        );
        let old = movie(r#""imdb_rating":null,"rotten_tomatoes":null"#)
            .replace(r#""year":2000"#, r#""year":1700"#);
        assert!(parse(&old).unwrap_err().to_string().contains("year 1700"));
    }

    #[test]
    fn imdb_conversion_at_boundaries() {
        assert_eq!(imdb_to_stars(10.0), 5.0);
        assert_eq!(imdb_to_stars(1.0), 0.5);
        assert_eq!(imdb_to_stars(0.0), 0.5, "clamped up: our scale has no zero");
        assert_eq!(imdb_to_stars(5.0), 2.5);
        assert_eq!(imdb_to_stars(7.4), 3.5);
        assert_eq!(imdb_to_stars(7.5), 4.0, "ties round up");
        assert_eq!(imdb_to_stars(9.2), 4.5);
        assert_eq!(imdb_to_stars(12.0), 5.0, "clamped down");
    }

    #[test]
    fn rotten_tomatoes_conversion_at_boundaries() {
        assert_eq!(rotten_tomatoes_to_stars(0), 0.5);
        assert_eq!(rotten_tomatoes_to_stars(100), 5.0);
        assert_eq!(rotten_tomatoes_to_stars(50), 3.0, "2.75 ties up to 3");
        assert_eq!(rotten_tomatoes_to_stars(5), 0.5);
        assert_eq!(rotten_tomatoes_to_stars(6), 1.0, "0.77 rounds to 1");
        assert_eq!(rotten_tomatoes_to_stars(94), 4.5, "4.73 rounds to 4.5");
        assert_eq!(rotten_tomatoes_to_stars(95), 5.0, "4.775 rounds to 5");
        assert_eq!(
            rotten_tomatoes_to_stars(255),
            5.0,
            "over 100 treated as 100"
        );
    }

    #[test]
    fn conversions_are_monotonic_half_steps() {
        let mut previous = 0.0;
        for percent in 0..=100u8 {
            let stars = rotten_tomatoes_to_stars(percent);
            assert!(is_half_step(stars), "{percent}% -> {stars}");
            assert!(stars >= previous, "{percent}%");
            previous = stars;
        }
        let mut previous = 0.0;
        for tenths in 0..=100u8 {
            let stars = imdb_to_stars(f32::from(tenths) / 10.0);
            assert!(is_half_step(stars), "{tenths} -> {stars}");
            assert!(stars >= previous, "{tenths}");
            previous = stars;
        }
    }
}
