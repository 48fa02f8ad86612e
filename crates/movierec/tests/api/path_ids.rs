//! Ids in paths: a malformed one is a page that does not exist on the site's pages, and a
//! 400 naming the path parameter in the API, whatever the route.

use reqwest::{Method, Response};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery";

async fn logged_in(name: &str) -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.register(name, PASSWORD).await.status().as_u16(), 303);
    app
}

/// Sends a request the way a script or a form on one of our pages would.
async fn send(app: &TestApp, method: Method, path: &str) -> Response {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin");
    if method == Method::PUT {
        request = request.json(&serde_json::json!({"rating": 4}));
    } else if method == Method::POST {
        request = request.form(&[("stars", "4")]);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn a_malformed_id_in_a_page_path_is_a_404_page() {
    let app = logged_in("paula").await;
    let movie = "There is no movie with id abc.";
    let import = "There is no such import.";
    for (method, path, message) in [
        (Method::GET, "/movies/abc", movie),
        (Method::POST, "/movies/abc/rating", movie),
        (
            Method::POST,
            "/movies/0/rating/delete",
            "There is no movie with id 0.",
        ),
        (Method::POST, "/movies/abc/hide", movie),
        (Method::POST, "/movies/abc/unhide", movie),
        (Method::POST, "/movies/abc/watchlist", movie),
        (Method::POST, "/movies/abc/watchlist/delete", movie),
        (Method::GET, "/movies/abc/poster", movie),
        (
            Method::GET,
            "/movies/-2/cover.svg",
            "There is no movie with id -2.",
        ),
        (Method::GET, "/my/import/abc", import),
        (Method::POST, "/my/import/1.5/apply", import),
        (Method::POST, "/my/import/0/match", import),
    ] {
        let response = send(&app, method.clone(), path).await;
        assert_eq!(response.status().as_u16(), 404, "{method} {path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{method} {path}: {content_type}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{method} {path}: {html}");
    }
}

#[tokio::test]
async fn a_malformed_id_in_an_api_path_is_a_400_naming_the_parameter() {
    let app = logged_in("quentin").await;
    for (method, path, message) in [
        (
            Method::GET,
            "/api/v1/movies/abc",
            "id: 'abc' is not a movie id.",
        ),
        (
            Method::GET,
            "/api/v1/movies/0/similar",
            "id: '0' is not a movie id.",
        ),
        (
            Method::PUT,
            "/api/v1/me/ratings/abc",
            "movie_id: 'abc' is not a movie id.",
        ),
        (
            Method::DELETE,
            "/api/v1/me/ratings/-1",
            "movie_id: '-1' is not a movie id.",
        ),
        (
            Method::PUT,
            "/api/v1/me/watchlist/x",
            "movie_id: 'x' is not a movie id.",
        ),
        (
            Method::DELETE,
            "/api/v1/me/watchlist/1.5",
            "movie_id: '1.5' is not a movie id.",
        ),
        (
            Method::PUT,
            "/api/v1/me/hidden/abc",
            "movie_id: 'abc' is not a movie id.",
        ),
        (
            Method::DELETE,
            "/api/v1/me/hidden/abc",
            "movie_id: 'abc' is not a movie id.",
        ),
        (
            Method::GET,
            "/api/v1/me/imports/abc",
            "id: 'abc' is not an import id.",
        ),
        (
            Method::POST,
            "/api/v1/me/imports/0/matches",
            "id: '0' is not an import id.",
        ),
    ] {
        let response = send(&app, method.clone(), path).await;
        assert_eq!(response.status().as_u16(), 400, "{method} {path}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(
            body["error"]["code"], "bad_request",
            "{method} {path}: {body}"
        );
        assert_eq!(body["error"]["message"], message, "{method} {path}");
    }
}
