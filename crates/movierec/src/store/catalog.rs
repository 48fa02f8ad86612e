//! Loading the embedded catalog into the database.

use std::collections::HashSet;

use crate::store::{Db, DbTx};

use crate::domain::Stars;

/// One catalog movie as the database stores it, with the two critics' ratings
/// already converted to stars.
#[derive(Debug, Clone)]
pub struct CatalogRow {
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
    pub genres: Vec<String>,
    /// One entry per critic account, in the order of `load`'s `critics`.
    pub critic_stars: Vec<Option<Stars>>,
}

/// Loads the catalog in one transaction, unless the database already holds exactly
/// this many movies among the catalog's ids (the usual restart). Returns whether anything
/// was written.
///
/// Movies added later (imports) take ids above the catalog's, so they are not counted:
/// counting every movie would reload the catalog, and rewrite the critics' ratings, on
/// every start after an import. Rows are upserted, so a newer catalog refreshes an older
/// one in place and never touches users' ratings.
pub async fn load(pool: &Db, critics: &[&str], rows: &[CatalogRow]) -> sqlx::Result<bool> {
    super::movie_search::note_catalog_write();
    let last_id = rows.iter().map(|r| r.id).max().unwrap_or(0);
    let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movies WHERE id <= $1")
        .bind(last_id)
        .fetch_one(pool)
        .await?;
    // Catalog films merged into another film stay merged: they count as present and are
    // never loaded again.
    let merged: HashSet<i64> = sqlx::query_scalar(
        "SELECT from_id FROM movie_redirects r
         WHERE from_id <= $1 AND NOT EXISTS (SELECT 1 FROM movies m WHERE m.id = r.from_id)",
    )
    .bind(last_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    if usize::try_from(present).is_ok_and(|n| n + merged.len() == rows.len()) {
        return Ok(false);
    }
    let mut tx = super::begin_write(pool).await?;
    let mut critic_ids = Vec::with_capacity(critics.len());
    for name in critics {
        critic_ids.push(critic_id(&mut tx, name).await?);
    }
    let now = super::now();
    for row in rows.iter().filter(|r| !merged.contains(&r.id)) {
        upsert_movie(&mut tx, row).await?;
        for genre in &row.genres {
            let genre_id: i64 = sqlx::query_scalar(
                "INSERT INTO genres (name) VALUES ($1)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name
                 RETURNING id",
            )
            .bind(genre)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO movie_genres (movie_id, genre_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(row.id)
            .bind(genre_id)
            .execute(&mut *tx)
            .await?;
        }
        for (critic, stars) in critic_ids.iter().zip(&row.critic_stars) {
            if let Some(stars) = stars {
                sqlx::query(
                    "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (user_id, movie_id)
                     DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
                )
                .bind(*critic)
                .bind(row.id)
                .bind(stars.value())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    super::sync_id_sequence(&mut tx, "movies").await?;
    tx.commit().await?;
    Ok(true)
}

async fn upsert_movie(tx: &mut DbTx<'_>, row: &CatalogRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO movies (id, title, year, release_date, director, mpaa, runtime_min,
                             imdb_rating, imdb_votes, rotten_tomatoes, creative_type, source,
                             distributor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET
           title = excluded.title, year = excluded.year, release_date = excluded.release_date,
           director = excluded.director, mpaa = excluded.mpaa, runtime_min = excluded.runtime_min,
           imdb_rating = excluded.imdb_rating, imdb_votes = excluded.imdb_votes,
           rotten_tomatoes = excluded.rotten_tomatoes, creative_type = excluded.creative_type,
           source = excluded.source, distributor = excluded.distributor",
    )
    .bind(row.id)
    .bind(&row.title)
    .bind(row.year)
    .bind(&row.release_date)
    .bind(&row.director)
    .bind(&row.mpaa)
    .bind(row.runtime_min)
    .bind(super::NullableF64(row.imdb_rating))
    .bind(row.imdb_votes)
    .bind(row.rotten_tomatoes)
    .bind(&row.creative_type)
    .bind(&row.source)
    .bind(&row.distributor)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub(crate) async fn critic_id(tx: &mut DbTx<'_>, name: &str) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO users (username, username_lower, password_hash, kind, created_at)
         VALUES ($1, $2, NULL, 'critic', $3)
         ON CONFLICT (username_lower) DO NOTHING",
    )
    .bind(name)
    .bind(name.to_lowercase())
    .bind(super::now())
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar("SELECT id FROM users WHERE username_lower = $1 AND kind = 'critic'")
        .bind(name.to_lowercase())
        .fetch_one(&mut **tx)
        .await
}
