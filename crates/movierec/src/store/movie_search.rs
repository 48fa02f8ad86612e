//! The title search index and the filtered movie lists of the search page.
//!
//! FTS5 and the JSON aggregate are SQLite's own; on PostgreSQL these few statements
//! would use pg_trgm and `json_agg`. The filter SQL is plain.

use crate::store::Db;

use crate::domain::{PageNumber, SearchSort};

/// A movie as a search result lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// Comma-separated, possibly empty.
    pub genres: String,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub imdb_id: Option<String>,
}

/// What ranking needs of a movie the index found, and no more: fetching full rows
/// for hundreds of candidates would cost more than the search itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IndexMatch {
    pub id: i64,
    /// The indexed form of the title (see the migration).
    pub search_title: String,
    pub imdb_votes: Option<i64>,
}

/// Restrictions applied in SQL, before any ranking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub genre: Option<String>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
}

/// The [`Filters`] on `movies m`, bound as `$1`..`$3`. The genre test is an
/// uncorrelated subquery, so SQLite builds its id set once rather than per movie.
const FILTERS: &str = "($1 IS NULL OR m.id IN (SELECT mg.movie_id FROM movie_genres mg
        JOIN genres g ON g.id = mg.genre_id WHERE g.name = $1))
    AND ($2 IS NULL OR m.year >= $2)
    AND ($3 IS NULL OR m.year <= $3)";

/// Up to `limit` movies passing `filters` whose indexed title shares trigrams with
/// `fts_match`, best BM25 score first. `fts_match` must be built by
/// [`crate::search::text::fts_match`], which quotes everything the visitor typed.
///
/// The candidates come back as one JSON array in one row: the SQLite driver hands rows
/// over one at a time from its worker thread, which for hundreds of rows took longer
/// than the search itself.
pub async fn candidates(
    pool: &Db,
    fts_match: &str,
    filters: &Filters,
    limit: i64,
) -> sqlx::Result<Vec<IndexMatch>> {
    let json: String = sqlx::query_scalar(&format!(
        "SELECT json_group_array(json_object(
                    'id', id, 'search_title', search_title, 'imdb_votes', imdb_votes))
         FROM (SELECT m.id, s.search_title, m.imdb_votes
               FROM movie_search s JOIN movies m ON m.id = s.rowid
               WHERE movie_search MATCH $4 AND {FILTERS}
               ORDER BY bm25(movie_search)
               LIMIT $5)"
    ))
    .bind(&filters.genre)
    .bind(filters.year_from)
    .bind(filters.year_to)
    .bind(fts_match)
    .bind(limit)
    .fetch_one(pool)
    .await?;
    serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The ORDER BY of a [`SearchSort`] on `movies m`; relevance is the most voted when there is
/// no title to match. Only these fixed strings are ever spliced into the SQL.
fn order_by(sort: SearchSort) -> &'static str {
    match sort {
        SearchSort::Relevance | SearchSort::Votes => "m.imdb_votes DESC NULLS LAST, m.title, m.id",
        SearchSort::Year => "m.year DESC NULLS LAST, m.imdb_votes DESC NULLS LAST, m.id",
        SearchSort::Rating => "m.imdb_rating DESC NULLS LAST, m.imdb_votes DESC NULLS LAST, m.id",
    }
}

/// The ids of one page of the movies passing `filters`, in the order of `sort`.
pub async fn browse(
    pool: &Db,
    filters: &Filters,
    sort: SearchSort,
    page: PageNumber,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(&format!(
        "SELECT m.id FROM movies m
         WHERE {FILTERS}
         ORDER BY {}
         LIMIT $4 OFFSET $5",
        order_by(sort)
    ))
    .bind(&filters.genre)
    .bind(filters.year_from)
    .bind(filters.year_to)
    .bind(PageNumber::PER_PAGE)
    .bind(page.offset())
    .fetch_all(pool)
    .await
}

/// The movies `ids` (search matches) in the order of `sort`; ids of no movie are dropped.
pub async fn reorder(pool: &Db, ids: &[i64], sort: SearchSort) -> sqlx::Result<Vec<i64>> {
    let ids = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_scalar(&format!(
        "SELECT m.id FROM movies m WHERE m.id IN ({}) ORDER BY {}",
        super::Backend::of(pool).json_integers("$1"),
        order_by(sort)
    ))
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// The movies with these ids, in the order given; ids of no movie are skipped. Meant
/// for a page of results: one placeholder per id.
pub async fn hits(pool: &Db, ids: &[i64]) -> sqlx::Result<Vec<Hit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT m.id, m.title, m.year, m.imdb_rating, m.imdb_votes, m.imdb_id,
                COALESCE((SELECT string_agg(g.name, ', ') FROM movie_genres mg
                          JOIN genres g ON g.id = mg.genre_id
                          WHERE mg.movie_id = m.id), '') AS genres
         FROM movies m WHERE m.id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, Hit>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut found = query.fetch_all(pool).await?;
    found.sort_by_key(|hit| ids.iter().position(|id| *id == hit.id));
    Ok(found)
}

pub async fn count(pool: &Db, filters: &Filters) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM movies m WHERE {FILTERS}"))
        .bind(&filters.genre)
        .bind(filters.year_from)
        .bind(filters.year_to)
        .fetch_one(pool)
        .await
}

/// Every genre some movie has, alphabetically: once IMDb's import has replaced the embedded
/// catalog's coarse genres with its finer ones, the coarse ones it emptied are not offered.
pub async fn genres(pool: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT name FROM genres g
          WHERE EXISTS (SELECT 1 FROM movie_genres mg WHERE mg.genre_id = g.id)
          ORDER BY name",
    )
    .fetch_all(pool)
    .await
}

/// Every movie's id and title, for building the index.
pub async fn titles(pool: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, title FROM movies ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Whether every movie, and nothing else, is in the index.
pub async fn index_is_complete(pool: &Db) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM movie_search) = (SELECT COUNT(*) FROM movies)
            AND NOT EXISTS (SELECT 1 FROM movies m
                            WHERE NOT EXISTS (SELECT 1 FROM movie_search s WHERE s.rowid = m.id))",
    )
    .fetch_one(pool)
    .await
    .map(|complete: super::Flag| complete.0)
}

/// Replaces the whole index with `entries` (movie id, indexed title) in one transaction.
pub async fn replace_index(pool: &Db, entries: &[(i64, String)]) -> sqlx::Result<()> {
    let mut tx = super::begin_write(pool).await?;
    sqlx::query("DELETE FROM movie_search")
        .execute(&mut *tx)
        .await?;
    for (id, search_title) in entries {
        super::imports::insert_search_title(&mut tx, *id, search_title).await?;
    }
    tx.commit().await
}
