//! A viewer's imported history: seen marks, remembered hand matches, uploaded files and
//! their reports, and the reads and writes of an import, all on the import's transaction.

use crate::domain::{Stars, UserId};
use std::collections::HashMap;

use crate::store::{Db, DbConn};

/// A movie as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MatchMovie {
    pub id: i64,
    pub title: String,
    /// The indexed form of the title (see the title search migration).
    pub search_title: String,
    pub year: Option<i64>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
}

/// The movies with these IMDb ids, by id.
pub async fn movies_by_imdb(
    conn: &mut DbConn,
    imdb_ids: &[String],
) -> sqlx::Result<HashMap<String, i64>> {
    let json = serde_json::to_string(imdb_ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT imdb_id, id FROM movies WHERE imdb_id IN ({})",
        super::Backend::of_conn(conn).json_strings("$1")
    ))
    .bind(json)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The movies with these TMDB ids, by id.
pub async fn movies_by_tmdb(
    conn: &mut DbConn,
    tmdb_ids: &[i64],
) -> sqlx::Result<HashMap<i64, i64>> {
    let json = serde_json::to_string(tmdb_ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT tmdb_id, id FROM movies WHERE tmdb_id IN ({})",
        super::Backend::of_conn(conn).json_integers("$1")
    ))
    .bind(json)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Movies with an alternative title of key `key` (see `movie_titles`), whose year, or the
