//! The media-server history pull: each user's link to an account of a server, and the films
//! their library holds.

use std::collections::HashSet;

use crate::domain::{MovieId, UserId};
use crate::store::{Db, DbConn};

/// A user's link to an account of a media server.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Link {
    pub(crate) user_id: UserId,
    pub(crate) server: String,
    /// Jellyfin: the server's id of the user; Plex: the account's name.
    pub(crate) account: String,
    /// Plex: the user's own token; `None` reads with the site's.
    pub(crate) secret: Option<String>,
    pub(crate) synced_at: Option<i64>,
    pub(crate) last_result: Option<String>,
    pub(crate) last_report: Option<i64>,
}

/// Links (or re-links) the user to an account of `server`; the library found through an
/// earlier link is forgotten.
pub(crate) async fn link(
    conn: &mut DbConn,
    user_id: UserId,
    server: &str,
    account: &str,
    secret: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO media_links (user_id, server, account, secret, linked_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, server) DO UPDATE
         SET account = $3, secret = $4, linked_at = $5, synced_at = NULL, last_result = NULL,
             last_report = NULL",
    )
    .bind(user_id)
    .bind(server)
    .bind(account)
    .bind(secret)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM library_movies WHERE user_id = $1 AND server = $2")
        .bind(user_id)
        .bind(server)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes the link and the library it found; whether there was one.
pub(crate) async fn unlink(pool: &Db, user_id: UserId, server: &str) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM library_movies WHERE user_id = $1 AND server = $2")
        .bind(user_id)
        .bind(server)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM media_links WHERE user_id = $1 AND server = $2")
        .bind(user_id)
        .bind(server)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

const LINK_COLUMNS: &str = "user_id, server, account, secret, synced_at, last_result, last_report";

/// The user's links, by server name.
pub(crate) async fn links_of(pool: &Db, user_id: UserId) -> sqlx::Result<Vec<Link>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM media_links WHERE user_id = $1 ORDER BY server"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// Every link to `server`, least recently synced first.
pub(crate) async fn links_to(pool: &Db, server: &str) -> sqlx::Result<Vec<Link>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM media_links WHERE server = $1
         ORDER BY COALESCE(synced_at, 0), user_id"
    ))
    .bind(server)
    .fetch_all(pool)
    .await
}

/// Records how a sync went, and the report it kept, if it kept one (else the last one
/// stays).
pub(crate) async fn synced(
    conn: &mut DbConn,
    user_id: UserId,
    server: &str,
    result: &str,
    report: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE media_links SET synced_at = $3, last_result = $4,
                last_report = COALESCE($5, last_report)
         WHERE user_id = $1 AND server = $2",
    )
    .bind(user_id)
    .bind(server)
    .bind(now)
    .bind(result)
    .bind(report)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Makes the user's library on `server` exactly `movies`: films no longer there leave it,
/// new ones join it (their `added_at` is now). Returns how many joined.
pub(crate) async fn replace_library(
    conn: &mut DbConn,
    user_id: UserId,
    server: &str,
    movies: &HashSet<i64>,
    now: i64,
) -> sqlx::Result<usize> {
    let before: HashSet<i64> = sqlx::query_scalar(
        "SELECT movie_id FROM library_movies WHERE user_id = $1 AND server = $2",
    )
    .bind(user_id)
    .bind(server)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let gone: Vec<i64> = before.difference(movies).copied().collect();
    for chunk in gone.chunks(500) {
        let placeholders = (0..chunk.len())
            .map(|i| format!("${}", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "DELETE FROM library_movies WHERE user_id = $1 AND server = $2
             AND movie_id IN ({placeholders})"
        );
        let mut query = sqlx::query(&sql).bind(user_id).bind(server);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    let mut new: Vec<i64> = movies.difference(&before).copied().collect();
    new.sort_unstable();
    // Four values a row, well under either database's limit of bound values.
    for chunk in new.chunks(200) {
        let rows = (0..chunk.len())
            .map(|i| format!("($1, $2, $3, ${})", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO library_movies (user_id, server, added_at, movie_id) VALUES {rows}
             ON CONFLICT DO NOTHING"
        );
        let mut query = sqlx::query(&sql).bind(user_id).bind(server).bind(now);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(new.len())
}

/// The films in the user's library on any server.
pub(crate) async fn library(pool: &Db, user_id: UserId) -> sqlx::Result<HashSet<MovieId>> {
    let ids: Vec<MovieId> =
        sqlx::query_scalar("SELECT DISTINCT movie_id FROM library_movies WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().collect())
}

/// Whether the film is in the user's library on any server.
pub(crate) async fn holds(pool: &Db, user_id: UserId, movie: MovieId) -> sqlx::Result<bool> {
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM library_movies WHERE user_id = $1 AND movie_id = $2 LIMIT 1",
    )
    .bind(user_id)
    .bind(movie)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}
