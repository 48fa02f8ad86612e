//! What the recommender reads: a user's ratings as pairs, short movie descriptions by id, and
//! the candidates of the fallback and of onboarding.

use crate::domain::{MovieId, Stars, UserId};
use crate::store::Db;

/// A movie as lists of picks show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MovieSummary {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// The first genre by name; the embedded catalog has at most one.
    pub genre: Option<String>,
}

/// A fallback candidate with the reason it was picked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FallbackPick {
    pub id: i64,
    /// The genre it is popular in, for picks from the user's favourite genres.
    pub genre: Option<String>,
}

/// What a user's picks (and predictions on a movie page) depend on, read in one statement
/// so that a page view makes one round trip for it rather than three: the user's
/// `(movie id, stars)` ratings by movie id, lists (each by movie id) and the catalog's
/// generation number.
#[derive(Debug, Default)]
pub struct PickInputs {
    pub ratings: Vec<(MovieId, Stars)>,
    pub lists: super::lists::UserLists,
    pub catalog_generation: i64,
}

/// [`pick_inputs`]' statement: one row, each list joined into a string. A row per rating
/// cost a decode through the generic driver each, on every page view, and someone who
/// imported their history has thousands.
const PICK_INPUTS_SQLITE: &str = "SELECT
    (SELECT group_concat(movie_id || ':' || rating, ',') FROM ratings WHERE user_id = $1),
    (SELECT group_concat(movie_id, ',') FROM hidden_movies WHERE user_id = $1),
    (SELECT group_concat(movie_id, ',') FROM watchlist WHERE user_id = $1),
    (SELECT group_concat(movie_id, ',') FROM seen_movies WHERE user_id = $1),
    (SELECT generation FROM catalog_generation WHERE id = 1)";

/// The same for PostgreSQL, whose text of a double is the shortest that reads back exactly.
const PICK_INPUTS_POSTGRES: &str = "SELECT
    (SELECT string_agg(movie_id::TEXT || ':' || rating::TEXT, ',') FROM ratings
      WHERE user_id = $1),
    (SELECT string_agg(movie_id::TEXT, ',') FROM hidden_movies WHERE user_id = $1),
    (SELECT string_agg(movie_id::TEXT, ',') FROM watchlist WHERE user_id = $1),
    (SELECT string_agg(movie_id::TEXT, ',') FROM seen_movies WHERE user_id = $1),
    (SELECT generation FROM catalog_generation WHERE id = 1)";

pub async fn pick_inputs(pool: &Db, user_id: UserId) -> sqlx::Result<PickInputs> {
    let sql = match super::Backend::of(pool) {
        super::Backend::Sqlite => PICK_INPUTS_SQLITE,
        super::Backend::Postgres => PICK_INPUTS_POSTGRES,
    };
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let (ratings, hidden, watchlist, seen, generation): Row =
        sqlx::query_as(sql).bind(user_id).fetch_one(pool).await?;
    let unreadable = |what: &str, e: String| {
        sqlx::Error::Decode(format!("{what} of account {user_id}: {e}").into())
    };
    let mut inputs = PickInputs {
        catalog_generation: generation.unwrap_or(0),
        ..PickInputs::default()
    };
    if let Some(joined) = ratings {
        super::ratings::parse_pairs(&joined, &mut inputs.ratings)
            .map_err(|e| unreadable("ratings", e))?;
        // Neither aggregate promises an order.
        inputs.ratings.sort_unstable_by_key(|p| p.0);
    }
    for (what, joined, list) in [
        ("hidden movies", hidden, &mut inputs.lists.hidden),
        ("watchlist", watchlist, &mut inputs.lists.watchlist),
        ("seen movies", seen, &mut inputs.lists.seen),
    ] {
        for id in joined.iter().flat_map(|j| j.split(',')) {
            let movie = MovieId::parse(id).map_err(|e| unreadable(what, e))?;
            list.push(movie);
        }
        list.sort_unstable();
    }
    Ok(inputs)
}

/// Summaries of the given movies, in no particular order; unknown ids are left out.
pub async fn summaries(pool: &Db, ids: &[i64]) -> sqlx::Result<Vec<MovieSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Placeholders only: the ids themselves are bound.
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT m.id, m.title, m.year, MIN(g.name) AS genre
         FROM movies m
         LEFT JOIN movie_genres mg ON mg.movie_id = m.id
         LEFT JOIN genres g ON g.id = mg.genre_id
         WHERE m.id IN ({})
         GROUP BY m.id, m.title, m.year",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(id);
    }
    query.fetch_all(pool).await
}

