use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use movierec::config::Config;
use movierec::http_server::ServerLimits;
use movierec::jobs::TrainingConfig;
use movierec::services::accounts::HashingLimits;
use movierec::startup::Application;
use reqwest::{Client, Response, redirect};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    /// Keeps the test's database alive for its duration.
    db: TestDatabase,
    pub client: Client,
    server: tokio::task::JoinHandle<()>,
}

/// Set to `postgres` to run the suite on PostgreSQL instead of SQLite.
pub const DATABASE_ENV: &str = "MOVIEREC_TEST_DATABASE";
/// The PostgreSQL server the suite creates its databases on, as a URL of an existing
/// database to connect to for that.
pub const POSTGRES_URL_ENV: &str = "MOVIEREC_TEST_POSTGRES_URL";

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(DATABASE_ENV).is_ok_and(|v| v == "postgres")
}

/// The URL of the PostgreSQL database the suite connects to for creating its own.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_ENV)
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A test's database: a file in a temporary directory, or on PostgreSQL a fresh database
/// dropped with this guard.
pub struct TestDatabase {
    _dir: TempDir,
    pub url: String,
    postgres: Option<String>,
}

impl TestDatabase {
    /// A database on the backend of this run.
    pub async fn new() -> Self {
        if on_postgres() {
            Self::postgres().await
        } else {
            Self::sqlite()
        }
    }

    /// A SQLite database file in a new temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path: PathBuf = dir.path().join("movierec.db");
        let url = format!("sqlite://{}", path.display());
        Self {
            _dir: dir,
            url,
            postgres: None,
        }
    }

    /// Whether the PostgreSQL server of [`postgres_admin_url`] answers.
    pub async fn postgres_reachable() -> Result<(), sqlx::Error> {
        PgConnection::connect(&postgres_admin_url())
            .await?
            .close()
            .await
    }

    /// A new, empty PostgreSQL database, dropped with the guard.
    pub async fn postgres() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "movierec_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = postgres_admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL not reachable at {admin}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("test database created");
        let _ = conn.close().await;
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Self {
            _dir: dir,
            url,
            postgres: Some(name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of
        // its own drops the database, ending the app's connections first.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&postgres_admin_url()).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}

/// Starts the app on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app on a fresh database with some settings changed.
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDatabase::new().await;
    let mut config = test_config(&db);
    change(&mut config);
    start(config, db, client()).await
}

fn test_config(db: &TestDatabase) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        database_url: db.url.clone(),
        database_pool: movierec::store::PoolLimits::default(),
        secure_cookies: false,
        training: TrainingConfig {
            retrain_after: 20,
            retrain_interval: Duration::from_secs(300),
            epochs: None,
            learning_rate: None,
            poll_interval: Duration::from_secs(1),
            lease: movierec::jobs::lease::LeaseConfig::default(),
        },
        trusted_proxies: Vec::new(),
        hashing: HashingLimits::default(),
        server: ServerLimits::default(),
        registration: None,
        // Tests register many accounts from one address; `roles.rs` tests the limit.
        registrations_per_hour: 0,
        // No keys: nothing is fetched unless a test points the app at its stubs.
        providers: movierec::providers::ProvidersConfig::default(),
        enrich_per_hour: 0,
        // No periodic sync: tests sync when they ask.
        media_servers: movierec::config::MediaServersConfig::default(),
        radarr: Default::default(),
    }
}

