//! What the in-memory title search index is built from, the number that says when to
//! rebuild it, and the SQLite FTS5 title table that history imports match titles with.
//!
//! Search itself runs in memory ([`crate::search::index`]); the statements it needs here
//! are plain SQL. FTS5 is SQLite's own: on PostgreSQL the title table's role falls to
//! pg_trgm.

use crate::store::Db;

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

/// Restrictions on the movies a search lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub genre: Option<String>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
}

/// A movie as the in-memory search index loads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexRow {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub imdb_id: Option<String>,
}

/// The number every change to the searchable catalog bumps (see the migration that adds it):
/// one row by primary key, cheap enough to read on every search.
pub async fn catalog_generation(pool: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT generation FROM catalog_generation WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// Every movie with what search shows and ranks of it.
pub async fn index_rows(pool: &Db) -> sqlx::Result<Vec<IndexRow>> {
    sqlx::query_as(
        "SELECT id, title, year, imdb_rating, imdb_votes, imdb_id FROM movies ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Every genre (id, name), by id.
pub async fn genre_names(pool: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM genres ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Every (movie id, genre id) pair, by movie then genre.
pub async fn movie_genre_pairs(pool: &Db) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT movie_id, genre_id FROM movie_genres ORDER BY movie_id, genre_id")
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

/// Every movie's id and title, for rebuilding the FTS5 title table.
pub async fn titles(pool: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, title FROM movies ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Whether every movie, and nothing else, is in the FTS5 title table.
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

/// Replaces the whole FTS5 title table with `entries` (movie id, indexed title) in one
/// transaction.
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
