//! The title search index and the filtered movie lists of the search page.
//!
//! The FTS5 table is SQLite's own; the filter SQL around it is plain.

use sqlx::SqlitePool;

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
    /// The indexed form of the title (see the migration); empty when browsing.
    pub search_title: String,
}

/// Restrictions applied in SQL, before any ranking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub genre: Option<String>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
}

/// The columns of [`Hit`] but `search_title`, from `movies m`.
const HIT_COLUMNS: &str = "m.id, m.title, m.year, m.imdb_rating, m.imdb_votes,
    COALESCE((SELECT group_concat(g.name, ', ') FROM movie_genres mg
              JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id), '') AS genres";
/// The [`Filters`] on `movies m`, bound as `$1`..`$3`.
const FILTERS: &str = "($1 IS NULL OR EXISTS (SELECT 1 FROM movie_genres mg
        JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id AND g.name = $1))
    AND ($2 IS NULL OR m.year >= $2)
    AND ($3 IS NULL OR m.year <= $3)";

/// Up to `limit` movies passing `filters` whose indexed title shares trigrams with
/// `fts_match`, best BM25 score first. `fts_match` must be built by
/// [`crate::search::text::fts_match`], which quotes everything the visitor typed.
pub async fn candidates(
    pool: &SqlitePool,
    fts_match: &str,
    filters: &Filters,
    limit: i64,
) -> sqlx::Result<Vec<Hit>> {
    sqlx::query_as(&format!(
        "SELECT {HIT_COLUMNS}, s.search_title
         FROM movie_search s JOIN movies m ON m.id = s.rowid
         WHERE movie_search MATCH $4 AND {FILTERS}
         ORDER BY bm25(movie_search)
         LIMIT $5"
    ))
    .bind(&filters.genre)
    .bind(filters.year_from)
    .bind(filters.year_to)
    .bind(fts_match)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One page of the movies passing `filters`, most voted first.
pub async fn browse(
    pool: &SqlitePool,
    filters: &Filters,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Hit>> {
    sqlx::query_as(&format!(
        "SELECT {HIT_COLUMNS}, '' AS search_title
         FROM movies m
         WHERE {FILTERS}
         ORDER BY m.imdb_votes DESC NULLS LAST, m.title, m.id
         LIMIT $4 OFFSET $5"
    ))
    .bind(&filters.genre)
    .bind(filters.year_from)
    .bind(filters.year_to)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &SqlitePool, filters: &Filters) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM movies m WHERE {FILTERS}"))
        .bind(&filters.genre)
        .bind(filters.year_from)
        .bind(filters.year_to)
        .fetch_one(pool)
        .await
}

/// Every genre name, alphabetically.
pub async fn genres(pool: &SqlitePool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM genres ORDER BY name")
        .fetch_all(pool)
        .await
}

/// Every movie's id and title, for building the index.
pub async fn titles(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, title FROM movies ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Whether every movie, and nothing else, is in the index.
pub async fn index_is_complete(pool: &SqlitePool) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM movie_search) = (SELECT COUNT(*) FROM movies)
            AND NOT EXISTS (SELECT 1 FROM movies m
                            WHERE NOT EXISTS (SELECT 1 FROM movie_search s WHERE s.rowid = m.id))",
    )
    .fetch_one(pool)
    .await
}

/// Replaces the whole index with `entries` (movie id, indexed title) in one transaction.
pub async fn replace_index(pool: &SqlitePool, entries: &[(i64, String)]) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM movie_search")
        .execute(&mut *tx)
        .await?;
    for (id, search_title) in entries {
        sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, $2)")
            .bind(id)
            .bind(search_title)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
