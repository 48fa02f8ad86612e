//! Movie nights: the night with its options, its members (invited or joined), the ballot put
//! to the vote and the members' votes; and the films a night's options allow.

use std::collections::HashSet;

use crate::domain::{MovieId, NightId, UserId};
use crate::store::Db;

/// A night's filters on the catalog. Each is one field here, one column of `nights` and one
/// condition in [`allowed_movies`]; `None` (or empty) filters nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NightOptions {
    /// Genre names whose films are left out.
    pub exclude_genres: Vec<String>,
    /// Longest runtime, in minutes; films of unknown length are left out when set.
    pub max_runtime: Option<i64>,
    /// First and last year; films of unknown year are left out when either is set.
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
    /// Only films in the media-server library of a joined member.
    pub library_only: bool,
}

impl NightOptions {
    /// Whether any filter is set: without one every film is allowed and nothing is read.
    pub fn filters(&self) -> bool {
        !self.exclude_genres.is_empty()
            || self.max_runtime.is_some()
            || self.year_from.is_some()
            || self.year_to.is_some()
            || self.library_only
    }
}

/// A night as stored.
#[derive(Debug, Clone)]
pub struct Night {
    pub id: NightId,
    pub creator: UserId,
    /// The strategy's key (`no-misery`, …), checked by the table.
    pub strategy: String,
    pub invite_token: String,
    pub options: NightOptions,
}

/// One member of a night: the creator or someone invited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub username: String,
    /// Accepted the invitation (the creator always has).
    pub joined: bool,
}

/// One film of a night's ballot, in the order it was offered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BallotFilm {
    pub movie_id: MovieId,
    pub group_score: f64,
}

/// One member's vote on one film: its place in their ranking (1 first), or `None` for a veto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    pub user_id: UserId,
    pub movie_id: MovieId,
    pub place: Option<i64>,
}

