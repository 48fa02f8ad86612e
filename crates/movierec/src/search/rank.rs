//! Re-ranking of candidate titles against a query, and the cut-off that keeps only the
//! candidates that answer it.
//!
//! # What is kept
//!
//! A query word is *found* in a title when the title contains it (spaces aside, so
//! "spiderman" is in "Spider-Man" and "god" in "Godfather") or has a word at most
//! [`typos_allowed`] edits from it. Stop words do not count, unless the query is nothing
//! else. Only the candidates in which the most query words are found are kept: when some
//! titles have every word ("toy story"), a title sharing only "story" is not what was asked
//! for; when none does ("toy story zebra"), the best partial matches are still listed, so a
//! search with no perfect answer shows its nearest ones. A query none of whose words is
//! found anywhere lists nothing. The rule has no tuned threshold: it compares candidates with
//! each other, so it behaves alike on 3,000 films and on 100,000.
//!
//! # In what order
//!
//! Then by how the title matches ([`Tier`]); within a tier by popularity; among the similar
//! ones by a similarity score to which popularity adds a little, log-scaled
//! ([`POPULARITY_PER_TENFOLD`]): a film with a hundred times the votes wins over a slightly
//! closer spelling, never over a clearly better one. Equal votes put the earlier film first
//! (the original before its sequels and remakes).

use std::cmp::Reverse;

use super::text::{WordDistance, is_stop_word, jaccard, padded, trigrams};
use crate::domain::title::ENGLISH_ARTICLES;

/// What a tenfold vote count adds to a similar title's similarity (0..=1).
const POPULARITY_PER_TENFOLD: f64 = 0.01;

/// How a title matches, best first. Titles are compared without a leading article, so
/// "godfather" is an exact match for "The Godfather".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Exact,
    Prefix,
    /// Every query word is a title word or the start of one.
    Words,
    /// Every query word appears somewhere in the title.
    Contains,
    /// Similar enough: a typo or a missing word.
    Fuzzy,
}

