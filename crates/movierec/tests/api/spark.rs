//! `movierec export ratings` and `movierec import factors`, the two ends of a Spark training,
//! run as the real binary against a test app's database. The Spark job itself is played by
//! the test, which writes factors in the layout Spark's CSV writer makes.

use std::collections::HashMap;
use std::path::Path;

use movierec_engine::{ItemIdx, Model, UserIdx};

use crate::helpers::{TestApp, catalog_ids, model_status, spawn_app_with, stdout_of, version};

/// Three site users with different tastes, beside the critic raters the catalog brings. The
/// server never retrains by itself here, so every new model is the one the test stores.
async fn site_with_ratings() -> TestApp {
    let app = spawn_app_with(|config| config.training.retrain_after = 0).await;
    let movies = catalog_ids(30);
    for (n, name) in ["ann", "bob", "cem"].iter().enumerate() {
        app.register(name, "correct horse battery staple").await;
        for (j, movie) in movies.iter().enumerate() {
            let stars = ["1", "2.5", "4", "5"][(j + n) % 4];
            assert_eq!(app.rate(*movie, stars).await.status().as_u16(), 303);
        }
        app.logout().await;
    }
    // A new site trains its first model at start; let it land before the test stores one.
    app.wait_for_version_after(None).await;
    app
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn load_model(path: &Path) -> Model {
    Model::load(std::fs::File::open(path).unwrap()).unwrap()
}

/// A row of factors that depends on the index only, as a finished Spark job would give.
fn factors_of(index: u32, k: usize) -> Vec<f32> {
    (0..k)
        .map(|f| ((index as usize * 7 + f * 3) % 11) as f32 / 20.0 - 0.25)
        .collect()
}

/// Writes a side's factors as Spark's CSV writer does: part files and a `_SUCCESS` marker.
fn write_factors(dir: &Path, n: usize, k: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let row = |i: usize| {
        let f: Vec<String> = factors_of(i as u32, k).iter().map(f32::to_string).collect();
        format!("{i},{}\n", f.join(" "))
    };
    let half = n / 2;
    let part = |range: std::ops::Range<usize>| {
        let mut text = "id,features\n".to_owned();
        range.for_each(|i| text.push_str(&row(i)));
        text
    };
    std::fs::write(dir.join("part-00000-abc.csv"), part(0..half)).unwrap();
    std::fs::write(dir.join("part-00001-abc.csv"), part(half..n)).unwrap();
    std::fs::write(dir.join("_SUCCESS"), "").unwrap();
}

#[tokio::test]
async fn an_export_holds_every_rating_less_the_baseline() {
    let app = site_with_ratings().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    stdout_of(
        &app.run_cli(&["export", "ratings", "--out", out.to_str().unwrap()])
            .await,
    );

    let db = app.database().await;
    let stored: Vec<(i64, i64, f64)> =
        sqlx::query_as("SELECT user_id, movie_id, rating FROM ratings")
            .fetch_all(&db)
            .await
            .unwrap();
    let stored: HashMap<(String, String), f64> = stored
        .into_iter()
        .map(|(u, m, r)| ((u.to_string(), m.to_string()), r))
        .collect();

    let baseline = load_model(&out.join("baseline.mfm"));
    let train = csv_rows(&out.join("ratings.csv"));
    let holdout = csv_rows(&out.join("holdout.csv"));
    assert_eq!(train.len() + holdout.len(), stored.len());
    assert!(!holdout.is_empty());
    let key = |row: &[String]| {
        let user = UserIdx::new(row[0].parse().unwrap());
        let item = ItemIdx::new(row[1].parse().unwrap());
        let ids = (
            baseline.users().ext(user).to_owned(),
            baseline.items().ext(item).to_owned(),
        );
        (user, item, ids)
    };
    for row in &train {
        let (user, item, ids) = key(row);
        let residual: f32 = row[2].parse().unwrap();
        let estimate = baseline.global_mean()
            + baseline.user_bias(user).unwrap()
            + baseline.item_bias(item).unwrap();
        let rating = stored[&ids];
        assert!(
            (f64::from(estimate + residual) - rating).abs() < 1e-4,
            "{row:?}: {estimate} + {residual} is not {rating}"
        );
    }
    for row in &holdout {
        let (_, _, ids) = key(row);
        assert_eq!(row[2].parse::<f64>().unwrap(), stored[&ids]);
    }

    // A second export into the same folder is refused: the files would mix.
    let again = app
        .run_cli(&["export", "ratings", "--out", out.to_str().unwrap()])
        .await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("is not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[tokio::test]
async fn imported_factors_serve_as_the_newest_model() {
    let app = site_with_ratings().await;
    let first = version(&model_status(&app.client, &app.address).await);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let export = out.to_str().unwrap();
    stdout_of(&app.run_cli(&["export", "ratings", "--out", export]).await);

    let baseline = load_model(&out.join("baseline.mfm"));
    let k = 4;
    write_factors(&out.join("user_factors"), baseline.n_users(), k);
    write_factors(&out.join("item_factors"), baseline.n_items(), k);
    let stdout = stdout_of(&app.run_cli(&["import", "factors", export]).await);

    // The held-out RMSE, recomputed here from the baseline and the factors.
    let mut sum = 0.0;
    let holdout = csv_rows(&out.join("holdout.csv"));
    for row in &holdout {
        let (u, i): (u32, u32) = (row[0].parse().unwrap(), row[1].parse().unwrap());
        let raw = baseline.global_mean()
            + baseline.user_bias(UserIdx::new(u)).unwrap_or(0.0)
            + baseline.item_bias(ItemIdx::new(i)).unwrap()
            + factors_of(u, k)
                .iter()
                .zip(factors_of(i, k))
                .map(|(a, b)| a * b)
                .sum::<f32>();
        let e = f64::from(raw.clamp(0.5, 5.0)) - row[2].parse::<f64>().unwrap();
        sum += e * e;
    }
    let expected = (sum / holdout.len() as f64).sqrt();
    assert!(
        stdout.contains(&format!("held-out RMSE: {expected:.4}")),
        "expected {expected:.4} in {stdout}"
    );

    // The running server picks the stored model up, as it would one from another instance.
    let status = app.wait_for_version_after(first).await;
    assert!(stdout.contains(&format!(
        "Stored model version {}",
        version(&status).unwrap()
    )));
    assert_eq!(status["n_users"], baseline.n_users());
    let served = status["holdout_rmse"].as_f64().unwrap();
    assert!((served - expected).abs() < 1e-4, "{served} vs {expected}");
}

#[tokio::test]
async fn a_broken_spark_output_stores_nothing() {
    let app = site_with_ratings().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let export = out.to_str().unwrap();
    stdout_of(&app.run_cli(&["export", "ratings", "--out", export]).await);
    let baseline = load_model(&out.join("baseline.mfm"));
    write_factors(&out.join("user_factors"), baseline.n_users(), 3);
    write_factors(&out.join("item_factors"), baseline.n_items(), 3);
    let part = out.join("item_factors/part-00001-abc.csv");
    let mut text = std::fs::read_to_string(&part).unwrap();
    text.push_str("99999,0.1 0.2 0.3\n");
    std::fs::write(&part, text).unwrap();

    let db = app.database().await;
    let models = |db| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM models")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let before = models(db.clone()).await;
    let failed = app.run_cli(&["import", "factors", export]).await;
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("item index 99999 is out of range"),
        "{stderr}"
    );
    assert_eq!(models(db.clone()).await, before);

    // A job that did not finish (no `_SUCCESS`) is refused too.
    std::fs::remove_file(out.join("user_factors/_SUCCESS")).unwrap();
    let failed = app.run_cli(&["import", "factors", export]).await;
    assert!(String::from_utf8_lossy(&failed.stderr).contains("_SUCCESS"));
    assert_eq!(models(db).await, before);
}