async fn start(config: Config, db: TestDatabase, client: Client) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        movierec::telemetry::init("info").expect("log filter");
    }
    let app = Application::build(config).await.expect("app builds");
    let port = app.port();
    let server = tokio::spawn(async move {
        app.run_until(std::future::pending())
            .await
            .expect("server runs");
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db,
        client,
        server,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects so tests can see them.
pub fn client() -> Client {
    movierec::tls::install();
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    /// Stops this server and starts a new one on the same database, keeping the
    /// client and its cookies: what a visitor sees across a server restart.
    pub async fn restart(self) -> TestApp {
        self.restart_with(|_| {}).await
    }

    /// Like [`TestApp::restart`], with some settings changed.
    pub async fn restart_with(self, change: impl FnOnce(&mut Config)) -> TestApp {
        self.server.abort();
        // Wait for the old server to let go of its connections.
        let _ = self.server.await;
        let mut config = test_config(&self.db);
        change(&mut config);
        start(config, self.db, self.client).await
    }

    /// Runs the real binary with `args` and `--database-url` of this app, as an administrator
    /// would run a command beside the server (see [`run_cli_on`]).
    pub fn run_cli<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> CliRun {
        run_cli_on(&self.database_url(), args)
    }

    pub fn database_url(&self) -> String {
        self.db.url.clone()
    }

    /// A direct connection to the app's database, for tests that need to break it.
    pub async fn database(&self) -> movierec::store::Db {
        movierec::store::connect(&self.db.url)
            .await
            .expect("database opens")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// Posts a form the way a browser does from one of our own pages.
    pub async fn post_form<T: serde::Serialize + ?Sized>(&self, path: &str, form: &T) -> Response {
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post_form(
            "/register",
            &[
                ("username", username),
                ("password", password),
                ("confirm", password),
            ],
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> Response {
        self.post_form("/logout", &[("", "")]).await
    }
}

pub fn assert_redirects_to(response: &Response, location: &str) {
    assert_eq!(response.status().as_u16(), 303, "expected a redirect");
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// Ids of catalog movies, to rate without searching.
pub fn catalog_ids(n: usize) -> Vec<u32> {
    let movies = movierec::catalog::embedded().expect("catalog parses");
    assert!(movies.len() >= n);
    movies.iter().take(n).map(|m| m.id).collect()
}

impl TestApp {
    pub async fn rate(&self, movie: u32, stars: &str) -> Response {
        self.post_form(&format!("/movies/{movie}/rating"), &[("stars", stars)])
            .await
    }

    /// The visitor's rating of a movie as the movie page shows it (the checked star).
    pub async fn my_rating(&self, movie: u32) -> Option<String> {
        let html = self.get_html(&format!("/movies/{movie}")).await;
        checked_star(&html, movie)
    }
}

impl TestApp {
    /// Like [`TestApp::my_rating`] but for another client's session cookie.
    pub async fn my_rating_with(&self, cookie: &str, movie: u32) -> Option<String> {
        let html = reqwest::Client::new()
            .get(self.url(&format!("/movies/{movie}")))
            .header("Cookie", cookie)
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("body");
        checked_star(&html, movie)
    }
}

/// The checked star of the movie's own rating strip (similar movies have strips too).
fn checked_star(html: &str, movie: u32) -> Option<String> {
    let own = format!("id=\"stars-{movie}-");
    html.match_indices("\" checked>").find_map(|(end, _)| {
        let tag = &html[html[..end].rfind("<input")?..end];
        if !tag.contains(&own) {
            return None;
        }
        let start = tag.rfind("value=\"")? + "value=\"".len();
        Some(tag[start..].to_owned())
    })
}

/// How long a test waits for a training or a model swap before failing.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// `GET /api/v1/model` on any server.
pub async fn model_status(client: &Client, address: &str) -> serde_json::Value {
    let response = client
        .get(format!("{address}/api/v1/model"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON body")
}

/// Polls `GET /api/v1/model` until `done` holds, failing after [`PATIENCE`].
pub async fn wait_for_model(
    client: &Client,
    address: &str,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let status = model_status(client, address).await;
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "gave up waiting for {what}: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The serving model's version in a `GET /api/v1/model` answer.
pub fn version(status: &serde_json::Value) -> Option<i64> {
    status["version"].as_i64()
}

impl TestApp {
    /// Waits until a model newer than `than` serves and no training runs.
    pub async fn wait_for_version_after(&self, than: Option<i64>) -> serde_json::Value {
        wait_for_model(&self.client, &self.address, "a new model", |s| {
            version(s) > than && s["training"]["running"] == false
        })
        .await
    }
}

/// The app built on a fresh database but not serving: for in-process requests through
/// [`Application::router`]. Keep the directory alive while using it.
pub async fn build_app() -> (Application, TestDatabase) {
    build_app_with(|_| {}).await
}

/// Like [`build_app`], with some settings changed.
pub async fn build_app_with(change: impl FnOnce(&mut Config)) -> (Application, TestDatabase) {
    let db = TestDatabase::new().await;
    let mut config = test_config(&db);
    change(&mut config);
    let app = Application::build(config).await.expect("app builds");
    (app, db)
}

/// The standard output of a command that must have succeeded; its error output otherwise.
/// Runs the real binary with `args` and `--database-url database_url`. The wait happens off
/// the test's runtime, so a server on that runtime keeps serving (and renewing its leases)
/// while the command runs.
pub fn run_cli_on<S: AsRef<std::ffi::OsStr>>(database_url: &str, args: &[S]) -> CliRun {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_movierec"));
    command
        .args(args)
        .args(["--database-url", database_url])
        .env("RUST_BACKTRACE", "0")
        .env_remove("DATABASE_URL");
    Box::pin(async move {
        tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
            .await
            .expect("the command's thread finishes")
    })
}

/// A command of [`run_cli_on`] running; await it for its output.
pub type CliRun = std::pin::Pin<Box<dyn std::future::Future<Output = std::process::Output> + Send>>;

pub fn stdout_of(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "the command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// A second visitor with their own cookies.
pub struct Visitor<'a> {
    pub app: &'a TestApp,
    pub client: Client,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: client(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.app.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.app.url(path))
            .header("Origin", &self.app.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, name: &str, password: &str) -> Response {
        let form = [
            ("username", name),
            ("password", password),
            ("confirm", password),
        ];
        self.post_form("/register", &form).await
    }

    pub async fn login(&self, name: &str, password: &str) -> Response {
        self.post_form("/login", &[("username", name), ("password", password)])
            .await
    }
}
