//! What the pages' script relies on: the list endpoints, a rating leaving the watchlist, the
//! onboarding flow's addresses, the "Not interested" page and the one-control My ratings.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{TestApp, Visitor, assert_redirects_to, catalog_ids, spawn_app};

const PASSWORD: &str = "correct horse battery";

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

async fn logged_in(name: &str) -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.register(name, PASSWORD).await.status().as_u16(), 303);
    app
}

/// The `data-movie-id`s of the elements whose class list starts with `class`, in page order.
fn card_ids(html: &str, class: &str) -> Vec<i64> {
    let marker = format!(r#"class="{class}" data-movie-id=""#);
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn watchlist_and_hidden_endpoints_add_remove_and_check_the_movie() {
    let app = logged_in("lister").await;
    let movie = catalog_ids(1)[0];
    for list in ["watchlist", "hidden"] {
        let path = format!("/api/v1/me/{list}/{movie}");
        for _ in 0..2 {
            // Twice: putting it there again is fine.
            let response = send(&app, Method::PUT, &path, None).await;
            assert_eq!(response.status().as_u16(), 204, "{path}");
        }
    }
    let watchlist = app.get_html("/my/watchlist").await;
    assert!(watchlist.contains(&format!("/movies/{movie}\"")));
    let hidden = app.get_html("/my/not-interested").await;
    assert!(hidden.contains(&format!("/movies/{movie}\"")));

    for list in ["watchlist", "hidden"] {
        let path = format!("/api/v1/me/{list}/{movie}");
        for _ in 0..2 {
            let response = send(&app, Method::DELETE, &path, None).await;
            assert_eq!(response.status().as_u16(), 204, "{path}");
        }
    }
    assert!(
        app.get_html("/my/watchlist")
            .await
            .contains("Your watchlist is empty")
    );
    assert!(
        app.get_html("/my/not-interested")
            .await
            .contains("Nothing here")
    );

    let response = send(&app, Method::PUT, "/api/v1/me/watchlist/99999999", None).await;
    assert_eq!(response.status().as_u16(), 404);
    let response = send(&app, Method::DELETE, "/api/v1/me/hidden/99999999", None).await;
    assert_eq!(response.status().as_u16(), 404);
    let response = send(&app, Method::PUT, "/api/v1/me/hidden/abc", None).await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("movie_id:"),
        "{body}"
    );

    app.logout().await;
    let response = send(
        &app,
        Method::PUT,
        &format!("/api/v1/me/watchlist/{movie}"),
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 401);
    let response = app.get("/my/not-interested").await;
    assert_redirects_to(&response, "/login?next=/my/not-interested");
}

#[tokio::test]
async fn rating_a_movie_takes_it_off_the_watchlist_by_form_and_by_api() {
    let app = logged_in("seen-it").await;
    let ids = catalog_ids(2);
    for id in &ids {
        let response = send(
            &app,
            Method::PUT,
            &format!("/api/v1/me/watchlist/{id}"),
            None,
        )
        .await;
        assert_eq!(response.status().as_u16(), 204);
    }
    // By the API, which says so.
    let response = send(
        &app,
        Method::PUT,
        &format!("/api/v1/me/ratings/{}", ids[0]),
        Some(json!({ "rating": 4 })),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "movie_id": ids[0],
            "rating": 4.0,
            "left_watchlist": true,
            "users_average": 4.0,
            "users_count": 1
        })
    );
    let response = send(
        &app,
        Method::PUT,
        &format!("/api/v1/me/ratings/{}", ids[0]),
        Some(json!({ "rating": 3 })),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["left_watchlist"], false);
    // By the form.
    let response = app.rate(ids[1], "2.5").await;
    assert_eq!(response.status().as_u16(), 303);
    let watchlist = app.get_html("/my/watchlist").await;
    assert!(watchlist.contains("Your watchlist is empty"), "{watchlist}");
    assert_eq!(app.my_rating(ids[1]).await.as_deref(), Some("2.5"));
}

