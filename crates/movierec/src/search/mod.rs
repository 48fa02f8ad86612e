//! Finding movies by title, with genre and year filters: shared by the search page and
//! `GET /api/v1/search`.
//!
//! # How a query is answered
//!
//! Everything below runs in memory on the process's [`index::SearchIndex`], which
//! [`index::IndexCache`] rebuilds whenever the catalog's generation number in the database
//! has moved; the database answers one one-row query per search.
//!
//! 1. **Fold.** Titles and queries go through [`text::normalise`]: lowercase, accents
//!    removed, punctuation turned into spaces, so the index and the query fold alike.
//! 2. **Candidates.** The trigrams of each padded query word (" godfater " → " go",
//!    "god", …, "er ") are looked up in the index. A typo only spoils the two or three
//!    trigrams around it; the title still shares the rest. Stop words ("the", "of") are
//!    left out when other words remain: their trigrams match most titles. The genre and
//!    year filters apply here, and the [`MAX_CANDIDATES`] best by BM25 (rare shared
//!    trigrams weigh most) are kept. The cost follows the lengths of the looked-up
//!    posting lists, not the catalog's size.
//! 3. **Cut off and re-rank** ([`rank::rank`]). Only the candidates in which the most
//!    query words are found (a typo allowed per word) are kept, so "toy story" does not list
//!    every title with "story", yet a query nothing matches fully still shows its nearest
//!    films. Exact matches first (ignoring a leading "the", "a", "an"; a film's other titles
//!    count), then prefixes, then titles with every query word as a word, then titles
//!    containing every query word, each group by votes (`movies.votes`); then the rest by a
//!    similarity mixing word edit distance with trigram overlap, to which votes add a
//!    little, log-scaled.
//! 4. **Page** through the ranked list: it is never longer than [`MAX_CANDIDATES`].
//!
//! Without a query the filters alone list movies, most voted first, walking an order the
//! index keeps sorted. `benches/search.rs` measures a query on the embedded catalog and
//! `bench/scale.sh` under load at 87,000 films.

pub mod index;
pub(crate) mod rank;
pub(crate) mod text;

use std::fmt;

use crate::store::Db;
use serde::Deserialize;

use self::index::SearchIndex;

use crate::catalog::YEAR_RANGE;
use crate::catalog::genres::GENRES;
use crate::domain::{PageNumber, SearchQuery, SearchSort};
use crate::store;
use crate::store::movie_search::{Filters, Hit};

/// How many index candidates are re-ranked: far more than anyone pages through.
pub const MAX_CANDIDATES: usize = 300;

/// The search parameters as they arrive in the query string. Every one is optional and
/// an empty value (a blank form field) counts as absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub genre: Option<String>,
    pub year_from: Option<String>,
    pub year_to: Option<String>,
    pub page: Option<String>,
    /// A [`SearchSort`] key; relevance when absent.
    pub sort: Option<String>,
}

/// A refused parameter: which one, and a message fit to show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A valid search: a title query, filters, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub query: Option<SearchQuery>,
    pub filters: Filters,
    pub page: PageNumber,
    pub sort: SearchSort,
}

impl SearchRequest {
    /// Checks every parameter; a genre is one of the vocabulary's ([`GENRES`]), in any case.
    /// `Ok(None)`: nothing to search for (no query and no filter).
    pub fn parse(params: &SearchParams) -> Result<Option<Self>, FieldError> {
        let query = match present(&params.q) {
            Some(q) => Some(SearchQuery::parse(q).map_err(|e| FieldError::new("q", e))?),
            None => None,
        };
        let genre = match present(&params.genre) {
            Some(name) => Some(
                GENRES
                    .iter()
                    .find(|g| g.eq_ignore_ascii_case(name))
                    .map(|g| (*g).to_owned())
                    .ok_or_else(|| {
                        FieldError::new(
                            "genre",
                            format!("Choose a genre from the list: {}.", GENRES.join(", ")),
                        )
                    })?,
            ),
            None => None,
        };
        let year_from = year("year_from", &params.year_from)?;
        let year_to = year("year_to", &params.year_to)?;
        if let (Some(from), Some(to)) = (year_from, year_to)
            && from > to
        {
            return Err(FieldError::new(
                "year_to",
                "The last year comes before the first.",
            ));
        }
        let page = page(&params.page)?;
        let sort = sort(&params.sort)?;
        let filters = Filters {
            genre,
            year_from,
            year_to,
        };
        if query.is_none() && filters == Filters::default() {
            return Ok(None);
        }
        Ok(Some(Self {
            query,
            filters,
            page,
            sort,
        }))
    }

    /// Like [`SearchRequest::parse`], but asking for nothing lists the whole catalog, most
    /// voted first: what the API answers, where every parameter is optional.
    pub fn parse_or_browse(params: &SearchParams) -> Result<Self, FieldError> {
        match Self::parse(params)? {
            Some(request) => Ok(request),
            None => Ok(Self {
                query: None,
                filters: Filters::default(),
                page: page(&params.page)?,
                sort: sort(&params.sort)?,
            }),
        }
    }

