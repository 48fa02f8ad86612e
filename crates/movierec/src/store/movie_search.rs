//! What the in-memory title search index is built from, the number that says when to
//! rebuild it, and the SQLite FTS5 title table that matching a history file's titles uses.
//!
//! Search itself runs in memory ([`crate::search::index`]); the statements it needs here
//! are plain SQL. FTS5 is SQLite's own: on PostgreSQL the title table's role falls to
//! pg_trgm.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::store::{Db, DbConn};

/// A movie as a search result lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// Comma-separated, possibly empty.
    pub genres: String,
    pub imdb_rating: Option<f64>,
    /// IMDb's own count, as shown beside its rating.
    pub imdb_votes: Option<i64>,
    /// The count "Most votes" sorts by (see `store::catalog::refresh_votes`).
    pub votes: Option<i64>,
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
    /// IMDb's own count, as shown beside its rating.
    pub imdb_votes: Option<i64>,
    /// Popularity: what browsing and ranking order by (see `store::catalog::refresh_votes`).
    pub votes: Option<i64>,
    pub imdb_id: Option<String>,
    /// The film's other titles (see `movie_titles`), found by search as its title is.
    #[sqlx(skip)]
    pub alternatives: Vec<String>,
}

/// The number every change to the searchable catalog bumps (see the migration that adds it):
/// one row by primary key, cheap enough to read on every search.
pub async fn catalog_generation(pool: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT generation FROM catalog_generation WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// Catalog writes made by this process, counted so that a [`GenerationProbe`] never reuses a
/// reading taken before one of them.
static LOCAL_CATALOG_WRITES: AtomicU64 = AtomicU64::new(0);

/// Records that this process wrote to the catalog: the next probe reads the database.
pub fn note_catalog_write() {
    LOCAL_CATALOG_WRITES.fetch_add(1, Ordering::SeqCst);
}

/// How long a reading of the catalog generation answers for. Under load thousands of
/// pages a second each asked for it, a round trip to the database's worker thread each;
/// within this window they share one. Writes by this process are seen at once (see
/// [`note_catalog_write`]); another process's (an import, another instance) within this
/// long, far less than it takes to start a request after running a command.
pub const GENERATION_WINDOW: Duration = Duration::from_millis(2);

/// Reads the catalog generation of one database, sharing a reading among the requests of
/// the next [`GENERATION_WINDOW`].
#[derive(Debug, Default)]
pub struct GenerationProbe {
    last: Mutex<Option<Reading>>,
}

#[derive(Debug, Clone, Copy)]
struct Reading {
    /// When the read started: the window counts from before it.
    started: Instant,
    local_writes: u64,
    generation: i64,
}

impl GenerationProbe {
    /// The catalog generation as of at most [`GENERATION_WINDOW`] ago.
    pub async fn read(&self, pool: &Db) -> sqlx::Result<i64> {
        let local_writes = LOCAL_CATALOG_WRITES.load(Ordering::SeqCst);
        let recent = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(reading) = recent
            && reading.local_writes == local_writes
            && reading.started.elapsed() < GENERATION_WINDOW
        {
            return Ok(reading.generation);
        }
        let started = Instant::now();
        let generation = catalog_generation(pool).await?;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|r| r.started < started) {
            *last = Some(Reading {
                started,
                local_writes,
                generation,
            });
        }
        Ok(generation)
    }
}

/// Every movie with what search shows and ranks of it.
pub async fn index_rows(pool: &Db) -> sqlx::Result<Vec<IndexRow>> {
    sqlx::query_as(
        "SELECT id, title, year, imdb_rating, imdb_votes, votes, imdb_id FROM movies ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Every alternative title as (movie id, title), by movie.
pub async fn alternative_titles(pool: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT movie_id, title FROM movie_titles ORDER BY movie_id, title")
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
        "SELECT m.id, m.title, m.year, m.imdb_rating, m.imdb_votes, m.votes, m.imdb_id,
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
        insert_search_title(&mut tx, *id, search_title).await?;
    }
    tx.commit().await
}

/// A new movie's entry in the title search index.
pub(super) async fn insert_search_title(
    conn: &mut DbConn,
    id: i64,
    search_title: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, $2)")
        .bind(id)
        .bind(search_title)
        .execute(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::with_movies;

    /// A write as another process makes it: straight to the database, unnoted here.
    async fn bump_elsewhere(pool: &Db) {
        sqlx::query("UPDATE catalog_generation SET generation = generation + 1")
            .execute(pool)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_probe_sees_this_process_writes_at_once_and_others_after_its_window() {
        let (_dir, pool) = with_movies(1).await;
        let probe = GenerationProbe::default();
        let first = probe.read(&pool).await.unwrap();
        assert_eq!(first, catalog_generation(&pool).await.unwrap());

        // Written here: the next reading is new whatever the window.
        bump_elsewhere(&pool).await;
        note_catalog_write();
        assert_eq!(probe.read(&pool).await.unwrap(), first + 1);

        // Written elsewhere: seen once the window has passed.
        bump_elsewhere(&pool).await;
        tokio::time::sleep(GENERATION_WINDOW * 2).await;
        assert_eq!(probe.read(&pool).await.unwrap(), first + 2);
    }
}