#[tokio::test]
async fn my_ratings_has_one_control_per_row_dates_and_library_title_order() {
    let app = logged_in("librarian").await;
    // "The Godfather" sorts under G, between films under F and H… whatever the catalog holds.
    let search: Value = app
        .get("/api/v1/search?q=godfather")
        .await
        .json()
        .await
        .unwrap();
    let godfather = search["results"][0]["id"].as_u64().unwrap() as u32;
    assert_eq!(search["results"][0]["title"], "The Godfather");
    let ids = catalog_ids(3);
    for id in ids.iter().chain([&godfather]) {
        assert_eq!(app.rate(*id, "3").await.status().as_u16(), 303);
    }
    let html = app.get_html("/my/ratings?sort=title").await;
    assert!(html.contains("Date rated"), "{html}");
    assert_eq!(html.matches("<select").count(), 4, "one control per row");
    assert_eq!(html.matches("<tr data-movie-id").count(), 4);
    // The date each was rated, in a time element.
    assert!(html.contains("<time datetime=\"20"), "{html}");
    // Titles in order ignoring a leading article.
    let titles: Vec<String> = html
        .match_indices("<td><a href=\"/movies/")
        .map(|(at, _)| {
            let rest = &html[at..];
            let start = rest.find('>').unwrap()
                + 1
                + rest[rest.find('>').unwrap() + 1..].find('>').unwrap()
                + 1;
            rest[start..start + rest[start..].find('<').unwrap()].to_owned()
        })
        .collect();
    let key = |t: &String| {
        let lower = t.to_lowercase();
        ["the ", "an ", "a "]
            .iter()
            .find_map(|a| lower.strip_prefix(a).map(str::to_owned))
            .unwrap_or(lower)
    };
    let mut sorted = titles.clone();
    sorted.sort_by_key(key);
    assert_eq!(titles, sorted);

    // "No rating" in the same select removes the rating and comes back.
    let response = app
        .post_form(
            &format!("/movies/{godfather}/rating"),
            &[("stars", "none"), ("next", "/my/ratings?sort=title&page=1")],
        )
        .await;
    assert_redirects_to(&response, "/my/ratings?sort=title&page=1");
    assert_eq!(app.my_rating(godfather).await, None);
    assert_eq!(
        app.get_html("/my/ratings").await.matches("<select").count(),
        3
    );
}

