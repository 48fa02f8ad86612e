//! The real `movierec` binary: killed in the middle of a training, and `movierec train
//! --database-url` beside a running server.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

use crate::helpers::{
    PATIENCE, catalog_ids, client, model_status, spawn_app, version, wait_for_model,
};

const PASSWORD: &str = "correct horse battery";

/// A `movierec serve` process, killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    pub async fn start(database_url: &str, extra: &[&str]) -> Server {
        // The port is free now; nothing else in the test binds between here and the spawn.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_movierec"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .args([
                "--retrain-after",
                "0",
                "--model-poll-secs",
                "1",
                "--log",
                "warn",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        movierec::tls::install();
        let probe = Client::new();
        while probe
            .get(format!("{}/health", server.address))
            .send()
            .await
            .is_err()
        {
            assert!(started.elapsed() < PATIENCE, "the server never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// The process id, as the server names itself in a lease.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL sent");
        self.child.wait().expect("process reaped");
    }

    pub async fn post_form(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> u16 {
        client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request sent")
            .status()
            .as_u16()
    }

    /// The body of the page at `path`, as `client` sees it.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("body read")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn count(database_url: &str, sql: &str) -> i64 {
    let pool = movierec::store::connect(database_url).await.unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn killed_mid_training_the_previous_model_serves_and_no_rating_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("movierec.db").display());
    let browser = client();
    let ids = catalog_ids(5);

    // A first, quick model, and some ratings.
    let server = Server::start(&url, &["--train-epochs", "5"]).await;
    let status = wait_for_model(&browser, &server.address, "a first model", |s| {
        version(s).is_some() && s["training"]["running"] == false
    })
    .await;
    let first = version(&status);
    let form = [
        ("username", "kim"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(server.post_form(&browser, "/register", &form).await, 303);
    for (id, stars) in ids[..3].iter().zip(["5", "3.5", "1"]) {
        let path = format!("/movies/{id}/rating");
        assert_eq!(
            server.post_form(&browser, &path, &[("stars", stars)]).await,
            303
        );
    }
    server.kill();

    // A training that would run for ages, killed in the middle.
    let server = Server::start(&url, &["--train-epochs", "100000000"]).await;
    assert_eq!(
        version(&model_status(&browser, &server.address).await),
        first
    );
    let login = [("username", "kim"), ("password", PASSWORD)];
    assert_eq!(server.post_form(&browser, "/login", &login).await, 303);
    for (id, stars) in ids[3..].iter().zip(["4", "2"]) {
        let path = format!("/movies/{id}/rating");
        assert_eq!(
            server.post_form(&browser, &path, &[("stars", stars)]).await,
            303
        );
    }
    let train = browser
        .post(format!("{}/api/v1/model/train", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(train.status().as_u16(), 202);
    wait_for_model(&browser, &server.address, "training epochs", |s| {
        s["training"]["epoch"].as_u64() >= Some(3)
    })
    .await;
    server.kill();

    let server = Server::start(&url, &["--train-epochs", "5"]).await;
    let status = model_status(&browser, &server.address).await;
    assert_eq!(version(&status), first, "{status}");
    assert_eq!(status["training"]["running"], false);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM models").await, 1);
    assert_eq!(server.post_form(&browser, "/login", &login).await, 303);
    let list = server.page(&browser, "/my/ratings").await;
    assert!(list.contains("5 ratings."), "{list}");
}

#[tokio::test]
async fn a_server_picks_up_a_model_trained_by_the_cli() {
    let app = spawn_app().await;
    let first = version(&app.wait_for_version_after(None).await).unwrap();
    app.register("cleo", PASSWORD).await;
    app.rate(catalog_ids(1)[0], "4.5").await;

    let url = app.database_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_movierec"))
            .args(["train", "--database-url", &url, "--epochs", "3"])
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let expected = first + 1;
    assert!(
        stderr.contains(&format!("stored as model version {expected}")),
        "{stderr}"
    );

    let status = wait_for_model(&app.client, &app.address, "the CLI's model", |s| {
        version(s) == Some(expected)
    })
    .await;
    assert_eq!(status["epochs"].as_array().unwrap().len(), 3);
    assert_eq!(status["n_users"], 3);
}

#[tokio::test]
async fn cli_training_without_ratings_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // A new, empty site: asked to be created, it has nothing to train on.
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("empty.db").display()
    );
    let output = Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["train", "--database-url", &url])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no ratings to train on"), "{stderr}");
}
