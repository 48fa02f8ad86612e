//! Movie details and posters fetched from the providers, and the enrichment job's state.

use std::collections::HashMap;

use crate::store::Db;

use crate::domain::{MovieId, Stars};

/// What the providers added to a movie, as the pages show it.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct StoredDetails {
    /// Whether any provider knew the film.
    #[sqlx(try_from = "super::Flag")]
    pub found: bool,
    pub plot: Option<String>,
    pub actors: Option<String>,
    pub writers: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub metacritic: Option<i64>,
    /// `omdb`, `tmdb`, comma separated; empty when nothing was found.
    pub sources: String,
}

impl StoredDetails {
    /// TMDB's data is shown, so its notice is due.
    pub fn from_tmdb(&self) -> bool {
        self.sources.split(',').any(|s| s == "tmdb")
    }
}

/// Everything one fetch learned, written at once by [`save`].
#[derive(Debug, Clone, Default)]
pub struct NewDetails {
    pub details: StoredDetails,
    /// Set only where the movie has none and no other movie has this id.
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    /// Set only where the movie has none.
    pub director: Option<String>,
    pub runtime_min: Option<i64>,
    /// The providers' current scores replace the stored ones.
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub rotten_tomatoes: Option<i64>,
    /// Critic accounts' ratings of the film (created if missing).
    pub critic_stars: Vec<(&'static str, Stars)>,
    pub posters: Vec<crate::domain::PosterImage>,
}

/// A poster's public name and shape.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PosterRef {
    pub hash: String,
    pub width: i64,
    pub height: i64,
}

impl PosterRef {
    /// Our URL for it: named by its content, so cached forever.
    pub fn url(&self) -> String {
        format!("/posters/{}.jpg", self.hash)
    }
}

/// The stored details, or `None` when the movie was never fetched.
pub async fn find(pool: &Db, movie: MovieId) -> sqlx::Result<Option<StoredDetails>> {
    sqlx::query_as(
        "SELECT found, plot, actors, writers, language, country, metacritic, sources
         FROM movie_details WHERE movie_id = $1",
    )
    .bind(movie.get())
    .fetch_optional(pool)
    .await
}

/// Writes the details, the movie's new ids and scores, the critics' ratings and the posters
/// in one transaction: a failure leaves none of it.
pub async fn save(pool: &Db, movie: MovieId, new: &NewDetails) -> sqlx::Result<()> {
    super::movie_search::note_catalog_write();
    let id = movie.get();
    let now = super::now();
    let mut tx = super::begin_write(pool).await?;
    // A write first, so the transaction holds the write lock from its first statement.
    let d = &new.details;
    sqlx::query(
        "INSERT INTO movie_details (movie_id, found, plot, actors, writers, language, country,
                                    metacritic, sources, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (movie_id) DO UPDATE SET
           found = excluded.found, plot = excluded.plot, actors = excluded.actors,
           writers = excluded.writers, language = excluded.language, country = excluded.country,
           metacritic = excluded.metacritic, sources = excluded.sources,
           fetched_at = excluded.fetched_at",
    )
    .bind(id)
    .bind(d.found)
    .bind(&d.plot)
    .bind(&d.actors)
    .bind(&d.writers)
    .bind(&d.language)
    .bind(&d.country)
    .bind(d.metacritic)
    .bind(&d.sources)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // IMDb's count, where known, is the film's vote count (see `catalog::refresh_votes`).
    sqlx::query(
        "UPDATE movies SET
           imdb_id = COALESCE(imdb_id, CASE WHEN EXISTS
               (SELECT 1 FROM movies o WHERE o.imdb_id = $2 AND o.id <> $1) THEN NULL ELSE $2 END),
           tmdb_id = COALESCE(tmdb_id, CASE WHEN EXISTS
               (SELECT 1 FROM movies o WHERE o.tmdb_id = $3 AND o.id <> $1) THEN NULL ELSE $3 END),
           director = COALESCE(director, $4),
           runtime_min = COALESCE(runtime_min, $5),
           imdb_rating = COALESCE($6, imdb_rating),
           imdb_votes = COALESCE($7, imdb_votes),
           votes = COALESCE($7, imdb_votes, votes),
           rotten_tomatoes = COALESCE($8, rotten_tomatoes)
         WHERE id = $1",
    )
    .bind(id)
    .bind(&new.imdb_id)
    .bind(new.tmdb_id)
    .bind(&new.director)
    .bind(new.runtime_min)
    .bind(super::NullableF64(new.imdb_rating))
    .bind(new.imdb_votes)
    .bind(new.rotten_tomatoes)
    .execute(&mut *tx)
    .await?;
    for (critic, stars) in &new.critic_stars {
        let critic = super::catalog::critic_id(&mut tx, critic).await?;
        sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, movie_id)
             DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
        )
        .bind(critic)
        .bind(id)
        .bind(stars.value())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    if !new.posters.is_empty() {
        sqlx::query("DELETE FROM posters WHERE movie_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    for poster in &new.posters {
        sqlx::query(
            "INSERT INTO posters (movie_id, size, hash, width, height, bytes)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(poster.size.as_str())
        .bind(&poster.hash)
        .bind(i64::from(poster.width))
        .bind(i64::from(poster.height))
        .bind(&poster.bytes)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A movie's poster at one size.
pub async fn poster(
    pool: &Db,
    movie: MovieId,
    size: crate::domain::PosterSize,
) -> sqlx::Result<Option<PosterRef>> {
    sqlx::query_as("SELECT hash, width, height FROM posters WHERE movie_id = $1 AND size = $2")
        .bind(movie.get())
        .bind(size.as_str())
        .fetch_optional(pool)
        .await
}

/// The card-size posters of these movies, by movie id.
pub async fn card_posters(pool: &Db, movies: &[i64]) -> sqlx::Result<HashMap<i64, PosterRef>> {
    if movies.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = serde_json::to_string(movies).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
        "SELECT movie_id, hash, width, height FROM posters
         WHERE size = 'card' AND movie_id IN ({})",
        super::Backend::of(pool).json_integers("$1")
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, hash, width, height)| {
            (
                id,
                PosterRef {
                    hash,
                    width,
                    height,
                },
            )
        })
        .collect())
}

