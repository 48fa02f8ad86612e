//! The JSON API under `/api/v1` and its OpenAPI document.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, catalog_ids, spawn_app};

const PASSWORD: &str = "correct horse battery";

/// Sends a request the way a script on one of our pages would.
async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin");
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request sent")
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = send(app, Method::GET, path, None).await;
    status_and_json(response).await
}

async fn put_rating(app: &TestApp, movie: impl std::fmt::Display, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/me/ratings/{movie}");
    status_and_json(send(app, Method::PUT, &path, Some(body)).await).await
}

async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    (status, response.json().await.expect("JSON body"))
}

/// Asserts the shape of an API error and returns its message.
fn error_message(body: &Value, code: &str) -> String {
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"]
        .as_str()
        .expect("a message")
        .to_owned()
}

async fn logged_in(name: &str) -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.register(name, PASSWORD).await.status().as_u16(), 303);
    app
}

#[tokio::test]
async fn search_answers_json_and_refuses_bad_parameters() {
    let app = spawn_app().await;
    let (status, body) = get_json(&app, "/api/v1/search?q=godfater").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["query"], "godfater");
    assert_eq!(body["per_page"], 20);
    assert_eq!(body["page"], 1);
    assert_eq!(body["results"][0]["title"], "The Godfather");
    assert_eq!(body["results"][0]["year"], 1972);

    // Every parameter is optional: asking for nothing (or only blanks) lists the catalog,
    // most voted first.
    for query in [
        "",
        "?q=%20",
        "?genre=&page=1",
        "?q=&genre=&year_from=&year_to=",
    ] {
        let (status, body) = get_json(&app, &format!("/api/v1/search{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(body["query"].is_null(), "{query}: {body}");
        assert!(body["total"].as_i64().unwrap() > 3000, "{query}: {body}");
        let votes: Vec<i64> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["votes"].as_i64().unwrap_or(0))
            .collect();
        assert!(votes.windows(2).all(|w| w[0] >= w[1]), "{query}: {votes:?}");
    }

    let too_long = format!("?q={}", "x".repeat(101));
    for (query, field) in [
        (too_long.as_str(), "q"),
        ("?q=a&genre=Opera", "genre"),
        ("?year_from=abc", "year_from"),
        ("?year_from=2000&year_to=1999", "year_to"),
        ("?q=a&page=0", "page"),
        ("?q=a&page=two", "page"),
    ] {
        let (status, body) = get_json(&app, &format!("/api/v1/search{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let message = error_message(&body, "bad_request");
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{query}: {message}"
        );
    }
}

#[tokio::test]
async fn movie_details_and_refusals() {
    let app = spawn_app().await;
    let id = catalog_ids(1)[0];
    let (status, body) = get_json(&app, &format!("/api/v1/movies/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id);
    let catalog = movierec::catalog::embedded().unwrap();
    let expected = catalog.iter().find(|m| m.id == id).unwrap();
    assert_eq!(body["title"], expected.title.as_str());
    assert_eq!(body["genres"], json!(expected.genres));
    assert_eq!(body["imdb_rating"].as_f64(), expected.imdb_rating);
    assert_eq!(body["users_count"], 0);
    assert_eq!(body["your_rating"], Value::Null);

    let (status, body) = get_json(&app, "/api/v1/movies/99999999").await;
    assert_eq!(status, 404);
    assert!(error_message(&body, "not_found").contains("99999999"));
    for bad in ["abc", "0", "-4", "1.5"] {
        let (status, body) = get_json(&app, &format!("/api/v1/movies/{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(error_message(&body, "bad_request").starts_with("id: "));
    }
}

#[tokio::test]
async fn my_ratings_need_a_session() {
    let app = spawn_app().await;
    let id = catalog_ids(1)[0];
    let path = format!("/api/v1/me/ratings/{id}");
    for (method, path, body) in [
        (Method::GET, "/api/v1/me/ratings", None),
        (Method::PUT, path.as_str(), Some(json!({"rating": 4}))),
        (Method::DELETE, path.as_str(), None),
    ] {
        let (status, body) = status_and_json(send(&app, method.clone(), path, body).await).await;
        assert_eq!(status, 401, "{method} {path}");
        error_message(&body, "unauthorized");
    }
}

#[tokio::test]
async fn rate_read_change_list_and_delete() {
    let app = logged_in("jane").await;
    let id = catalog_ids(1)[0];

    let (status, body) = put_rating(&app, id, json!({"rating": 4.5})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "movie_id": id,
            "rating": 4.5,
            "left_watchlist": false,
            "users_average": 4.5,
            "users_count": 1
        })
    );
    let (_, movie) = get_json(&app, &format!("/api/v1/movies/{id}")).await;
    assert_eq!(movie["your_rating"], 4.5);
    assert_eq!(movie["users_average"], 4.5);
    assert_eq!(movie["users_count"], 1);
    // The page sees the same rating.
    assert_eq!(app.my_rating(id).await.as_deref(), Some("4.5"));

    let (status, _) = put_rating(&app, id, json!({"rating": 2})).await;
    assert_eq!(status, 200);
    let (status, list) = get_json(&app, "/api/v1/me/ratings").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["sort"], "recent");
    assert_eq!(list["ratings"][0]["movie_id"], id);
    assert_eq!(list["ratings"][0]["rating"], 2.0);
    assert!(list["ratings"][0]["updated_at"].as_i64().unwrap() > 0);

    let path = format!("/api/v1/me/ratings/{id}");
    let response = send(&app, Method::DELETE, &path, None).await;
    assert_eq!(response.status().as_u16(), 204);
    let (_, list) = get_json(&app, "/api/v1/me/ratings").await;
    assert_eq!(list["total"], 0);
    assert_eq!(list["ratings"], json!([]));
    // Deleting again is not an error: there is still no rating.
    assert_eq!(
        send(&app, Method::DELETE, &path, None)
            .await
            .status()
            .as_u16(),
        204
    );
    let response = send(&app, Method::DELETE, "/api/v1/me/ratings/99999999", None).await;
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn bad_ratings_are_refused_with_the_field_named_and_change_nothing() {
    let app = logged_in("kim").await;
    let id = catalog_ids(1)[0];
    put_rating(&app, id, json!({"rating": 3})).await;

    for (body, expected) in [
        (json!({"rating": 4.3}), "rating: A rating is in half stars"),
        (
            json!({"rating": 5.5}),
            "rating: A rating is between 0.5 and 5 stars.",
        ),
        (
            json!({"rating": 0}),
            "rating: A rating is between 0.5 and 5 stars.",
        ),
        (
            json!({"rating": -1}),
            "rating: A rating is between 0.5 and 5 stars.",
        ),
        (json!({"rating": "4.5"}), "rating: "),
        (json!({"rating": null}), "rating: "),
        (json!({"rating": [4]}), "rating: "),
        (json!({"rating": 4, "extra": 1}), "body: "),
        (json!({}), "rating: Choose a rating."),
        (json!({"stars": 4}), "body: "),
        (json!("4"), "body: "),
    ] {
        let (status, response) = put_rating(&app, id, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        let message = error_message(&response, "bad_request");
        assert!(message.starts_with(expected), "{body}: {message}");
    }

    let path = format!("/api/v1/me/ratings/{id}");
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .put(app.url(&path))
            .header("Sec-Fetch-Site", "same-origin")
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    for (body, content_type) in [
        ("{", "application/json"),
        ("", "application/json"),
        ("rating=4", "application/x-www-form-urlencoded"),
        (r#"{"rating": 1e999}"#, "application/json"),
    ] {
        let (status, response) = status_and_json(raw(body, content_type).await.unwrap()).await;
        assert_eq!(status, 400, "{body:?}");
        assert!(
            error_message(&response, "bad_request").starts_with("body: "),
            "{body:?}"
        );
    }

    let (status, body) = put_rating(&app, 99999999, json!({"rating": 4})).await;
    assert_eq!(status, 404);
    error_message(&body, "not_found");
    let (status, body) = put_rating(&app, "abc", json!({"rating": 4})).await;
    assert_eq!(status, 400);
    assert!(error_message(&body, "bad_request").starts_with("movie_id: "));

    let (_, list) = get_json(&app, "/api/v1/me/ratings").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["ratings"][0]["rating"], 3.0);
}

#[tokio::test]
async fn my_ratings_are_paged_and_sorted() {
    let app = logged_in("lou").await;
    let ids = catalog_ids(25);
    for (i, id) in ids.iter().enumerate() {
        let stars = if i == 7 { 5.0 } else { 1.0 };
        let (status, _) = put_rating(&app, id, json!({ "rating": stars })).await;
        assert_eq!(status, 200);
    }
    let (_, first) = get_json(&app, "/api/v1/me/ratings?sort=rating").await;
    assert_eq!(first["total"], 25);
    assert_eq!(first["pages"], 2);
    assert_eq!(first["ratings"].as_array().unwrap().len(), 20);
    assert_eq!(first["ratings"][0]["movie_id"], ids[7]);
    let (_, second) = get_json(&app, "/api/v1/me/ratings?sort=rating&page=2").await;
    assert_eq!(second["page"], 2);
    assert_eq!(second["ratings"].as_array().unwrap().len(), 5);
    let (_, past) = get_json(&app, "/api/v1/me/ratings?page=3").await;
    assert_eq!(past["ratings"], json!([]));

    for (query, field) in [
        ("?sort=best", "sort"),
        ("?page=0", "page"),
        ("?page=x", "page"),
    ] {
        let (status, body) = get_json(&app, &format!("/api/v1/me/ratings{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(error_message(&body, "bad_request").starts_with(&format!("{field}: ")));
    }
}

#[tokio::test]
async fn cross_site_changes_are_refused() {
    let app = logged_in("max").await;
    let id = catalog_ids(1)[0];
    put_rating(&app, id, json!({"rating": 3})).await;
    let path = format!("/api/v1/me/ratings/{id}");
    for method in [Method::PUT, Method::DELETE] {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .header("Sec-Fetch-Site", "cross-site")
            .header("Origin", "https://evil.example")
            .json(&json!({"rating": 0.5}))
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 403, "{method}");
        error_message(&body, "forbidden");
    }
    let (_, movie) = get_json(&app, &format!("/api/v1/movies/{id}")).await;
    assert_eq!(movie["your_rating"], 3.0);
}

#[tokio::test]
async fn every_served_route_answers_a_logged_in_caller() {
    let app = logged_in("otto").await;
    // The first-start training must be done, or starting another one answers 409.
    app.wait_for_version_after(None).await;
    // That the OpenAPI document lists exactly these is checked in-process. The history
    // upload itself is a multipart body, sent first (the other import routes need one).
    let served = movierec::web::api::route_table();

    let id = catalog_ids(1)[0].to_string();
    // An import with one unmatched row, for the routes about an import.
    let history = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,No Such Film,2001,x,3\n";
    let report = app
        .import_history("", "ratings.csv", history.as_bytes())
        .await;
    let import_id = report["id"].to_string();
    // A movie night of one, and the first film it would put to the vote.
    let night = send(&app, Method::POST, "/api/v1/nights", Some(json!({}))).await;
    let (_, night) = status_and_json(night).await;
    let night_id = night["id"].to_string();
    let (_, picks) = get_json(&app, &format!("/api/v1/nights/{night_id}/picks?n=1")).await;
    let first_pick = picks["picks"][0]["movie_id"].clone();
    // A film request needs a Radarr to ask (otto, the first account, connects it) and a
    // film it can find.
    let _radarr = crate::radarr::connect(&app).await;
    crate::radarr::set_ids(&app, id.parse().unwrap(), Some(9_000_071), None).await;
    for (method, path) in &served {
        if *method == Method::POST && *path == "/api/v1/me/imports" {
            continue;
        }
        let concrete = if path.starts_with("/api/v1/me/imports/") {
            path.replace("{id}", &import_id)
        } else if path.starts_with("/api/v1/nights/") {
            path.replace("{id}", &night_id)
        } else {
            path.replace("{id}", &id).replace("{movie_id}", &id)
        };
        assert!(!concrete.contains('{'), "unfilled parameter in {path}");
        let (concrete, body) = match method.as_str() {
            "GET" if concrete.ends_with("/search") => (format!("{concrete}?q=alien"), None),
            "PUT" => (concrete, Some(json!({"rating": 4}))),
            "POST" if concrete == "/api/v1/nights" => (concrete, Some(json!({}))),
            "POST" if concrete.ends_with("/votes") => {
                (concrete, Some(json!({"ranking": [first_pick]})))
            }
            "POST" if concrete.ends_with("/matches") => (
                concrete,
                Some(json!({"row": 0, "movie_id": id.parse::<i64>().unwrap()})),
            ),
            _ => (concrete, None),
        };
        let method = Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let response = send(&app, method.clone(), &concrete, body).await;
        let status = response.status().as_u16();
        assert!(status < 300, "{method} {concrete} answered {status}");
    }
}
