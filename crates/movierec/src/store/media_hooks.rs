//! A user's media-server webhooks: their secret token, and the events that came through it
//! (the activity shown on the account page, and films pending a match).

use subtle::ConstantTimeEq;

use crate::domain::UserId;
use crate::store::{Db, DbConn};

/// Characters of a token that find its row; the rest is only compared, in constant time.
pub(crate) const LOOKUP_CHARS: usize = 12;

/// Sets the user's token (a new one replaces the old, which stops working at once).
pub(crate) async fn set_token(
    pool: &Db,
    user_id: UserId,
    token: &str,
    now: i64,
) -> sqlx::Result<()> {
    let lookup: String = token.chars().take(LOOKUP_CHARS).collect();
    sqlx::query(
        "INSERT INTO media_hooks (user_id, lookup, token, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET lookup = $2, token = $3, created_at = $4",
    )
    .bind(user_id)
    .bind(lookup)
    .bind(token)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Which of a media server's events a user takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HookOptions {
    /// Plex: also the plays of the server's shared users, not only the owner's.
    pub(crate) shared_users: bool,
    /// Only the events of this account of the media server; `None` takes every account.
    pub(crate) account: Option<String>,
}

/// Whose token this is, and which events they take.
pub(crate) async fn owner(pool: &Db, token: &str) -> sqlx::Result<Option<(UserId, HookOptions)>> {
    let lookup: String = token.chars().take(LOOKUP_CHARS).collect();
    let row: Option<(UserId, String, super::Flag, Option<String>)> = sqlx::query_as(
        "SELECT user_id, token, shared_users, account FROM media_hooks WHERE lookup = $1",
    )
    .bind(lookup)
    .fetch_optional(pool)
    .await?;
    Ok(row
        .filter(|(_, stored, _, _)| bool::from(stored.as_bytes().ct_eq(token.as_bytes())))
        .map(|(user, _, shared, account)| {
            (
                user,
                HookOptions {
                    shared_users: shared.0,
                    account,
                },
            )
        }))
}

/// The user's token and options, or `None` when they have no token yet.
pub(crate) async fn settings(
    pool: &Db,
    user_id: UserId,
) -> sqlx::Result<Option<(String, HookOptions)>> {
    let row: Option<(String, super::Flag, Option<String>)> =
        sqlx::query_as("SELECT token, shared_users, account FROM media_hooks WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(token, shared, account)| {
        (
            token,
            HookOptions {
                shared_users: shared.0,
                account,
            },
        )
    }))
}

/// Sets the options of a user who has a token; whether they had one.
pub(crate) async fn set_options(
    pool: &Db,
    user_id: UserId,
    options: &HookOptions,
) -> sqlx::Result<bool> {
    // Literals rather than a bound bool: the column is an integer on SQLite and a boolean on
    // PostgreSQL, and both read TRUE and FALSE.
    let sql = if options.shared_users {
        "UPDATE media_hooks SET shared_users = TRUE, account = $2 WHERE user_id = $1"
    } else {
        "UPDATE media_hooks SET shared_users = FALSE, account = $2 WHERE user_id = $1"
    };
    let done = sqlx::query(sql)
        .bind(user_id)
        .bind(options.account.as_deref())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// One event as it is logged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewEvent<'a> {
    pub(crate) server: &'a str,
    pub(crate) action: &'a str,
    pub(crate) movie_id: Option<i64>,
    pub(crate) rating: Option<f64>,
    pub(crate) title: Option<&'a str>,
    pub(crate) year: Option<i64>,
    pub(crate) imdb_id: Option<String>,
    pub(crate) tmdb_id: Option<i64>,
}

pub(crate) async fn log(
    conn: &mut DbConn,
    user_id: UserId,
    event: &NewEvent<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO media_events
           (user_id, server, action, movie_id, rating, title, year, imdb_id, tmdb_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(user_id)
    .bind(event.server)
    .bind(event.action)
    .bind(event.movie_id)
    .bind(super::NullableF64(event.rating))
    .bind(event.title)
    .bind(event.year)
    .bind(&event.imdb_id)
    .bind(event.tmdb_id)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A logged event, newest first in [`recent`].
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct LoggedEvent {
    pub(crate) id: i64,
    pub(crate) server: String,
    pub(crate) action: String,
    pub(crate) movie_id: Option<i64>,
    /// The catalog's title when matched, else the server's.
    pub(crate) title: Option<String>,
    pub(crate) year: Option<i64>,
    pub(crate) rating: Option<f64>,
    pub(crate) created_at: i64,
}

/// The user's `limit` latest events.
pub(crate) async fn recent(
    pool: &Db,
    user_id: UserId,
    limit: i64,
) -> sqlx::Result<Vec<LoggedEvent>> {
    sqlx::query_as(
        "SELECT e.id, e.server, e.action, e.movie_id, COALESCE(m.title, e.title) AS title,
                COALESCE(m.year, e.year) AS year, e.rating, e.created_at
         FROM media_events e LEFT JOIN movies m ON m.id = e.movie_id
         WHERE e.user_id = $1 ORDER BY e.created_at DESC, e.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Removes a seen mark; whether there was one.
pub(crate) async fn unmark_seen(
    conn: &mut DbConn,
    user_id: UserId,
    movie_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM seen_movies WHERE user_id = $1 AND movie_id = $2")
        .bind(user_id)
        .bind(movie_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0)
}

/// Whether the same film is already pending for the user from the same server and action:
/// the same event twice keeps one entry.
pub(crate) async fn is_pending(
    conn: &mut DbConn,
    user_id: UserId,
    event: &NewEvent<'_>,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM media_events
         WHERE user_id = $1 AND movie_id IS NULL AND server = $2 AND action = $3
           AND COALESCE(title, '') = COALESCE($4, '') AND COALESCE(imdb_id, '') = COALESCE($5, '')
           AND COALESCE(tmdb_id, 0) = COALESCE($6, 0) AND COALESCE(rating, 0) = COALESCE($7, 0)
         LIMIT 1",
    )
    .bind(user_id)
    .bind(event.server)
    .bind(event.action)
    .bind(event.title)
    .bind(&event.imdb_id)
    .bind(event.tmdb_id)
    .bind(super::NullableF64(event.rating))
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// One of the user's events still pending a match.
pub(crate) async fn pending_event(
    pool: &Db,
    user_id: UserId,
    id: i64,
) -> sqlx::Result<Option<LoggedEvent>> {
    sqlx::query_as(
        "SELECT id, server, action, movie_id, title, year, rating, created_at
         FROM media_events WHERE id = $1 AND user_id = $2 AND movie_id IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// Gives the user's pending events of the same film (title and year) their match; how many.
pub(crate) async fn resolve(
    conn: &mut DbConn,
    user_id: UserId,
    title: Option<&str>,
    year: Option<i64>,
    movie_id: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE media_events SET movie_id = $3
         WHERE user_id = $1 AND movie_id IS NULL
           AND COALESCE(title, '') = COALESCE($2, '') AND COALESCE(year, 0) = COALESCE($4, 0)",
    )
    .bind(user_id)
    .bind(title)
    .bind(movie_id)
    .bind(year)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
}
