//! Rating a movie: the rating itself and what it settles on the user's lists.

use crate::store::Db;

use crate::domain::{MovieId, Stars};
use crate::store;
use crate::store::lists::List;

/// What a rating changed besides the rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rated {
    /// The movie was on the watchlist and is no longer: a rated film has been seen.
    pub left_watchlist: bool,
}

/// Sets a user's rating of a movie and takes the movie off their watchlist. `None`, changing
/// nothing, when the movie does not exist.
pub async fn rate(
    pool: &Db,
    user_id: i64,
    movie: MovieId,
    stars: Stars,
) -> sqlx::Result<Option<Rated>> {
    if !store::ratings::upsert(pool, user_id, movie, stars).await? {
        return Ok(None);
    }
    let left_watchlist = store::lists::remove(pool, List::Watchlist, user_id, movie).await?;
    Ok(Some(Rated { left_watchlist }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, user, with_movies};

    #[tokio::test]
    async fn rating_a_watchlisted_movie_takes_it_off_the_watchlist_only() {
        let (_dir, pool) = with_movies(3).await;
        let ann = user(&pool, "ann").await;
        store::lists::add(&pool, List::Watchlist, ann, movie(1))
            .await
            .unwrap();
        store::lists::add(&pool, List::Watchlist, ann, movie(2))
            .await
            .unwrap();
        let four = Stars::parse("4").unwrap();
        let rated = rate(&pool, ann, movie(1), four).await.unwrap();
        assert_eq!(
            rated,
            Some(Rated {
                left_watchlist: true
            })
        );
        assert_eq!(
            store::lists::for_user(&pool, ann).await.unwrap().watchlist,
            [2]
        );
        // Not on the list: nothing to take off, and the rating is still stored.
        let rated = rate(&pool, ann, movie(3), four).await.unwrap();
        assert_eq!(
            rated,
            Some(Rated {
                left_watchlist: false
            })
        );
        assert_eq!(
            store::ratings::find(&pool, ann, movie(3)).await.unwrap(),
            Some(4.0)
        );
        assert_eq!(rate(&pool, ann, movie(99), four).await.unwrap(), None);
    }
}