/// A poster's JPEG bytes by its hash.
pub async fn poster_bytes(pool: &Db, hash: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT bytes FROM posters WHERE hash = $1 LIMIT 1")
        .bind(hash)
        .fetch_optional(pool)
        .await
}

/// Movies without details, the most rated (by anyone: users, community raters, critics)
/// and then the most recommended by popularity first: what visitors see most.
pub async fn most_seen_without_details(pool: &Db, limit: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT m.id FROM movies m
         LEFT JOIN ratings r ON r.movie_id = m.id
         WHERE NOT EXISTS (SELECT 1 FROM movie_details d WHERE d.movie_id = m.id)
         GROUP BY m.id
         ORDER BY COUNT(r.movie_id) DESC, COALESCE(m.votes, 0) DESC, m.id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// When a provider may be asked again (epoch seconds), if it is paused.
pub async fn paused_until(pool: &Db, provider: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT paused_until FROM provider_state WHERE provider = $1")
        .bind(provider)
        .fetch_optional(pool)
        .await
}

/// Pauses a provider until `until` (epoch seconds), e.g. the next day after OMDb's limit.
pub async fn pause(pool: &Db, provider: &str, until: i64, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO provider_state (provider, paused_until, reason) VALUES ($1, $2, $3)
         ON CONFLICT (provider) DO UPDATE SET
           paused_until = excluded.paused_until, reason = excluded.reason",
    )
    .bind(provider)
    .bind(until)
    .bind(reason)
    .execute(pool)
    .await
    .map(|_| ())
}

/// A film found at a provider, to add to the catalog.
#[derive(Debug, Clone, Default)]
pub struct ProviderMovie {
    pub title: String,
    pub year: Option<i64>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub genres: Vec<String>,
    /// The folded title for the search index (see `search::text`).
    pub search_title: String,
}

/// The movie that has one of these ids, if any.
pub async fn find_by_provider_ids(
    pool: &Db,
    imdb_id: Option<&str>,
    tmdb_id: Option<i64>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM movies WHERE ($1 IS NOT NULL AND imdb_id = $1)
                                  OR ($2 IS NOT NULL AND tmdb_id = $2)
         ORDER BY id LIMIT 1",
    )
    .bind(imdb_id)
    .bind(tmdb_id)
    .fetch_optional(pool)
    .await
}

/// A movie [`add_movie`] inserted, as the search index takes it in without a rebuild.
#[derive(Debug, Clone)]
pub struct AddedMovie {
    pub row: super::movie_search::IndexRow,
    pub genres: Vec<String>,
    /// The catalog generation before the insert and after its commit: nothing else
    /// changed the catalog in between, so an index at `before` plus this movie is the
    /// catalog at `after`.
    pub before: i64,
    pub after: i64,
}

/// What [`add_movie`] did.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: i64,
    /// `None` when a movie had one of the ids already.
    pub new: Option<AddedMovie>,
}

