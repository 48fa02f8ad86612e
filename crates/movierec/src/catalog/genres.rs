//! The site's one genre vocabulary. Every source names genres its own way (IMDb "Sci-Fi",
//! TMDB "Science Fiction", MovieLens "Children's", the embedded catalog's "Thriller/Suspense");
//! [`canonical`] and [`canonical_all`] map those names onto [`GENRES`], so a film merged from two
//! sources has one list and the genre filter one vocabulary. `scripts/clean_catalog.py` writes
//! the embedded catalog with the same list.

/// The vocabulary, in display order. IMDb's Biography, Music and Sport are kept: they name real
/// film genres an IMDb import carries, and folding them into another genre would lose them.
pub const GENRES: [&str; 22] = [
    "Action",
    "Adventure",
    "Animation",
    "Biography",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Film-Noir",
    "History",
    "Horror",
    "Music",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Sport",
    "Thriller",
    "War",
    "Western",
];

/// Lower case, letters and digits only: "Film Noir", "film-noir" and "FILM_NOIR" compare equal.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The vocabulary's name for one source genre, or `None` when the name is not a film genre
/// the site keeps (IMAX, "(no genres listed)", "unknown", TV formats such as Reality-TV, News,
/// Talk-Show, Game-Show, Short, Adult). Case, spaces and punctuation do not matter.
pub fn canonical(name: &str) -> Option<&'static str> {
    let genre = match fold(name).as_str() {
        "action" => "Action",
        "adventure" => "Adventure",
        "animation" | "animated" => "Animation",
        "biography" | "biopic" => "Biography",
        "comedy" | "blackcomedy" | "darkcomedy" => "Comedy",
        "crime" => "Crime",
        "documentary" => "Documentary",
        "drama" => "Drama",
        "family" | "children" | "childrens" | "kids" | "kidsfiction" => "Family",
        "fantasy" => "Fantasy",
        "filmnoir" | "noir" => "Film-Noir",
        "history" | "historical" => "History",
        "horror" => "Horror",
        "music" | "concert" | "concertperformance" => "Music",
        "musical" => "Musical",
        "mystery" => "Mystery",
        "romance" => "Romance",
        "scifi" | "sciencefiction" => "Sci-Fi",
        "sport" | "sports" => "Sport",
        "thriller" | "suspense" | "thrillersuspense" => "Thriller",
        "war" => "War",
        "western" => "Western",
        _ => return None,
    };
    Some(genre)
}

/// Every vocabulary genre one source name stands for: "Romantic Comedy" is Comedy and Romance,
/// TMDB's "Action & Adventure" both, "Concert/Performance" a documentary of a music
/// performance. Other names go through [`canonical`]; unknown names give an empty list.
pub fn canonical_all(name: &str) -> Vec<&'static str> {
    match fold(name).as_str() {
        "romanticcomedy" | "romcom" => vec!["Comedy", "Romance"],
        "actionadventure" | "actionandadventure" => vec!["Action", "Adventure"],
        "scififantasy" | "scifiandfantasy" => vec!["Sci-Fi", "Fantasy"],
        "warpolitics" | "warandpolitics" => vec!["War"],
        "concertperformance" => vec!["Documentary", "Music"],
        _ => canonical(name).into_iter().collect(),
    }
}

/// The vocabulary genres a source's list of names stands for, in vocabulary order, each
/// once: what an importer stores for a film.
pub fn canonical_set<S: AsRef<str>>(names: &[S]) -> Vec<&'static str> {
    let found: Vec<&'static str> = names
        .iter()
        .flat_map(|name| canonical_all(name.as_ref()))
        .collect();
    GENRES
        .iter()
        .copied()
        .filter(|genre| found.contains(genre))
        .collect()
}

