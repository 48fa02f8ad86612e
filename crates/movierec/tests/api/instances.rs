//! Two real server processes on one database, as behind a load balancer: accounts, ratings
//! and models are shared, and one training runs at a time across both, handed over when the
//! instance training is killed.

use std::time::{Duration, Instant};

use crate::helpers::{
    PATIENCE, TestDatabase, catalog_ids, client, model_status, run_cli_on, version, wait_for_model,
};
use crate::import::{RATINGS_CSV, write_folder};
use crate::process::{Server, count};

const PASSWORD: &str = "correct horse battery";
/// Short leases, so a takeover after a kill happens within the test.
const SHORT_LEASE: [&str; 4] = ["--lease-secs", "3", "--lease-renew-secs", "1"];

#[tokio::test]
async fn two_instances_share_accounts_ratings_and_the_newest_model() {
    let db = TestDatabase::new().await;
    let on_a = client();
    let on_b = client();
    let a = Server::start(&db.url, &["--train-epochs", "3"]).await;
    let first = wait_for_model(&on_a, &a.address, "A's first model", |s| {
        version(s).is_some() && s["training"]["running"] == false
    })
    .await;
    let b = Server::start(&db.url, &["--train-epochs", "3"]).await;
    assert_eq!(
        version(&model_status(&on_b, &b.address).await),
        version(&first)
    );

    // Registered on A, logged in on B, rated on B.
    let register = [
        ("username", "ines"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(a.post_form(&on_a, "/register", &register).await, 303);
    let login = [("username", "ines"), ("password", PASSWORD)];
    assert_eq!(b.post_form(&on_b, "/login", &login).await, 303);
    for (id, stars) in catalog_ids(3).iter().zip(["5", "2.5", "4"]) {
        let path = format!("/movies/{id}/rating");
        assert_eq!(b.post_form(&on_b, &path, &[("stars", stars)]).await, 303);
    }
    let list = a.page(&on_a, "/my/ratings").await;
    assert!(list.contains("3 ratings."), "{list}");

    // Trained on A; B serves the same model within its poll interval.
    let train = on_a
        .post(format!("{}/api/v1/model/train", a.address))
        .send()
        .await
        .unwrap();
    assert_eq!(train.status().as_u16(), 202);
    let trained = wait_for_model(&on_a, &a.address, "A's new model", |s| {
        version(s) > version(&first) && s["training"]["running"] == false
    })
    .await;
    assert_eq!(trained["n_users"], first["n_users"].as_i64().unwrap() + 1);
    let on_b_now = wait_for_model(&on_b, &b.address, "A's new model on B", |s| {
        version(s) == version(&trained)
    })
    .await;
    assert_eq!(on_b_now["n_ratings"], trained["n_ratings"]);
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM leases").await, 0);
}

#[tokio::test]
async fn a_killed_training_instance_hands_the_lease_to_another() {
    let db = TestDatabase::new().await;
    let watch = client();
    // A trains for ages from the start: there is no model yet.
    let endless = [&["--train-epochs", "100000000"][..], &SHORT_LEASE].concat();
    let a = Server::start(&db.url, &endless).await;
    wait_for_model(&watch, &a.address, "A's training epochs", |s| {
        s["training"]["running"] == true && s["training"]["epoch"].as_u64() >= Some(2)
    })
    .await;
    let holder: String = {
        let pool = movierec::store::connect(&db.url).await.unwrap();
        let holder = sqlx::query_scalar("SELECT holder FROM leases WHERE name = 'training'")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        holder
    };
    assert!(holder.contains(&format!("process {}", a.pid())), "{holder}");

    // B starts while A trains: its own first training is skipped, and it says why.
    let quick = [&["--train-epochs", "3"][..], &SHORT_LEASE].concat();
    let b = Server::start(&db.url, &quick).await;
    let skipped = wait_for_model(&watch, &b.address, "B's skipped training", |s| {
        s["training"]["running"] == false && s["training"]["skipped"].is_string()
    })
    .await;
    let why = skipped["training"]["skipped"].as_str().unwrap();
    assert!(why.contains("another instance is training"), "{why}");
    assert!(why.contains(&holder), "{why}");
    assert_eq!(version(&skipped), None);

    // The command line refuses too, naming the holder: a training, and an import.
    let train = run_cli_on(&db.url, &["train", "--epochs", "2"]).await;
    let stderr = String::from_utf8_lossy(&train.stderr);
    assert!(!train.status.success());
    assert!(
        stderr.contains(&format!("the training lease is held by {holder}")),
        "{stderr}"
    );
    // An import started now waits for the training rather than run beside it.
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), RATINGS_CSV);
    let path = dir.path().to_str().unwrap().to_owned();
    let import = {
        let url = db.url.clone();
        tokio::spawn(async move { run_cli_on(&url, &["import", "movielens", &path]).await })
    };
    let started = Instant::now();
    while count(&db.url, "SELECT COUNT(*) FROM leases WHERE name = 'import'").await == 0 {
        assert!(started.elapsed() < PATIENCE, "the import never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!import.is_finished());

    // Killed mid-training: A stored nothing, and once its lease expires B trains.
    a.kill();
    let register = [
        ("username", "olu"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(b.post_form(&watch, "/register", &register).await, 303);
    let killed_at = Instant::now();
    let status = loop {
        let response = watch
            .post(format!("{}/api/v1/model/train", b.address))
            .send()
            .await
            .unwrap();
        assert!([202, 409].contains(&response.status().as_u16()));
        let status = wait_for_model(&watch, &b.address, "B's training to end", |s| {
            s["training"]["running"] == false
        })
        .await;
        if version(&status).is_some() {
            break status;
        }
        let why = status["training"]["skipped"].as_str().unwrap_or_default();
        assert!(why.contains("another instance is training"), "{status}");
        assert!(
            killed_at.elapsed() < PATIENCE,
            "B never took the lease over: {status}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(status["training"]["error"], serde_json::Value::Null);
    assert_eq!(status["training"]["skipped"], serde_json::Value::Null);
    assert_eq!(status["epochs"].as_array().unwrap().len(), 3);
    // Once A's lease expired the import ran (before or after B's training), then let go.
    let import = import.await.unwrap();
    let stderr = String::from_utf8_lossy(&import.stderr);
    assert!(import.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("waiting for the training lease, held by {holder}")),
        "{stderr}"
    );
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM models").await, 1);
    assert_eq!(count(&db.url, "SELECT COUNT(*) FROM leases").await, 0);
}

#[tokio::test]
async fn a_lease_renewed_no_sooner_than_it_expires_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("movierec.db").display());
    let args = [
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--lease-secs",
        "5",
        "--lease-renew-secs",
        "5",
    ];
    let output = run_cli_on(&url, &args).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("--lease-renew-secs (5) must be less than --lease-secs (5)"),
        "{stderr}"
    );
}
