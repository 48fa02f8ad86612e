//! One film entered twice: the rows the duplicate finder compares, and merging one film into
//! another with everything that refers to it, leaving a redirect from the merged-away id.
//!
//! [`merge_movies`] runs on the caller's transaction: an admin's merge opens one for it, and
//! a catalog import that finds a duplicate merges inside its own.

use std::collections::HashMap;

use crate::domain::MovieId;
use crate::store::{Backend, Db, DbConn};

/// What a merge moved from the dropped film to the kept one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// Ratings moved, of users who had not rated the kept film.
    pub ratings: u64,
    /// Users who had rated both films: each keeps their newest rating.
    pub conflicts: u64,
    /// Watchlist entries moved.
    pub watchlist: u64,
    /// Seen marks moved.
    pub seen: u64,
    /// "Not interested" marks moved.
    pub hidden: u64,
    /// Users' remembered hand matches of a history's title, now pointing at the kept film.
    pub matches: u64,
}

/// What the merge reads of each film before moving anything.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Identity {
    title: String,
    year: Option<i64>,
    year_source: Option<String>,
    imdb_id: Option<String>,
    tmdb_id: Option<i64>,
    movielens_id: Option<i64>,
}

/// How much a source's year is trusted: IMDb's startYear is the original release, MovieLens
/// follows it mostly, and the embedded catalog (no source) often gives a later US release.
fn year_rank(source: Option<&str>) -> u8 {
    match source {
        Some("imdb") => 3,
        Some("movielens") => 2,
        _ => 1,
    }
}

