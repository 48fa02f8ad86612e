//! The search page, and the title search behind it and behind `GET /api/v1/search`.

use movierec::catalog::{CatalogMovie, embedded};
use movierec::web::session::encode_component;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

fn movie(title: &str) -> CatalogMovie {
    embedded()
        .unwrap()
        .into_iter()
        .find(|m| m.title == title)
        .unwrap_or_else(|| panic!("{title} is in the catalog"))
}

/// The movie ids of a results page, in order.
fn result_ids(html: &str) -> Vec<u32> {
    html.split(r#"<li class="result">"#)
        .skip(1)
        .filter_map(|item| {
            let start = item.find("/movies/")? + "/movies/".len();
            let end = start + item[start..].find('"')?;
            item[start..end].parse().ok()
        })
        .collect()
}

/// Links in attributes have their `&` escaped; compare them as a browser reads them.
fn unescape_amp(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

async fn search_page(app: &TestApp, query: &str) -> (u16, String) {
    let response = app
        .get(&format!("/search?q={}", encode_component(query)))
        .await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn api_search(app: &TestApp, params: &[(&str, &str)]) -> (u16, Value) {
    let query: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={}", encode_component(value)))
        .collect();
    let response = app
        .get(&format!("/api/v1/search?{}", query.join("&")))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn typos_still_find_the_godfather_first() {
    let app = spawn_app().await;
    let godfather = movie("The Godfather").id;
    for query in [
        "godfather",
        "the godfater",
        "godfater",
        "GODFATHER",
        "  godfather  ",
    ] {
        let (status, html) = search_page(&app, query).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(result_ids(&html).first(), Some(&godfather), "{query}");
    }
}

#[tokio::test]
async fn search_ignores_case_and_accents() {
    let app = spawn_app().await;
    for (query, title) in [
        ("amelie", "Le Fabuleux destin d'Amélie Poulain"),
        ("AMÉLIE POULAIN", "Le Fabuleux destin d'Amélie Poulain"),
        ("leon", "Léon"),
        ("LÉON", "Léon"),
        ("die falscher", "Die Fälscher"),
    ] {
        let (_, html) = search_page(&app, query).await;
        assert_eq!(result_ids(&html).first(), Some(&movie(title).id), "{query}");
    }
    // Titles are shown as written, accents and all.
    let (_, html) = search_page(&app, "amelie").await;
    assert!(html.contains("Amélie Poulain"));
}

#[tokio::test]
async fn genre_and_year_filters_restrict_results() {
    let app = spawn_app().await;
    let catalog = embedded().unwrap();
    let expected = catalog
        .iter()
        .filter(|m| m.genres.iter().any(|g| g == "Drama") && (1990..=1995).contains(&m.year))
        .count();
    assert!(expected > 20, "enough for two pages");

    let (status, body) = api_search(
        &app,
        &[
            ("genre", "Drama"),
            ("year_from", "1990"),
            ("year_to", "1995"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"].as_u64(), Some(expected as u64));
    assert_eq!(body["query"], Value::Null);
    for hit in body["results"].as_array().unwrap() {
        let year = hit["year"].as_i64().unwrap();
        assert!((1990..=1995).contains(&year), "{hit}");
        assert!(hit["genres"].as_array().unwrap().contains(&"Drama".into()));
    }

    // With a title query too: "the godfater" in the 1970s finds Part I and II, not III.
    let (_, body) = api_search(
        &app,
        &[
            ("q", "the godfater"),
            ("year_from", "1970"),
            ("year_to", "1979"),
        ],
    )
    .await;
    let titles: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles[..2], ["The Godfather", "The Godfather: Part II"]);
    assert!(!titles.contains(&"The Godfather: Part III"), "{titles:?}");

    // A genre that does not fit the query leaves nothing.
    let (_, body) = api_search(&app, &[("q", "godfather"), ("genre", "Musical")]).await;
    assert_eq!(body["total"], 0);
}

#[tokio::test]
async fn results_are_paged_and_links_keep_the_filters() {
    let app = spawn_app().await;
    let html = unescape_amp(&app.get_html("/search?genre=Comedy&year_from=2000").await);
    let first = result_ids(&html);
    assert_eq!(first.len(), 20);
    assert!(html.contains("Page 1 of"), "{html}");
    let next = r#"href="/search?genre=Comedy&year_from=2000&page=2""#;
    assert!(html.contains(next), "{html}");
    assert!(!html.contains(r#"rel="prev""#));

    let second = unescape_amp(
        &app.get_html("/search?genre=Comedy&year_from=2000&page=2")
            .await,
    );
    let second_ids = result_ids(&second);
    assert_eq!(second_ids.len(), 20);
    assert!(second_ids.iter().all(|id| !first.contains(id)));
    assert!(second.contains(r#"href="/search?genre=Comedy&year_from=2000&page=1""#));

    // A title query pages through its ranked list the same way, the query kept in links.
    let html = unescape_amp(&app.get_html("/search?q=the+man&page=2").await);
    assert_eq!(result_ids(&html).len(), 20, "{html}");
    assert!(
        html.contains(r#"href="/search?q=the%20man&page=1""#),
        "{html}"
    );

    // Past the last page: a message, not an error.
    let (status, html) = {
        let response = app.get("/search?genre=Comedy&page=9999").await;
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(html.contains("no results on this page"), "{html}");
    // Only the way back to the first page: no "Page 9999 of 3" and no link to page 9998.
    assert!(!html.contains("Page 9999"), "{html}");
    assert!(!html.contains("page=9998"), "{html}");
}

#[tokio::test]
async fn empty_and_oversize_queries_get_a_message_not_an_error_page() {
    let app = spawn_app().await;
    for path in [
        "/search",
        "/search?q=",
        "/search?q=%20%20%20&genre=&year_from=",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Type part of a title to search."), "{path}");
        assert!(result_ids(&html).is_empty());
    }

    let long = "godfather ".repeat(11);
    let (status, html) = search_page(&app, &long).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("A search has at most 100 characters."),
        "{html}"
    );
    assert!(
        html.contains(r#"<form class="search-form""#),
        "the form is shown again"
    );
    assert!(!html.contains("That did not work"), "not the error page");

    let response = app.get("/search?q=alien&year_from=nineteen").await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"value="nineteen""#), "input kept");
    assert!(html.contains("A year is a number from"), "{html}");
    // The message is tied to its field for screen readers, as on the other forms.
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="year_from-error""#),
        "{html}"
    );
    assert!(html.contains(r#"<p id="year_from-error" class="field-error">"#));
}

#[tokio::test]
async fn sql_and_fts_metacharacters_are_harmless() {
    let app = spawn_app().await;
    let movies = embedded().unwrap().len();
    let nasty = [
        "'; DROP TABLE movies; --",
        "\"",
        "'",
        "*",
        "god*",
        "NEAR(god father)",
        "godfather\" OR \"x",
        "title:godfather",
        "^god",
        "a AND NOT b",
        "%",
        "_",
        "\\",
        ") OR 1=1 --",
        "\u{0}",
        "(((",
        "-godfather",
    ];
    for query in nasty {
        let (status, html) = search_page(&app, query).await;
        assert_eq!(status, 200, "{query:?}: {html}");
        let (status, body) = api_search(&app, &[("q", query)]).await;
        assert_eq!(status, 200, "{query:?}: {body}");
    }
    // Quotes around a title are only punctuation.
    let (_, html) = search_page(&app, "\"the godfather\"").await;
    assert_eq!(result_ids(&html).first(), Some(&movie("The Godfather").id));

    // Everything is still there.
    let (_, body) = api_search(&app, &[("year_from", "1888")]).await;
    assert_eq!(body["total"].as_u64(), Some(movies as u64));
    let (_, html) = search_page(&app, "godfater").await;
    assert_eq!(result_ids(&html).first(), Some(&movie("The Godfather").id));
}

#[tokio::test]
async fn search_box_in_the_layout_points_to_the_search_page() {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    assert!(home.contains(r#"action="/search""#));
    assert!(home.contains(r#"name="q""#));
}

#[tokio::test]
async fn the_query_is_shown_escaped() {
    let app = spawn_app().await;
    let payload = r#""><script>alert(1)</script>"#;
    let (status, html) = search_page(&app, payload).await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
}

#[tokio::test]
async fn a_missing_or_partial_index_is_rebuilt_at_start() {
    let app = spawn_app().await;
    let db = app.database().await;
    sqlx::query("DELETE FROM movie_search WHERE rowid % 2 = 0")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let app = app.restart().await;
    let everything = embedded().unwrap();
    let db = app.database().await;
    let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movie_search")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(indexed, everything.len() as i64);
    let (_, html) = search_page(&app, "godfater").await;
    assert_eq!(result_ids(&html).first(), Some(&movie("The Godfather").id));
}

/// Search holds the catalog in memory; a change written by another process on the same
/// database (here a separate connection, as the command-line import or another instance
/// would write it) must show on the very next search.
#[tokio::test]
async fn a_catalog_change_from_another_process_shows_at_once() {
    let app = spawn_app().await;
    let godfather = movie("The Godfather").id;
    let (_, body) = api_search(&app, &[("q", "the godfather")]).await;
    assert_eq!(
        body["results"][0]["id"].as_u64(),
        Some(u64::from(godfather))
    );

    let db = app.database().await;
    sqlx::query("UPDATE movies SET title = 'Zyxwv Quorble' WHERE id = $1")
        .bind(i64::from(godfather))
        .execute(&db)
        .await
        .unwrap();
    let (_, body) = api_search(&app, &[("q", "zyxwv quorble")]).await;
    assert_eq!(
        body["results"][0]["id"].as_u64(),
        Some(u64::from(godfather)),
        "{body}"
    );
    let (_, body) = api_search(&app, &[("q", "the godfather")]).await;
    assert!(
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"].as_u64() != Some(u64::from(godfather))),
        "{body}"
    );

    // A new film under a source's own genre name, as an import beside the server writes it:
    // it counts under the vocabulary's.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, imdb_votes) VALUES ('Qwertyuiop Returns', 2031, 5)
         RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let genre: i64 =
        sqlx::query_scalar("INSERT INTO genres (name) VALUES ('Science Fiction') RETURNING id")
            .fetch_one(&db)
            .await
            .unwrap();
    sqlx::query("INSERT INTO movie_genres (movie_id, genre_id) VALUES ($1, $2)")
        .bind(id)
        .bind(genre)
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let (status, body) = api_search(&app, &[("q", "qwertyuiop"), ("genre", "Sci-Fi")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(body["results"][0]["id"].as_i64(), Some(id));
    assert_eq!(body["results"][0]["genres"][0], "Sci-Fi");
}

/// Sorting keeps the matches and changes only their order; paging walks the sorted list.
#[tokio::test]
async fn sorting_reorders_the_same_matches() {
    let app = spawn_app().await;
    let (_, relevance) = api_search(&app, &[("q", "godfather")]).await;
    let (_, by_year) = api_search(&app, &[("q", "godfather"), ("sort", "year")]).await;
    let ids = |body: &Value| -> Vec<u64> {
        let mut ids: Vec<u64> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_u64().unwrap())
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(relevance["total"], by_year["total"]);
    assert_eq!(ids(&relevance), ids(&by_year));
    let years: Vec<i64> = by_year["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["year"].as_i64().unwrap_or(0))
        .collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
}

#[tokio::test]
async fn a_capped_title_search_says_so_and_a_short_one_counts() {
    let app = spawn_app().await;
    let capped: serde_json::Value = app.get("/api/v1/search?q=the").await.json().await.unwrap();
    assert_eq!(capped["capped"], true, "{capped}");
    assert_eq!(capped["total"], movierec::search::MAX_CANDIDATES as i64);
    let page = app.get_html("/search?q=the").await;
    assert!(
        page.contains(&format!(
            "{}+ movies found",
            movierec::search::MAX_CANDIDATES
        )),
        "{page}"
    );
    let counted: serde_json::Value = app
        .get("/api/v1/search?q=godfather")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counted["capped"], false, "{counted}");
    let total = counted["total"].as_i64().unwrap();
    assert!(total >= 3, "{counted}");
    let page = app.get_html("/search?q=godfather").await;
    assert!(page.contains(&format!("{total} movies found")), "{page}");
}

#[tokio::test]
async fn letters_typed_the_wrong_way_round_still_find_the_film() {
    let app = spawn_app().await;
    let found: serde_json::Value = app
        .get("/api/v1/search?q=matirx")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["results"][0]["title"], "The Matrix", "{found}");
}

/// The titles a search lists on its first page, with how many it found.
async fn titles_found(app: &TestApp, query: &str) -> (Vec<String>, i64) {
    let (status, found) = api_search(app, &[("q", query)]).await;
    assert_eq!(status, 200, "{found}");
    let titles = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect();
    (titles, found["total"].as_i64().unwrap())
}

#[tokio::test]
async fn star_wars_lists_a_new_hope_first_and_two_words_list_the_films_with_both() {
    let app = spawn_app().await;
    let new_hope = movie("Star Wars Ep. IV: A New Hope");
    let (status, found) = api_search(&app, &[("q", "star wars")]).await;
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["id"], new_hope.id, "{found}");
    // The Clone Wars is listed, after the film released as "Star Wars".
    let (titles, _) = titles_found(&app, "star wars").await;
    assert!(titles[1..].contains(&"Star Wars: The Clone Wars".to_owned()));

    // Every Toy Story, and none of the films that only share "story" or "toy".
    let (titles, total) = titles_found(&app, "toy story").await;
    assert_eq!(titles, ["Toy Story", "Toy Story 2", "Toy Story 3"]);
    assert_eq!(total, 3);
    let (story, _) = titles_found(&app, "story").await;
    assert!(
        story.len() > 3,
        "a word alone still lists its films: {story:?}"
    );
    // A typo in a word still finds the film.
    assert_eq!(titles_found(&app, "toy stroy").await.0[0], "Toy Story");
    // Nothing has every word: the nearest films are shown rather than nothing.
    let (mut partial, _) = titles_found(&app, "toy story zebra").await;
    partial.truncate(3);
    partial.sort();
    assert_eq!(partial, ["Toy Story", "Toy Story 2", "Toy Story 3"]);
}