/// How many edits a query word of `chars` characters may be from a title word and still
/// count as found: none up to three letters (one change there makes another common word:
/// "toy", "boy", "tom"), one up to seven, two beyond.
pub fn typos_allowed(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The query, folded and cut up once for comparing with every candidate.
#[derive(Debug)]
pub struct Query {
    text: String,
    bare: String,
    /// Each word, ready to be compared with title words.
    words: Vec<WordDistance>,
    /// The indexes in `words` of those the cut-off looks for: all but the stop words, or all
    /// when nothing else is left.
    wanted: Vec<usize>,
    trigrams: Vec<[char; 3]>,
}

/// How one title matches the query.
#[derive(Debug, Clone, Copy)]
struct Match {
    /// How many wanted query words the title has.
    found: usize,
    tier: Tier,
    /// Similarity in 0..=1 for [`Tier::Fuzzy`]; 0 otherwise (the tier says it all).
    similarity: f64,
}

impl Match {
    /// Whether `self` answers the query better than `other`.
    fn beats(&self, other: &Match) -> bool {
        (self.found, Reverse(self.tier)) > (other.found, Reverse(other.tier))
            || (self.found == other.found
                && self.tier == other.tier
                && self.similarity > other.similarity)
    }
}

impl Query {
    /// `normalised` comes from [`super::text::normalise`].
    pub fn new(normalised: &str) -> Self {
        let words: Vec<WordDistance> = normalised.split(' ').map(WordDistance::new).collect();
        let content: Vec<usize> = (0..words.len())
            .filter(|&i| !is_stop_word(words[i].word()) && !words[i].word().is_empty())
            .collect();
        let wanted = if content.is_empty() {
            (0..words.len())
                .filter(|&i| !words[i].word().is_empty())
                .collect()
        } else {
            content
        };
        Self {
            text: normalised.to_owned(),
            bare: without_article(normalised).to_owned(),
            words,
            wanted,
            trigrams: trigrams(&padded(normalised)),
        }
    }

    fn tier(&self, title: &str) -> Option<Tier> {
        let bare = without_article(title);
        if bare == self.bare {
            Some(Tier::Exact)
        } else if bare.starts_with(&self.bare) || title.starts_with(&self.text) {
            Some(Tier::Prefix)
        } else if self
            .words
            .iter()
            .all(|w| title.split(' ').any(|t| t.starts_with(w.word())))
        {
            Some(Tier::Words)
        } else if self.words.iter().all(|w| title.contains(w.word())) {
            Some(Tier::Contains)
        } else {
            None
        }
    }

    /// How `title` matches; `grams` are its padded trigrams, as [`trigrams`] gives them.
    fn compare(&self, title: &str, grams: &[[char; 3]]) -> Match {
        if let Some(tier) = self.tier(title) {
            // Every query word is in the title.
            return Match {
                found: self.wanted.len(),
                tier,
                similarity: 0.0,
            };
        }
        let joined: String = title.split(' ').collect();
        let found = self
            .wanted
            .iter()
            .filter(|&&i| is_found(&self.words[i], title, &joined))
            .count();
        Match {
            found,
            tier: Tier::Fuzzy,
            similarity: self.similarity(title, grams),
        }
    }

    /// Similarity in 0..=1: how well each query word matches its closest title word
    /// (weighted by length, so a typo in a long word outweighs a missing "the"), blended
    /// with the trigram overlap of the whole strings.
    ///
    /// `title_grams` are the title's padded trigrams, as [`trigrams`] gives them.
    fn similarity(&self, title: &str, title_grams: &[[char; 3]]) -> f64 {
        let mut weighted = 0.0;
        let mut weights = 0.0;
        for word in &self.words {
            let mut best = 0.0_f64;
            for t in title.split(' ') {
                best = best.max(word_similarity(word, t, best));
            }
            let weight = word.chars() as f64;
            weighted += weight * best;
            weights += weight;
        }
        let words = if weights > 0.0 {
            weighted / weights
        } else {
            0.0
        };
        0.6 * words + 0.4 * jaccard(&self.trigrams, title_grams)
    }
}

/// Whether the query word `word` is found in `title` (see the module's notes); `joined` is
/// the title without its spaces.
fn is_found(word: &WordDistance, title: &str, joined: &str) -> bool {
    if joined.contains(word.word()) {
        return true;
    }
    let allowed = typos_allowed(word.chars());
    allowed > 0
        && title
            .split(' ')
            .any(|t| t.chars().count().abs_diff(word.chars()) <= allowed && word.to(t) <= allowed)
}

/// How alike a query word and a title word are, in 0..=1; any value not above `beaten` may
/// come back as 0, since the caller keeps only the best.
fn word_similarity(query: &WordDistance, title: &str, beaten: f64) -> f64 {
    if query.word() == title {
        return 1.0;
    }
    // A word still being typed.
    if title.starts_with(query.word()) {
        return 0.9;
    }
    let length = query.chars();
    let title_length = title.chars().count();
    let longest = length.max(title_length);
    if longest == 0 {
        return 0.0;
    }
    // An edit distance is at least the difference in length: a word that cannot beat the
    // best so far is not compared.
    let at_most = 1.0 - length.abs_diff(title_length) as f64 / longest as f64;
    if at_most <= beaten {
        return 0.0;
    }
    1.0 - query.to(title) as f64 / longest as f64
}

fn without_article(title: &str) -> &str {
    ENGLISH_ARTICLES
        .iter()
        .find_map(|article| title.strip_prefix(article)?.strip_prefix(' '))
        .unwrap_or(title)
}

/// What ranking reads of a candidate.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    /// The normalised title.
    pub title: &'a str,
    /// The candidate's other titles, normalised: the best of all its titles counts.
    pub also: &'a [String],
    pub votes: i64,
    /// Breaks ties of equal votes, earlier first.
    pub year: Option<i64>,
    /// The title's padded trigrams, as [`trigrams`] gives them.
    pub grams: &'a [[char; 3]],
}

