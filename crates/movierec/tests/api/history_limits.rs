//! A viewer's history under attack: titles of any length, long applies beside other
//! users' writes, unbounded reports, and applies of one kept upload racing each other.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, Response};
use serde_json::Value;

use crate::helpers::{TestApp, catalog_ids, client, spawn_app};
use crate::history::{multipart, zip_of};

const PASSWORD: &str = "correct horse battery";
const MATRIX: i64 = 2674;
const ALIEN: i64 = 128;
const HEADER: &str = "Date,Name,Year,Letterboxd URI,Rating\n";

/// A Letterboxd `ratings.csv` of `n` films no catalog has, each looked up by title.
fn unknown_films(n: usize) -> String {
    let mut csv = HEADER.to_owned();
    for i in 0..n {
        writeln!(
            csv,
            "2024-01-05,Unheard Of Picture {i},2001,https://boxd.it/{i},3"
        )
        .unwrap();
    }
    csv
}

/// Posts a form from one of our pages with `client`'s session.
async fn post_form_as(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> Response {
    client
        .post(app.url(path))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin")
        .form(form)
        .send()
        .await
        .expect("request sent")
}

/// Uploads a file on the import page; the response (a redirect to the preview, or the form).
async fn upload_on_page(app: &TestApp, name: &str, bytes: &[u8]) -> Response {
    let (content_type, body) = multipart(name, bytes, &[("conflicts", "keep_mine")]);
    app.client
        .post(app.url("/my/import"))
        .header("Origin", &app.address)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("request sent")
}

/// The kept preview's path a page upload redirects to.
async fn preview_path(app: &TestApp, name: &str, bytes: &[u8]) -> String {
    let response = upload_on_page(app, name, bytes).await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "{:?}",
        response.text().await
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn rows(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.database().await)
        .await
        .unwrap()
}

async fn ratings_of_users(app: &TestApp) -> Vec<(i64, f64)> {
    sqlx::query_as(
        "SELECT r.movie_id, r.rating FROM ratings r JOIN users u ON u.id = r.user_id
         WHERE u.kind = 'user' ORDER BY r.movie_id",
    )
    .fetch_all(&app.database().await)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_twenty_megabyte_title_is_refused_at_once_with_its_file_and_line() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let title = "x".repeat(20 * 1024 * 1024);
    let csv = format!(
        "{HEADER}2024-01-05,{title},1999,https://boxd.it/1,4\n\
         2024-01-06,The Matrix,1999,https://boxd.it/2,4.5\n"
    );
    let zip = zip_of(&[("ratings.csv", csv.as_bytes())]);
    assert!(zip.len() < 40_000, "a small upload: {} bytes", zip.len());

    // Refused by the reader, at the line it reads, so the title never reaches matching
    // (the title key, the catalog's title search), which took 23 s for it in a release
    // build before titles were bounded: an unbounded title parses, and the dry run would
    // answer 200 with a preview of it and of the good row after it.
    let response = app
        .upload_history("dry_run=true", "letterboxd.zip", &zip)
        .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("ratings.csv:2: title: longer than 500 characters"),
        "{message}"
    );

    // The pages' upload, which keeps a preview, refuses it the same way and keeps nothing.
    let response = upload_on_page(&app, "letterboxd.zip", &zip).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("ratings.csv:2: title: longer than 500 characters")
    );
    assert_eq!(rows(&app, "SELECT COUNT(*) FROM history_imports").await, 0);
    assert!(ratings_of_users(&app).await.is_empty());
}

