//! Loading the embedded catalog into the database, and the statements that keep
//! catalog-wide figures (the vote count, the genre names) consistent across sources.

use std::collections::HashSet;

use crate::store::{Backend, Db, DbConn, DbTx};

use crate::catalog::genres;
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
    /// Other titles as (title key, title), kept in `movie_titles` from the `embedded` source.
    pub also: Vec<(String, String)>,
}

/// Loads the catalog in one transaction, unless the database already holds exactly
/// this many movies among the catalog's ids (the usual restart). Returns whether anything
/// was written.
///
/// Movies added later (by catalog imports) take ids above the catalog's, so they are not counted:
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
    let also: Vec<super::catalog_import::TitleRow> = rows
        .iter()
        .filter(|r| !merged.contains(&r.id))
        .flat_map(|r| {
            r.also
                .iter()
                .map(|(key, title)| super::catalog_import::TitleRow {
                    movie_id: r.id,
                    title_key: key.clone(),
                    title: title.clone(),
                    year: r.year,
                    source: "embedded",
                })
        })
        .collect();
    super::catalog_import::insert_titles(&mut tx, &also).await?;
    super::sync_id_sequence(&mut tx, "movies").await?;
    refresh_votes(&mut tx).await?;
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

/// The `SELECT` of (movie id, vote count) behind [`refresh_votes`]: IMDb's votes, else the
/// community raters of a MovieLens import, else the site's ratings (users and critics;
/// community raters only rate films that have a community count). `filter` restricts the
/// films (`AND …` on `m`), both in the count and in the result.
///
/// The ratings are counted only for films with neither figure, grouped once, through the
/// index on `ratings (movie_id)`: a few thousand films at most, where counting every film's
/// ratings would read all 30 million of a large MovieLens set.
fn votes_select(filter: &str) -> String {
    format!(
        "SELECT m.id, COALESCE(m.imdb_votes, m.community_votes, s.raters, 0) AS votes
           FROM movies m
           LEFT JOIN (SELECT r.movie_id, COUNT(*) AS raters FROM ratings r
                       WHERE r.movie_id IN (SELECT m.id FROM movies m
                                             WHERE m.imdb_votes IS NULL
                                               AND m.community_votes IS NULL {filter})
                       GROUP BY r.movie_id) s ON s.movie_id = m.id
          WHERE 1 = 1 {filter}"
    )
}

/// Writes `votes` where it differs from [`votes_select`]'s, and bumps the catalog
/// generation when any changed. Returns how many films changed.
async fn write_votes(conn: &mut DbConn, filter: &str, ids_json: Option<&str>) -> sqlx::Result<u64> {
    let sql = format!(
        "UPDATE movies SET votes = v.votes FROM ({}) AS v
          WHERE movies.id = v.id AND (movies.votes IS NULL OR movies.votes <> v.votes)",
        votes_select(filter)
    );
    let mut query = sqlx::query(&sql);
    if let Some(ids) = ids_json {
        query = query.bind(ids);
    }
    let changed = query.execute(&mut *conn).await?.rows_affected();
    if changed > 0 {
        // Search sorts by `votes`, but the generation triggers (migration 19) list only the
        // columns search read then; this is the one writer of the column, so it bumps.
        super::movie_search::note_catalog_write();
        sqlx::query("UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1")
            .execute(&mut *conn)
            .await?;
    }
    Ok(changed)
}

/// Recomputes every film's `votes`, the one count "Most votes" and popularity read (see
/// [`votes_select`]), in one statement. Run after a catalog import and after a training run
/// (the site's own ratings change between trainings). Returns how many films changed.
pub async fn refresh_votes(conn: &mut DbConn) -> sqlx::Result<u64> {
    write_votes(conn, "", None).await
}

/// [`refresh_votes`] for the films `ids` only (a merge, a film's figures just changed).
pub async fn refresh_votes_of(conn: &mut DbConn, ids: &[i64]) -> sqlx::Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ids_json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
    let backend = Backend::of_conn(conn);
    let filter = format!("AND m.id IN ({})", backend.json_integers("$1"));
    write_votes(conn, &filter, Some(&ids_json)).await
}