/// The sort key of a kept candidate, best first.
type Order = (Tier, Reverse<i64>, Reverse<i64>, i64);

/// Keeps the candidates that answer `query` (those in which the most query words are
/// found) and orders them: exact, then prefix matches, then titles with every query word as
/// a word, then titles containing every query word, each group by popularity (the vote
/// count); then the similar ones by similarity, popularity adding a little. See the
/// module's notes.
///
/// `key` gives what ranking reads of a candidate (the index keeps the title's trigrams, so
/// no search recomputes them). A candidate is as good as the best of its titles.
pub fn rank<'a, T>(query: &Query, candidates: Vec<T>, key: impl Fn(&T) -> Key<'a>) -> Vec<T> {
    // Candidates are scattered over the catalog: their keys are read in one pass of
    // independent loads, which the processor overlaps, rather than one cache miss after
    // another between comparisons.
    let keys: Vec<Key<'a>> = candidates.iter().map(&key).collect();
    std::hint::black_box(keys.iter().fold(0u32, |seen, Key { title, grams, .. }| {
        let letter = title.bytes().next().unwrap_or(0);
        let [first, last] = [grams.first(), grams.last()].map(|g| g.map_or(' ', |g| g[0]));
        seen ^ u32::from(letter) ^ u32::from(first) ^ u32::from(last)
    }));
    let scored: Vec<(usize, Order, T)> = candidates
        .into_iter()
        .zip(keys)
        .map(|(candidate, key)| {
            let best = key
                .also
                .iter()
                .map(|other| query.compare(other, &trigrams(&padded(other))))
                .fold(query.compare(key.title, key.grams), |best, other| {
                    if other.beats(&best) { other } else { best }
                });
            let relevance = if best.tier == Tier::Fuzzy {
                let popularity = ((key.votes.max(0) as f64) + 1.0).log10();
                // Hundredths, so near-equal scores count as equal and popularity decides.
                ((best.similarity + POPULARITY_PER_TENFOLD * popularity) * 100.0).round() as i64
            } else {
                0
            };
            let order = (
                best.tier,
                Reverse(relevance),
                Reverse(key.votes),
                key.year.unwrap_or(i64::MAX),
            );
            (best.found, order, candidate)
        })
        .collect();
    let most = scored.iter().map(|(found, ..)| *found).max().unwrap_or(0);
    if most == 0 {
        return Vec::new();
    }
    let mut kept: Vec<(Order, T)> = scored
        .into_iter()
        .filter(|(found, ..)| *found == most)
        .map(|(_, order, candidate)| (order, candidate))
        .collect();
    kept.sort_by_key(|(order, _)| *order);
    kept.into_iter().map(|(_, candidate)| candidate).collect()
}

#[cfg(test)]
mod tests {
    use super::super::text::normalise;
    use super::*;

    /// A film as the tests rank it: folded title, other titles, votes, year, trigrams and
    /// the title as shown.
    type Film = (
        String,
        Vec<String>,
        i64,
        Option<i64>,
        Vec<[char; 3]>,
        String,
    );

    fn film(title: &str, also: &[&str], votes: i64, year: i64) -> Film {
        let folded = normalise(title);
        let grams = trigrams(&padded(&folded));
        let also = also.iter().map(|t| normalise(t)).collect();
        (folded, also, votes, Some(year), grams, title.to_owned())
    }

    fn rank_films(query: &str, films: &[Film]) -> Vec<String> {
        let candidates: Vec<&Film> = films.iter().collect();
        rank(
            &Query::new(&normalise(query)),
            candidates,
            |&(t, also, votes, year, g, _)| Key {
                title: t.as_str(),
                also,
                votes: *votes,
                year: *year,
                grams: g.as_slice(),
            },
        )
        .into_iter()
        .map(|(.., title)| title.clone())
        .collect()
    }

