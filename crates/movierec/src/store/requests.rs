//! Films requested from Radarr (`radarr_requests`), and each person's choices for the list
//! Radarr polls (`radarr_lists`).

use std::collections::HashSet;

use crate::domain::{MovieId, UserId};
use crate::store::{Db, Flag};

/// How a film came to be requested, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Added to Radarr by this site.
    Requested,
    /// Radarr had it already.
    Already,
}

impl Stored {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Already => "already",
        }
    }

    fn parse(raw: &str) -> Self {
        if raw == "already" {
            Self::Already
        } else {
            Self::Requested
        }
    }
}

/// What a request needs to know of a film: its name and ids.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct FilmIds {
    pub(crate) title: String,
    pub(crate) year: Option<i64>,
    pub(crate) imdb_id: Option<String>,
    pub(crate) tmdb_id: Option<i64>,
}

pub(crate) async fn film(pool: &Db, movie: MovieId) -> sqlx::Result<Option<FilmIds>> {
    sqlx::query_as("SELECT title, year, imdb_id, tmdb_id FROM movies WHERE id = $1")
        .bind(movie)
        .fetch_optional(pool)
        .await
}

/// How the film was first requested, by anyone; `None` when nobody has.
pub(crate) async fn state_of(pool: &Db, movie: MovieId) -> sqlx::Result<Option<Stored>> {
    let state: Option<String> = sqlx::query_scalar(
        "SELECT state FROM radarr_requests WHERE movie_id = $1
         ORDER BY requested_at, user_id LIMIT 1",
    )
    .bind(movie)
    .fetch_optional(pool)
    .await?;
    Ok(state.as_deref().map(Stored::parse))
}

/// Records the user's request of the film; whether it is new (a second request by the same
/// user keeps the first).
pub(crate) async fn record(
    pool: &Db,
    movie: MovieId,
    user_id: UserId,
    state: Stored,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO radarr_requests (movie_id, user_id, state, requested_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (movie_id, user_id) DO NOTHING",
    )
    .bind(movie)
    .bind(user_id)
    .bind(state.as_str())
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected() > 0)
}

/// Of `movies`: those anyone has requested, and those Radarr can find (an IMDb or TMDB id).
pub(crate) async fn marks(pool: &Db, movies: &[i64]) -> sqlx::Result<(HashSet<i64>, HashSet<i64>)> {
    if movies.is_empty() {
        return Ok(Default::default());
    }
    // The ids are numbers: written into the statement, one statement whatever the count.
    let list: Vec<String> = movies.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, Flag, Flag)> = sqlx::query_as(&format!(
        "SELECT m.id,
                EXISTS (SELECT 1 FROM radarr_requests r WHERE r.movie_id = m.id),
                m.imdb_id IS NOT NULL OR m.tmdb_id IS NOT NULL
         FROM movies m WHERE m.id IN ({})",
        list.join(",")
    ))
    .fetch_all(pool)
    .await?;
    let mut requested = HashSet::new();
    let mut findable = HashSet::new();
    for (id, asked, ids) in rows {
        if asked.0 {
            requested.insert(id);
        }
        if ids.0 {
            findable.insert(id);
        }
    }
    Ok((requested, findable))
}

/// One of a user's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) movie_id: i64,
    pub(crate) title: String,
    pub(crate) year: Option<i64>,
    pub(crate) requested_at: i64,
    pub(crate) state: Stored,
}

/// The user's requests, newest first.
pub(crate) async fn of_user(pool: &Db, user_id: UserId) -> sqlx::Result<Vec<Request>> {
    let rows: Vec<(i64, String, Option<i64>, i64, String)> = sqlx::query_as(
        "SELECT r.movie_id, m.title, m.year, r.requested_at, r.state
         FROM radarr_requests r JOIN movies m ON m.id = r.movie_id
         WHERE r.user_id = $1 ORDER BY r.requested_at DESC, r.movie_id DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(movie_id, title, year, requested_at, state)| Request {
            movie_id,
            title,
            year,
            requested_at,
            state: Stored::parse(&state),
        })
        .collect())
}

/// A film of the list Radarr polls.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct ListedFilm {
    pub(crate) title: String,
    pub(crate) imdb_id: Option<String>,
    pub(crate) tmdb_id: Option<i64>,
}

/// The user's watchlist films that have an id Radarr can use, newest first.
pub(crate) async fn watchlist_with_ids(
    pool: &Db,
    user_id: UserId,
) -> sqlx::Result<Vec<ListedFilm>> {
    sqlx::query_as(
        "SELECT m.title, m.imdb_id, m.tmdb_id
         FROM watchlist w JOIN movies m ON m.id = w.movie_id
         WHERE w.user_id = $1 AND (m.imdb_id IS NOT NULL OR m.tmdb_id IS NOT NULL)
         ORDER BY w.created_at DESC, m.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// The films among `movies` that have an id Radarr can use, in no particular order.
pub(crate) async fn films_with_ids(
    pool: &Db,
    movies: &[i64],
) -> sqlx::Result<Vec<(i64, ListedFilm)>> {
    if movies.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = movies.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, String, Option<String>, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT id, title, imdb_id, tmdb_id FROM movies
         WHERE id IN ({}) AND (imdb_id IS NOT NULL OR tmdb_id IS NOT NULL)",
        list.join(",")
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, imdb_id, tmdb_id)| {
            (
                id,
                ListedFilm {
                    title,
                    imdb_id,
                    tmdb_id,
                },
            )
        })
        .collect())
}

/// Whether the user's list for Radarr has their top picks too (off unless they chose so).
pub(crate) async fn top_picks(pool: &Db, user_id: UserId) -> sqlx::Result<bool> {
    let flag: Option<Flag> =
        sqlx::query_scalar("SELECT top_picks FROM radarr_lists WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(flag.is_some_and(bool::from))
}

pub(crate) async fn set_top_picks(pool: &Db, user_id: UserId, on: bool) -> sqlx::Result<()> {
    // Literals rather than a bound bool: the column is an integer on SQLite and a boolean on
    // PostgreSQL, and both read TRUE and FALSE.
    let sql = if on {
        "INSERT INTO radarr_lists (user_id, top_picks) VALUES ($1, TRUE)
         ON CONFLICT (user_id) DO UPDATE SET top_picks = TRUE"
    } else {
        "INSERT INTO radarr_lists (user_id, top_picks) VALUES ($1, FALSE)
         ON CONFLICT (user_id) DO UPDATE SET top_picks = FALSE"
    };
    sqlx::query(sql)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|_| ())
}
