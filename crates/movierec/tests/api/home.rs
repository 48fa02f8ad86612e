use crate::helpers::spawn_app;

#[tokio::test]
async fn home_page_renders_for_visitors() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    let ct = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = response.text().await.unwrap();
    assert!(html.contains("Top rated by critics"));
    assert!(html.contains(r#"href="/login""#));
}

#[tokio::test]
async fn unknown_page_is_a_friendly_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status().as_u16(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Not found"));
    assert!(html.contains("Back to the home page"));
}

#[tokio::test]
async fn a_wrong_method_on_a_page_is_a_friendly_405() {
    let app = spawn_app().await;
    // Log out only takes the button's POST; typing the address must not look like a dead link.
    let response = app.get("/logout").await;
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let html = response.text().await.unwrap();
    assert!(html.contains("Not possible here"), "{html}");
    assert!(html.contains("cannot be used that way"), "{html}");
    assert!(html.contains("Back to the home page"));
}

#[tokio::test]
async fn api_errors_are_json() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status().as_u16(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn static_files_are_served_with_cache_headers() {
    let app = spawn_app().await;
    let response = app.get("/static/style.css").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/static/style.css"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}

#[tokio::test]
async fn server_errors_are_a_friendly_page_without_details() {
    let app = spawn_app().await;
    let db = app.database().await;
    // The visitors' page keeps its list, but reads the catalog's generation again once
    // a few milliseconds have passed.
    sqlx::query("DROP TABLE catalog_generation")
        .execute(&db)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 500);
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong"));
    assert!(
        !html.contains("no such table") && !html.contains("database"),
        "no detail leaks: {html}"
    );
}

#[tokio::test]
async fn pages_forbid_framing_and_foreign_scripts() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_site_has_an_icon_where_browsers_ask_for_it() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    assert!(
        html.contains(r#"<link rel="icon" href="/static/icon.svg""#),
        "{html}"
    );
    for path in ["/favicon.ico", "/static/icon.svg"] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "image/svg+xml",
            "{path}"
        );
        assert!(response.text().await.unwrap().starts_with("<svg"), "{path}");
    }
}
