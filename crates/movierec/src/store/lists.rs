//! A user's personal movie lists: "Not interested" (hidden) and the watchlist.

use crate::store::Db;

use crate::domain::{MovieId, UserId};

/// Which list. Each maps to one fixed table name, the only text ever spliced into the SQL here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Hidden,
    Watchlist,
}

impl List {
    fn table(self) -> &'static str {
        match self {
            List::Hidden => "hidden_movies",
            List::Watchlist => "watchlist",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedMovie {
    pub movie_id: i64,
    pub title: String,
    pub year: Option<i64>,
}

/// The ids on a user's lists, in one query: what recommendations leave out.
#[derive(Debug, Clone, Default)]
pub struct UserLists {
    pub hidden: Vec<MovieId>,
    pub watchlist: Vec<MovieId>,
    /// Watched without a rating (imported histories): never recommended again.
    pub seen: Vec<MovieId>,
}

/// Puts a movie on a list (again is fine). Returns `false`, changing nothing, when the movie
/// does not exist.
pub async fn add(pool: &Db, list: List, user_id: UserId, movie: MovieId) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO {} (user_id, movie_id, created_at)
         SELECT $1, id, $3 FROM movies WHERE id = $2
         ON CONFLICT (user_id, movie_id) DO NOTHING",
        list.table()
    ))
    .bind(user_id)
    .bind(movie.get())
    .bind(super::now())
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    // Nothing inserted: either already listed or no such movie.
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM movies WHERE id = $1")
        .bind(movie.get())
        .fetch_optional(pool)
        .await?;
    Ok(exists.is_some())
}

/// Takes a movie off a list; returns whether it was there.
pub async fn remove(pool: &Db, list: List, user_id: UserId, movie: MovieId) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "DELETE FROM {} WHERE user_id = $1 AND movie_id = $2",
        list.table()
    ))
    .bind(user_id)
    .bind(movie.get())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn contains(
    pool: &Db,
    list: List,
    user_id: UserId,
    movie: MovieId,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT movie_id FROM {} WHERE user_id = $1 AND movie_id = $2",
        list.table()
    ))
    .bind(user_id)
    .bind(movie.get())
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The movie ids of a user's lists and seen marks.
pub async fn for_user(pool: &Db, user_id: UserId) -> sqlx::Result<UserLists> {
    let rows: Vec<(MovieId, i64)> = sqlx::query_as(
        "SELECT movie_id, 0 FROM hidden_movies WHERE user_id = $1
         UNION ALL
         SELECT movie_id, 1 FROM watchlist WHERE user_id = $1
         UNION ALL
         SELECT movie_id, 2 FROM seen_movies WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let mut lists = UserLists::default();
    for (movie, which) in rows {
        match which {
            0 => lists.hidden.push(movie),
            1 => lists.watchlist.push(movie),
            _ => lists.seen.push(movie),
        }
    }
    Ok(lists)
}

/// A list with titles, most recently added first.
pub async fn movies(pool: &Db, list: List, user_id: UserId) -> sqlx::Result<Vec<ListedMovie>> {
    sqlx::query_as(&format!(
        "SELECT l.movie_id, m.title, m.year
         FROM {} l JOIN movies m ON m.id = l.movie_id
         WHERE l.user_id = $1
         ORDER BY l.created_at DESC, m.title, m.id",
        list.table()
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, user, with_movies};

    #[tokio::test]
    async fn adding_is_idempotent_and_refuses_unknown_movies() {
        let (_dir, pool) = with_movies(3).await;
        let ann = user(&pool, "ann").await;
        assert!(add(&pool, List::Watchlist, ann, movie(2)).await.unwrap());
        assert!(add(&pool, List::Watchlist, ann, movie(2)).await.unwrap());
        assert!(!add(&pool, List::Watchlist, ann, movie(99)).await.unwrap());
        assert!(
            contains(&pool, List::Watchlist, ann, movie(2))
                .await
                .unwrap()
        );
        assert!(!contains(&pool, List::Hidden, ann, movie(2)).await.unwrap());
        let listed = movies(&pool, List::Watchlist, ann).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].title, "Movie 02");
    }

    #[tokio::test]
    async fn both_lists_come_back_apart_and_removal_says_whether_it_was_there() {
        let (_dir, pool) = with_movies(4).await;
        let ann = user(&pool, "ann").await;
        let bob = user(&pool, "bob").await;
        add(&pool, List::Hidden, ann, movie(1)).await.unwrap();
        add(&pool, List::Watchlist, ann, movie(3)).await.unwrap();
        add(&pool, List::Watchlist, ann, movie(4)).await.unwrap();
        add(&pool, List::Hidden, bob, movie(2)).await.unwrap();

        let mut lists = for_user(&pool, ann).await.unwrap();
        lists.watchlist.sort_unstable();
        assert_eq!(lists.hidden, [movie(1)]);
        assert_eq!(lists.watchlist, [movie(3), movie(4)]);

        assert!(remove(&pool, List::Watchlist, ann, movie(3)).await.unwrap());
        assert!(!remove(&pool, List::Watchlist, ann, movie(3)).await.unwrap());
        // The other list and the other user are untouched.
        assert_eq!(for_user(&pool, ann).await.unwrap().hidden, [movie(1)]);
        assert_eq!(for_user(&pool, bob).await.unwrap().hidden, [movie(2)]);
    }
}