    /// The whole embedded catalog as candidates: the ranking must pick the right film out
    /// of everything, not only out of what the index pre-selected.
    fn search(query: &str) -> Vec<String> {
        let movies = crate::catalog::embedded().unwrap();
        let films: Vec<Film> = movies
            .iter()
            .map(|m| {
                let also: Vec<&str> = m.also.iter().map(String::as_str).collect();
                film(
                    &m.title,
                    &also,
                    i64::from(m.imdb_votes.unwrap_or(0)),
                    i64::from(m.year),
                )
            })
            .collect();
        rank_films(query, &films)
    }

    #[test]
    fn typos_and_missing_articles_find_the_godfather_first() {
        for query in [
            "godfather",
            "the godfater",
            "godfater",
            "The Godfather",
            "godfahter",
        ] {
            let found = search(query);
            assert_eq!(
                found.first().map(String::as_str),
                Some("The Godfather"),
                "{query}: {found:?}"
            );
        }
    }

    #[test]
    fn swapped_letters_are_one_typo() {
        for (query, film) in [
            ("matirx", "The Matrix"),
            ("teh matrix", "The Matrix"),
            ("godfahter", "The Godfather"),
        ] {
            let found = search(query);
            assert_eq!(
                found.first().map(String::as_str),
                Some(film),
                "{query}: {found:?}"
            );
        }
    }

    #[test]
    fn prefix_matches_follow_the_exact_one_by_popularity() {
        let found = search("godfather");
        assert_eq!(
            &found[..3],
            [
                "The Godfather",
                "The Godfather: Part II",
                "The Godfather: Part III"
            ]
        );
    }

    #[test]
    fn accents_and_case_do_not_matter() {
        for query in ["amelie", "AMÉLIE", "Amelie Poulain"] {
            let found = search(query);
            assert_eq!(
                found.first().map(String::as_str),
                Some("Le Fabuleux destin d'Amélie Poulain"),
                "{query}: {found:?}"
            );
        }
        assert_eq!(search("leon").first().map(String::as_str), Some("Léon"));
    }

    #[test]
    fn a_film_is_found_by_its_other_titles_as_by_its_own() {
        let films = [
            film("Seven Pounds", &[], 300_000, 2008),
            film("Se7en", &["Seven"], 100_000, 1995),
        ];
        assert_eq!(rank_films("seven", &films), ["Se7en", "Seven Pounds"]);
    }

    #[test]
    fn star_wars_lists_the_film_released_as_star_wars_first() {
        let found = search("star wars");
        assert_eq!(found[0], "Star Wars Ep. IV: A New Hope", "{found:?}");
        // The other episodes and The Clone Wars follow: every one has both words.
        assert_eq!(found.len(), 7, "{found:?}");
        // Without votes (the catalog has none for the episodes) the earlier film first.
        let empire = found.iter().position(|t| t.contains("Empire")).unwrap();
        let menace = found.iter().position(|t| t.contains("Phantom")).unwrap();
        assert!(empire < menace, "{found:?}");
        assert_eq!(
            search("empire strikes back")[0],
            "Star Wars Ep. V: The Empire Strikes Back"
        );
    }