/// Merges film `drop` into film `keep` on the caller's transaction, which it neither begins
/// nor commits. Users' ratings (the newest wins where a user rated both), watchlist, seen and
/// hidden marks and hand matches move to `keep`; `keep` takes the ids, details, poster and
/// facts it lacks, the union of the genres, `drop`'s alternative titles and its display
/// title as one more; links to `drop` redirect to `keep`; then `drop` is deleted. Merging a
/// film into itself changes nothing. `RowNotFound` when either film does not exist.
///
/// `title_key` is the catalog's title rule (`importers::titles::key`), which files a kept name
/// under its key.
pub async fn merge_movies(
    conn: &mut DbConn,
    keep: i64,
    drop: i64,
    title_key: fn(&str) -> String,
) -> sqlx::Result<MergeCounts> {
    let mut counts = MergeCounts::default();
    if keep == drop {
        return Ok(counts);
    }
    super::movie_search::note_catalog_write();
    let kept = identity(conn, keep)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let dropped = identity(conn, drop)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;

    // Ratings: where a user rated both, the newer rating (with its date) wins on `keep`.
    counts.conflicts = count(
        conn,
        "SELECT COUNT(*) FROM ratings k JOIN ratings d ON d.user_id = k.user_id
         WHERE k.movie_id = $1 AND d.movie_id = $2",
        keep,
        drop,
    )
    .await?;
    if counts.conflicts > 0 {
        sqlx::query(
            "UPDATE ratings SET rating = d.rating, updated_at = d.updated_at, rated_at = d.rated_at
             FROM ratings d
             WHERE ratings.movie_id = $1 AND d.movie_id = $2 AND d.user_id = ratings.user_id
               AND d.updated_at > ratings.updated_at",
        )
        .bind(keep)
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    }
    counts.ratings = move_rows(conn, "ratings", keep, drop).await?;

    // Lists and marks: one entry per user, listed since the earlier of the two.
    for table in ["watchlist", "seen_movies", "hidden_movies"] {
        sqlx::query(&format!(
            "UPDATE {table} SET created_at = d.created_at
             FROM {table} d
             WHERE {table}.movie_id = $1 AND d.movie_id = $2 AND d.user_id = {table}.user_id
               AND d.created_at < {table}.created_at"
        ))
        .bind(keep)
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE seen_movies SET watched_at = d.watched_at
         FROM seen_movies d
         WHERE seen_movies.movie_id = $1 AND d.movie_id = $2
           AND d.user_id = seen_movies.user_id
           AND seen_movies.watched_at IS NULL AND d.watched_at IS NOT NULL",
    )
    .bind(keep)
    .bind(drop)
    .execute(&mut *conn)
    .await?;
    counts.watchlist = move_rows(conn, "watchlist", keep, drop).await?;
    counts.seen = move_rows(conn, "seen_movies", keep, drop).await?;
    counts.hidden = move_rows(conn, "hidden_movies", keep, drop).await?;
    // A library entry left behind goes with the film; the next sync writes it anew.
    move_rows(conn, "library_movies", keep, drop).await?;
    // A film asked of Radarr stays asked for.
    move_rows(conn, "radarr_requests", keep, drop).await?;
    // The activity a media server reported stays with the film.
    sqlx::query("UPDATE media_events SET movie_id = $1 WHERE movie_id = $2")
        .bind(keep)
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    // Keyed by (user, title key): the film's id never collides.
    counts.matches = sqlx::query("UPDATE import_matches SET movie_id = $1 WHERE movie_id = $2")
        .bind(keep)
        .bind(drop)
        .execute(&mut *conn)
        .await?
        .rows_affected();

    // Details and posters: `drop`'s when `keep` has none found (a "not found" row of the
    // providers gives way to a found one).
    sqlx::query(
        "DELETE FROM movie_details WHERE movie_id = $1 AND found = $3
           AND EXISTS (SELECT 1 FROM movie_details d WHERE d.movie_id = $2 AND d.found = $4)",
    )
    .bind(keep)
    .bind(drop)
    .bind(false)
    .bind(true)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE movie_details SET movie_id = $1 WHERE movie_id = $2
           AND NOT EXISTS (SELECT 1 FROM movie_details k WHERE k.movie_id = $1)",
    )
    .bind(keep)
    .bind(drop)
    .execute(&mut *conn)
    .await?;
    // Both sizes from one film, so the card and the page show the same poster.
    sqlx::query(
        "UPDATE posters SET movie_id = $1 WHERE movie_id = $2
           AND NOT EXISTS (SELECT 1 FROM posters k WHERE k.movie_id = $1)",
    )
    .bind(keep)
    .bind(drop)
    .execute(&mut *conn)
    .await?;

    sqlx::query(
        "INSERT INTO movie_genres (movie_id, genre_id)
         SELECT $1, genre_id FROM movie_genres WHERE movie_id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind(keep)
    .bind(drop)
    .execute(&mut *conn)
    .await?;

    // Every name `drop` went by stays a way to find `keep`.
    sqlx::query(
        "INSERT INTO movie_titles (movie_id, title_key, title, year, source)
         SELECT $1, title_key, title, year, source FROM movie_titles WHERE movie_id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind(keep)
    .bind(drop)
    .execute(&mut *conn)
    .await?;
    let dropped_key = title_key(&dropped.title);
    if !dropped_key.is_empty() && dropped_key != title_key(&kept.title) {
        add_title(conn, keep, &dropped_key, &dropped.title, dropped.year).await?;
    }

    // The ids are unique: `drop` lets go of them before `keep` takes those it lacks.
    sqlx::query(
        "UPDATE movies SET imdb_id = NULL, tmdb_id = NULL, movielens_id = NULL WHERE id = $1",
    )
    .bind(drop)
    .execute(&mut *conn)
    .await?;
    // The better-sourced year wins; the one given up stays an alternative, so a data set
    // giving it finds the film again.
    let take_year = dropped.year.is_some()
        && (kept.year.is_none()
            || year_rank(dropped.year_source.as_deref()) > year_rank(kept.year_source.as_deref()));
    let (year, year_source) = if take_year {
        if kept.year != dropped.year {
            let kept_key = title_key(&kept.title);
            if !kept_key.is_empty() {
                add_title(conn, keep, &kept_key, &kept.title, kept.year).await?;
            }
        }
        (dropped.year, dropped.year_source.clone())
    } else {
        (kept.year, kept.year_source.clone())
    };
    sqlx::query(
        "UPDATE movies SET
           year = $3, year_source = $4,
           imdb_id = $5, tmdb_id = $6, movielens_id = $7,
           release_date = COALESCE(movies.release_date, d.release_date),
           director = COALESCE(movies.director, d.director),
           mpaa = COALESCE(movies.mpaa, d.mpaa),
           runtime_min = COALESCE(movies.runtime_min, d.runtime_min),
           imdb_rating = COALESCE(movies.imdb_rating, d.imdb_rating),
           imdb_votes = COALESCE(movies.imdb_votes, d.imdb_votes),
           rotten_tomatoes = COALESCE(movies.rotten_tomatoes, d.rotten_tomatoes),
           creative_type = COALESCE(movies.creative_type, d.creative_type),
           source = COALESCE(movies.source, d.source),
           distributor = COALESCE(movies.distributor, d.distributor),
           original_title = COALESCE(movies.original_title, d.original_title),
           community_rating = COALESCE(movies.community_rating, d.community_rating),
           community_votes = COALESCE(movies.community_votes, d.community_votes)
         FROM movies d
         WHERE movies.id = $1 AND d.id = $2",
    )
    .bind(keep)
    .bind(drop)
    .bind(year)
    .bind(year_source)
    .bind(kept.imdb_id.or(dropped.imdb_id))
    .bind(kept.tmdb_id.or(dropped.tmdb_id))
    .bind(kept.movielens_id.or(dropped.movielens_id))
    .execute(&mut *conn)
    .await?;

    // Old links to `drop` (and to films merged into it before) lead to `keep` in one step.
    sqlx::query("UPDATE movie_redirects SET to_id = $1 WHERE to_id = $2")
        .bind(keep)
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    // A redirect from `keep`'s own id is stale (SQLite may give a freed id again).
    sqlx::query("DELETE FROM movie_redirects WHERE from_id = $1")
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO movie_redirects (from_id, to_id, merged_at) VALUES ($1, $2, $3)
         ON CONFLICT (from_id) DO UPDATE SET to_id = excluded.to_id, merged_at = excluded.merged_at",
    )
    .bind(drop)
    .bind(keep)
    .bind(super::now())
    .execute(&mut *conn)
    .await?;

    // The title table has no reference to `movies` (an FTS5 table on SQLite).
    sqlx::query("DELETE FROM movie_search WHERE rowid = $1")
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    // What still refers to `drop` (its conflicting ratings and marks, its details when
    // `keep` had some) goes with it.
    sqlx::query("DELETE FROM movies WHERE id = $1")
        .bind(drop)
        .execute(&mut *conn)
        .await?;
    super::catalog::refresh_votes_of(conn, &[keep]).await?;
    Ok(counts)
}