/// year the alternative came with, is from `years.0` to `years.1` when given.
pub async fn movies_titled(
    conn: &mut DbConn,
    key: &str,
    years: Option<(i64, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<MatchMovie>> {
    sqlx::query_as(
        "SELECT DISTINCT m.id, m.title, s.search_title, m.year, m.imdb_id, m.tmdb_id
         FROM movie_titles t
         JOIN movies m ON m.id = t.movie_id
         JOIN movie_search s ON s.rowid = m.id
         WHERE t.title_key = $1
           AND ($2 IS NULL OR (m.year >= $2 AND m.year <= $3)
                OR (t.year >= $2 AND t.year <= $3))
         ORDER BY m.id
         LIMIT $4",
    )
    .bind(key)
    .bind(years.map(|y| y.0))
    .bind(years.map(|y| y.1))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Gives movie `id` the IMDb and TMDB ids it lacks, each only when no other movie holds it.
pub async fn learn_ids(
    conn: &mut DbConn,
    id: i64,
    imdb: Option<&str>,
    tmdb: Option<i64>,
) -> sqlx::Result<()> {
    if let Some(imdb) = imdb {
        sqlx::query(
            "UPDATE movies SET imdb_id = $2
             WHERE id = $1 AND imdb_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM movies o WHERE o.imdb_id = $2)",
        )
        .bind(id)
        .bind(imdb)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(tmdb) = tmdb {
        sqlx::query(
            "UPDATE movies SET tmdb_id = $2
             WHERE id = $1 AND tmdb_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM movies o WHERE o.tmdb_id = $2)",
        )
        .bind(id)
        .bind(tmdb)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Movies whose indexed title contains `phrase` (a padded, folded title: " matrix "),
/// released from `year_from` to `year_to` when given, shortest titles first. The trigram
/// index answers the containment; the caller keeps the exact titles.
pub async fn titles_containing(
    conn: &mut DbConn,
    phrase: &str,
    years: Option<(i64, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<MatchMovie>> {
    let (expression, test) = match super::Backend::of_conn(conn) {
        // A phrase in double quotes is one FTS5 string; folded titles hold no quotes, but a
        // doubled quote is how FTS5 escapes one anyway.
        super::Backend::Sqlite => (
            format!("\"{}\"", phrase.replace('"', "\"\"")),
            "movie_search MATCH $1",
        ),
        // The trigram index answers LIKE; folded titles hold no LIKE wildcards, escaped anyway.
        super::Backend::Postgres => (
            format!(
                "%{}%",
                phrase
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            ),
            "s.search_title LIKE $1",
        ),
    };
    sqlx::query_as(&format!(
        "SELECT m.id, m.title, s.search_title, m.year, m.imdb_id, m.tmdb_id
         FROM movie_search s JOIN movies m ON m.id = s.rowid
         WHERE {test}
           AND ($2 IS NULL OR (m.year >= $2 AND m.year <= $3))
         ORDER BY length(s.search_title), m.id
         LIMIT $4"
    ))
    .bind(expression)
    .bind(years.map(|y| y.0))
    .bind(years.map(|y| y.1))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A user's ratings: movie → (stars, when given: the file's date or the last change here).
pub async fn ratings_of(
    conn: &mut DbConn,
    user_id: UserId,
) -> sqlx::Result<HashMap<i64, (Stars, i64)>> {
    let rows: Vec<(i64, Stars, i64)> = sqlx::query_as(
        "SELECT movie_id, rating, COALESCE(rated_at, updated_at) FROM ratings WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(m, r, d)| (m, (r, d))).collect())
}

/// The movie ids of a user's seen marks and of the watchlist.
pub async fn seen_and_watchlist(
    conn: &mut DbConn,
    user_id: UserId,
) -> sqlx::Result<(Vec<i64>, Vec<i64>)> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT movie_id, 0 FROM seen_movies WHERE user_id = $1
         UNION ALL
         SELECT movie_id, 1 FROM watchlist WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    let (seen, watchlist): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.1 == 0);
    Ok((
        seen.into_iter().map(|r| r.0).collect(),
        watchlist.into_iter().map(|r| r.0).collect(),
    ))
}

/// Sets an imported rating: `rated_at` is the file's date, `updated_at` now.
pub async fn put_rating(
    conn: &mut DbConn,
    user_id: UserId,
    movie_id: i64,
    stars: Stars,
    rated_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ratings (user_id, movie_id, rating, updated_at, rated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, movie_id)
         DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at,
                       rated_at = excluded.rated_at",
    )
    .bind(user_id)
    .bind(movie_id)
    .bind(stars)
    .bind(now)
    .bind(rated_at)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn mark_seen(
    conn: &mut DbConn,
    user_id: UserId,
    movie_id: i64,
    watched_at: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO seen_movies (user_id, movie_id, watched_at, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, movie_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(movie_id)
    .bind(watched_at)
    .bind(now)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0)
}

/// Puts a movie on the watchlist, listed at `listed_at`.
pub async fn add_to_watchlist(
    conn: &mut DbConn,
    user_id: UserId,
    movie_id: i64,
    listed_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO watchlist (user_id, movie_id, created_at)
         VALUES ($1, $2, $3) ON CONFLICT (user_id, movie_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(movie_id)
    .bind(listed_at)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A user's hand matches: title key → movie.
pub async fn hand_matches(
    conn: &mut DbConn,
    user_id: UserId,
) -> sqlx::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT title_key, movie_id FROM import_matches WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}

/// The film a user matched by hand to one title key, if any: one keyed lookup, for a single
/// record (a media server's event) where reading all of them would be waste.
pub async fn hand_match(
    conn: &mut DbConn,
    user_id: UserId,
    title_key: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT movie_id FROM import_matches WHERE user_id = $1 AND title_key = $2")
        .bind(user_id)
        .bind(title_key)
        .fetch_optional(conn)
        .await
}

pub async fn remember_match(
    conn: &mut DbConn,
    user_id: UserId,
    title_key: &str,
    movie_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO import_matches (user_id, title_key, movie_id, created_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, title_key) DO UPDATE SET movie_id = excluded.movie_id",
    )
    .bind(user_id)
    .bind(title_key)
    .bind(movie_id)
    .bind(super::now())
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn movie_exists(conn: &mut DbConn, movie_id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM movies WHERE id = $1")
        .bind(movie_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// An uploaded history: the preview's plan while it is kept, the report once applied.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub file_name: String,
    pub conflicts: String,
    /// JSON: the preview's report until applied, then the import's.
    pub report: Option<String>,
    /// JSON: the matched rows the preview found; `None` once applied.
    pub plan: Option<String>,
    pub applied_at: Option<i64>,
}

/// Keeps a previewed upload's report and plan until it is applied; a user's earlier uploads
/// never applied go, so each user keeps one preview at most.
pub async fn save_upload(
    pool: &Db,
    user_id: UserId,
    file_name: &str,
    conflicts: &str,
    report: &str,
    plan: &str,
) -> sqlx::Result<i64> {
    let mut tx = super::begin_write(pool).await?;
    sqlx::query("DELETE FROM history_imports WHERE user_id = $1 AND applied_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO history_imports (user_id, file_name, conflicts, report, plan, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(file_name)
    .bind(conflicts)
    .bind(report)
    .bind(plan)
    .bind(super::now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A user's upload; `None` when it is not theirs or does not exist.
pub async fn upload(pool: &Db, user_id: UserId, id: i64) -> sqlx::Result<Option<Upload>> {
    sqlx::query_as(
        "SELECT id, file_name, conflicts, report, plan, applied_at
         FROM history_imports WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// Marks a kept upload applied, on the transaction that applies it; `false` when it is
/// not this user's kept upload any more (applied by another request, or replaced), so
/// exactly one of concurrent applies goes on.
pub async fn claim_upload(conn: &mut DbConn, user_id: UserId, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE history_imports SET applied_at = $3, plan = NULL
          WHERE id = $1 AND user_id = $2 AND applied_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(super::now())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records an import applied without a kept preview; returns its id.
pub async fn insert_applied(
    conn: &mut DbConn,
    user_id: UserId,
    file_name: &str,
    conflicts: &str,
) -> sqlx::Result<i64> {
    let now = super::now();
    sqlx::query_scalar(
        "INSERT INTO history_imports (user_id, file_name, conflicts, created_at, applied_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(file_name)
    .bind(conflicts)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Replaces the report of an import, and its conflict choice.
pub async fn update_report(
    conn: &mut DbConn,
    user_id: UserId,
    id: i64,
    conflicts: &str,
    report: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE history_imports SET conflicts = $3, report = $4 WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .bind(conflicts)
    .bind(report)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Drops a user's applied uploads but the latest `keep`.
pub async fn drop_old_reports(conn: &mut DbConn, user_id: UserId, keep: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM history_imports
          WHERE user_id = $1 AND applied_at IS NOT NULL
            AND id NOT IN (SELECT id FROM history_imports
                            WHERE user_id = $1 AND applied_at IS NOT NULL
                            ORDER BY id DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await
    .map(|_| ())
}

/// One film of a user's export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    /// 0 rating, 1 seen, 2 watchlist.
    pub list: i64,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub title: String,
    pub year: Option<i64>,
    pub rating: Option<Stars>,
    pub date: Option<i64>,
}

/// A user's ratings, seen marks and watchlist, in that order, each by title. A rated film's
/// seen mark is left out: the rating says it was seen.
pub async fn export(pool: &Db, user_id: UserId) -> sqlx::Result<Vec<ExportRow>> {
    sqlx::query_as(
        "SELECT 0 AS list, m.imdb_id, m.tmdb_id, m.title, m.year, r.rating,
                COALESCE(r.rated_at, r.updated_at) AS date, m.id
         FROM ratings r JOIN movies m ON m.id = r.movie_id WHERE r.user_id = $1
         UNION ALL
         SELECT 1, m.imdb_id, m.tmdb_id, m.title, m.year, NULL,
                COALESCE(s.watched_at, s.created_at), m.id
         FROM seen_movies s JOIN movies m ON m.id = s.movie_id WHERE s.user_id = $1
           AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.user_id = $1 AND r.movie_id = s.movie_id)
         UNION ALL
         SELECT 2, m.imdb_id, m.tmdb_id, m.title, m.year, NULL, w.created_at, m.id
         FROM watchlist w JOIN movies m ON m.id = w.movie_id WHERE w.user_id = $1
         ORDER BY 1, 4, 5, 8",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// A movie's title and year, for listing what an import matched.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TitledMovie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
}

/// The titles and years of these movies (one statement for any number of them).
pub async fn titles_of(pool: &Db, ids: &[i64]) -> sqlx::Result<Vec<TitledMovie>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    sqlx::query_as(&format!(
        "SELECT id, title, year FROM movies WHERE id IN ({})",
        super::Backend::of(pool).json_integers("$1")
    ))
    .bind(json)
    .fetch_all(pool)
    .await
}