/// Creates a night with its creator as a joined member and `invited` as members yet to join,
/// in one transaction. `invited` must not hold the creator.
pub async fn create(
    pool: &Db,
    creator: UserId,
    strategy: &str,
    options: &NightOptions,
    invited: &[UserId],
    invite_token: &str,
) -> sqlx::Result<NightId> {
    let now = super::now();
    let genres = serde_json::to_string(&options.exclude_genres)
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
    let mut tx = pool.begin().await?;
    // A literal, not a bound bool: the column is an integer on SQLite and a boolean on
    // PostgreSQL, and both read TRUE and FALSE.
    let library_only = if options.library_only {
        "TRUE"
    } else {
        "FALSE"
    };
    let id: NightId = sqlx::query_scalar(&format!(
        "INSERT INTO nights (creator_id, strategy, invite_token, exclude_genres, max_runtime,
                             year_from, year_to, created_at, library_only)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {library_only})
         RETURNING id"
    ))
    .bind(creator)
    .bind(strategy)
    .bind(invite_token)
    .bind(genres)
    .bind(options.max_runtime)
    .bind(options.year_from)
    .bind(options.year_to)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO night_members (night_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(creator)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for &user in invited {
        sqlx::query(
            "INSERT INTO night_members (night_id, user_id, joined_at) VALUES ($1, $2, NULL)
             ON CONFLICT (night_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

type NightRow = (
    NightId,
    UserId,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    super::Flag,
);

fn night_of(row: NightRow) -> sqlx::Result<Night> {
    let (id, creator, strategy, invite_token, genres, max_runtime, year_from, year_to, library) =
        row;
    let exclude_genres = serde_json::from_str(&genres)
        .map_err(|e| sqlx::Error::Decode(format!("excluded genres of night {id}: {e}").into()))?;
    Ok(Night {
        id,
        creator,
        strategy,
        invite_token,
        options: NightOptions {
            exclude_genres,
            max_runtime,
            year_from,
            year_to,
            library_only: library.0,
        },
    })
}

const NIGHT_COLUMNS: &str = "id, creator_id, strategy, invite_token, exclude_genres, max_runtime,
                             year_from, year_to, library_only";

pub async fn find(pool: &Db, id: NightId) -> sqlx::Result<Option<Night>> {
    let row: Option<NightRow> =
        sqlx::query_as(&format!("SELECT {NIGHT_COLUMNS} FROM nights WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(night_of).transpose()
}

pub async fn find_by_token(pool: &Db, token: &str) -> sqlx::Result<Option<Night>> {
    let row: Option<NightRow> = sqlx::query_as(&format!(
        "SELECT {NIGHT_COLUMNS} FROM nights WHERE invite_token = $1"
    ))
    .bind(token)
    .fetch_optional(pool)
    .await?;
    row.map(night_of).transpose()
}

/// The members of a night, the creator first, then by name.
pub async fn members(pool: &Db, night: NightId) -> sqlx::Result<Vec<Member>> {
    let rows: Vec<(UserId, String, Option<i64>)> = sqlx::query_as(
        "SELECT u.id, u.username, nm.joined_at
         FROM night_members nm
         JOIN users u ON u.id = nm.user_id
         JOIN nights n ON n.id = nm.night_id
         WHERE nm.night_id = $1
         ORDER BY CASE WHEN u.id = n.creator_id THEN 0 ELSE 1 END, u.username_lower",
    )
    .bind(night)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, username, joined_at)| Member {
            user_id,
            username,
            joined: joined_at.is_some(),
        })
        .collect())
}

/// Makes `user` a joined member: an invited one accepts; anyone else is added (the
/// invitation link's way in). Joining again changes nothing.
pub async fn join(pool: &Db, night: NightId, user: UserId) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO night_members (night_id, user_id, joined_at) VALUES ($1, $2, $3)
         ON CONFLICT (night_id, user_id)
         DO UPDATE SET joined_at = COALESCE(night_members.joined_at, excluded.joined_at)",
    )
    .bind(night)
    .bind(user)
    .bind(super::now())
    .execute(pool)
    .await?;
    Ok(())
}

/// The ballot, in the order the films were offered; empty until the first vote.
pub async fn ballot(pool: &Db, night: NightId) -> sqlx::Result<Vec<BallotFilm>> {
    let rows: Vec<(MovieId, f64)> = sqlx::query_as(
        "SELECT movie_id, group_score FROM night_ballot WHERE night_id = $1 ORDER BY position",
    )
    .bind(night)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(movie_id, group_score)| BallotFilm {
            movie_id,
            group_score,
        })
        .collect())
}

/// Stores a member's vote, replacing any earlier one, in one transaction; when the night has
/// no ballot yet, `ballot` becomes it first. Returns the ballot the vote was stored against,
/// or `None`, storing nothing, when a ballot already exists and differs from `ballot` (the
/// vote was cast on films that are not the ones put to the vote).
pub async fn vote(
    pool: &Db,
    night: NightId,
    user: UserId,
    ballot: &[BallotFilm],
    ranking: &[MovieId],
    vetoes: &[MovieId],
) -> sqlx::Result<Option<Vec<BallotFilm>>> {
    let mut tx = pool.begin().await?;
    // A write to the night first: it holds the night's row (PostgreSQL) or the database
    // (SQLite) until the commit, so two first votes cannot each find no ballot and store
    // one of their own.
    sqlx::query("UPDATE nights SET created_at = created_at WHERE id = $1")
        .bind(night)
        .execute(&mut *tx)
        .await?;
    let existing: Vec<(MovieId, f64)> = sqlx::query_as(
        "SELECT movie_id, group_score FROM night_ballot WHERE night_id = $1 ORDER BY position",
    )
    .bind(night)
    .fetch_all(&mut *tx)
    .await?;
    let stored: Vec<BallotFilm> = if existing.is_empty() {
        for (position, film) in ballot.iter().enumerate() {
            sqlx::query(
                "INSERT INTO night_ballot (night_id, movie_id, position, group_score)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(night)
            .bind(film.movie_id)
            .bind(position as i64)
            .bind(film.group_score)
            .execute(&mut *tx)
            .await?;
        }
        ballot.to_vec()
    } else {
        let existing: Vec<BallotFilm> = existing
            .into_iter()
            .map(|(movie_id, group_score)| BallotFilm {
                movie_id,
                group_score,
            })
            .collect();
        let ids = |films: &[BallotFilm]| -> HashSet<MovieId> {
            films.iter().map(|f| f.movie_id).collect()
        };
        if ids(&existing) != ids(ballot) {
            return Ok(None);
        }
        existing
    };
    sqlx::query("DELETE FROM night_votes WHERE night_id = $1 AND user_id = $2")
        .bind(night)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let places = ranking
        .iter()
        .zip(1i64..)
        .map(|(&movie, place)| (movie, Some(place)));
    for (movie, place) in places.chain(vetoes.iter().map(|&movie| (movie, None))) {
        sqlx::query(
            "INSERT INTO night_votes (night_id, user_id, movie_id, place) VALUES ($1, $2, $3, $4)",
        )
        .bind(night)
        .bind(user)
        .bind(movie)
        .bind(place)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Some(stored))
}

/// Every vote cast on a night.
pub async fn votes(pool: &Db, night: NightId) -> sqlx::Result<Vec<Vote>> {
    let rows: Vec<(UserId, MovieId, Option<i64>)> = sqlx::query_as(
        "SELECT user_id, movie_id, place FROM night_votes WHERE night_id = $1
         ORDER BY user_id, place",
    )
    .bind(night)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, movie_id, place)| Vote {
            user_id,
            movie_id,
            place,
        })
        .collect())
}