/// Well-known movies best rated by everyone who rated them, critic accounts and users
/// alike. The average is pulled towards 3 stars by two virtual ratings so a single
/// enthusiastic rating does not top the list.
///
/// Well-known: at least `min_votes` votes, or as many as the `rank`-th most voted film has
/// if that is fewer. `votes` holds IMDb's counts where known but community raters' elsewhere,
/// which run a hundred times smaller (ml-latest-small's most rated film has 329): a bar set
/// for IMDb alone would leave films counted by MovieLens alone none.
pub async fn best_rated(
    pool: &Db,
    min_votes: i64,
    rank: i64,
    limit: i64,
) -> sqlx::Result<Vec<FallbackPick>> {
    sqlx::query_as(
        "WITH top AS (SELECT votes FROM movies WHERE votes > 0 ORDER BY votes DESC LIMIT $2),
              bar AS (SELECT MIN(votes) AS least FROM top)
         SELECT m.id, NULL AS genre
         FROM movies m JOIN ratings r ON r.movie_id = m.id
         WHERE m.votes >= (SELECT CASE WHEN least < $1 THEN least ELSE $1 END FROM bar)
         GROUP BY m.id, m.votes
         ORDER BY (SUM(r.rating) + 6.0) / (COUNT(*) + 2) DESC, m.votes DESC, m.id
         LIMIT $3",
    )
    .bind(min_votes)
    .bind(rank)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The most voted movies of the genres of the movies a user rated at least `min_stars`,
/// leaving out the poorly rated (IMDb below `min_imdb`).
pub async fn popular_in_liked_genres(
    pool: &Db,
    user_id: UserId,
    min_stars: f64,
    min_imdb: f64,
    limit: i64,
) -> sqlx::Result<Vec<FallbackPick>> {
    sqlx::query_as(
        "SELECT m.id, MIN(g.name) AS genre
         FROM movies m
         JOIN movie_genres mg ON mg.movie_id = m.id
         JOIN genres g ON g.id = mg.genre_id
         WHERE mg.genre_id IN (
             SELECT lg.genre_id FROM ratings r JOIN movie_genres lg ON lg.movie_id = r.movie_id
             WHERE r.user_id = $1 AND r.rating >= $2)
           AND m.imdb_rating >= $3
         GROUP BY m.id, m.votes
         ORDER BY m.votes DESC, m.id
         LIMIT $4",
    )
    .bind(user_id)
    .bind(min_stars)
    .bind(min_imdb)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The genres of the movies a user rated at least `min_stars`, in one statement however many
/// they rated.
pub async fn liked_genres(pool: &Db, user_id: UserId, min_stars: f64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT g.name
         FROM ratings r
         JOIN movie_genres mg ON mg.movie_id = r.movie_id
         JOIN genres g ON g.id = mg.genre_id
         WHERE r.user_id = $1 AND r.rating >= $2",
    )
    .bind(user_id)
    .bind(min_stars)
    .fetch_all(pool)
    .await
}

/// The most voted movies with their genre, most voted first: the pool onboarding picks from.
pub async fn most_voted(pool: &Db, limit: i64) -> sqlx::Result<Vec<MovieSummary>> {
    sqlx::query_as(
        // The genre as a subquery, not a join and GROUP BY, so the rows come straight off the
        // index on votes and the scan stops at the limit.
        "SELECT m.id, m.title, m.year,
                (SELECT MIN(g.name) FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                 WHERE mg.movie_id = m.id) AS genre
         FROM movies m
         WHERE m.votes > 0
         ORDER BY m.votes DESC, m.id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// What the catalog says about a movie for content similarity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContentRow {
    pub id: MovieId,
    pub title: String,
    pub year: Option<i64>,
    pub director: Option<String>,
    /// Genre names joined by `|`.
    pub genres: Option<String>,
}

/// Title, year, director and genres of every movie.
pub async fn content(pool: &Db) -> sqlx::Result<Vec<ContentRow>> {
    sqlx::query_as(
        "SELECT m.id, m.title, m.year, m.director, string_agg(g.name, '|') AS genres
         FROM movies m
         LEFT JOIN movie_genres mg ON mg.movie_id = m.id
         LEFT JOIN genres g ON g.id = mg.genre_id
         GROUP BY m.id, m.title, m.year, m.director",
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::lists::{self, List};
    use crate::store::test_db::{movie, user, with_movies};

    #[tokio::test]
    async fn pick_inputs_split_one_users_ratings_lists_and_the_generation() {
        let (_dir, pool) = with_movies(6).await;
        let ann = user(&pool, "ann").await;
        let bob = user(&pool, "bob").await;
        let carl = user(&pool, "carl").await;
        let stars = |s| Stars::parse(s).unwrap();
        // Whole and half stars, written out of order: the aggregates' text must read back
        // exactly, and the lists come back by movie id whatever order the database keeps.
        for (id, rating) in [(5, "0.5"), (1, "4.5"), (2, "4")] {
            crate::store::ratings::upsert(&pool, ann, movie(id), stars(rating))
                .await
                .unwrap();
        }
        crate::store::ratings::upsert(&pool, bob, movie(2), stars("2"))
            .await
            .unwrap();
        lists::add(&pool, List::Hidden, ann, movie(3))
            .await
            .unwrap();
        for id in [6, 4] {
            lists::add(&pool, List::Watchlist, ann, movie(id))
                .await
                .unwrap();
        }
        lists::add(&pool, List::Watchlist, bob, movie(5))
            .await
            .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        crate::store::history::mark_seen(&mut conn, ann, 3, None, 0)
            .await
            .unwrap();
        drop(conn);

        let inputs = pick_inputs(&pool, ann).await.unwrap();
        assert_eq!(
            inputs.ratings,
            [
                (movie(1), stars("4.5")),
                (movie(2), stars("4")),
                (movie(5), stars("0.5"))
            ]
        );
        assert_eq!(inputs.lists.hidden, [movie(3)]);
        assert_eq!(inputs.lists.watchlist, [movie(4), movie(6)]);
        assert_eq!(inputs.lists.seen, [movie(3)]);
        let generation = crate::store::movie_search::catalog_generation(&pool)
            .await
            .unwrap();
        assert_eq!(inputs.catalog_generation, generation);

        let nothing = pick_inputs(&pool, carl).await.unwrap();
        assert!(nothing.ratings.is_empty());
        assert!(nothing.lists.hidden.is_empty() && nothing.lists.watchlist.is_empty());
        assert!(nothing.lists.seen.is_empty());
        assert_eq!(nothing.catalog_generation, generation);
    }
}
