//! Re-ranking of candidate titles against a query.

use std::cmp::Reverse;

use super::text::{WordDistance, jaccard, padded, trigrams};

/// Below this similarity a title that does not contain the query is not shown: it only
/// shared a few common trigrams ("the ", "er ") with it.
const MIN_FUZZY_SCORE: f64 = 0.5;

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

/// The query, folded and cut up once for comparing with every candidate.
#[derive(Debug)]
pub struct Query {
    text: String,
    bare: String,
    /// Each word, ready to be compared with title words.
    words: Vec<WordDistance>,
    trigrams: Vec<[char; 3]>,
}

impl Query {
    /// `normalised` comes from [`super::text::normalise`].
    pub fn new(normalised: &str) -> Self {
        Self {
            text: normalised.to_owned(),
            bare: without_article(normalised).to_owned(),
            words: normalised.split(' ').map(WordDistance::new).collect(),
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
    ["the ", "a ", "an "]
        .iter()
        .find_map(|article| title.strip_prefix(article))
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
    /// The title's padded trigrams, as [`trigrams`] gives them.
    pub grams: &'a [[char; 3]],
}

/// Keeps the candidates that match `query` and orders them: exact, then prefix matches,
/// then titles with every query word as a word, then titles containing every query
/// word, each group by popularity (the vote count); then the similar-enough ones by
/// similarity, popularity breaking ties.
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
    let mut scored: Vec<(Tier, i64, i64, T)> = candidates
        .into_iter()
        .zip(keys)
        .filter_map(|(candidate, key)| {
            let votes = key.votes;
            let tier = std::iter::once(key.title)
                .chain(key.also.iter().map(String::as_str))
                .filter_map(|title| query.tier(title))
                .min();
            let (tier, relevance) = match tier {
                Some(tier) => (tier, 0),
                None => {
                    let also = key
                        .also
                        .iter()
                        .map(|other| query.similarity(other, &trigrams(&padded(other))));
                    let similarity = also.fold(query.similarity(key.title, key.grams), f64::max);
                    if similarity < MIN_FUZZY_SCORE {
                        return None;
                    }
                    // Hundredths, so near-equal scores count as equal and popularity decides.
                    (Tier::Fuzzy, (similarity * 100.0).round() as i64)
                }
            };
            Some((tier, relevance, votes, candidate))
        })
        .collect();
    scored.sort_by_key(|(tier, relevance, votes, _)| (*tier, Reverse(*relevance), Reverse(*votes)));
    scored
        .into_iter()
        .map(|(.., candidate)| candidate)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::text::normalise;
    use super::*;

    /// The whole embedded catalog as candidates: the ranking must pick the right film out
    /// of everything, not only out of what the index pre-selected.
    fn search(query: &str) -> Vec<String> {
        let movies = crate::catalog::embedded().unwrap();
        let titles: Vec<(String, i64, Vec<[char; 3]>, String)> = movies
            .iter()
            .map(|m| {
                let folded = normalise(&m.title);
                let grams = trigrams(&padded(&folded));
                (
                    folded,
                    i64::from(m.imdb_votes.unwrap_or(0)),
                    grams,
                    m.title.clone(),
                )
            })
            .collect();
        let candidates: Vec<&(String, i64, Vec<[char; 3]>, String)> = titles.iter().collect();
        rank(
            &Query::new(&normalise(query)),
            candidates,
            |&(t, v, g, _)| Key {
                title: t.as_str(),
                also: &[],
                votes: *v,
                grams: g.as_slice(),
            },
        )
        .into_iter()
        .map(|(.., title)| title.clone())
        .collect()
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
        let seven = (normalise("Se7en"), vec![normalise("Seven")]);
        let pounds = (normalise("Seven Pounds"), Vec::new());
        let grams = |t: &str| trigrams(&padded(t));
        let (g1, g2) = (grams(&seven.0), grams(&pounds.0));
        let candidates = vec![(&pounds, 300_000, &g2), (&seven, 100_000, &g1)];
        let ranked = rank(&Query::new("seven"), candidates, |&(film, votes, g)| Key {
            title: film.0.as_str(),
            also: &film.1,
            votes,
            grams: g.as_slice(),
        });
        let titles: Vec<&str> = ranked.iter().map(|(film, ..)| film.0.as_str()).collect();
        assert_eq!(titles, ["se7en", "seven pounds"]);
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