/// The films a night's options allow; `None` when no option filters (every film is).
/// One condition per option: an option added to [`NightOptions`] is one more line here.
pub async fn allowed_movies(
    pool: &Db,
    night: NightId,
    options: &NightOptions,
) -> sqlx::Result<Option<HashSet<MovieId>>> {
    if !options.filters() {
        return Ok(None);
    }
    let genres = serde_json::to_string(&options.exclude_genres)
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
    let sql = format!(
        "SELECT m.id FROM movies m
         WHERE ($1 IS NULL OR m.runtime_min <= $1)
           AND ($2 IS NULL OR m.year >= $2)
           AND ($3 IS NULL OR m.year <= $3)
           AND NOT EXISTS (SELECT 1 FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                           WHERE mg.movie_id = m.id AND g.name IN ({}))
           AND ($5 = 0 OR EXISTS (SELECT 1 FROM library_movies l
                                  JOIN night_members nm ON nm.user_id = l.user_id
                                  WHERE nm.night_id = $6 AND nm.joined_at IS NOT NULL
                                    AND l.movie_id = m.id))",
        super::Backend::of(pool).json_strings("$4")
    );
    let ids: Vec<MovieId> = sqlx::query_scalar(&sql)
        .bind(options.max_runtime)
        .bind(options.year_from)
        .bind(options.year_to)
        .bind(genres)
        .bind(i64::from(options.library_only))
        .bind(night)
        .fetch_all(pool)
        .await?;
    Ok(Some(ids.into_iter().collect()))
}

/// A night as its members' list shows it.
#[derive(Debug, Clone)]
pub struct NightListing {
    pub id: NightId,
    pub creator: String,
    pub members: i64,
    /// Whether the user joined it (else they are invited).
    pub joined: bool,
}

/// The nights `user` belongs to or is invited to, newest first.
pub async fn for_user(pool: &Db, user: UserId) -> sqlx::Result<Vec<NightListing>> {
    let rows: Vec<(NightId, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT n.id, u.username,
                (SELECT COUNT(*) FROM night_members all_m WHERE all_m.night_id = n.id),
                me.joined_at
         FROM night_members me
         JOIN nights n ON n.id = me.night_id
         JOIN users u ON u.id = n.creator_id
         WHERE me.user_id = $1
         ORDER BY n.created_at DESC, n.id DESC",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, creator, members, joined_at)| NightListing {
            id,
            creator,
            members,
            joined: joined_at.is_some(),
        })
        .collect())
}
