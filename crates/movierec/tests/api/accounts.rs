use crate::helpers::{assert_redirects_to, catalog_ids, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn register_logs_in_and_logout_logs_out() {
    let app = spawn_app().await;
    let response = app.register("Alice", PASSWORD).await;
    assert_redirects_to(&response, "/");

    let home = app.get_html("/").await;
    assert!(home.contains("Recommendations for Alice"));
    assert!(home.contains("Log out"));

    assert_redirects_to(&app.logout().await, "/");
    let home = app.get_html("/").await;
    assert!(!home.contains("Recommendations for Alice"));
    assert!(home.contains(r#"href="/login""#));

    assert_redirects_to(&app.login("alice", PASSWORD).await, "/");
    assert!(
        app.get_html("/")
            .await
            .contains("Recommendations for Alice")
    );
}

#[tokio::test]
async fn login_returns_to_the_page_asked_for() {
    let app = spawn_app().await;
    app.register("bob", PASSWORD).await;
    app.logout().await;
    let response = app
        .post_form(
            "/login",
            &[
                ("username", "bob"),
                ("password", PASSWORD),
                ("next", "/my/ratings?page=2"),
            ],
        )
        .await;
    assert_redirects_to(&response, "/my/ratings?page=2");
    app.logout().await;
    let response = app
        .post_form(
            "/login",
            &[
                ("username", "bob"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_redirects_to(&response, "/");
}

#[tokio::test]
async fn duplicate_username_is_refused_whatever_the_case() {
    let app = spawn_app().await;
    app.register("Carol", PASSWORD).await;
    app.logout().await;
    let response = app.register("cAROL", "another password").await;
    assert_eq!(response.status().as_u16(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("That username is taken."));
    assert!(html.contains(r#"value="cAROL""#), "input kept");

    // The first account still has its own password.
    assert_redirects_to(&app.login("carol", PASSWORD).await, "/");
}

#[tokio::test]
async fn registration_errors_are_shown_next_to_each_field() {
    let app = spawn_app().await;
    let response = app
        .post_form(
            "/register",
            &[
                ("username", "ab"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="username-error""#));
    assert!(html.contains(r#"id="password-error""#));
    assert!(html.contains(r#"value="ab""#));
    assert!(!html.contains("short"), "a password is never sent back");

    let response = app
        .post_form(
            "/register",
            &[
                ("username", "dave"),
                ("password", PASSWORD),
                ("confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="confirm-error""#));
    assert!(html.contains("The two passwords differ."));

    // Nothing was created: logging in as dave fails.
    assert_eq!(app.login("dave", PASSWORD).await.status().as_u16(), 401);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("erin", PASSWORD).await;
    app.logout().await;

    let wrong = app.login("erin", "not the password").await;
    assert_eq!(wrong.status().as_u16(), 401);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("Wrong username or password."));
    assert!(wrong.contains(r#"value="erin""#), "username kept");

    let unknown = app.login("nobody-here", "not the password").await;
    assert_eq!(unknown.status().as_u16(), 401);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("Wrong username or password.")
    );

    assert!(!app.get_html("/").await.contains("Log out"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    app.register("frank", PASSWORD).await;
    app.logout().await;
    for _ in 0..5 {
        assert_eq!(
            app.login("frank", "bad guess 123").await.status().as_u16(),
            401
        );
    }
    // Even the right password is refused now, with a clear message.
    let response = app.login("FRANK", PASSWORD).await;
    assert_eq!(response.status().as_u16(), 429);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Too many attempts, try again in 15 minutes."),
        "{html}"
    );
    assert!(!app.get_html("/").await.contains("Log out"));
}

#[tokio::test]
async fn cross_site_post_is_refused() {
    let app = spawn_app().await;
    for (header, value) in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
    ] {
        let response = app
            .client
            .post(app.url("/register"))
            .header(header, value)
            .form(&[
                ("username", "mallory"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{header}: {value}");
        assert!(response.text().await.unwrap().contains("another site"));
    }
    // No account was created.
    assert_eq!(app.login("mallory", PASSWORD).await.status().as_u16(), 401);
}

#[tokio::test]
async fn username_markup_is_escaped() {
    let app = spawn_app().await;
    let payload = "<script>alert(1)</script>";
    let response = app.register(payload, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(!html.contains(payload));
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn session_account_and_ratings_survive_a_server_restart() {
    let app = spawn_app().await;
    app.register("grace", PASSWORD).await;
    let id = catalog_ids(1)[0];
    app.rate(id, "3.5").await;

    let app = app.restart().await;
    assert!(
        app.get_html("/")
            .await
            .contains("Recommendations for grace")
    );
    assert_eq!(app.my_rating(id).await.as_deref(), Some("3.5"));
    app.logout().await;
    assert_redirects_to(&app.login("grace", PASSWORD).await, "/");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site() {
    let app = spawn_app().await;
    let response = app.register("heidi", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn secure_cookies_flag_marks_the_cookie_secure() {
    let app = spawn_app_with(|config| config.secure_cookies = true).await;
    let response = app.register("ivan", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
}

fn session_cookie(response: &reqwest::Response) -> String {
    let header = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("movierec_session="))
        .expect("a session cookie");
    header.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn logging_in_issues_a_new_session_id() {
    let app = spawn_app().await;
    let before = session_cookie(&app.register("judy", PASSWORD).await);
    let after = session_cookie(&app.login("judy", PASSWORD).await);
    assert_ne!(before, after);

    // The old id no longer identifies anyone.
    let stale = reqwest::Client::new()
        .get(app.url("/"))
        .header("Cookie", &before)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!stale.contains("Log out"));
    let fresh = reqwest::Client::new()
        .get(app.url("/"))
        .header("Cookie", &after)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fresh.contains("Recommendations for judy"));
}

#[tokio::test]
async fn many_failures_from_one_address_block_it_for_every_account() {
    let app = spawn_app().await;
    app.register("karl", PASSWORD).await;
    app.logout().await;
    // A browser none of these accounts knows. Four failures per name stay under the
    // per-account limit; the address hits its own.
    let stranger = crate::helpers::client();
    let login = |name: String, password: &'static str| {
        stranger
            .post(app.url("/login"))
            .header("Origin", &app.address)
            .form(&[("username", name), ("password", password.to_owned())])
            .send()
    };
    for i in 0..20 {
        let name = format!("guess{}", i / 4);
        let response = login(name, "wrong password").await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
    }
    let response = login("karl".into(), PASSWORD).await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.text().await.unwrap().contains("Too many attempts"));
    // Karl's own browser has logged in before and is not held to the address's limit.
    assert_redirects_to(&app.login("karl", PASSWORD).await, "/");
}

/// Posts `form` to `path` from `browser`, as a page of the site would.
async fn post_from(
    app: &crate::helpers::TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap()
}

const NEW_PASSWORD: &str = "battery staple horse";

fn password_change(current: &str) -> [(&str, &str); 3] {
    [
        ("current", current),
        ("password", NEW_PASSWORD),
        ("confirm", NEW_PASSWORD),
    ]
}

#[tokio::test]
async fn a_stranger_s_wrong_log_ins_do_not_stop_the_owner_changing_or_deleting() {
    let app = spawn_app().await;
    app.register("olga", PASSWORD).await;
    // Someone else, on the same address as in every test, guesses at the account until
    // the log-in form refuses them.
    let stranger = crate::helpers::client();
    let mut refused = 0;
    for _ in 0..8 {
        let form = [("username", "olga"), ("password", "a wrong guess")];
        let status = post_from(&app, &stranger, "/login", &form)
            .await
            .status()
            .as_u16();
        assert!(status == 401 || status == 429, "{status}");
        refused += usize::from(status == 429);
    }
    assert_eq!(refused, 3, "the shared allowance is full");

    // The owner, signed in on their own browser, still changes their password.
    let changed = app
        .post_form("/account/password", &password_change(PASSWORD))
        .await;
    assert_redirects_to(&changed, "/account?done=password");

    // And, after more of the stranger's guesses, still deletes their account.
    for _ in 0..8 {
        let form = [("username", "olga"), ("password", "another guess")];
        post_from(&app, &stranger, "/login", &form).await;
    }
    let deleted = app
        .post_form("/account/delete", &[("password", NEW_PASSWORD)])
        .await;
    assert_eq!(deleted.status().as_u16(), 200);
    assert!(deleted.text().await.unwrap().contains("Account deleted"));
}

#[tokio::test]
async fn guessing_the_current_password_from_one_session_is_throttled_there() {
    let app = spawn_app().await;
    app.register("piet", PASSWORD).await;
    for _ in 0..5 {
        let wrong = app
            .post_form("/account/password", &password_change("a wrong guess"))
            .await;
        assert_eq!(wrong.status().as_u16(), 401);
    }
    // This session's allowance is spent: even the right password waits, for changing
    // the password as for deleting the account.
    let refused = app
        .post_form("/account/password", &password_change(PASSWORD))
        .await;
    assert_eq!(refused.status().as_u16(), 429);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Too many attempts, try again in 15 minutes.")
    );
    let refused = app
        .post_form("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(refused.status().as_u16(), 429);

    // Another session of the account, opened with the password, has its own allowance;
    // logging in from it is not held up by the first session's guesses either.
    let laptop = crate::helpers::client();
    let login = [("username", "piet"), ("password", PASSWORD)];
    assert_redirects_to(&post_from(&app, &laptop, "/login", &login).await, "/");
    let changed = post_from(
        &app,
        &laptop,
        "/account/password",
        &password_change(PASSWORD),
    )
    .await;
    assert_redirects_to(&changed, "/account?done=password");
}
