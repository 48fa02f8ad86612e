//! Rating a movie and taking a rating back: the rating itself and what it settles on the
//! user's lists. Pages and the API both come here.

use crate::store::Db;

use crate::domain::{MovieId, Stars, UserId};
use crate::store;
use crate::store::lists::List;
use crate::store::movies::UserAverage;

/// What a rating changed besides the rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rated {
    /// The movie was on the watchlist and is no longer: a rated film has been seen.
    pub left_watchlist: bool,
    /// Our users' average with this rating counted, for a page showing it to update in place.
    pub users: UserAverage,
}

/// Sets a user's rating of a movie and takes the movie off their watchlist. `None`, changing
/// nothing, when the movie does not exist.
#[tracing::instrument(skip_all, fields(user = user_id.get(), movie = movie.get(), stars = stars.value()))]
pub async fn rate(
    pool: &Db,
    user_id: UserId,
    movie: MovieId,
    stars: Stars,
) -> sqlx::Result<Option<Rated>> {
    if !store::ratings::upsert(pool, user_id, movie, stars).await? {
        return Ok(None);
    }
    let left_watchlist = store::lists::remove(pool, List::Watchlist, user_id, movie).await?;
    let users = store::movies::user_average(pool, movie).await?;
    Ok(Some(Rated {
        left_watchlist,
        users,
    }))
}

/// Removes a user's rating of a movie. Removing a rating that is not there succeeds too:
/// the outcome is the one asked for. `None` when the movie does not exist.
#[tracing::instrument(skip_all, fields(user = user_id.get(), movie = movie.get()))]
pub async fn unrate(pool: &Db, user_id: UserId, movie: MovieId) -> sqlx::Result<Option<()>> {
    if store::ratings::delete(pool, user_id, movie).await? {
        return Ok(Some(()));
    }
    Ok(store::movies::find(pool, movie).await?.map(drop))
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
        let rated = rate(&pool, ann, movie(1), four).await.unwrap().unwrap();
        assert!(rated.left_watchlist);
        assert_eq!(
            rated.users,
            UserAverage {
                average: Some(4.0),
                count: 1
            }
        );
        assert_eq!(
            store::lists::for_user(&pool, ann).await.unwrap().watchlist,
            [movie(2)]
        );
        // Not on the list: nothing to take off, and the rating is still stored.
        let rated = rate(&pool, ann, movie(3), four).await.unwrap().unwrap();
        assert!(!rated.left_watchlist);
        // A second user's rating counts in the average the answer carries.
        let bob = user(&pool, "bob").await;
        let two = Stars::parse("2").unwrap();
        let rated = rate(&pool, bob, movie(3), two).await.unwrap().unwrap();
        assert_eq!(
            rated.users,
            UserAverage {
                average: Some(3.0),
                count: 2
            }
        );
        assert_eq!(
            store::ratings::find(&pool, ann, movie(3)).await.unwrap(),
            Some(four)
        );
        assert_eq!(rate(&pool, ann, movie(99), four).await.unwrap(), None);
    }

    #[tokio::test]
    async fn unrating_removes_the_rating_and_succeeds_when_there_was_none() {
        let (_dir, pool) = with_movies(2).await;
        let ann = user(&pool, "ann").await;
        let four = Stars::parse("4").unwrap();
        rate(&pool, ann, movie(1), four).await.unwrap().unwrap();
        assert_eq!(unrate(&pool, ann, movie(1)).await.unwrap(), Some(()));
        assert_eq!(
            store::ratings::find(&pool, ann, movie(1)).await.unwrap(),
            None
        );
        // Already gone, or never rated: still the outcome asked for.
        assert_eq!(unrate(&pool, ann, movie(1)).await.unwrap(), Some(()));
        assert_eq!(unrate(&pool, ann, movie(2)).await.unwrap(), Some(()));
        // No such movie.
        assert_eq!(unrate(&pool, ann, movie(99)).await.unwrap(), None);
    }
}
