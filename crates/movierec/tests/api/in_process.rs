//! Requests answered in-process by the app's router (`tower::ServiceExt::oneshot`), with
//! every layer the server has but no socket: for what does not need a client's session.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::build_app;

/// The router as the listener would serve it, with a client address as the listener adds.
async fn router() -> (Router, crate::helpers::TestDatabase) {
    let (app, db_dir) = build_app().await;
    let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
    (app.router().layer(MockConnectInfo(peer)), db_dir)
}

async fn send(router: &Router, method: Method, path: &str) -> Response {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("request");
    router.clone().oneshot(request).await.expect("infallible")
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .map_or("", |v| v.to_str().unwrap())
}

/// Asserts a JSON error of `status` with `code` and returns its message.
async fn json_error(response: Response, status: u16, code: &str) -> String {
    assert_eq!(response.status().as_u16(), status);
    assert!(
        content_type(&response).starts_with("application/json"),
        "{}",
        content_type(&response)
    );
    let body: Value = serde_json::from_str(&body_text(response).await).expect("JSON");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

#[tokio::test]
async fn health_answers_ok() {
    let (router, _db) = router().await;
    let response = send(&router, Method::GET, "/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "ok");
}

#[tokio::test]
async fn static_files_are_served_with_a_validator_and_unknown_ones_are_404() {
    let (router, _db) = router().await;
    let response = send(&router, Method::GET, "/static/style.css").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/css"));
    let etag = response.headers()[header::ETAG].clone();
    assert!(!body_text(response).await.is_empty());

    let revalidate = Request::get("/static/style.css")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(revalidate).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

    let response = send(&router, Method::GET, "/static/secrets.txt").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(content_type(&response).starts_with("text/html"));
}

#[tokio::test]
async fn unknown_pages_are_an_html_404_and_unknown_api_routes_json() {
    let (router, _db) = router().await;
    let response = send(&router, Method::GET, "/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(content_type(&response).starts_with("text/html"));
    assert!(
        body_text(response)
            .await
            .contains("There is no page at this address.")
    );

    for path in [
        "/api/v1/nope",
        "/api/v2/search",
        "/api/",
        "/api/v1/movies/1/extra",
    ] {
        json_error(send(&router, Method::GET, path).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_api_path_is_405_and_names_the_allowed_ones() {
    let (router, _db) = router().await;
    let response = send(&router, Method::POST, "/api/v1/search").await;
    assert_eq!(response.headers()[header::ALLOW], "GET,HEAD");
    let message = json_error(response, 405, "method_not_allowed").await;
    assert!(message.contains("Allow header"), "{message}");
}

#[tokio::test]
async fn openapi_document_lists_exactly_the_served_routes() {
    let (router, _db) = router().await;
    let response = send(&router, Method::GET, "/api/v1/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/json"));
    let doc: Value = serde_json::from_str(&body_text(response).await).expect("JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = movierec::web::api::route_table()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_owned(), path.to_owned()))
        .collect();
    assert_eq!(documented, served);
}

/// Every database connection busy past the pool's acquire timeout is a moment of load:
/// 503 with `Retry-After` on pages and in the API, not a 500; once a connection is free
/// again the same request is answered.
#[tokio::test]
async fn a_busy_database_pool_answers_503_with_retry_after() {
    let (app, _db) = crate::helpers::build_app_with(|config| {
        config.database_pool = movierec::store::PoolLimits {
            max_connections: 1,
            // Long enough for start-up on a loaded machine, short enough for the test.
            acquire_timeout: std::time::Duration::from_secs(2),
        };
    })
    .await;
    let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
    let router = app.router().layer(MockConnectInfo(peer));
    let held = app.pool().acquire().await.expect("the one connection");

    let response = send(&router, Method::GET, "/api/v1/movies/1").await;
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let message = json_error(response, 503, "unavailable").await;
    assert!(retry_after.is_some(), "a 503 says when to come back");
    assert!(!message.contains("pool"), "{message}");

    let response = send(&router, Method::GET, "/movies/1").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    assert!(content_type(&response).starts_with("text/html"));

    drop(held);
    let response = send(&router, Method::GET, "/api/v1/movies/1").await;
    assert_ne!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
