use crate::helpers::spawn_app;

async fn counts(db: &sqlx::SqlitePool) -> (i64, i64, i64) {
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

    // A restart finds the catalog in place and changes nothing.
    let app = app.restart().await;
    assert_eq!(
        counts(&app.database().await).await,
        (movies, critics, ratings)
    );
}