/// Whether `name` is spelt exactly as in the vocabulary.
pub fn is_canonical(name: &str) -> bool {
    GENRES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_list_becomes_vocabulary_names_in_order_once() {
        assert_eq!(
            canonical_set(&["Sci-Fi", "Children", "IMAX", "Action", "Science Fiction"]),
            ["Action", "Family", "Sci-Fi"]
        );
        assert!(canonical_set(&["(no genres listed)"]).is_empty());
    }

    #[test]
    fn every_vocabulary_name_maps_to_itself() {
        for genre in GENRES {
            assert_eq!(canonical(genre), Some(genre));
            assert_eq!(canonical_all(genre), [genre]);
            assert!(is_canonical(genre));
        }
    }

    #[test]
    fn vocabulary_is_sorted_and_without_duplicates() {
        let mut sorted = GENRES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, GENRES);
    }

    #[test]
    fn imdb_names() {
        for (imdb, ours) in [
            ("Sci-Fi", "Sci-Fi"),
            ("Film-Noir", "Film-Noir"),
            ("Music", "Music"),
            ("Musical", "Musical"),
            ("Biography", "Biography"),
            ("History", "History"),
            ("Sport", "Sport"),
            ("War", "War"),
            ("Family", "Family"),
        ] {
            assert_eq!(canonical(imdb), Some(ours), "{imdb}");
        }
        for not_a_film_genre in [
            "Reality-TV",
            "Talk-Show",
            "Game-Show",
            "News",
            "Short",
            "Adult",
        ] {
            assert_eq!(canonical(not_a_film_genre), None, "{not_a_film_genre}");
        }
    }

    #[test]
    fn movielens_names() {
        assert_eq!(canonical("Children's"), Some("Family"), "ml-100k and ml-1m");
        assert_eq!(canonical("Children"), Some("Family"), "later sets");
        assert_eq!(canonical("Film-Noir"), Some("Film-Noir"));
        assert_eq!(canonical("Sci-Fi"), Some("Sci-Fi"));
        assert_eq!(canonical("IMAX"), None, "a format, not a genre");
        assert_eq!(canonical("(no genres listed)"), None);
        assert_eq!(canonical("unknown"), None);
    }

    #[test]
    fn other_spellings() {
        assert_eq!(canonical("Science Fiction"), Some("Sci-Fi"), "TMDB");
        assert_eq!(canonical("science-fiction"), Some("Sci-Fi"));
        assert_eq!(canonical("Film Noir"), Some("Film-Noir"));
        assert_eq!(canonical(" film noir "), Some("Film-Noir"));
        assert_eq!(canonical("Thriller/Suspense"), Some("Thriller"));
        assert_eq!(canonical("Black Comedy"), Some("Comedy"));
        assert_eq!(canonical("Sports"), Some("Sport"));
        assert_eq!(canonical("Animated"), Some("Animation"));
        assert_eq!(canonical(""), None);
    }

    #[test]
    fn compound_names_give_every_genre() {
        assert_eq!(canonical_all("Romantic Comedy"), ["Comedy", "Romance"]);
        assert_eq!(canonical_all("Action & Adventure"), ["Action", "Adventure"]);
        assert_eq!(canonical_all("Sci-Fi & Fantasy"), ["Sci-Fi", "Fantasy"]);
        assert_eq!(
            canonical_all("Concert/Performance"),
            ["Documentary", "Music"]
        );
        assert_eq!(canonical_all("Children's"), ["Family"]);
        assert!(canonical_all("IMAX").is_empty());
    }

    #[test]
    fn every_result_is_in_the_vocabulary() {
        let names = [
            "Romantic Comedy",
            "Action & Adventure",
            "Sci-Fi & Fantasy",
            "War & Politics",
            "Concert/Performance",
            "Children's",
            "Science Fiction",
            "Noir",
            "Historical",
            "Kids Fiction",
        ];
        for name in names {
            for genre in canonical_all(name) {
                assert!(is_canonical(genre), "{name} -> {genre}");
            }
        }
    }
}
