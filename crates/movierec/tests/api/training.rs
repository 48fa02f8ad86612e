//! The training job through the app: API, Model page, single flight, requests during
//! training, automatic retraining and damaged stored models.

use std::time::Duration;

use crate::helpers::{TestApp, catalog_ids, spawn_app, spawn_app_with, version};

const PASSWORD: &str = "correct horse battery";

/// Catalog ratings by the critic accounts, as loaded on first start.
async fn ratings_in_database(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
        .fetch_one(&app.database().await)
        .await
        .unwrap()
}

async fn post_train(app: &TestApp) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/model/train"))
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn first_start_trains_from_the_critics() {
    let app = spawn_app().await;
    let status = app.wait_for_version_after(None).await;
    assert_eq!(
        status["n_ratings"].as_i64().unwrap(),
        ratings_in_database(&app).await
    );
    // The catalog's critic accounts are the only raters.
    assert_eq!(status["n_users"], 2);
    assert_eq!(status["training"]["error"], serde_json::Value::Null);
}

#[tokio::test]
async fn train_through_the_api_and_see_the_model_page() {
    let app = spawn_app().await;
    let first = version(&app.wait_for_version_after(None).await);

    // Anonymous visitors may look through the API but not train, nor see the page.
    assert_eq!(post_train(&app).await.status().as_u16(), 401);
    crate::helpers::assert_redirects_to(&app.get("/model").await, "/login?next=/model");

    app.register("tess", PASSWORD).await;
    for (id, stars) in catalog_ids(4).into_iter().zip(["5", "4", "1", "2.5"]) {
        app.rate(id, stars).await;
    }
    let response = post_train(&app).await;
    assert_eq!(response.status().as_u16(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["training"]["running"], true);

    let status = app.wait_for_version_after(first).await;
    assert!(version(&status) > first);
    assert_eq!(
        status["n_ratings"].as_i64().unwrap(),
        ratings_in_database(&app).await
    );
    assert_eq!(status["n_users"], 3);
    let rmse = status["holdout_rmse"].as_f64().expect("a held-out RMSE");
    assert!(rmse > 0.0 && rmse < 4.5, "{rmse}");
    let epochs = status["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), movierec_engine::Params::default().epochs);
    // The curve is measured on the engine's training state, the figure on the finished model
    // (where movies that only appear in the held-out sample fall back to biases): close, not equal.
    let last = epochs.last().unwrap()["holdout_rmse"].as_f64().unwrap();
    assert!((last - rmse).abs() < 0.05, "{last} vs {rmse}");
    assert_eq!(status["training"]["epoch"], epochs.len());
    assert_eq!(status["training"]["version"], status["version"]);

    let page = app.get_html("/model").await;
    let v = version(&status).unwrap();
    assert!(
        page.contains(&format!("<dd id=\"model-version\">{v}</dd>")),
        "{page}"
    );
    assert!(page.contains(&format!("{rmse:.4}")), "{page}");
    let svg = &page[page.find("<svg").expect("an inline chart")..];
    assert!(svg.contains("<polyline"), "{svg}");
    assert!(page.contains("Train now"));
    assert!(page.contains("href=\"/model\""), "nav link");

    // The page's button starts a training too and comes back to the page.
    let response = app.post_form("/model/train", &[("", "")]).await;
    crate::helpers::assert_redirects_to(&response, "/model");
    let status = app.wait_for_version_after(Some(v)).await;
    assert!(version(&status) > Some(v));
}

#[tokio::test]
async fn one_training_at_a_time_and_requests_answer_meanwhile() {
    // The first-start training runs (practically) forever.
    let app = spawn_app_with(|c| c.training.epochs = Some(100_000_000)).await;
    let running = crate::helpers::wait_for_model(&app.client, &app.address, "epochs", |s| {
        s["training"]["running"] == true && s["training"]["epoch"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(running["training"]["epochs"], 100_000_000);
    assert_eq!(running["version"], serde_json::Value::Null);

    app.register("otto", PASSWORD).await;
    let response = post_train(&app).await;
    assert_eq!(response.status().as_u16(), 409);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(body["error"]["message"], "A training is already running.");
    let response = app.post_form("/model/train", &[("", "")]).await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("A training is already running.")
    );

    // Pages answer while the training holds the cores: had a request waited for the
    // training, it would never answer.
    for path in ["/", "/model", "/api/v1/model"] {
        let response = app
            .client
            .get(app.url(path))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path} did not answer during training: {e}"));
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    let page = app
        .client
        .get(app.url("/model"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Training: epoch"), "{page}");
    assert!(page.contains("data-training-running=\"true\""));

    let later = crate::helpers::model_status(&app.client, &app.address).await;
    assert_eq!(later["training"]["running"], true);
    assert!(later["training"]["epoch"].as_u64() > running["training"]["epoch"].as_u64());
}

#[tokio::test]
async fn recommendations_from_the_model_answer_during_a_long_training() {
    let app = spawn_app().await;
    let first = version(&app.wait_for_version_after(None).await);
    app.register("rex", PASSWORD).await;
    for (id, stars) in catalog_ids(6)
        .into_iter()
        .zip(["5", "4.5", "1", "2", "4", "3"])
    {
        app.rate(id, stars).await;
    }
    let app = app
        .restart_with(|c| c.training.epochs = Some(100_000_000))
        .await;
    assert_eq!(post_train(&app).await.status().as_u16(), 202);
    let running = crate::helpers::wait_for_model(&app.client, &app.address, "epochs", |s| {
        s["training"]["epoch"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(version(&running), first);

    for _ in 0..5 {
        let response = app
            .client
            .get(app.url("/api/v1/recommendations?n=10"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("recommendations answer during training");
        assert_eq!(response.status().as_u16(), 200);
        let picks: serde_json::Value = response.json().await.unwrap();
        let picks = picks.as_array().unwrap();
        assert_eq!(picks.len(), 10);
        assert!(picks.iter().all(|p| p["source"] == "model"), "{picks:?}");
        let home = app.get("/").await;
        assert_eq!(home.status().as_u16(), 200);
    }
    let later = crate::helpers::model_status(&app.client, &app.address).await;
    assert_eq!(
        later["training"]["running"], true,
        "still training: {later}"
    );
}

#[tokio::test]
async fn retrains_by_itself_after_enough_new_ratings() {
    let app = spawn_app_with(|c| {
        c.training.retrain_after = 3;
        c.training.retrain_interval = Duration::ZERO;
    })
    .await;
    let first = version(&app.wait_for_version_after(None).await);
    // Changes count from the second after the model read its data.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.register("ada", PASSWORD).await;
    let ids = catalog_ids(3);
    app.rate(ids[0], "5").await;
    app.rate(ids[1], "4").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        version(&crate::helpers::model_status(&app.client, &app.address).await),
        first,
        "two changes are not enough"
    );
    app.rate(ids[2], "1").await;
    let status = app.wait_for_version_after(first).await;
    assert_eq!(status["n_users"], 3);
}

#[tokio::test]
async fn only_the_newest_models_are_kept() {
    let app = spawn_app().await;
    let mut latest = version(&app.wait_for_version_after(None).await);
    app.register("kept", PASSWORD).await;
    for _ in 0..6 {
        assert_eq!(post_train(&app).await.status().as_u16(), 202);
        latest = version(&app.wait_for_version_after(latest).await);
    }
    let kept: Vec<i64> = sqlx::query_scalar("SELECT id FROM models ORDER BY id")
        .fetch_all(&app.database().await)
        .await
        .unwrap();
    let newest = latest.unwrap();
    let keep = movierec::store::models::KEEP;
    assert_eq!(kept, ((newest - keep + 1)..=newest).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_damaged_stored_model_falls_back_to_the_previous_one() {
    let app = spawn_app().await;
    let first = version(&app.wait_for_version_after(None).await);
    app.register("dora", PASSWORD).await;
    assert_eq!(post_train(&app).await.status().as_u16(), 202);
    let second = version(&app.wait_for_version_after(first).await);

    sqlx::query("UPDATE models SET data = $1 WHERE id = $2")
        .bind(b"not a model".as_slice())
        .bind(second)
        .execute(&app.database().await)
        .await
        .unwrap();
    let app = app.restart().await;
    let status = crate::helpers::model_status(&app.client, &app.address).await;
    assert_eq!(version(&status), first);
    assert_eq!(status["training"]["running"], false);
}

#[tokio::test]
async fn a_diverging_training_keeps_the_previous_model_serving() {
    let app = spawn_app().await;
    let good = version(&app.wait_for_version_after(None).await);
    app.register("dino", PASSWORD).await;
    for (id, stars) in catalog_ids(4).into_iter().zip(["5", "4.5", "1", "2"]) {
        app.rate(id, stars).await;
    }
    let picks_before = app.get("/api/v1/recommendations?n=5").await;
    assert_eq!(picks_before.status().as_u16(), 200);
    let picks_before: serde_json::Value = picks_before.json().await.unwrap();

    // A learning rate of 50 blows SGD up within an epoch or two.
    let app = app
        .restart_with(|c| c.training.learning_rate = Some(50.0))
        .await;
    assert_eq!(post_train(&app).await.status().as_u16(), 202);
    let failed = crate::helpers::wait_for_model(&app.client, &app.address, "the failure", |s| {
        s["training"]["running"] == false && !s["training"]["error"].is_null()
    })
    .await;
    let error = failed["training"]["error"].as_str().unwrap();
    assert!(error.contains("training diverged at epoch"), "{error}");
    assert_eq!(version(&failed), good, "the good model still serves");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM models")
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    assert_eq!(stored, 1, "nothing was stored");

    let picks_after = app.get("/api/v1/recommendations?n=5").await;
    assert_eq!(picks_after.status().as_u16(), 200);
    let picks_after: serde_json::Value = picks_after.json().await.unwrap();
    assert_eq!(picks_after, picks_before);
    assert!(
        picks_after
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["source"] == "model"),
        "{picks_after}"
    );
}

#[tokio::test]
async fn stored_models_carry_the_engine_parameters() {
    let app = spawn_app().await;
    let v = version(&app.wait_for_version_after(None).await).unwrap();
    let params: String = sqlx::query_scalar("SELECT params FROM models WHERE id = $1")
        .bind(v)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    let params: serde_json::Value = serde_json::from_str(&params).unwrap();
    let defaults = movierec_engine::Params::default();
    assert_eq!(params["algorithm"], "sgd");
    assert_eq!(params["factors"], defaults.factors);
    assert_eq!(params["lr"], 0.03, "{params}");
    assert_eq!(params["holdout_fraction"], 0.05);
    // The app's model is the hybrid: the implicit-feedback model trains beside the rating model,
    // and the stored file carries it.
    let implicit = movierec_engine::ImplicitParams::default();
    assert_eq!(params["implicit"]["factors"], implicit.factors, "{params}");
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM models WHERE id = $1")
        .bind(v)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    let model = movierec::serving::Model::from_bytes(&data).unwrap();
    let chosen = model.implicit().expect("an implicit part").params();
    // What is stored is what the model was trained with, the search's choice included.
    let stored = |v: &serde_json::Value| v.as_f64().expect("a number") as f32;
    assert_eq!(stored(&params["implicit"]["reg"]), chosen.reg, "{params}");
    assert_eq!(stored(&params["blend"]), model.blend(), "{params}");
}

async fn stored_model(app: &TestApp, v: i64) -> (serde_json::Value, movierec_engine::Model) {
    let (params, data): (String, Vec<u8>) =
        sqlx::query_as("SELECT params, data FROM models WHERE id = $1")
            .bind(v)
            .fetch_one(&app.database().await)
            .await
            .unwrap();
    let model = movierec_engine::Model::from_bytes(&data).unwrap();
    (serde_json::from_str(&params).unwrap(), model)
}

#[tokio::test]
async fn the_next_training_searches_from_the_values_the_last_one_chose() {
    let app = spawn_app().await;
    let first = version(&app.wait_for_version_after(None).await).unwrap();
    // As if the first training's search had moved the implicit model's values.
    let (mut params, _) = stored_model(&app, first).await;
    params["implicit"]["factors"] = 16.into();
    params["implicit"]["reg"] = 0.05.into();
    params["implicit"]["unobserved_weight"] = 0.15.into();
    sqlx::query("UPDATE models SET params = $1 WHERE id = $2")
        .bind(params.to_string())
        .bind(first)
        .execute(&app.database().await)
        .await
        .unwrap();

    app.register("rhea", PASSWORD).await;
    assert_eq!(post_train(&app).await.status().as_u16(), 202);
    let second = version(&app.wait_for_version_after(Some(first)).await).unwrap();
    // Two critics are too few users to search on, so the start is what the model keeps.
    let (stored, model) = stored_model(&app, second).await;
    let implicit = model.implicit().expect("an implicit part").params();
    assert_eq!(
        (implicit.factors, implicit.reg, implicit.unobserved_weight),
        (16, 0.05, 0.15)
    );
    assert_eq!(stored["implicit"]["factors"], 16, "{stored}");
}