/// Folds genre names outside the vocabulary ([`genres::GENRES`]) into it: each film of
/// "Science Fiction" gets "Sci-Fi", of "Romantic Comedy" Comedy and Romance, and the old
/// name goes; a name that is no film genre ("IMAX") goes without replacement. Older sites
/// stored each source's own names; after this every reader (search, the movie page,
/// recommendations' reasons, content features) sees one vocabulary without mapping names
/// on each read. Run at every connect: when every name is already in the vocabulary it is
/// one read of the small genre table. Returns how many names were folded.
pub async fn canonicalise_genres(pool: &Db) -> sqlx::Result<usize> {
    let canonical = |rows: &[(i64, String)]| rows.iter().all(|(_, n)| genres::is_canonical(n));
    if canonical(&genre_rows(pool).await?) {
        return Ok(0);
    }
    super::movie_search::note_catalog_write();
    let mut tx = super::begin_write(pool).await?;
    if Backend::of(pool) == Backend::Postgres {
        // Two processes starting at once: the second waits, then finds nothing to fold.
        sqlx::query("LOCK TABLE genres IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    let rows = genre_rows(&mut *tx).await?;
    let mut folded = 0;
    for (id, name) in rows.iter().filter(|(_, name)| !genres::is_canonical(name)) {
        let targets = genres::canonical_all(name);
        for &target in &targets {
            let target: i64 = sqlx::query_scalar(
                "INSERT INTO genres (name) VALUES ($1)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name
                 RETURNING id",
            )
            .bind(target)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO movie_genres (movie_id, genre_id)
                 SELECT movie_id, $1 FROM movie_genres WHERE genre_id = $2
                 ON CONFLICT DO NOTHING",
            )
            .bind(target)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM movie_genres WHERE genre_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM genres WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tracing::info!(genre = %name, into = ?targets, "genre folded into the vocabulary");
        folded += 1;
    }
    tx.commit().await?;
    Ok(folded)
}

async fn genre_rows<'c, E>(executor: E) -> sqlx::Result<Vec<(i64, String)>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_as("SELECT id, name FROM genres ORDER BY id")
        .fetch_all(executor)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{user, with_movies};

    async fn votes(pool: &Db) -> Vec<(i64, Option<i64>)> {
        sqlx::query_as("SELECT id, votes FROM movies ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    async fn generation(pool: &Db) -> i64 {
        super::super::movie_search::catalog_generation(pool)
            .await
            .unwrap()
    }

    async fn run(pool: &Db, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    #[tokio::test]
    async fn votes_are_imdb_s_else_community_raters_else_the_site_s() {
        let (_dir, pool) = with_movies(4).await;
        // Loading the catalog counts its films: IMDb's votes.
        assert_eq!(
            votes(&pool).await,
            [
                (1, Some(1000)),
                (2, Some(2000)),
                (3, Some(3000)),
                (4, Some(4000))
            ]
        );
        run(
            &pool,
            "UPDATE movies SET imdb_votes = NULL, community_votes = 77 WHERE id = 3",
        )
        .await;
        run(&pool, "UPDATE movies SET community_votes = 5 WHERE id = 2").await;
        run(&pool, "UPDATE movies SET imdb_votes = NULL WHERE id = 4").await;
        let ann = user(&pool, "Ann").await;
        run(
            &pool,
            &format!("INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ({ann}, 4, 4.0, 1)"),
        )
        .await;

        let mut conn = pool.acquire().await.unwrap();
        let before = generation(&pool).await;
        assert_eq!(refresh_votes(&mut conn).await.unwrap(), 2);
        // Film 4: the catalog critic's rating and Ann's.
        assert_eq!(
            votes(&pool).await,
            [
                (1, Some(1000)),
                (2, Some(2000)),
                (3, Some(77)),
                (4, Some(2))
            ]
        );
        assert!(
            generation(&pool).await > before,
            "search must see the new order"
        );

        let before = generation(&pool).await;
        assert_eq!(refresh_votes(&mut conn).await.unwrap(), 0);
        assert_eq!(generation(&pool).await, before, "nothing changed");

        run(&pool, &format!("DELETE FROM ratings WHERE user_id = {ann}")).await;
        assert_eq!(refresh_votes_of(&mut conn, &[1, 3]).await.unwrap(), 0);
        assert_eq!(refresh_votes_of(&mut conn, &[4]).await.unwrap(), 1);
        assert_eq!(votes(&pool).await[3], (4, Some(1)));
        assert_eq!(refresh_votes_of(&mut conn, &[]).await.unwrap(), 0);
    }

    async fn genres_of(pool: &Db, movie: i64) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT g.name FROM genres g JOIN movie_genres mg ON mg.genre_id = g.id
              WHERE mg.movie_id = $1 ORDER BY g.name",
        )
        .bind(movie)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn older_genre_names_fold_into_the_vocabulary() {
        // Every film is a Drama; film 2 a Comedy too.
        let (_dir, pool) = with_movies(3).await;
        for (movie, name) in [
            (1, "Science Fiction"),
            (2, "Romantic Comedy"),
            (3, "IMAX"),
            (3, "sci-fi"),
        ] {
            run(
                &pool,
                &format!(
                    "INSERT INTO genres (name) VALUES ('{name}') ON CONFLICT (name) DO NOTHING;
                     INSERT INTO movie_genres (movie_id, genre_id)
                     SELECT {movie}, id FROM genres WHERE name = '{name}'"
                ),
            )
            .await;
        }
        let before = generation(&pool).await;
        assert_eq!(canonicalise_genres(&pool).await.unwrap(), 4);
        assert_eq!(genres_of(&pool, 1).await, ["Drama", "Sci-Fi"]);
        assert_eq!(genres_of(&pool, 2).await, ["Comedy", "Drama", "Romance"]);
        assert_eq!(genres_of(&pool, 3).await, ["Drama", "Sci-Fi"]);
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM genres ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(names, ["Comedy", "Drama", "Romance", "Sci-Fi"]);
        assert!(generation(&pool).await > before, "search must rebuild");
        assert_eq!(canonicalise_genres(&pool).await.unwrap(), 0);
    }
}
