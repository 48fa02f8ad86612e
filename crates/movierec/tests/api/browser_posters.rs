//! Posters in headless Chromium: home, search and movie pages show posters and
//! drawn covers, and the browser never contacts a host other than ours (the provider stubs
//! listen on another port, so a leak would show as another origin).

use std::time::Duration;

use fantoccini::Client;

use crate::browser::{browser, start_driver, wait_for_text};
use crate::helpers::spawn_app_with;
use crate::provider_stub::Stub;

/// Scrolls each image into view in turn (so lazy ones load), waits for them, and returns the
/// page's origin, every image's source with its loaded width, and every resource fetched.
async fn images_and_requests(client: &Client) -> serde_json::Value {
    let script = r#"
        const waiting = [...document.images].find(i => !(i.complete && i.naturalWidth > 0));
        if (waiting) { waiting.scrollIntoView(); }
        return {
            origin: location.origin,
            images: [...document.images].map(i => ({
                src: i.currentSrc || i.src, complete: i.complete, width: i.naturalWidth,
                lazy: i.loading,
            })),
            resources: performance.getEntriesByType('resource').map(e => e.name),
        };
    "#;
    let mut last = serde_json::Value::Null;
    for _ in 0..100 {
        last = client
            .execute(script, Vec::new())
            .await
            .expect("script runs");
        let images = last["images"].as_array().expect("images");
        if images
            .iter()
            .all(|i| i["complete"] == true && i["width"].as_u64() > Some(0))
        {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("images did not all load: {last}");
}

fn assert_same_origin(seen: &serde_json::Value, page: &str) {
    let origin = seen["origin"].as_str().expect("origin");
    for image in seen["images"].as_array().unwrap() {
        let src = image["src"].as_str().unwrap();
        assert!(
            src.starts_with(&format!("{origin}/")),
            "{page}: image from {src}"
        );
    }
    for resource in seen["resources"].as_array().unwrap() {
        let url = resource.as_str().unwrap();
        assert!(
            url.starts_with(&format!("{origin}/")),
            "{page}: request to {url}"
        );
    }
}

fn sources(seen: &serde_json::Value) -> Vec<String> {
    seen["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["src"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn home_search_and_movie_pages_show_posters_from_our_origin_only() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    // Only a logged-in user's view asks the providers.
    app.register("viewer", "correct horse battery").await;

    // The first film of the home page gets its details and poster (a user's page view
    // fetches them); the others show their drawn covers.
    // The film is the first of the visitors' home page, which the browser opens below.
    let home = crate::helpers::client()
        .get(app.url("/"))
        .send()
        .await
        .expect("request sent")
        .text()
        .await
        .expect("a page");
    let start = home.find("<li class=\"movie-card\"").expect("a card");
    let link = &home[start..];
    let href_start = link.find("href=\"/movies/").unwrap() + "href=\"".len();
    let path = &link[href_start..href_start + link[href_start..].find('"').unwrap()];
    let movie_page = app.get_html(path).await;
    assert!(movie_page.contains("src=\"/posters/"), "{movie_page}");
    // The link reads `href="/movies/ID">Title</a>`.
    let after = &link[href_start + path.len() + 2..];
    let title = &after[..after.find('<').unwrap()];
    let before = stub.requests().len();

    let client = browser(&driver).await;
    client.goto(&app.url("/")).await.unwrap();
    wait_for_text(&client, "Top rated by critics").await;
    let seen = images_and_requests(&client).await;
    assert_same_origin(&seen, "home");
    // Every card loaded an image from us: the enriched film's poster, covers for the
    // rest (a card's address redirects to one or the other on our origin).
    let srcs = sources(&seen);
    let card = format!("{path}/poster");
    assert!(srcs.iter().any(|s| s.ends_with(&card)), "{srcs:?}");
    assert!(
        seen["images"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["lazy"] == "lazy")
    );
    let target = app.get(&card).await;
    assert!(
        target.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/posters/")
    );
    let other = srcs
        .iter()
        .find(|s| !s.ends_with(&card))
        .expect("another card");
    let other = &other[other.find("/movies/").unwrap()..];
    assert!(
        app.get(other).await.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&other.replace("/poster", "/cover.svg?v="))
    );

    let query: String = title
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    client
        .goto(&app.url(&format!("/search?q={}", query.replace(' ', "+"))))
        .await
        .unwrap();
    wait_for_text(&client, "found").await;
    let seen = images_and_requests(&client).await;
    assert_same_origin(&seen, "search");
    assert!(sources(&seen).iter().any(|s| s.ends_with(&card)), "{seen}");

    client.goto(&app.url(path)).await.unwrap();
    wait_for_text(&client, "Your rating").await;
    let seen = images_and_requests(&client).await;
    assert_same_origin(&seen, "movie");
    let poster = &seen["images"][0];
    assert!(
        poster["src"].as_str().unwrap().contains("/posters/"),
        "{seen}"
    );
    assert_eq!(poster["width"], 342);

    // The browser's visits asked the providers nothing.
    assert_eq!(
        stub.requests().len(),
        before,
        "{:?}",
        &stub.requests()[before..]
    );
    client.close().await.unwrap();
}