#[tokio::test]
async fn onboarding_offers_more_films_skips_unseen_ones_and_counts_progress() {
    let app = logged_in("newcomer").await;
    let home = app.get_html("/").await;
    assert!(home.contains("0 of 10"), "{home}");
    let offered = card_ids(&home, "movie-card onboarding-movie");
    assert_eq!(offered.len(), 12);

    // Skipped films are left out, and the flow offers others in their place.
    let skip = format!("{},{}", offered[0], offered[1]);
    let page = app.get_html(&format!("/?rate=more&skip={skip}")).await;
    let now = card_ids(&page, "movie-card onboarding-movie");
    assert_eq!(now.len(), 12);
    assert!(
        !now.contains(&offered[0]) && !now.contains(&offered[1]),
        "{now:?}"
    );
    // The skip link of a card carries the films skipped so far and that one.
    let link = format!("/?rate=more&#38;skip={skip},{}#onboarding", now[0]);
    assert!(page.contains(&link), "{page}");
    // Junk in the list is ignored like any other link.
    assert_eq!(app.get("/?skip=abc,,-3").await.status().as_u16(), 200);

    // Ten ratings: the progress line says enough and hands over to the recommendations.
    for id in &offered[..10] {
        assert_eq!(app.rate(*id as u32, "4").await.status().as_u16(), 303);
    }
    let home = app.get_html("/").await;
    assert!(
        !home.contains(r#"id="onboarding""#),
        "onboarding ends at 10"
    );
    assert!(
        home.contains("<h1 id=\"recs-heading\""),
        "the recommendations are the page's h1"
    );
    assert!(home.contains("Rate more films"));
    let more = app.get_html("/?rate=more").await;
    assert!(more.contains("10 of 10"), "{more}");
    assert!(more.contains("See your recommendations"));
    let still = card_ids(&more, "movie-card onboarding-movie");
    assert!(!still.is_empty() && still.iter().all(|id| !offered[..10].contains(id)));
}

#[tokio::test]
async fn search_results_show_my_rating_of_each_film() {
    let app = logged_in("searcher").await;
    let search: Value = app
        .get("/api/v1/search?q=alien")
        .await
        .json()
        .await
        .unwrap();
    let first = search["results"][0]["id"].as_u64().unwrap() as u32;
    assert_eq!(app.rate(first, "3.5").await.status().as_u16(), 303);
    let html = app.get_html("/search?q=alien").await;
    assert!(
        html.contains(&format!(
            r#"id="s-{first}-7" name="stars" value="3.5" checked>"#
        )),
        "{html}"
    );
    // Other results are not rated.
    assert_eq!(html.matches("\" checked>").count(), 1);
    // The form comes back to the same results.
    assert!(
        html.contains(r#"name="next" value="/search?q=alien&#38;page=1""#),
        "{html}"
    );
}

#[tokio::test]
async fn every_page_has_one_h1() {
    let app = logged_in("headings").await;
    let movie = catalog_ids(1)[0];
    for path in [
        "/".to_owned(),
        "/?rate=more".to_owned(),
        "/search".to_owned(),
        "/search?q=alien".to_owned(),
        format!("/movies/{movie}"),
        "/my/ratings".to_owned(),
        "/my/watchlist".to_owned(),
        "/my/not-interested".to_owned(),
        "/account".to_owned(),
        "/model".to_owned(),
        "/admin".to_owned(),
    ] {
        let html = app.get_html(&path).await;
        assert_eq!(html.matches("<h1").count(), 1, "{path}");
    }
    app.logout().await;
    for path in ["/", "/login", "/register", "/no/such/page"] {
        let html = app.get(path).await.text().await.unwrap();
        assert_eq!(html.matches("<h1").count(), 1, "{path}");
    }
}

#[tokio::test]
async fn search_results_sort_by_relevance_year_rating_or_votes() {
    let app = spawn_app().await;
    let get = |path: String| {
        let app = &app;
        async move {
            let body: Value = app.get(&path).await.json().await.unwrap();
            body
        }
    };
    let relevance = get("/api/v1/search?q=alien".into()).await;
    let ids = |body: &Value| -> Vec<i64> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let mut matched = ids(&relevance);
    assert!(matched.len() > 3);
    for (sort, field) in [
        ("year", "year"),
        ("rating", "imdb_rating"),
        ("votes", "votes"),
    ] {
        let body = get(format!("/api/v1/search?q=alien&sort={sort}")).await;
        let keys: Vec<f64> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_f64().unwrap_or(f64::NEG_INFINITY))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{sort}: {keys:?}");
        // The same matches, in another order.
        let mut sorted = ids(&body);
        assert_eq!(sorted.len(), matched.len());
        sorted.sort_unstable();
        matched.sort_unstable();
        assert_eq!(sorted, matched, "{sort}");
    }
    // Without a title too: a genre listed by rating.
    let body = get("/api/v1/search?genre=Drama&sort=rating".into()).await;
    let ratings: Vec<f64> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["imdb_rating"].as_f64().unwrap_or(f64::NEG_INFINITY))
        .collect();
    assert!(ratings.windows(2).all(|w| w[0] >= w[1]), "{ratings:?}");

    // The page keeps the order in its links and refuses an unknown one beside its field.
    let html = app.get_html("/search?genre=Drama&sort=year").await;
    assert!(html.contains(r#"<option value="year" selected>"#), "{html}");
    assert!(html.contains("sort=year&#38;page=2"), "{html}");
    let response = app.get("/search?q=alien&sort=colour").await;
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"id="sort-error""#), "{html}");
    assert!(html.contains("Sort by one of relevance, year, rating, votes."));
    let response = app.get("/api/v1/search?q=alien&sort=colour").await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn a_rating_answers_with_our_users_new_figure() {
    let app = logged_in("first").await;
    let movie = catalog_ids(1)[0];
    let path = format!("/api/v1/me/ratings/{movie}");
    let figure = |body: &Value| (body["users_count"].clone(), body["users_average"].clone());
    let put = |stars: f64| send(&app, Method::PUT, &path, Some(json!({ "rating": stars })));

    let first: Value = put(4.0).await.json().await.unwrap();
    assert_eq!(figure(&first), (json!(1), json!(4.0)));

    // Another user's rating counts in the next answer, as in the movie's own figures.
    let other = Visitor::new(&app);
    assert_eq!(
        other.register("second", PASSWORD).await.status().as_u16(),
        303
    );
    let response = other
        .post_form(&format!("/movies/{movie}/rating"), &[("stars", "2")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let again: Value = put(5.0).await.json().await.unwrap();
    // Changing one's rating does not count it twice.
    assert_eq!(figure(&again), (json!(2), json!(3.5)));
    let shown: Value = app
        .get(&format!("/api/v1/movies/{movie}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(figure(&shown), figure(&again));
}
