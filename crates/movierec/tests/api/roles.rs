//! Roles and the account life cycle: the first account administers the site, only
//! administrators train and change settings, `movierec admin grant|revoke`, registration
//! open or closed and limited per address, password changes and account deletion.

use std::process::{Command, Output};

use movierec::domain::Registration;
use reqwest::Response;

use crate::helpers::{
    TestApp, Visitor, assert_redirects_to, catalog_ids, client, spawn_app, spawn_app_with, version,
    wait_for_model,
};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "battery staple horse";

impl Visitor<'_> {
    async fn post_train(&self) -> Response {
        self.client
            .post(self.app.url("/api/v1/model/train"))
            .send()
            .await
            .unwrap()
    }
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.database().await)
        .await
        .unwrap()
}

async fn admins(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM users WHERE role = 'admin'").await
}

async fn people(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) FROM users WHERE kind = 'user'").await
}

fn movierec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn admin_command(app: &TestApp, action: &str, name: &str) -> Output {
    movierec(&["admin", action, name, "--database-url", &app.database_url()])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn the_first_account_is_the_administrator_and_the_second_is_not() {
    let app = spawn_app().await;
    assert_redirects_to(&app.register("alice", PASSWORD).await, "/");
    let home = app.get_html("/").await;
    assert!(home.contains(r#"href="/model""#), "{home}");
    assert!(home.contains(r#"href="/admin""#), "{home}");
    assert_eq!(app.get("/model").await.status().as_u16(), 200);
    assert_eq!(app.get("/admin").await.status().as_u16(), 200);

    let bob = Visitor::new(&app);
    assert_redirects_to(&bob.register("bob", PASSWORD).await, "/");
    let home = bob.get("/").await.text().await.unwrap();
    assert!(home.contains("Log out"), "bob is logged in");
    assert!(!home.contains(r#"href="/model""#), "{home}");
    assert!(!home.contains(r#"href="/admin""#), "{home}");
    for path in ["/model", "/admin"] {
        let response = bob.get(path).await;
        assert_eq!(response.status().as_u16(), 403, "{path}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Only the site&#39;s administrators can do this"),
            "{page}"
        );
    }
    assert_eq!(admins(&app).await, 1);

    // Visitors who are not logged in are asked to log in first.
    let anonymous = Visitor::new(&app);
    assert_redirects_to(&anonymous.get("/model").await, "/login?next=/model");
    assert_eq!(anonymous.post_train().await.status().as_u16(), 401);
    assert!(
        !anonymous
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"href="/model""#)
    );
}

#[tokio::test]
async fn simultaneous_first_registrations_make_one_administrator() {
    let app = spawn_app().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..5 {
        let (url, origin) = (app.url("/register"), app.address.clone());
        tasks.spawn(async move {
            let name = format!("first{i}");
            let form = [
                ("username", name.as_str()),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ];
            client()
                .post(url)
                .header("Origin", origin)
                .header("Sec-Fetch-Site", "same-origin")
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 303);
    }
    assert_eq!(people(&app).await, 5);
    assert_eq!(admins(&app).await, 1);
}

#[tokio::test]
async fn only_administrators_train() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let first = version(&app.wait_for_version_after(None).await);

    for _ in 0..10 {
        let response = bob.post_train().await;
        assert_eq!(response.status().as_u16(), 403);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
    }
    assert_eq!(
        bob.post_form("/model/train", &[("", "")])
            .await
            .status()
            .as_u16(),
        403
    );
    // Nothing started, and anyone may still look at the model through the API.
    let status = crate::helpers::model_status(&bob.client, &app.address).await;
    assert_eq!(status["training"]["running"], false);
    assert_eq!(version(&status), first);

    let response = app.client.post(app.url("/api/v1/model/train")).send().await;
    assert_eq!(response.unwrap().status().as_u16(), 202);
}

#[tokio::test]
async fn the_admin_command_grants_and_revokes_at_the_next_request() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let bob = Visitor::new(&app);
    bob.register("Bob", PASSWORD).await;
    app.wait_for_version_after(None).await;
    assert_eq!(bob.get("/admin").await.status().as_u16(), 403);

    let out = admin_command(&app, "grant", "bob");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("bob is now an administrator"));
    // Bob's session, started before, carries the new role at once.
    assert_eq!(bob.get("/admin").await.status().as_u16(), 200);
    assert_eq!(bob.post_train().await.status().as_u16(), 202);
    let out = admin_command(&app, "grant", "bob");
    assert!(text(&out.stdout).contains("already an administrator"));

    let out = admin_command(&app, "revoke", "alice");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(app.get("/model").await.status().as_u16(), 403);
    assert_eq!(admins(&app).await, 1);

    // Bob is the last one now: revoking him is refused and he stays.
    let out = admin_command(&app, "revoke", "bob");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("bob is the only administrator"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(bob.get("/admin").await.status().as_u16(), 200);

    let out = admin_command(&app, "grant", "nobody");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("there is no account named \"nobody\""),
        "{}",
        text(&out.stderr)
    );
    let out = admin_command(&app, "grant", "IMDb users");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("critic account"));
    assert_eq!(admins(&app).await, 1);

    // A mistyped database is named, not created (a file of SQLite's; PostgreSQL never
    // creates one).
    if !app.database_url().starts_with("sqlite:") {
        return;
    }
    let missing = app.database_url().replace("movierec.db", "typo.db");
    let out = movierec(&["admin", "grant", "bob", "--database-url", &missing]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("there is no database at"),
        "{}",
        text(&out.stderr)
    );
    assert!(!std::path::Path::new(missing.trim_start_matches("sqlite://")).exists());
}

/// A site that had accounts before roles existed: its first account becomes the
/// administrator when the database is upgraded.
#[tokio::test]
async fn upgrading_a_site_makes_its_first_account_the_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options = url
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut before_roles = sqlx::migrate!("./migrations/sqlite");
    let keep = before_roles
        .migrations
        .iter()
        .take_while(|m| m.version < 12)
        .cloned()
        .collect::<Vec<_>>();
    before_roles.migrations = keep.into();
    before_roles.run(&pool).await.unwrap();
    for (name, at) in [("old-timer", 1), ("later", 2)] {
        sqlx::query(
            "INSERT INTO users (username, username_lower, password_hash, kind, created_at)
             VALUES ($1, $1, 'not a hash', 'user', $2)",
        )
        .bind(name)
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let app = spawn_app_with(|c| c.database_url = url.clone()).await;
    let pool = movierec::store::connect(&url).await.unwrap();
    let roles: Vec<(String, String)> =
        sqlx::query_as("SELECT username, role FROM users WHERE kind = 'user' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        roles,
        [
            ("old-timer".to_owned(), "admin".to_owned()),
            ("later".to_owned(), "user".to_owned())
        ]
    );
    // Registration stays open, and a newcomer is not an administrator.
    assert_redirects_to(&app.register("newcomer", PASSWORD).await, "/");
    assert_eq!(app.get("/model").await.status().as_u16(), 403);
}

#[tokio::test]
async fn closed_registration_refuses_everyone_but_the_first_account() {
    let app = spawn_app_with(|c| c.registration = Some(Registration::Closed)).await;
    // A new site gets its administrator even when closed.
    assert_redirects_to(&app.register("alice", PASSWORD).await, "/");
    assert_eq!(admins(&app).await, 1);

    let bob = Visitor::new(&app);
    let form = bob.get("/register").await;
    assert_eq!(form.status().as_u16(), 403);
    let page = form.text().await.unwrap();
    assert!(
        page.contains("Registration is closed on this site"),
        "{page}"
    );
    let response = bob.register("bob", PASSWORD).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Registration is closed on this site")
    );
    assert_eq!(people(&app).await, 1);
    assert_eq!(bob.login("bob", PASSWORD).await.status().as_u16(), 401);

    // Only an administrator may open it; then bob can register.
    let carol = Visitor::new(&app);
    assert_eq!(
        carol
            .post_form("/admin/registration", &[("registration", "open")])
            .await
            .headers()["location"],
        "/login?next=/"
    );
    let response = app
        .post_form("/admin/registration", &[("registration", "open")])
        .await;
    assert_redirects_to(&response, "/admin");
    assert!(
        app.get_html("/admin")
            .await
            .contains(r#"value="open" checked"#)
    );
    assert_redirects_to(&bob.register("bob", PASSWORD).await, "/");
    let response = bob
        .post_form("/admin/registration", &[("registration", "closed")])
        .await;
    assert_eq!(response.status().as_u16(), 403);

    let response = app
        .post_form("/admin/registration", &[("registration", "closed")])
        .await;
    assert_redirects_to(&response, "/admin");
    assert_eq!(
        carol.register("carol", PASSWORD).await.status().as_u16(),
        403
    );
    assert_eq!(people(&app).await, 2);

    // The stored setting outlives a restart that does not name one.
    let app = app.restart().await;
    assert_eq!(
        Visitor::new(&app)
            .register("carol", PASSWORD)
            .await
            .status()
            .as_u16(),
        403
    );
    // A restart that names one applies it.
    let app = app
        .restart_with(|c| c.registration = Some(Registration::Open))
        .await;
    assert_redirects_to(&Visitor::new(&app).register("carol", PASSWORD).await, "/");
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    // The limit counts per clock hour: keep the whole test inside one.
    let into_hour = movierec::store::now() % 3600;
    if into_hour > 3590 {
        tokio::time::sleep(std::time::Duration::from_secs(
            (3601 - into_hour).unsigned_abs(),
        ))
        .await;
    }
    let app = spawn_app_with(|c| c.registrations_per_hour = 5).await;
    for i in 0..5 {
        let response = Visitor::new(&app)
            .register(&format!("user{i}"), PASSWORD)
            .await;
        assert_redirects_to(&response, "/");
    }
    // A name already taken does not use up the allowance, nor answer 429.
    let taken = Visitor::new(&app).register("user0", PASSWORD).await;
    assert_eq!(taken.status().as_u16(), 409);

    let refused = Visitor::new(&app).register("user5", PASSWORD).await;
    assert_eq!(refused.status().as_u16(), 429);
    let wait: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Too many accounts were created from your address"),
        "{page}"
    );
    assert_eq!(people(&app).await, 5);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let laptop = Visitor::new(&app);
    assert_redirects_to(&laptop.login("alice", PASSWORD).await, "/");
    assert_eq!(laptop.get("/my/ratings").await.status().as_u16(), 200);

    let change = |current: &'static str| {
        [
            ("current", current),
            ("password", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ]
    };
    let wrong = app
        .post_form("/account/password", &change("not my password"))
        .await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("That is not your current password.")
    );
    assert_eq!(laptop.get("/my/ratings").await.status().as_u16(), 200);

    let response = app.post_form("/account/password", &change(PASSWORD)).await;
    assert_redirects_to(&response, "/account?done=password");
    // This session carries on, under a new id.
    assert!(response.headers().get("set-cookie").is_some());
    let page = app.get_html("/account?done=password").await;
    assert!(page.contains("Your password is changed"), "{page}");
    assert_eq!(app.get("/my/ratings").await.status().as_u16(), 200);

    // The other session is over at its next request.
    assert_redirects_to(&laptop.get("/my/ratings").await, "/login?next=/my/ratings");
    assert_eq!(laptop.login("alice", PASSWORD).await.status().as_u16(), 401);
    assert_redirects_to(&laptop.login("alice", NEW_PASSWORD).await, "/");
}

#[tokio::test]
async fn a_deleted_account_takes_its_ratings_and_lists_and_the_model_forgets_it() {
    let app = spawn_app_with(|c| {
        c.training.retrain_after = 3;
        c.training.retrain_interval = std::time::Duration::ZERO;
    })
    .await;
    app.register("alice", PASSWORD).await;
    app.wait_for_version_after(None).await;

    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let ids = catalog_ids(4);
    for (id, stars) in ids.iter().zip(["5", "2", "4"]) {
        let response = bob
            .post_form(&format!("/movies/{id}/rating"), &[("stars", stars)])
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let response = bob
        .post_form(&format!("/movies/{}/watchlist", ids[3]), &[("", "")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    // The three ratings make a retraining due; the administrator may get there first.
    let started = app.client.post(app.url("/api/v1/model/train")).send().await;
    assert!([202, 409].contains(&started.unwrap().status().as_u16()));
    let with_bob = wait_for_model(&app.client, &app.address, "bob in the model", |s| {
        s["n_users"] == 3 && s["training"]["running"] == false
    })
    .await;
    let bob_id = scalar(&app, "SELECT id FROM users WHERE username = 'bob'").await;

    // The only administrator cannot leave the others without one.
    let refused = app
        .post_form("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(refused.status().as_u16(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("You are the site&#39;s only administrator")
    );

    let wrong = bob
        .post_form("/account/delete", &[("password", "not my password")])
        .await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(people(&app).await, 2);

    let deleted = bob
        .post_form("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(deleted.status().as_u16(), 200);
    assert!(deleted.text().await.unwrap().contains("Account deleted"));
    assert_eq!(people(&app).await, 1);
    for table in ["ratings", "watchlist"] {
        let left = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE user_id = {bob_id}"),
        )
        .await;
        assert_eq!(left, 0, "{table}");
    }
    assert_redirects_to(&bob.get("/my/ratings").await, "/login?next=/my/ratings");
    assert_eq!(bob.login("bob", PASSWORD).await.status().as_u16(), 401);

    // Three ratings removed make the next training due by itself, and it forgets bob.
    let without_bob = wait_for_model(&app.client, &app.address, "a model without bob", |s| {
        version(s) > version(&with_bob) && s["training"]["running"] == false
    })
    .await;
    assert_eq!(without_bob["n_users"], 2);
    assert_eq!(
        without_bob["n_ratings"].as_i64(),
        with_bob["n_ratings"].as_i64().map(|n| n - 3)
    );
}