    #[test]
    fn votes_order_equally_good_matches_but_never_a_clearly_better_one() {
        // IMDb's titles and about their vote counts.
        let films = [
            film("Star Wars: The Clone Wars", &[], 75_000, 2008),
            film(
                "Star Wars: Episode V - The Empire Strikes Back",
                &[],
                1_400_000,
                1980,
            ),
            film(
                "Star Wars: Episode IV - A New Hope",
                &["Star Wars"],
                1_450_000,
                1977,
            ),
            film(
                "Star Wars: Episode I - The Phantom Menace",
                &[],
                900_000,
                1999,
            ),
        ];
        assert_eq!(
            rank_films("star wars", &films),
            [
                "Star Wars: Episode IV - A New Hope",
                "Star Wars: Episode V - The Empire Strikes Back",
                "Star Wars: Episode I - The Phantom Menace",
                "Star Wars: The Clone Wars",
            ]
        );
        // Without the other title, prefix matches all: the votes decide.
        let mut plain = films.clone();
        plain[2].1.clear();
        assert_eq!(
            rank_films("star wars", &plain)[0],
            "Star Wars: Episode IV - A New Hope"
        );
        // A typo: two spellings about as close, the far more popular first...
        let typo = [
            film("Matrix", &[], 40, 1993),
            film("The Matrix", &[], 2_000_000, 1999),
        ];
        assert_eq!(rank_films("matirx", &typo), ["The Matrix", "Matrix"]);
        // ... but an exact title beats any number of votes on a near one.
        let exact = [
            film("The Matrix", &[], 2_000_000, 1999),
            film("Matirx", &[], 10, 2020),
        ];
        assert_eq!(rank_films("matirx", &exact)[0], "Matirx");
    }

    #[test]
    fn two_words_list_the_films_with_both_not_those_with_one() {
        let films = [
            film("Toy Story", &[], 900_000, 1995),
            film("Toy Story 3", &[], 800_000, 2010),
            film("Toy Story 2", &[], 600_000, 1999),
            film("West Side Story", &[], 100_000, 1961),
            film("A Story of Love", &[], 50, 2001),
            film("The Neverending Story", &[], 150_000, 1984),
            film("Toys", &[], 30_000, 1992),
            film("Story of a Toy Maker", &[], 20, 2005),
            film("Stories We Tell", &[], 10_000, 2012),
        ];
        let found = rank_films("toy story", &films);
        assert_eq!(
            found,
            [
                "Toy Story",
                "Toy Story 3",
                "Toy Story 2",
                "Story of a Toy Maker"
            ]
        );
        // A typo in a word still finds the film, and only it.
        assert_eq!(rank_films("toy stroy", &films)[..3], found[..3]);
        // Nothing has every word: the best partial matches are listed, not nothing.
        let partial = rank_films("toy story zebra", &films);
        assert_eq!(partial[..3], found[..3], "{partial:?}");
        assert!(!partial.iter().any(|t| t.contains("West")), "{partial:?}");
        // A query whose words are found nowhere lists nothing.
        assert!(rank_films("qqqxxzz", &films).is_empty());
    }

    #[test]
    fn the_cut_off_holds_on_the_whole_catalog() {
        let found = search("toy story");
        assert_eq!(found, ["Toy Story", "Toy Story 2", "Toy Story 3"]);
        let found = search("matirx");
        assert_eq!(found.first().map(String::as_str), Some("The Matrix"));
        assert!(found.iter().all(|t| t.contains("Matrix")), "{found:?}");
        // Joined or split words are found either way.
        assert!(search("spiderman").iter().any(|t| t == "Spider-Man"));
    }

    #[test]
    fn stop_words_are_not_required_unless_they_are_all_there_is() {
        let films = [
            film("Godfather", &[], 10, 1991),
            film("The Other Side", &[], 10, 2000),
            film("Rocky", &[], 10, 1976),
        ];
        assert_eq!(rank_films("the godfater", &films), ["Godfather"]);
        assert_eq!(rank_films("the", &films), ["The Other Side", "Godfather"]);
        assert_eq!(typos_allowed(3), 0);
        assert_eq!(typos_allowed(5), 1);
        assert_eq!(typos_allowed(9), 2);
    }

    #[test]
    fn unrelated_titles_are_left_out() {
        let found = search("godfater");
        assert!(found.len() <= 5, "{found:?}");
        assert!(search("qqqxxzz").is_empty());
    }

    #[test]
    fn whole_words_come_before_parts_of_words() {
        let found = search("up");
        assert_eq!(found.first().map(String::as_str), Some("Up"));
        let word = found.iter().position(|t| t == "Knocked Up").unwrap();
        let inside = found.iter().position(|t| t == "Superbad").unwrap();
        assert!(word < inside, "{found:?}");
    }
}