#[tokio::test]
async fn a_kept_preview_is_shown_and_applied_as_it_was_planned() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let csv = format!("{HEADER}2024-01-05,The Matrix,1999,https://boxd.it/1,4.5\n");
    let path = preview_path(&app, "ratings.csv", csv.as_bytes()).await;

    // The film is renamed after the preview: a view that matched the file again would find
    // nothing, the stored plan still holds the match.
    let db = app.database().await;
    sqlx::query("UPDATE movies SET title = 'Quite Another Film' WHERE id = $1")
        .bind(MATRIX)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE movie_search SET search_title = ' quite another film ' WHERE rowid = $1")
        .bind(MATRIX)
        .execute(&db)
        .await
        .unwrap();
    let preview = app.get_html(&path).await;
    assert!(preview.contains("data-count=\"new\">1<"), "{preview}");
    assert!(preview.contains("data-count=\"unmatched\">0<"), "{preview}");

    let response = app
        .post_form(&format!("{path}/apply"), &[("conflicts", "keep_mine")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(ratings_of_users(&app).await, [(MATRIX, 4.5)]);
}

#[tokio::test]
async fn others_rate_and_log_in_while_a_long_history_is_applied() {
    let app = Arc::new(spawn_app().await);
    app.register("ann", PASSWORD).await;
    let bob = client();
    let response = post_form_as(
        &app,
        &bob,
        "/register",
        &[
            ("username", "bob"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);

    let csv = unknown_films(50_000);
    let importer = tokio::spawn({
        let app = Arc::clone(&app);
        async move {
            let started = Instant::now();
            let response = app.upload_history("", "ratings.csv", csv.as_bytes()).await;
            (response.status().as_u16(), started.elapsed())
        }
    });
    let movies = catalog_ids(1_000);
    let mut tries = 0;
    while !importer.is_finished() {
        let movie = movies[tries % movies.len()];
        let rated = post_form_as(
            &app,
            &bob,
            &format!("/movies/{movie}/rating"),
            &[("stars", "4")],
        )
        .await;
        assert_eq!(rated.status().as_u16(), 303, "{:?}", rated.text().await);
        let logged_in = post_form_as(
            &app,
            &client(),
            "/login",
            &[("username", "bob"), ("password", PASSWORD)],
        )
        .await;
        assert_eq!(
            logged_in.status().as_u16(),
            303,
            "{:?}",
            logged_in.text().await
        );
        tries += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, took) = importer.await.unwrap();
    assert_eq!(status, 200);
    assert!(tries >= 3, "only {tries} tries during an apply of {took:?}");
}

#[tokio::test]
async fn a_report_lists_a_bounded_number_of_rows_and_few_reports_are_kept() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let report = app
        .import_history("", "ratings.csv", unknown_films(3_000).as_bytes())
        .await;
    assert_eq!(report["counts"]["unmatched"], 3_000);
    assert_eq!(report["unmatched"].as_array().unwrap().len(), 1_000);
    let first = report["id"].as_i64().unwrap();
    let page = app.get_html(&format!("/my/import/{first}")).await;
    assert!(page.contains("And 2000 more rows not matched"), "{page}");
    assert_eq!(page.matches("data-row=").count(), 1_000);

    // Twenty reports are kept; the oldest goes as a new one comes.
    let small = format!("{HEADER}2024-01-05,The Matrix,1999,https://boxd.it/1,4\n");
    for _ in 0..20 {
        app.import_history("", "ratings.csv", small.as_bytes())
            .await;
    }
    assert_eq!(rows(&app, "SELECT COUNT(*) FROM history_imports").await, 20);
    let gone = app.get(&format!("/api/v1/me/imports/{first}")).await;
    assert_eq!(gone.status().as_u16(), 404);
}

#[tokio::test]
async fn an_older_preview_tab_never_applies_a_newer_upload() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let matrix = format!("{HEADER}2024-01-05,The Matrix,1999,https://boxd.it/1,4\n");
    let alien = format!("{HEADER}2024-01-05,Alien,1979,https://boxd.it/2,5\n");
    let older = preview_path(&app, "ratings.csv", matrix.as_bytes()).await;
    let newer = preview_path(&app, "ratings.csv", alien.as_bytes()).await;
    assert_ne!(older, newer, "an id is never given twice");

    let response = app
        .post_form(&format!("{older}/apply"), &[("conflicts", "keep_mine")])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(ratings_of_users(&app).await.is_empty());

    let response = app
        .post_form(&format!("{newer}/apply"), &[("conflicts", "keep_mine")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(ratings_of_users(&app).await, [(ALIEN, 5.0)]);
}

#[tokio::test]
async fn of_concurrent_applies_of_one_upload_exactly_one_goes_on() {
    let app = Arc::new(spawn_app().await);
    app.register("ann", PASSWORD).await;
    let mut csv = unknown_films(300);
    csv.push_str("2024-01-05,The Matrix,1999,https://boxd.it/x,4\n");
    let path = preview_path(&app, "ratings.csv", csv.as_bytes()).await;

    let applies: Vec<_> = ["keep_mine", "take_theirs", "newest", "keep_mine", "newest"]
        .into_iter()
        .map(|choice| {
            let app = Arc::clone(&app);
            let path = path.clone();
            tokio::spawn(async move {
                let response = app
                    .post_form(&format!("{path}/apply"), &[("conflicts", choice)])
                    .await;
                (response.status().as_u16(), choice)
            })
        })
        .collect();
    let mut applied = Vec::new();
    for apply in applies {
        let (status, choice) = apply.await.unwrap();
        match status {
            303 => applied.push(choice),
            409 => {}
            other => panic!("an apply answered {other}"),
        }
    }
    assert_eq!(applied.len(), 1, "{applied:?}");
    let report = app
        .get(&format!(
            "/api/v1/me/imports/{}",
            path.rsplit('/').next().unwrap()
        ))
        .await;
    let report: Value = report.json().await.unwrap();
    assert_eq!(
        report["conflict_choice"], applied[0],
        "the report is the one apply's"
    );
    assert_eq!(report["applied"], true);
    assert_eq!(ratings_of_users(&app).await, [(MATRIX, 4.0)]);
}

#[tokio::test]
async fn the_matched_rows_listed_are_bounded_and_the_rest_counted() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    // Every catalog film by its own title and year: most of them match.
    let mut csv = HEADER.to_owned();
    for movie in movierec::catalog::embedded().unwrap() {
        let title = movie.title.replace('"', "\"\"");
        writeln!(
            csv,
            "2024-01-05,\"{title}\",{},https://boxd.it/{},3",
            movie.year, movie.id
        )
        .unwrap();
    }
    let report = app.import_history("", "ratings.csv", csv.as_bytes()).await;
    let matched = report["counts"]["matched"].as_u64().unwrap();
    assert!(matched > 1_500, "{}", report["counts"]);
    assert_eq!(report["matched"].as_array().unwrap().len(), 1_000);
    let page = app.get_html(&format!("/my/import/{}", report["id"])).await;
    let table = &page[page.find("id=\"matched\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<a href=\"/movies/").count(), 1_000);
    assert!(
        page.contains(&format!("And {} more matched rows", matched - 1_000)),
        "the rest are counted"
    );
}
