//! The import preview in headless Chromium: the Result column and the changed count follow
//! the conflict choice in place, the tables fit the window, and applying does what the
//! column said.

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::{axe_script, axe_violations, browser, start_driver, wait_for_text};
use crate::helpers::{TestApp, spawn_app};

const MATRIX: i64 = 2674;
const TITANIC: i64 = 2956;

async fn register(client: &Client, app: &TestApp) -> String {
    client.goto(&app.url("/register")).await.unwrap();
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("importer")
        .await
        .unwrap();
    for field in ["password", "confirm"] {
        let input = client.find(Locator::Id(field)).await.unwrap();
        input.send_keys("correct horse battery").await.unwrap();
    }
    client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(client, "Recommendations for importer").await;
    let cookie = client.get_named_cookie("movierec_session").await.unwrap();
    format!("movierec_session={}", cookie.value())
}

/// The page as a person sees it: each conflict's Result, the changed count, whether the
/// no-script button shows, and how far the widest table reaches past the window.
async fn seen(client: &Client) -> Value {
    client
        .execute(
            "return {\
               results: [...document.querySelectorAll('#conflicts [data-result]')].map(c => c.textContent),\
               changed: document.querySelector('[data-count=changed]').textContent,\
               button: document.getElementById('show-choice').getClientRects().length > 0,\
               overflow: Math.max(...[...document.querySelectorAll('table')]\
                 .map(t => t.getBoundingClientRect().right - document.documentElement.clientWidth)),\
             };",
            vec![],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_preview_follows_the_conflict_choice_in_place_and_applying_agrees() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    let cookie = register(&client, &app).await;
    let http = reqwest::Client::new();
    for movie in [MATRIX, TITANIC] {
        let response = http
            .put(app.url(&format!("/api/v1/me/ratings/{movie}")))
            .header("Cookie", &cookie)
            .header("Origin", &app.address)
            .json(&serde_json::json!({ "rating": 1 }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    // The Matrix rated in the file long ago, Titanic after today.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ratings.csv");
    std::fs::write(
        &path,
        "Date,Name,Year,Letterboxd URI,Rating
2001-01-01,The Matrix,1999,https://boxd.it/m,5
2099-01-01,Titanic,1997,https://boxd.it/t,4
",
    )
    .unwrap();
    client.goto(&app.url("/my/import")).await.unwrap();
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    client
        .find(Locator::Css("#import-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Preview: ratings.csv").await;

    let page = seen(&client).await;
    assert_eq!(page["results"], serde_json::json!(["yours", "yours"]));
    assert_eq!(page["changed"], "0");
    assert_eq!(page["button"], false, "the script shows the choice itself");
    assert!(page["overflow"].as_f64().unwrap() <= 0.0, "{page}");

    if let Some(axe) = axe_script() {
        let problems = axe_violations(&client, &axe).await;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    let choice = client.find(Locator::Id("conflicts-choice")).await.unwrap();
    choice.select_by_value("take_theirs").await.unwrap();
    let page = seen(&client).await;
    assert_eq!(
        page["results"],
        serde_json::json!(["the file's", "the file's"])
    );
    assert_eq!(page["changed"], "2");
    choice.select_by_value("newest").await.unwrap();
    let page = seen(&client).await;
    assert_eq!(page["results"], serde_json::json!(["yours", "the file's"]));
    assert_eq!(page["changed"], "1");

    client
        .find(Locator::Css("#apply-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Imported: ratings.csv").await;
    let results: Value = client
        .execute(
            "return [...document.querySelectorAll('#conflicts [data-result]')].map(c => c.textContent);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(results, serde_json::json!(["yours", "the file's"]));
    if let Some(axe) = axe_script() {
        let problems = axe_violations(&client, &axe).await;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
    let ratings: Value = http
        .get(app.url("/api/v1/me/ratings?sort=title"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ratings: Vec<(i64, f64)> = ratings["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["movie_id"].as_i64().unwrap(),
                r["rating"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ratings, [(MATRIX, 1.0), (TITANIC, 4.0)]);
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_hand_match_updates_the_counts_in_place() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    let cookie = register(&client, &app).await;
    // Not matched on its own: the franchise's name in front of the catalog's title.
    let file = "Date,Name,Year,Letterboxd URI,Rating
2021-01-01,Indiana Jones: Raiders of the Lost Ark,1981,https://boxd.it/a,5
2021-01-03,Fargo,1996,https://boxd.it/c,4
";
    let (content_type, body) = crate::history::multipart("ratings.csv", file.as_bytes(), &[]);
    let report: Value = reqwest::Client::new()
        .post(app.url("/api/v1/me/imports"))
        .header("Cookie", &cookie)
        .header("Origin", &app.address)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["counts"]["unmatched"], 1, "{report}");
    let path = format!("/my/import/{}", report["id"]);
    client
        .goto(&app.url(&format!("{path}?row=0&q=raiders")))
        .await
        .unwrap();
    let counts = "return ['matched', 'unmatched', 'new']\
                    .map(n => document.querySelector(`[data-count=${n}]`).textContent);";
    assert_eq!(
        client.execute(counts, vec![]).await.unwrap(),
        serde_json::json!(["1", "1", "1"])
    );
    client
        .execute("window.movierecMark = 1; return null;", vec![])
        .await
        .unwrap();
    client
        .find(Locator::Css(
            "button[aria-label='Match to Raiders of the Lost Ark']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Matched to Raiders of the Lost Ark.").await;
    assert_eq!(
        client.execute(counts, vec![]).await.unwrap(),
        serde_json::json!(["2", "0", "2"])
    );
    let state = client
        .execute(
            "return [window.movierecMark === 1, document.getElementById('match-candidates') === null,\
                     document.activeElement.getAttribute('href')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        state,
        serde_json::json!([true, true, "/movies/1874"]),
        "matched in place, the focus on the row's new link"
    );
    // A reload shows the same counts.
    client.refresh().await.unwrap();
    assert_eq!(
        client.execute(counts, vec![]).await.unwrap(),
        serde_json::json!(["2", "0", "2"])
    );
    client.close().await.unwrap();
}