    /// What to tell someone who asked for nothing.
    pub fn nothing_asked() -> FieldError {
        let message = SearchQuery::parse("").err().unwrap_or_default();
        FieldError::new("q", message)
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn page(raw: &Option<String>) -> Result<PageNumber, FieldError> {
    match present(raw) {
        Some(raw) => PageNumber::parse(raw).map_err(|e| FieldError::new("page", e)),
        None => Ok(PageNumber::FIRST),
    }
}

fn sort(raw: &Option<String>) -> Result<SearchSort, FieldError> {
    match present(raw) {
        Some(key) => SearchSort::parse(key).map_err(|e| FieldError::new("sort", e)),
        None => Ok(SearchSort::default()),
    }
}

fn year(field: &'static str, raw: &Option<String>) -> Result<Option<i64>, FieldError> {
    let Some(raw) = present(raw) else {
        return Ok(None);
    };
    let range = i64::from(*YEAR_RANGE.start())..=i64::from(*YEAR_RANGE.end());
    raw.parse::<i64>()
        .ok()
        .filter(|y| range.contains(y))
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "A year is a number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Across all pages.
    pub total: i64,
    /// Whether a title search stopped at [`MAX_CANDIDATES`]: more films may match, and
    /// `total` is a floor ("300+"), not a count.
    pub capped: bool,
    pub page: i64,
    pub pages: i64,
}

/// Answers `request` from `index`: no database work, so it runs wherever the caller is.
pub fn run(index: &SearchIndex, request: &SearchRequest) -> Results {
    let skip = usize::try_from(request.page.offset()).unwrap_or(usize::MAX);
    let page_size = usize::try_from(PageNumber::PER_PAGE).unwrap_or(usize::MAX);
    let mut capped = false;
    let (docs, total) = match &request.query {
        None => index.browse(&request.filters, request.sort, skip, page_size),
        Some(query) => {
            let normalised = text::normalise(query.as_str());
            let grams = text::index_trigrams(&normalised);
            let candidates = index.candidates(&grams, &request.filters, MAX_CANDIDATES);
            let full = candidates.len() == MAX_CANDIDATES;
            let considered = candidates.len();
            let mut ranked = rank::rank(&rank::Query::new(&normalised), candidates, |&doc| {
                index.rank_key(doc)
            });
            // The cap ended the list when it was reached and ranking kept every candidate;
            // when ranking let some go, those past the cap would have gone too.
            capped = full && ranked.len() == considered;
            // The matches stay the same; only their order changes.
            index.reorder(&mut ranked, request.sort);
            let total = ranked.len();
            (
                ranked.into_iter().skip(skip).take(page_size).collect(),
                total,
            )
        }
    };
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    Results {
        hits: docs.into_iter().map(|doc| index.hit(doc)).collect(),
        total,
        capped,
        page: request.page.get(),
        pages: PageNumber::count(total),
    }
}

/// Rebuilds the FTS5 title table (what matching a history file's titles uses) when `force` is
/// set or when it does not cover exactly the
/// movies in the database (a database created before search existed, for instance).
pub async fn sync_index(pool: &Db, force: bool) -> sqlx::Result<()> {
    if !force && store::movie_search::index_is_complete(pool).await? {
        return Ok(());
    }
    let entries: Vec<(i64, String)> = store::movie_search::titles(pool)
        .await?
        .into_iter()
        .map(|(id, title)| (id, text::padded(&text::normalise(&title))))
        .collect();
    store::movie_search::replace_index(pool, &entries).await?;
    tracing::info!(movies = entries.len(), "title table rebuilt");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        };
        SearchParams {
            q: get("q"),
            genre: get("genre"),
            year_from: get("year_from"),
            year_to: get("year_to"),
            page: get("page"),
            sort: get("sort"),
        }
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Option<SearchRequest>, FieldError> {
        SearchRequest::parse(&params(pairs))
    }

    #[test]
    fn blank_fields_are_absent_and_nothing_asked_is_none() {
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(
            parse(&[("q", "  "), ("genre", ""), ("year_from", ""), ("page", "")]),
            Ok(None)
        );
    }

    #[test]
    fn accepts_a_full_request() {
        let request = parse(&[
            ("q", " alien "),
            ("genre", "drama"),
            ("year_from", "1970"),
            ("year_to", "1990"),
            ("page", "2"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(request.query.unwrap().as_str(), "alien");
        assert_eq!(
            request.filters,
            Filters {
                genre: Some("Drama".into()),
                year_from: Some(1970),
                year_to: Some(1990),
            }
        );
        assert_eq!(request.page.get(), 2);
    }

    #[test]
    fn filters_alone_are_a_search() {
        let request = parse(&[("year_from", "2000")]).unwrap().unwrap();
        assert_eq!(request.query, None);
        assert_eq!(request.filters.year_from, Some(2000));
    }

    #[test]
    fn names_the_refused_field() {
        let cases = [
            (vec![("q", "x".repeat(101))], "q"),
            (vec![("genre", "Opera".into())], "genre"),
            // Older sites' names: the vocabulary's are the ones to use.
            (vec![("genre", "Science Fiction".into())], "genre"),
            (vec![("genre", "Thriller/Suspense".into())], "genre"),
            (vec![("year_from", "soon".into())], "year_from"),
            (vec![("year_to", "1500".into())], "year_to"),
            (
                vec![("year_from", "2000".into()), ("year_to", "1990".into())],
                "year_to",
            ),
            (vec![("q", "a".into()), ("page", "0".into())], "page"),
            (vec![("q", "a".into()), ("page", "-1".into())], "page"),
            (vec![("q", "a".into()), ("page", "10001".into())], "page"),
            (vec![("q", "a".into()), ("page", "1.5".into())], "page"),
        ];
        for (pairs, field) in cases {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let error = parse(&pairs).unwrap_err();
            assert_eq!(error.field, field, "{pairs:?}");
            assert!(error.to_string().starts_with(&format!("{field}: ")));
        }
    }

    #[test]
    fn nothing_asked_explains_what_to_type() {
        let error = SearchRequest::nothing_asked();
        assert_eq!(error.field, "q");
        assert!(!error.message.is_empty());
    }
}