async fn identity(conn: &mut DbConn, id: i64) -> sqlx::Result<Option<Identity>> {
    sqlx::query_as(
        "SELECT title, year, year_source, imdb_id, tmdb_id, movielens_id FROM movies WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

async fn count(conn: &mut DbConn, sql: &str, keep: i64, drop: i64) -> sqlx::Result<u64> {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(keep)
        .bind(drop)
        .fetch_one(conn)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Moves the per-user rows of `table` from `drop` to `keep`, leaving behind (for the delete
/// of `drop` to take) those of users who already have one on `keep`; returns how many moved.
async fn move_rows(conn: &mut DbConn, table: &str, keep: i64, drop: i64) -> sqlx::Result<u64> {
    sqlx::query(&format!(
        "UPDATE {table} SET movie_id = $1
         WHERE movie_id = $2
           AND NOT EXISTS (SELECT 1 FROM {table} k WHERE k.movie_id = $1 AND k.user_id = {table}.user_id)"
    ))
    .bind(keep)
    .bind(drop)
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
}

/// One more name of a film, as the embedded catalog's (a merge keeps the names it drops).
async fn add_title(
    conn: &mut DbConn,
    movie: i64,
    key: &str,
    title: &str,
    year: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO movie_titles (movie_id, title_key, title, year, source)
         VALUES ($1, $2, $3, $4, 'embedded')
         ON CONFLICT DO NOTHING",
    )
    .bind(movie)
    .bind(key)
    .bind(title)
    .bind(year)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The film a merged-away id now redirects to; `None` for an id never merged.
pub async fn redirect(pool: &Db, id: MovieId) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT to_id FROM movie_redirects WHERE from_id = $1")
        .bind(id.get())
        .fetch_optional(pool)
        .await
}

/// Where each of `ids` that was merged away now leads: merged-away id → kept film.
pub async fn redirects_of(conn: &mut DbConn, ids: &[i64]) -> sqlx::Result<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT from_id, to_id FROM movie_redirects r WHERE from_id IN ({})
           AND NOT EXISTS (SELECT 1 FROM movies m WHERE m.id = r.from_id)",
        Backend::of_conn(conn).json_integers("$1")
    ))
    .bind(json)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// A film's title and year, when it exists.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FilmName {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
}

