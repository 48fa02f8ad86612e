//! Finding movies by title, with genre and year filters: shared by the search page and
//! `GET /api/v1/search`.
//!
//! # How a query is answered
//!
//! 1. **Fold.** Titles and queries go through [`text::normalise`]: lowercase, accents
//!    removed, punctuation turned into spaces. The catalog's folded titles are kept in
//!    the `movie_search` FTS5 table (trigram tokenizer), rebuilt by [`sync_index`]
//!    whenever the movies change. Folding in Rust rather than in SQLite means the index
//!    and the query are folded by the same code.
//! 2. **Candidates.** Every trigram of each padded query word (" godfater " → " go",
//!    "god", …, "er ") becomes a quoted FTS5 string, OR'ed together, so no character
//!    the visitor types can act as FTS syntax. A typo only spoils the two or three
//!    trigrams around it; the title still shares the rest. Stop words ("the", "of") are
//!    left out when other words remain: their trigrams match most titles and would make
//!    BM25 score the whole catalog. The genre and year filters apply in the same SQL,
//!    and the [`MAX_CANDIDATES`] best by BM25 (rare shared trigrams weigh most) are kept.
//! 3. **Re-rank** ([`rank::rank`]). Exact matches first (ignoring a leading "the", "a",
//!    "an"), then prefixes, then titles with every query word as a word, then titles
//!    containing every query word, each group by IMDb votes; then the rest by a
//!    similarity mixing word edit distance with trigram overlap, dropping those below a
//!    threshold, popularity breaking ties.
//! 4. **Page** through the ranked list in Rust: it is never longer than
//!    [`MAX_CANDIDATES`].
//!
//! Without a query the filters alone list movies, most voted first, paged in SQL.
//! On the 3,200-film catalog a query takes well under 5 ms; `benches/search.rs`
//! measures it.

pub mod rank;
pub mod text;

use std::fmt;

use crate::store::Db;
use serde::Deserialize;

use crate::catalog::YEAR_RANGE;
use crate::domain::{PageNumber, SearchQuery, SearchSort};
use crate::store;
use crate::store::movie_search::{Filters, Hit};

/// How many index candidates are re-ranked: far more than anyone pages through.
pub const MAX_CANDIDATES: i64 = 300;

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
    /// Checks every parameter; `genres` are the names a genre filter may take.
    /// `Ok(None)`: nothing to search for (no query and no filter).
    pub fn parse(params: &SearchParams, genres: &[String]) -> Result<Option<Self>, FieldError> {
        let query = match present(&params.q) {
            Some(q) => Some(SearchQuery::parse(q).map_err(|e| FieldError::new("q", e))?),
            None => None,
        };
        let genre = match present(&params.genre) {
            Some(name) => Some(
                genres
                    .iter()
                    .find(|g| g.eq_ignore_ascii_case(name))
                    .cloned()
                    .ok_or_else(|| {
                        FieldError::new(
                            "genre",
                            format!("Choose a genre from the list: {}.", genres.join(", ")),
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
    pub fn parse_or_browse(params: &SearchParams, genres: &[String]) -> Result<Self, FieldError> {
        match Self::parse(params, genres)? {
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
    pub page: i64,
    pub pages: i64,
}

pub async fn run(pool: &Db, request: &SearchRequest) -> sqlx::Result<Results> {
    let (ids, total) = match &request.query {
        None => {
            let total = store::movie_search::count(pool, &request.filters).await?;
            let ids =
                store::movie_search::browse(pool, &request.filters, request.sort, request.page)
                    .await?;
            (ids, total)
        }
        Some(query) => {
            let normalised = text::normalise(query.as_str());
            let ranked = match text::fts_match(&normalised) {
                Some(expression) => {
                    let candidates = store::movie_search::candidates(
                        pool,
                        &expression,
                        &request.filters,
                        MAX_CANDIDATES,
                    )
                    .await?;
                    rank::rank(&rank::Query::new(&normalised), candidates, |c| {
                        (c.search_title.trim(), c.imdb_votes.unwrap_or(0))
                    })
                }
                // Only punctuation: nothing can match.
                None => Vec::new(),
            };
            let total = i64::try_from(ranked.len()).unwrap_or(i64::MAX);
            let mut ranked: Vec<i64> = ranked.iter().map(|c| c.id).collect();
            if request.sort != SearchSort::Relevance {
                // The matches stay the same; only their order changes.
                ranked = store::movie_search::reorder(pool, &ranked, request.sort).await?;
            }
            let skip = usize::try_from(request.page.offset()).unwrap_or(usize::MAX);
            let page_size = usize::try_from(PageNumber::PER_PAGE).unwrap_or(usize::MAX);
            let ids = ranked.into_iter().skip(skip).take(page_size).collect();
            (ids, total)
        }
    };
    Ok(Results {
        hits: store::movie_search::hits(pool, &ids).await?,
        total,
        page: request.page.get(),
        pages: PageNumber::count(total),
    })
}

/// Rebuilds the title index when `force` is set or when it does not cover exactly the
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
    tracing::info!(movies = entries.len(), "search index rebuilt");
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

    fn genres() -> Vec<String> {
        vec!["Comedy".into(), "Drama".into()]
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Option<SearchRequest>, FieldError> {
        SearchRequest::parse(&params(pairs), &genres())
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