/// Adds a provider's film to the catalog unless a movie has its IMDb or TMDB id already;
/// returns the movie's id either way. Two requests adding the same film at once end with
/// one movie: the ids' unique indexes refuse the second insert, which then finds the first.
pub async fn add_movie(pool: &Db, movie: &ProviderMovie) -> sqlx::Result<Added> {
    super::movie_search::note_catalog_write();
    let ids = (movie.imdb_id.as_deref(), movie.tmdb_id);
    let existing = |id| Added { id, new: None };
    if let Some(id) = find_by_provider_ids(pool, ids.0, ids.1).await? {
        return Ok(existing(id));
    }
    let mut tx = super::begin_write(pool).await?;
    // Bumped first, so the generation row stays locked to this transaction (SQLite's
    // write lock is the whole database): every bump between `before` and `after` is ours.
    let before: i64 = sqlx::query_scalar(
        "UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1
         RETURNING generation",
    )
    .fetch_one(&mut *tx)
    .await?;
    let inserted = super::catalog_import::insert_movie(
        &mut tx,
        &movie.title,
        movie.year,
        ids.0,
        ids.1,
        None,
        &movie.search_title,
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            drop(tx);
            return find_by_provider_ids(pool, ids.0, ids.1)
                .await?
                .map(existing)
                .ok_or(sqlx::Error::RowNotFound);
        }
        Err(e) => return Err(e),
    };
    // The vocabulary's names: TMDB says "Science Fiction", IMDb "Sci-Fi".
    let mut genres: Vec<&'static str> = movie
        .genres
        .iter()
        .flat_map(|g| crate::catalog::genres::canonical_all(g))
        .collect();
    genres.sort_unstable_by_key(|g| crate::catalog::genres::GENRES.iter().position(|v| v == g));
    genres.dedup();
    for genre in &genres {
        let genre = super::catalog_import::genre_id(&mut tx, genre).await?;
        super::catalog_import::add_genre(&mut tx, id, genre).await?;
    }
    let after: i64 = sqlx::query_scalar("SELECT generation FROM catalog_generation WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Added {
        id,
        new: Some(AddedMovie {
            row: super::movie_search::IndexRow {
                id,
                title: movie.title.clone(),
                year: movie.year,
                imdb_rating: None,
                imdb_votes: None,
                votes: Some(0),
                imdb_id: movie.imdb_id.clone(),
                alternatives: Vec::new(),
            },
            genres: genres.into_iter().map(str::to_owned).collect(),
            // The index to extend is the one before our first bump.
            before: before - 1,
            after,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PosterImage, PosterSize};
    use crate::store::test_db::{movie, with_movies};

    fn poster(size: PosterSize, hash: &str) -> PosterImage {
        PosterImage {
            size,
            width: 10,
            height: 15,
            bytes: vec![1, 2, 3],
            hash: hash.into(),
        }
    }

    #[tokio::test]
    async fn saved_details_read_back_with_ids_scores_critics_and_posters() {
        let (_dir, pool) = with_movies(3).await;
        assert_eq!(find(&pool, movie(2)).await.unwrap(), None);
        let new = NewDetails {
            details: StoredDetails {
                found: true,
                plot: Some("A plot.".into()),
                metacritic: Some(82),
                sources: "omdb,tmdb".into(),
                ..StoredDetails::default()
            },
            imdb_id: Some("tt0111161".into()),
            tmdb_id: Some(278),
            imdb_rating: Some(9.3),
            critic_stars: vec![("Metacritic critics", Stars::parse("4").unwrap())],
            posters: vec![
                poster(PosterSize::Card, "aa"),
                poster(PosterSize::Page, "bb"),
            ],
            ..NewDetails::default()
        };
        save(&pool, movie(2), &new).await.unwrap();
        let stored = find(&pool, movie(2)).await.unwrap().unwrap();
        assert_eq!(stored, new.details);
        assert!(stored.from_tmdb());
        let row = crate::store::movies::find(&pool, movie(2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.imdb_id.as_deref(), Some("tt0111161"));
        assert_eq!(row.imdb_rating, Some(9.3));
        let cards = card_posters(&pool, &[1, 2, 3]).await.unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[&2].url(), "/posters/aa.jpg");
        assert_eq!(
            poster_bytes(&pool, "bb").await.unwrap(),
            Some(vec![1, 2, 3])
        );
        let metacritic: f64 = sqlx::query_scalar(
            "SELECT r.rating FROM ratings r JOIN users u ON u.id = r.user_id
             WHERE u.username = 'Metacritic critics' AND r.movie_id = 2",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(metacritic, 4.0);

        // Another movie with the same IMDb id does not take it (the index is unique).
        save(&pool, movie(3), &new).await.unwrap();
        let other = crate::store::movies::find(&pool, movie(3))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.imdb_id, None);
        // Fetched movies leave the job's queue.
        let queue = most_seen_without_details(&pool, 10).await.unwrap();
        assert_eq!(queue, [1]);
    }
}
