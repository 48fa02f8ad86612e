use std::collections::HashMap;
use std::sync::LazyLock;

use crate::store::Db;

use crate::domain::title::ENGLISH_ARTICLES;
use crate::domain::{MovieId, PageNumber, RatingSort, Stars, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatedMovie {
    pub movie_id: MovieId,
    pub title: String,
    /// The title in the film's own language, when it differs from the main one.
    pub original_title: Option<String>,
    pub year: Option<i64>,
    pub rating: Stars,
    pub updated_at: i64,
    /// When the rating was given: an imported file's date, else the last change here.
    pub rated_at: i64,
}

/// Sets a user's rating of a movie. Returns `false`, changing nothing, when the movie
/// does not exist.
pub async fn upsert(
    pool: &Db,
    user_id: UserId,
    movie: MovieId,
    stars: Stars,
) -> sqlx::Result<bool> {
    // A rating given here is dated by `updated_at`, so an imported file's date is dropped.
    // One statement, so SQLite takes the write lock up front and waits its busy timeout for
    // another writer (a model being stored). A read-then-write transaction would instead fail
    // at once with "database is locked" when a write lands between its two statements.
    let done = sqlx::query(
        "INSERT INTO ratings (user_id, movie_id, rating, updated_at)
         SELECT $1, id, $3, $4 FROM movies WHERE id = $2
         ON CONFLICT (user_id, movie_id)
         DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at,
                       rated_at = NULL",
    )
    .bind(user_id)
    .bind(movie)
    .bind(stars)
    .bind(super::now())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a rating; returns whether there was one.
pub async fn delete(pool: &Db, user_id: UserId, movie: MovieId) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2")
        .bind(user_id)
        .bind(movie)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find(pool: &Db, user_id: UserId, movie: MovieId) -> sqlx::Result<Option<Stars>> {
    sqlx::query_scalar("SELECT rating FROM ratings WHERE user_id = $1 AND movie_id = $2")
        .bind(user_id)
        .bind(movie)
        .fetch_optional(pool)
        .await
}

/// A user's ratings of the given movies, by movie id; unrated ones are absent.
pub async fn of_movies(
    pool: &Db,
    user_id: UserId,
    movies: &[i64],
) -> sqlx::Result<HashMap<i64, Stars>> {
    if movies.is_empty() {
        return Ok(HashMap::new());
    }
    // The ids travel as one JSON array, so the statement is the same for any number of them.
    let ids = serde_json::to_string(movies).expect("integers serialize");
    let rows: Vec<(i64, Stars)> = sqlx::query_as(&format!(
        "SELECT movie_id, rating FROM ratings
         WHERE user_id = $1 AND movie_id IN ({})",
        super::Backend::of(pool).json_integers("$2")
    ))
    .bind(user_id)
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

pub async fn count_for_user(pool: &Db, user_id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// Titles in library order: "The Godfather" under G. English articles only, as the catalog is
/// English; case is ignored.
static TITLE_ORDER: LazyLock<String> = LazyLock::new(|| {
    let articles: String = ENGLISH_ARTICLES
        .iter()
        .map(|a| {
            // The title after the article and its space (SQL counts from 1).
            let rest = a.len() + 2;
            format!("WHEN LOWER(m.title) LIKE '{a} %' THEN substr(m.title, {rest}) ")
        })
        .collect();
    format!("LOWER(CASE {articles}ELSE m.title END), m.year, m.id")
});

/// One page of a user's ratings with the movies' titles.
pub async fn list_for_user(
    pool: &Db,
    user_id: UserId,
    sort: RatingSort,
    page: PageNumber,
) -> sqlx::Result<Vec<RatedMovie>> {
    // Only these three fixed strings are ever spliced into the SQL.
    let order = match sort {
        RatingSort::Recent => "COALESCE(r.rated_at, r.updated_at) DESC, m.title, m.id",
        RatingSort::Rating => "r.rating DESC, COALESCE(r.rated_at, r.updated_at) DESC, m.id",
        RatingSort::Title => TITLE_ORDER.as_str(),
    };
    sqlx::query_as(&format!(
        "SELECT r.movie_id, m.title,
                CASE WHEN m.original_title <> m.title THEN m.original_title END AS original_title,
                m.year, r.rating, r.updated_at,
                COALESCE(r.rated_at, r.updated_at) AS rated_at
         FROM ratings r JOIN movies m ON m.id = r.movie_id
         WHERE r.user_id = $1
         ORDER BY {order}
         LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(PageNumber::PER_PAGE)
    .bind(page.offset())
    .fetch_all(pool)
    .await
}

/// One rating as the training job reads it.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct TrainingRating {
    pub user_id: UserId,
    pub movie_id: MovieId,
    pub rating: Stars,
}

/// Accounts whose ratings are read per query by [`for_training`]: a few hundred thousand
/// ratings a page.
const TRAINING_USERS_PER_PAGE: usize = 2_000;

/// Hands every rating, by users, critic and community accounts alike, to `each` in a stable
/// order (by user, then movie), a page of accounts at a time: tens of millions of ratings are
/// never held as rows, only as whatever `each` makes of them. The pages are read in one
/// transaction, so they are one snapshot even while people rate.
///
/// Each account's ratings come as one row, `movie:stars` pairs joined in a string: decoding
/// a row through the generic driver costs about as much as parsing a few hundred pairs, so
/// one row per rating made the read take longer than the training.
pub async fn for_training(pool: &Db, mut each: impl FnMut(TrainingRating)) -> sqlx::Result<()> {
    let backend = super::Backend::of(pool);
    let (begin, aggregate) = match backend {
        // A SQLite transaction reads one snapshot once it has read anything.
        super::Backend::Sqlite => ("BEGIN", "group_concat(movie_id || ':' || rating, ',')"),
        // PostgreSQL's default isolation takes a new snapshot for every statement. Its text
        // of a double is the shortest that reads back exactly.
        super::Backend::Postgres => (
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            "string_agg(movie_id::TEXT || ':' || rating::TEXT, ',')",
        ),
    };
    let mut tx = pool.begin_with(begin).await?;
    let users: Vec<UserId> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let sql = format!(
        "SELECT user_id, {aggregate} FROM ratings
          WHERE user_id >= $1 AND user_id <= $2
          GROUP BY user_id ORDER BY user_id"
    );
    let mut pairs: Vec<(MovieId, Stars)> = Vec::new();
    for page in users.chunks(TRAINING_USERS_PER_PAGE) {
        let rows: Vec<(UserId, String)> = sqlx::query_as(&sql)
            .bind(page[0])
            .bind(page[page.len() - 1])
            .fetch_all(&mut *tx)
            .await?;
        for (user_id, joined) in rows {
            parse_pairs(&joined, &mut pairs).map_err(|e| {
                sqlx::Error::Decode(format!("ratings of account {user_id}: {e}").into())
            })?;
            // Neither aggregate promises an order; the key's order is the usual one.
            if !pairs.is_sorted_by_key(|p| p.0) {
                pairs.sort_unstable_by_key(|p| p.0);
            }
            for &(movie_id, rating) in &pairs {
                each(TrainingRating {
                    user_id,
                    movie_id,
                    rating,
                });
            }
        }
    }
    tx.commit().await
}

/// Parses `movie:stars` pairs joined by commas into `out`, replacing what it held. As with
/// a column read through `types.rs`, a value the type refuses (a rating off the half-star
/// scale) is an error, not a silent clamp.
pub(super) fn parse_pairs(joined: &str, out: &mut Vec<(MovieId, Stars)>) -> Result<(), String> {
    out.clear();
    for pair in joined.split(',') {
        let (movie, stars) = pair
            .split_once(':')
            .ok_or_else(|| format!("cannot read {pair:?}"))?;
        let movie = movie
            .parse()
            .map_err(|_| format!("cannot read {pair:?}"))
            .and_then(MovieId::new)?;
        let stars = stars
            .parse()
            .map_err(|_| format!("cannot read {pair:?}"))
            .and_then(Stars::from_f64)
            .map_err(|e| format!("{pair:?}: {e}"))?;
        out.push((movie, stars));
    }
    Ok(())
}

/// Ratings added or changed after the second `since` (epoch seconds).
pub async fn count_changed_after(pool: &Db, since: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE updated_at > $1")
        .bind(since)
        .fetch_one(pool)
        .await
}

pub async fn count_all(pool: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
        .fetch_one(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, user, with_movies};

    fn stars(text: &str) -> Stars {
        Stars::parse(text).unwrap()
    }

    /// The training read gives exactly the stored ratings, stars unrounded, by account
    /// and then movie, across more accounts than one page holds.
    #[tokio::test]
    async fn training_reads_every_rating_in_key_order() {
        let (_dir, pool) = with_movies(5).await;
        let users = TRAINING_USERS_PER_PAGE as i64 + 7;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO users (username, username_lower, kind, created_at)
             SELECT 'ml:' || i, 'ml:' || i, 'community', 0 FROM n",
        )
        .bind(users)
        .execute(&pool)
        .await
        .unwrap();
        // Movies in falling order, so the table's order and not the insert's must show.
        sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at)
             SELECT u.id, m.id, 0.5 + ((u.id * 7 + m.id) % 10) * 0.5, 0
               FROM users u JOIN movies m ON (u.id + m.id) % 3 <> 0
              WHERE u.kind = 'community'
              ORDER BY m.id DESC, u.id DESC",
        )
        .execute(&pool)
        .await
        .unwrap();
        let expected: Vec<(UserId, MovieId, Stars)> = sqlx::query_as(
            "SELECT user_id, movie_id, rating FROM ratings ORDER BY user_id, movie_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(
            expected.len() > 2 * TRAINING_USERS_PER_PAGE,
            "{}",
            expected.len()
        );
        let mut read = Vec::new();
        for_training(&pool, |r| read.push((r.user_id, r.movie_id, r.rating)))
            .await
            .unwrap();
        assert!(read == expected, "the training read differs");
        // A value off the half steps the app writes is refused, naming the account, as a
        // column read as `Stars` would be.
        sqlx::query("UPDATE ratings SET rating = 3.7 WHERE movie_id = 2")
            .execute(&pool)
            .await
            .unwrap();
        let err = for_training(&pool, |_| {}).await.unwrap_err().to_string();
        assert!(
            err.contains("ratings of account") && err.contains("3.7"),
            "{err}"
        );
    }

    #[test]
    fn pairs_parse_and_refuse_garbage() {
        let mut out = vec![(movie(9), stars("5"))];
        parse_pairs("3:4.5,1:0.5,12:4", &mut out).unwrap();
        assert_eq!(
            out,
            [
                (movie(3), stars("4.5")),
                (movie(1), stars("0.5")),
                (movie(12), stars("4"))
            ]
        );
        for garbage in ["3:4.5,1", "x:1.0", "0:1.0", "3:3.7", "3:7", "3:x"] {
            assert!(parse_pairs(garbage, &mut out).is_err(), "{garbage}");
        }
    }

    #[tokio::test]
    async fn upsert_sets_and_changes_a_rating_and_refuses_unknown_movies() {
        let (_dir, pool) = with_movies(3).await;
        let ann = user(&pool, "ann").await;
        assert!(upsert(&pool, ann, movie(2), stars("3.5")).await.unwrap());
        assert_eq!(
            find(&pool, ann, movie(2)).await.unwrap(),
            Some(stars("3.5"))
        );
        assert!(upsert(&pool, ann, movie(2), stars("1")).await.unwrap());
        assert_eq!(find(&pool, ann, movie(2)).await.unwrap(), Some(stars("1")));
        assert_eq!(count_for_user(&pool, ann).await.unwrap(), 1);

        assert!(!upsert(&pool, ann, movie(99), stars("4")).await.unwrap());
        assert_eq!(find(&pool, ann, movie(99)).await.unwrap(), None);
        assert_eq!(count_for_user(&pool, ann).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn ratings_of_some_movies_leave_out_unrated_ones_and_other_users() {
        let (_dir, pool) = with_movies(4).await;
        let ann = user(&pool, "ann").await;
        let bob = user(&pool, "bob").await;
        upsert(&pool, ann, movie(1), stars("4.5")).await.unwrap();
        upsert(&pool, ann, movie(3), stars("2")).await.unwrap();
        upsert(&pool, bob, movie(2), stars("5")).await.unwrap();
        let found = of_movies(&pool, ann, &[1, 2, 3, 99]).await.unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[&1], stars("4.5"));
        assert_eq!(found[&3], stars("2"));
        assert!(of_movies(&pool, ann, &[]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn title_order_sets_leading_articles_aside() {
        let (_dir, pool) = with_movies(4).await;
        let ann = user(&pool, "ann").await;
        for (id, title) in [
            (1, "The Zebra"),
            (2, "An Apple"),
            (3, "a Mango"),
            (4, "Theory"),
        ] {
            sqlx::query("UPDATE movies SET title = $1 WHERE id = $2")
                .bind(title)
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
            upsert(&pool, ann, movie(id), stars("3")).await.unwrap();
        }
        let listed = list_for_user(&pool, ann, RatingSort::Title, PageNumber::FIRST)
            .await
            .unwrap();
        let titles: Vec<&str> = listed.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["An Apple", "a Mango", "Theory", "The Zebra"]);
    }

    #[tokio::test]
    async fn delete_says_whether_there_was_a_rating_and_touches_only_that_one() {
        let (_dir, pool) = with_movies(3).await;
        let ann = user(&pool, "ann").await;
        let bob = user(&pool, "bob").await;
        upsert(&pool, ann, movie(1), stars("4")).await.unwrap();
        upsert(&pool, bob, movie(1), stars("2")).await.unwrap();
        assert!(delete(&pool, ann, movie(1)).await.unwrap());
        assert!(!delete(&pool, ann, movie(1)).await.unwrap());
        assert_eq!(find(&pool, ann, movie(1)).await.unwrap(), None);
        assert_eq!(find(&pool, bob, movie(1)).await.unwrap(), Some(stars("2")));
    }

    #[tokio::test]
    async fn lists_a_users_ratings_sorted_and_paged() {
        let per_page = PageNumber::PER_PAGE;
        let (_dir, pool) = with_movies(per_page + 5).await;
        let ann = user(&pool, "ann").await;
        // Movie 1 gets the highest rating, the rest alternate.
        for id in 1..=per_page + 5 {
            let given = if id == 1 {
                "5"
            } else if id % 2 == 0 {
                "2"
            } else {
                "3"
            };
            upsert(&pool, ann, movie(id), stars(given)).await.unwrap();
        }
        let first = list_for_user(&pool, ann, RatingSort::Title, PageNumber::FIRST)
            .await
            .unwrap();
        assert_eq!(first.len() as i64, per_page);
        assert_eq!(first[0].title, "Movie 01");
        let titles: Vec<&str> = first.iter().map(|r| r.title.as_str()).collect();
        assert!(titles.is_sorted(), "{titles:?}");
        let second = PageNumber::parse("2").unwrap();
        let rest = list_for_user(&pool, ann, RatingSort::Title, second)
            .await
            .unwrap();
        assert_eq!(rest.len(), 5);
        assert!(
            rest.iter()
                .all(|r| r.title.as_str() > titles[titles.len() - 1])
        );

        let by_rating = list_for_user(&pool, ann, RatingSort::Rating, PageNumber::FIRST)
            .await
            .unwrap();
        assert_eq!(by_rating[0].movie_id, movie(1));
        assert!(by_rating.windows(2).all(|w| w[0].rating >= w[1].rating));
    }
}