/// The film `id` on the caller's connection, for checking both sides of a merge inside its
/// transaction.
pub async fn film(conn: &mut DbConn, id: i64) -> sqlx::Result<Option<FilmName>> {
    sqlx::query_as("SELECT id, title, year FROM movies WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The redirect of a merged-away id on the caller's connection.
pub async fn redirect_on(conn: &mut DbConn, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT to_id FROM movie_redirects WHERE from_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// One film of a likely pair.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DuplicateFilm {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub director: Option<String>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub movielens_id: Option<i64>,
    /// Ratings of everyone: users, critic accounts and community raters.
    #[sqlx(skip)]
    pub ratings: i64,
}

/// Everything the duplicate finder compares: every film, and every alternative title as
/// (film, title key, year).
pub async fn duplicate_rows(
    conn: &mut DbConn,
) -> sqlx::Result<(Vec<DuplicateFilm>, Vec<(i64, String, Option<i64>)>)> {
    let films: Vec<DuplicateFilm> = sqlx::query_as(
        "SELECT id, title, year, director, imdb_id, tmdb_id, movielens_id FROM movies ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let alternatives: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT movie_id, title_key, year FROM movie_titles")
            .fetch_all(&mut *conn)
            .await?;
    Ok((films, alternatives))
}

/// How many ratings (of everyone) each of `ids` has; films without any are left out.
pub async fn rating_counts(conn: &mut DbConn, ids: &[i64]) -> sqlx::Result<HashMap<i64, i64>> {
    Ok(sqlx::query_as::<_, (i64, i64)>(&format!(
        "SELECT movie_id, COUNT(*) FROM ratings WHERE movie_id IN ({}) GROUP BY movie_id",
        Backend::of_conn(conn).json_integers("$1")
    ))
    .bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::store::test_db::{movie, user, with_movies};

    async fn exec(pool: &Db, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    async fn scalar(pool: &Db, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    }

    async fn merge(pool: &Db, keep: i64, drop: i64) -> MergeCounts {
        let mut tx = crate::store::begin_write(pool).await.unwrap();
        let counts = merge_movies(&mut tx, keep, drop, crate::importers::titles::key)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        counts
    }

    /// A rating with its times, as an import or the site wrote it.
    async fn rating(pool: &Db, user: UserId, movie: i64, stars: f64, updated: i64, rated: i64) {
        sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at, rated_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user)
        .bind(movie)
        .bind(stars)
        .bind(updated)
        .bind(rated)
        .execute(pool)
        .await
        .unwrap();
    }

    async fn ratings_of(pool: &Db, user: UserId) -> Vec<(i64, f64, i64, Option<i64>)> {
        sqlx::query_as(
            "SELECT movie_id, rating, updated_at, rated_at FROM ratings
             WHERE user_id = $1 ORDER BY movie_id",
        )
        .bind(user)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn merge_moves_ratings_and_the_newest_wins_where_a_user_rated_both() {
        let (_dir, pool) = with_movies(4).await;
        let (ann, bob, cid) = (
            user(&pool, "Ann").await,
            user(&pool, "Bob").await,
            user(&pool, "Cid").await,
        );
        // Ann rated the dropped film later: hers wins, with its date. Bob rated the kept
        // one later: his stays. Cid rated only the dropped one: it moves.
        rating(&pool, ann, 1, 2.0, 100, 90).await;
        rating(&pool, ann, 2, 4.5, 200, 190).await;
        rating(&pool, bob, 1, 3.0, 300, 290).await;
        rating(&pool, bob, 2, 1.0, 50, 40).await;
        rating(&pool, cid, 2, 5.0, 70, 60).await;

        let counts = merge(&pool, 1, 2).await;

        // The critic's rating of film 2 met its rating of film 1 too.
        assert_eq!(counts.conflicts, 3);
        assert_eq!(counts.ratings, 1);
        assert_eq!(ratings_of(&pool, ann).await, [(1, 4.5, 200, Some(190))]);
        assert_eq!(ratings_of(&pool, bob).await, [(1, 3.0, 300, Some(290))]);
        assert_eq!(ratings_of(&pool, cid).await, [(1, 5.0, 70, Some(60))]);
        assert_eq!(
            scalar(&pool, "SELECT COUNT(*) FROM ratings WHERE movie_id = 2").await,
            0
        );
        assert_eq!(
            scalar(&pool, "SELECT COUNT(*) FROM movies WHERE id = 2").await,
            0
        );
        assert_eq!(
            redirect(&pool, movie(2)).await.unwrap(),
            Some(1),
            "the dropped id leads to the kept film"
        );
        assert_eq!(redirect(&pool, movie(1)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn merge_moves_lists_marks_and_matches_without_doubles() {
        let (_dir, pool) = with_movies(3).await;
        let (ann, bob) = (user(&pool, "Ann").await, user(&pool, "Bob").await);
        exec(
            &pool,
            &format!(
                "INSERT INTO watchlist (user_id, movie_id, created_at) VALUES
                   ({ann}, 1, 50), ({ann}, 2, 10), ({bob}, 2, 20);
                 INSERT INTO seen_movies (user_id, movie_id, watched_at, created_at) VALUES
                   ({ann}, 1, NULL, 5), ({ann}, 2, 777, 6), ({bob}, 2, 888, 7);
                 INSERT INTO hidden_movies (user_id, movie_id, created_at) VALUES ({bob}, 2, 3);
                 INSERT INTO import_matches (user_id, title_key, movie_id, created_at)
                   VALUES ({ann}, 'some film|', 2, 1);"
            ),
        )
        .await;

        let counts = merge(&pool, 1, 2).await;

        assert_eq!(
            (counts.watchlist, counts.seen, counts.hidden, counts.matches),
            (1, 1, 1, 1)
        );
        let watchlist: Vec<(UserId, i64, i64)> =
            sqlx::query_as("SELECT user_id, movie_id, created_at FROM watchlist ORDER BY user_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(watchlist, [(ann, 1, 10), (bob, 1, 20)]);
        let seen: Vec<(UserId, i64, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, movie_id, watched_at FROM seen_movies ORDER BY user_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(seen, [(ann, 1, Some(777)), (bob, 1, Some(888))]);
        assert_eq!(
            scalar(&pool, "SELECT movie_id FROM hidden_movies").await,
            1,
            "the hidden mark follows"
        );
        assert_eq!(
            scalar(&pool, "SELECT movie_id FROM import_matches").await,
            1
        );
    }

    #[tokio::test]
    async fn kept_film_takes_the_ids_facts_genres_titles_and_poster_it_lacks() {
        let (_dir, pool) = with_movies(4).await;
        // Film 1 (Drama) has a TMDB id; film 2 (Drama, Comedy) has the IMDb and MovieLens
        // ids, a director, details and a poster, and was itself the target of a merge.
        exec(
            &pool,
            "UPDATE movies SET tmdb_id = 603, director = NULL, year_source = NULL WHERE id = 1;
             UPDATE movies SET title = 'Boot, Das', imdb_id = 'tt0082096', movielens_id = 1233,
                    director = 'Wolfgang Petersen', runtime_min = 149, year_source = 'imdb',
                    community_rating = 4.2, community_votes = 10 WHERE id = 2;
             INSERT INTO movie_titles (movie_id, title_key, title, year, source)
               VALUES (2, 'boat', 'The Boat', 1981, 'movielens');
             INSERT INTO movie_details (movie_id, found, plot, sources, fetched_at)
               VALUES (2, 1, 'A U-boat.', 'omdb', 1);
             INSERT INTO posters (movie_id, size, hash, width, height, bytes)
               VALUES (2, 'card', 'abc', 10, 15, x'00');
             INSERT INTO movie_redirects (from_id, to_id, merged_at) VALUES (99, 2, 1);
             INSERT INTO movie_search (rowid, search_title) VALUES (2, ' boot das ');",
        )
        .await;

        merge(&pool, 1, 2).await;

        let ids: (Option<String>, Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT imdb_id, tmdb_id, movielens_id FROM movies WHERE id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(ids, (Some("tt0082096".into()), Some(603), Some(1233)));
        /// Director, runtime, year, its source, votes.
        type Facts = (
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let facts: Facts = sqlx::query_as(
            "SELECT director, runtime_min, year, year_source, votes FROM movies WHERE id = 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        // IMDb's year beats the embedded one; the votes are IMDb's of film 1.
        assert_eq!(
            facts,
            (
                Some("Wolfgang Petersen".into()),
                Some(149),
                Some(1992),
                Some("imdb".into()),
                Some(1000)
            )
        );
        let genres: Vec<i64> = sqlx::query_scalar(
            "SELECT genre_id FROM movie_genres WHERE movie_id = 1 ORDER BY genre_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(genres.len(), 2, "Drama and Comedy");
        let titles: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
            "SELECT title_key, title, year, source FROM movie_titles WHERE movie_id = 1
             ORDER BY title_key",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            titles,
            [
                (
                    "boat".into(),
                    "The Boat".into(),
                    Some(1981),
                    "movielens".into()
                ),
                (
                    "boot".into(),
                    "Boot, Das".into(),
                    Some(1992),
                    "embedded".into()
                ),
                // The year given up stays findable.
                (
                    "movie01".into(),
                    "Movie 01".into(),
                    Some(1991),
                    "embedded".into()
                ),
            ]
        );
        assert_eq!(
            scalar(
                &pool,
                "SELECT COUNT(*) FROM movie_details WHERE movie_id = 1"
            )
            .await,
            1
        );
        assert_eq!(
            scalar(&pool, "SELECT COUNT(*) FROM posters WHERE movie_id = 1").await,
            1
        );
        assert_eq!(redirect(&pool, movie(99)).await.unwrap(), Some(1));
        assert_eq!(redirect(&pool, movie(2)).await.unwrap(), Some(1));
        assert_eq!(
            scalar(&pool, "SELECT COUNT(*) FROM movie_search WHERE rowid = 2").await,
            0
        );
        // Nothing is left that points at the dropped id.
        for table in [
            "ratings",
            "movie_genres",
            "movie_titles",
            "movie_details",
            "posters",
        ] {
            let left = scalar(
                &pool,
                &format!("SELECT COUNT(*) FROM {table} WHERE movie_id = 2"),
            )
            .await;
            assert_eq!(left, 0, "{table}");
        }
    }

    #[tokio::test]
    async fn a_merged_away_catalog_film_stays_away_when_the_catalog_loads_again() {
        let (_dir, pool) = with_movies(3).await;
        merge(&pool, 1, 3).await;
        let rows: Vec<_> = (1..=3).map(crate::store::test_db::row).collect();
        let reloaded = crate::store::catalog::load(&pool, &[crate::store::test_db::CRITIC], &rows)
            .await
            .unwrap();
        assert!(!reloaded, "a merge is no reason to load the catalog again");
        assert_eq!(
            scalar(&pool, "SELECT COUNT(*) FROM movies WHERE id = 3").await,
            0
        );
    }

    #[tokio::test]
    async fn a_missing_film_fails_the_merge_and_a_film_into_itself_changes_nothing() {
        let (_dir, pool) = with_movies(2).await;
        let mut tx = crate::store::begin_write(&pool).await.unwrap();
        assert!(matches!(
            merge_movies(&mut tx, 1, 42, crate::importers::titles::key).await,
            Err(sqlx::Error::RowNotFound)
        ));
        assert_eq!(
            merge_movies(&mut tx, 1, 1, crate::importers::titles::key)
                .await
                .unwrap(),
            MergeCounts::default()
        );
        drop(tx);
        assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM movies").await, 2);
    }
}
