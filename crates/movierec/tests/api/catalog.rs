use crate::helpers::{model_status, spawn_app, version};

async fn counts(db: &movierec::store::Db) -> (i64, i64, i64) {
    let movies = sqlx::query_scalar("SELECT COUNT(*) FROM movies")
        .fetch_one(db)
        .await
        .unwrap();
    let critics = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE kind = 'critic'")
        .fetch_one(db)
        .await
        .unwrap();
    let ratings = sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
        .fetch_one(db)
        .await
        .unwrap();
    (movies, critics, ratings)
}

#[tokio::test]
async fn catalog_is_loaded_once_with_its_critics() {
    let app = spawn_app().await;
    let db = app.database().await;
    let (movies, critics, ratings) = counts(&db).await;
    let catalog = movierec::catalog::embedded().unwrap();
    assert_eq!(usize::try_from(movies).unwrap(), catalog.len());
    assert!(movies >= 3000);
    assert_eq!(critics, 2);
    let expected: usize = catalog
        .iter()
        .map(|m| usize::from(m.imdb_rating.is_some()) + usize::from(m.rotten_tomatoes.is_some()))
        .sum();
    assert_eq!(usize::try_from(ratings).unwrap(), expected);

    // A restart finds the catalog in place and changes nothing. A reload would write the same
    // values, so the ratings are first dated back to a time no load writes: a reload would
    // date them now (which also counts as rating changes due for retraining).
    let first_model = version(&app.wait_for_version_after(None).await);
    sqlx::query("UPDATE ratings SET updated_at = 1")
        .execute(&db)
        .await
        .unwrap();
    let movies_before = movie_rows(&db).await;
    db.close().await;
    let app = app.restart().await;
    let db = app.database().await;
    assert_eq!(counts(&db).await, (movies, critics, ratings));
    let redated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE updated_at <> 1")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(redated, 0, "the restart rewrote ratings");
    assert_eq!(movie_rows(&db).await, movies_before);
    let status = model_status(&app.client, &app.address).await;
    assert_eq!(version(&status), first_model, "{status}");
    assert_eq!(status["training"]["running"], false, "{status}");
}

/// Every movie row and its genres, in id order.
async fn movie_rows(
    db: &movierec::store::Db,
) -> Vec<(i64, String, Option<i64>, Option<f64>, String)> {
    sqlx::query_as(
        "SELECT m.id, m.title, m.year, m.imdb_rating,
                COALESCE((SELECT string_agg(CAST(mg.genre_id AS TEXT), ',') FROM movie_genres mg
                          WHERE mg.movie_id = m.id), '')
         FROM movies m ORDER BY m.id",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn imdb_ratings_are_stored_as_the_catalog_writes_them() {
    let app = spawn_app().await;
    let db = app.database().await;
    let stored: Vec<(i64, f64)> =
        sqlx::query_as("SELECT id, imdb_rating FROM movies WHERE imdb_rating IS NOT NULL")
            .fetch_all(&db)
            .await
            .unwrap();
    let catalog = movierec::catalog::embedded().unwrap();
    assert_eq!(
        stored.len(),
        catalog.iter().filter(|m| m.imdb_rating.is_some()).count()
    );
    for (id, rating) in stored {
        let source = catalog.iter().find(|m| i64::from(m.id) == id).unwrap();
        assert_eq!(Some(rating), source.imdb_rating, "movie {id}");
        // Shortest round-trip form: "5.7", never "5.699999809265137".
        let shown = rating.to_string();
        assert!(shown.len() <= 4, "movie {id}: {shown}");
    }
}

#[tokio::test]
async fn the_migration_puts_back_exact_tenths_in_older_databases() {
    let app = spawn_app().await;
    let db = app.database().await;
    // What a database loaded through f32 held.
    let noisy = f64::from(5.7_f32);
    assert_ne!(noisy, 5.7);
    let id: i64 = sqlx::query_scalar(
        "UPDATE movies SET imdb_rating = $1
         WHERE id = (SELECT MIN(id) FROM movies WHERE imdb_rating IS NOT NULL) RETURNING id",
    )
    .bind(noisy)
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::raw_sql(include_str!(
        "../../migrations/sqlite/0003_imdb_rating_tenths.sql"
    ))
    .execute(&db)
    .await
    .unwrap();
    let fixed: f64 = sqlx::query_scalar("SELECT imdb_rating FROM movies WHERE id = $1")
        .bind(id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(fixed, 5.7);
}
