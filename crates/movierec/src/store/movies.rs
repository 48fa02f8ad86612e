use crate::store::Db;

use crate::domain::MovieId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Movie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub release_date: Option<String>,
    pub director: Option<String>,
    pub mpaa: Option<String>,
    pub runtime_min: Option<i64>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub rotten_tomatoes: Option<i64>,
    pub creative_type: Option<String>,
    pub source: Option<String>,
    pub distributor: Option<String>,
    pub imdb_id: Option<String>,
    /// IMDb's original title, when it differs from the title.
    pub original_title: Option<String>,
    /// The community raters' (MovieLens) average in stars and their number, apart from our
    /// users'; written by the MovieLens import.
    pub community_rating: Option<f64>,
    pub community_votes: Option<i64>,
}

/// A movie in a list, with a score whose meaning depends on the list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoredMovie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub score: f64,
}

/// The average rating of our users (critic accounts excluded) and how many rated.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct UserAverage {
    pub average: Option<f64>,
    pub count: i64,
}

/// Our users' average of one movie, as [`details`] gives it.
pub async fn user_average(pool: &Db, id: MovieId) -> sqlx::Result<UserAverage> {
    sqlx::query_as(
        "SELECT AVG(r.rating) AS average, COUNT(r.rating) AS count
         FROM ratings r JOIN users u ON u.id = r.user_id
         WHERE r.movie_id = $1 AND u.kind = 'user'",
    )
    .bind(id.get())
    .fetch_one(pool)
    .await
}

pub async fn find(pool: &Db, id: MovieId) -> sqlx::Result<Option<Movie>> {
    sqlx::query_as(
        "SELECT id, title, year, release_date, director, mpaa, runtime_min,
                imdb_rating, imdb_votes, rotten_tomatoes, creative_type, source, distributor,
                imdb_id, original_title, community_rating, community_votes
         FROM movies WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(pool)
    .await
}

/// A movie with its genres and our users' average: what anyone sees of it.
#[derive(Debug, Clone)]
pub struct MovieDetails {
    pub movie: Movie,
    /// Alphabetical.
    pub genres: Vec<String>,
    pub average: UserAverage,
}

#[derive(sqlx::FromRow)]
struct DetailsRow {
    #[sqlx(flatten)]
    movie: Movie,
    /// A JSON array of names.
    genres: String,
    #[sqlx(flatten)]
    average: UserAverage,
}

/// The movie's row, genres and users' average in one statement.
pub async fn details(pool: &Db, id: MovieId) -> sqlx::Result<Option<MovieDetails>> {
    let row: Option<DetailsRow> = sqlx::query_as(&format!(
        "SELECT m.id, m.title, m.year, m.release_date, m.director, m.mpaa, m.runtime_min,
                m.imdb_rating, m.imdb_votes, m.rotten_tomatoes, m.creative_type, m.source,
                m.distributor, m.imdb_id, m.original_title, m.community_rating,
                m.community_votes,
                (SELECT {} FROM movie_genres mg
                 JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id) AS genres,
                a.average, a.count
         FROM movies m,
              (SELECT AVG(r.rating) AS average, COUNT(r.rating) AS count
               FROM ratings r JOIN users u ON u.id = r.user_id
               WHERE r.movie_id = $1 AND u.kind = 'user') a
         WHERE m.id = $1",
        super::Backend::of(pool).json_array_agg("g.name")
    ))
    .bind(id.get())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        let mut genres: Vec<String> =
            serde_json::from_str(&row.genres).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        // SQLite does not promise the order of an aggregate over a subquery.
        genres.sort();
        Ok(MovieDetails {
            movie: row.movie,
            genres,
            average: row.average,
        })
    })
    .transpose()
}

/// What a movie's cover shows: its title, year and genres.
#[derive(Debug, Clone)]
pub struct Label {
    pub title: String,
    pub year: Option<i64>,
    /// Alphabetical.
    pub genres: Vec<String>,
}

pub async fn label(pool: &Db, id: MovieId) -> sqlx::Result<Option<Label>> {
    let row: Option<(String, Option<i64>, String)> = sqlx::query_as(&format!(
        "SELECT m.title, m.year,
                (SELECT {} FROM movie_genres mg
                 JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id)
         FROM movies m WHERE m.id = $1",
        super::Backend::of(pool).json_array_agg("g.name")
    ))
    .bind(id.get())
    .fetch_optional(pool)
    .await?;
    row.map(|(title, year, genres)| {
        let mut genres: Vec<String> =
            serde_json::from_str(&genres).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        genres.sort();
        Ok(Label {
            title,
            year,
            genres,
        })
    })
    .transpose()
}

/// Movies rated by every critic account of the catalog (IMDb users and Rotten Tomatoes;
/// at least two critics once Metacritic, which rates only fetched films, is there), best
/// average first; ties go to the more voted.
pub async fn top_rated_by_critics(pool: &Db, limit: i64) -> sqlx::Result<Vec<ScoredMovie>> {
    sqlx::query_as(
        "SELECT m.id, m.title, m.year, AVG(r.rating) AS score
         FROM movies m
         JOIN ratings r ON r.movie_id = m.id
         JOIN users u ON u.id = r.user_id AND u.kind = 'critic'
         GROUP BY m.id, m.title, m.year, m.votes
         HAVING COUNT(*) >= (SELECT CASE WHEN COUNT(*) < 2 THEN COUNT(*) ELSE 2 END
                               FROM users WHERE kind = 'critic')
         ORDER BY score DESC, m.votes DESC, m.id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM movies")
        .fetch_one(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Stars;
    use crate::store::test_db::{movie, user, with_movies};

    #[tokio::test]
    async fn details_bring_sorted_genres_and_the_users_average_without_critics() {
        let (_dir, pool) = with_movies(2).await;
        let found = details(&pool, movie(2)).await.unwrap().expect("movie 2");
        assert_eq!(found.movie.title, "Movie 02");
        assert_eq!(found.genres, ["Comedy", "Drama"]);
        // Only the critic rated it so far.
        assert_eq!(found.average.count, 0);
        assert_eq!(found.average.average, None);

        for (name, stars) in [("ann", "2"), ("bob", "3")] {
            let id = user(&pool, name).await;
            let stars = Stars::parse(stars).unwrap();
            crate::store::ratings::upsert(&pool, id, movie(2), stars)
                .await
                .unwrap();
        }
        let found = details(&pool, movie(2)).await.unwrap().unwrap();
        assert_eq!(found.average.count, 2);
        assert_eq!(found.average.average, Some(2.5));
        assert_eq!(
            details(&pool, movie(1)).await.unwrap().unwrap().genres,
            ["Drama"]
        );
    }

    #[tokio::test]
    async fn unknown_movies_are_none() {
        let (_dir, pool) = with_movies(1).await;
        assert!(details(&pool, movie(5)).await.unwrap().is_none());
        assert!(find(&pool, movie(5)).await.unwrap().is_none());
        assert_eq!(
            find(&pool, movie(1)).await.unwrap().unwrap().year,
            Some(1991)
        );
    }
}
