//! Covers drawn for films without a poster: served from our origin as SVG with the film's
//! title and year, cached for good under a URL versioned by their content.

use crate::helpers::spawn_app;

/// A film of the embedded catalog whose title has an ampersand (and nothing else to escape),
/// with its id, title and year.
fn film_with_an_ampersand() -> (u32, String, u16) {
    let movies = movierec::catalog::embedded().expect("catalog parses");
    let movie = movies
        .iter()
        .find(|m| m.title.contains('&') && !m.title.contains(['<', '>', '"', '\'']))
        .expect("a title with an ampersand");
    (movie.id, movie.title.clone(), movie.year)
}

#[tokio::test]
async fn a_film_without_a_poster_gets_a_cover_with_its_escaped_title_and_year() {
    let app = spawn_app().await;
    let (id, title, year) = film_with_an_ampersand();
    let escaped = title.replace('&', "&amp;");

    // The card's address sends the browser to the cover, briefly: a poster may come later.
    let card = app.get(&format!("/movies/{id}/poster")).await;
    assert_eq!(card.status().as_u16(), 302);
    assert_eq!(card.headers()["cache-control"], "public, max-age=60");
    let location = card.headers()["location"].to_str().unwrap().to_owned();
    let version = location
        .strip_prefix(&format!("/movies/{id}/cover.svg?v="))
        .unwrap_or_else(|| panic!("a cover: {location}"))
        .to_owned();

    let cover = app.get(&location).await;
    assert_eq!(cover.status().as_u16(), 200);
    assert_eq!(cover.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        cover.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = cover.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{version}\""));
    let svg = cover.text().await.unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("role=\"img\""), "{svg}");
    assert!(
        svg.contains(&format!(
            "<title id=\"cover-title\">{escaped} ({year})</title>"
        )),
        "{svg}"
    );
    assert!(!svg.contains(&title), "an unescaped ampersand: {svg}");
    assert!(svg.contains(&format!(">{year}</text>")), "{svg}");
    // Every word of a short title is drawn.
    for word in escaped.split_whitespace() {
        assert!(svg.contains(word), "{word} is not drawn: {svg}");
    }

    // A browser holding it revalidates for nothing.
    let again = crate::helpers::client()
        .get(app.url(&location))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // Asked for without its version (or a stale one) it is kept an hour, not for good.
    for stale in [
        format!("/movies/{id}/cover.svg"),
        format!("/movies/{id}/cover.svg?v=0000000000000000"),
    ] {
        let response = app.get(&stale).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    }

    // The movie page shows the same cover, named for a screen reader.
    let page = app.get_html(&format!("/movies/{id}")).await;
    // Either spelling of an escaped ampersand will do in HTML.
    assert!(
        ["&amp;", "&#38;"].iter().any(|amp| page.contains(&format!(
            "src=\"{location}\" alt=\"{} ({year})\"",
            title.replace('&', amp)
        ))),
        "{page}"
    );
    assert!(!page.contains("/static/poster.svg"), "{page}");

    // No such movie, no cover.
    assert_eq!(
        app.get("/movies/999999999/cover.svg")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn films_of_different_genres_get_different_covers() {
    let app = spawn_app().await;
    let movies = movierec::catalog::embedded().expect("catalog parses");
    let of_genre = |genre: &str| {
        movies
            .iter()
            .find(|m| m.genres == [genre])
            .unwrap_or_else(|| panic!("a film of only {genre}"))
            .id
    };
    let mut fills = Vec::new();
    for id in [of_genre("Horror"), of_genre("Comedy"), of_genre("Western")] {
        let location = app.get(&format!("/movies/{id}/poster")).await.headers()["location"]
            .to_str()
            .unwrap()
            .to_owned();
        let svg = app.get(&location).await.text().await.unwrap();
        // The tint is the first stop colour the drawing sets.
        let start = svg.find(".top{stop-color:").expect("a tint") + ".top{stop-color:".len();
        fills.push(svg[start..start + 7].to_owned());
    }
    fills.sort();
    fills.dedup();
    assert_eq!(fills.len(), 3, "{fills:?}");
}
