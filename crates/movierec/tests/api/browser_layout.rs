//! What a person sees at a desktop width (1366 × 900) and a phone's (390 × 844) on every page
//! with cards or rows: posters beside their titles (or above them on a phone), rows and
//! posters of sensible size, nothing wider than the window, no box on top of another, and
//! the stylesheet read whole by the browser.

use fantoccini::{Client, Locator};
use serde::Deserialize;

use crate::browser::{
    DESKTOP, Setup, axe_script, axe_violations, browser_with, click, client_cookie, movie_ids,
    number, register, start_driver, wait_for_text,
};
use crate::helpers::{TestApp, spawn_app};

const WIDE: Setup = Setup {
    width: 1366,
    height: 900,
    ..DESKTOP
};

const PHONE: Setup = Setup {
    width: 390,
    height: 844,
    ..DESKTOP
};

/// A box on screen in CSS pixels: left, top, right, bottom.
#[derive(Debug, Clone, Copy, Deserialize)]
struct Rect([f64; 4]);

impl Rect {
    fn left(self) -> f64 {
        self.0[0]
    }
    fn top(self) -> f64 {
        self.0[1]
    }
    fn right(self) -> f64 {
        self.0[2]
    }
    fn bottom(self) -> f64 {
        self.0[3]
    }
    fn width(self) -> f64 {
        self.right() - self.left()
    }
    fn height(self) -> f64 {
        self.bottom() - self.top()
    }
    fn centre_y(self) -> f64 {
        (self.top() + self.bottom()) / 2.0
    }

    /// The area two boxes share.
    fn overlap(self, other: Rect) -> f64 {
        let w = self.right().min(other.right()) - self.left().max(other.left());
        let h = self.bottom().min(other.bottom()) - self.top().max(other.top());
        w.max(0.0) * h.max(0.0)
    }

    /// Whether `inner` lies within this box, give or take a pixel of rounding.
    fn holds(self, inner: Rect) -> bool {
        inner.left() >= self.left() - 1.0
            && inner.top() >= self.top() - 1.0
            && inner.right() <= self.right() + 1.0
            && inner.bottom() <= self.bottom() + 1.0
    }
}

/// One element of a list and its parts (`None` where a part is missing).
#[derive(Debug, Deserialize)]
struct Item {
    rect: Rect,
    parts: Vec<Option<Rect>>,
}

/// The window and the visible elements of one list.
#[derive(Debug, Deserialize)]
struct Screen {
    width: f64,
    height: f64,
    scroll_width: f64,
    items: Vec<Item>,
}

/// Measures the visible elements `items` selects and, within each, the first element each of
/// `parts` selects. One script, so the page cannot change between two measurements.
async fn measure(client: &Client, items: &str, parts: &[&str]) -> Screen {
    let found = client
        .execute(
            "const [items, parts] = arguments;\
             const rect = e => { const r = e.getBoundingClientRect();\
                                 return [r.left, r.top, r.right, r.bottom]; };\
             return {\
               width: innerWidth, height: innerHeight,\
               scroll_width: document.documentElement.scrollWidth,\
               items: [...document.querySelectorAll(items)]\
                 .filter(e => e.getClientRects().length > 0)\
                 .map(e => ({ rect: rect(e), parts: parts.map(p => {\
                   const part = e.querySelector(p); return part ? rect(part) : null; }) })),\
             };",
            vec![serde_json::json!(items), serde_json::json!(parts)],
        )
        .await
        .expect("measuring runs");
    serde_json::from_value(found).expect("measurements")
}

/// A list of films on a page and what its elements may measure.
struct List {
    /// The list's elements.
    items: &'static str,
    /// The poster and the title's link within an element; `None` for rows without a poster.
    poster_and_title: Option<(&'static str, &'static str)>,
    /// The tallest an element may be at the desktop width and at the phone's.
    max_height: (f64, f64),
    /// Whether a title beside its poster is level with the poster's middle.
    centred: bool,
}

const CARDS: List = List {
    items: "li.movie-card",
    poster_and_title: Some((".card-poster", ".card-title a")),
    max_height: (320.0, 420.0),
    centred: false,
};

const FEATURED: List = List {
    items: "article.featured",
    poster_and_title: Some((".card-poster", "h3 a")),
    max_height: (420.0, 700.0),
    centred: false,
};

const RESULTS: List = List {
    items: "li.result",
    poster_and_title: Some(("img.poster", ".result-text > a")),
    max_height: (120.0, 260.0),
    centred: true,
};

const RATINGS: List = List {
    items: ".ratings-table tbody tr",
    poster_and_title: Some(("img.poster", ".film-cell a")),
    max_height: (120.0, 260.0),
    centred: false,
};

/// The import preview's tables: rows without posters.
const IMPORT_ROWS: List = List {
    items: "#conflicts tbody tr, #unmatched tbody tr",
    poster_and_title: None,
    max_height: (200.0, 420.0),
    centred: false,
};

/// What is wrong with `list` on the current page, one line each; `phone` at the phone width.
async fn check_list(client: &Client, page: &str, list: &List, phone: bool) -> Vec<String> {
    let (poster, title) = list.poster_and_title.unwrap_or(("", ""));
    let parts: Vec<&str> = if list.poster_and_title.is_some() {
        vec![poster, title]
    } else {
        Vec::new()
    };
    let screen = measure(client, list.items, &parts).await;
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(format!("{page} {}: {p}", list.items));
    if screen.items.is_empty() {
        problem("none on the page".to_owned());
    }
    let max_height = if phone {
        list.max_height.1
    } else {
        list.max_height.0
    };
    for (i, item) in screen.items.iter().enumerate() {
        let row = item.rect;
        if row.height() > max_height {
            problem(format!("#{i} is {:.0} px tall", row.height()));
        }
        if row.right() > screen.width + 0.5 {
            problem(format!("#{i} reaches {:.0} px", row.right()));
        }
        for (j, other) in screen.items.iter().enumerate().skip(i + 1) {
            let shared = row.overlap(other.rect);
            if shared > 1.0 {
                problem(format!("#{i} and #{j} overlap by {shared:.0} px²"));
            }
        }
        if list.poster_and_title.is_none() {
            continue;
        }
        let (Some(poster), Some(title)) = (item.parts[0], item.parts[1]) else {
            problem(format!("#{i} has no poster or no title"));
            continue;
        };
        if !row.holds(poster) || !row.holds(title) {
            problem(format!("#{i}'s poster or title sticks out of it"));
        }
        // Small enough to leave the title room, large enough to tell one film from another.
        let widest = if phone { screen.width * 0.4 } else { 160.0 };
        if poster.width() < 24.0 || poster.width() > widest {
            problem(format!("#{i}'s poster is {:.0} px wide", poster.width()));
        }
        let ratio = poster.height() / poster.width();
        if (ratio - 1.5).abs() > 0.1 {
            problem(format!("#{i}'s poster is {ratio:.2} times as tall as wide"));
        }
        let beside = title.left() >= poster.right() - 0.5
            && title.top() < poster.bottom()
            && title.bottom() > poster.top();
        // On a phone a large poster may sit above its title instead.
        let above = phone && title.top() >= poster.bottom() - 0.5;
        if !(beside || above) {
            problem(format!(
                "#{i}'s title is not beside its poster: poster {:?}, title {:?}",
                poster.0, title.0
            ));
        }
        if poster.overlap(title) > 0.0 {
            problem(format!("#{i}'s poster covers its title"));
        }
        // A row's title is level with its thumbnail, not at its foot.
        if list.centred && beside {
            let off = (title.centre_y() - poster.centre_y()).abs();
            if off > 12.0 {
                problem(format!(
                    "#{i}'s title sits {off:.0} px off the poster's centre"
                ));
            }
        }
    }
    // A few say enough; a broken sheet would otherwise list every row.
    if problems.len() > 4 {
        let more = problems.len() - 4;
        problems.truncate(4);
        problems.push(format!("{page} {}: and {more} more", list.items));
    }
    problems
}

/// What is wrong with the movie page's big poster (or cover) and its heading.
async fn check_movie_poster(client: &Client, page: &str, phone: bool) -> Vec<String> {
    let screen = measure(client, "article.movie", &[".movie-poster img", "h1"]).await;
    let (Some(poster), Some(heading)) = (screen.items[0].parts[0], screen.items[0].parts[1]) else {
        return vec![format!("{page}: no poster or no heading")];
    };
    let mut problems = Vec::new();
    let (widest, tallest) = if phone {
        (screen.width * 0.7, screen.height * 0.75)
    } else {
        (360.0, 540.0)
    };
    if poster.width() > widest || poster.height() > tallest || poster.width() < 100.0 {
        problems.push(format!(
            "{page}: the poster is {:.0} × {:.0} px",
            poster.width(),
            poster.height()
        ));
    }
    if poster.right() > screen.width {
        problems.push(format!(
            "{page}: the poster reaches {:.0} px",
            poster.right()
        ));
    }
    // On a desktop the poster stands at the right, beside the title, not above it.
    if !phone && (heading.top() >= poster.bottom() || poster.left() < screen.width / 2.0) {
        problems.push(format!(
            "{page}: the poster {:?} is not beside the title {:?}",
            poster.0, heading.0
        ));
    }
    problems
}

/// Whether the browser read the stylesheet as written: every at-rule of the file is one of
/// the sheet's top-level rules (an unclosed block would swallow the ones after it, an unknown
/// one would be dropped), and the last top-level rule is a plain rule.
async fn check_stylesheet(client: &Client, css: &str, page: &str) -> Vec<String> {
    let seen = client
        .execute(
            "const sheet = [...document.styleSheets].find(s => (s.href || '').includes('/static/style.css'));\
             if (!sheet) return null;\
             const rules = [...sheet.cssRules];\
             return { at_rules: rules.filter(r => !(r instanceof CSSStyleRule)).length,\
                      last_is_plain: rules[rules.length - 1] instanceof CSSStyleRule };",
            vec![],
        )
        .await
        .unwrap();
    if seen.is_null() {
        return vec![format!("{page}: the stylesheet is not linked")];
    }
    let mut problems = Vec::new();
    let expected = at_rules_in(css);
    if seen["at_rules"].as_u64() != Some(expected) {
        problems.push(format!(
            "{page}: the browser sees {} top-level at-rules, the file has {expected}",
            seen["at_rules"]
        ));
    }
    if seen["last_is_plain"] != true {
        problems.push(format!(
            "{page}: the stylesheet's last rule is inside a block"
        ));
    }
    problems
}

/// The at-rules (`@media`, `@supports`, …) the stylesheet's text names outside comments.
fn at_rules_in(css: &str) -> u64 {
    let mut count = 0;
    let mut rest = css;
    while let Some(at) = rest.find(['@', '/']) {
        let tail = &rest[at..];
        if let Some(comment) = tail.strip_prefix("/*") {
            rest = comment.find("*/").map_or("", |end| &comment[end + 2..]);
            continue;
        }
        if tail.starts_with('@') && tail[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            count += 1;
        }
        rest = &tail[1..];
    }
    count
}

/// Sends one change of the signed-in user's lists or ratings through the API.
async fn put(app: &TestApp, cookie: &str, path: &str, body: Option<serde_json::Value>) {
    let mut request = reqwest::Client::new()
        .put(app.url(path))
        .header("Cookie", cookie)
        .header("Origin", &app.address);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let status = request.send().await.unwrap().status();
    assert!(status.is_success(), "{path}: {status}");
}

/// Every page with cards or rows at one width: a user with ratings and a watchlist, a model,
/// and an import previewed, measured page by page; axe on each page too.
async fn check_every_page(setup: Setup) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.wait_for_version_after(None).await;
    let phone = setup.width < 500;
    let client = browser_with(&driver, setup).await;
    register(&client, &app, "measured").await;
    let cookie = client_cookie(&client).await;
    let movies = movie_ids(&client, "li.onboarding-movie").await;
    assert!(movies.len() >= 8, "{movies:?}");
    for (i, movie) in movies[..5].iter().enumerate() {
        let stars = 2.0 + i as f64 * 0.5;
        let body = serde_json::json!({ "rating": stars });
        put(
            &app,
            &cookie,
            &format!("/api/v1/me/ratings/{movie}"),
            Some(body),
        )
        .await;
    }
    for movie in &movies[5..8] {
        put(
            &app,
            &cookie,
            &format!("/api/v1/me/watchlist/{movie}"),
            None,
        )
        .await;
    }
    // A media server connected, the user's account linked and a library read, so the
    // account page shows its forms and the home page "Watch tonight".
    let db = app.database().await;
    for (name, value) in [
        ("jellyfin_url", "http://127.0.0.1:9"),
        ("jellyfin_api_key", "key"),
    ] {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(value)
            .execute(&db)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO media_links (user_id, server, account, linked_at, synced_at, last_result)
         SELECT id, 'jellyfin', 'a1b2', 0, 0,
                '12 films in the library, 11 found in the catalog; 3 newly seen, 0 ratings; 1 played films not matched'
         FROM users WHERE username = 'measured'",
    )
    .execute(&db)
    .await
    .unwrap();
    for movie in &movies[8..] {
        sqlx::query(
            "INSERT INTO library_movies (user_id, server, movie_id, added_at)
             SELECT id, 'jellyfin', $1, 0 FROM users WHERE username = 'measured'",
        )
        .bind(movie.parse::<i64>().unwrap())
        .execute(&db)
        .await
        .unwrap();
    }
    let css = app
        .get("/static/style.css")
        .await
        .text()
        .await
        .expect("the stylesheet");
    let axe = axe_script();

    // The import preview, reached once through the form.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("letterboxd-measured.zip");
    std::fs::write(&file, crate::history::letterboxd_zip()).unwrap();
    client.goto(&app.url("/my/import")).await.unwrap();
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(&client, Locator::Css("#import-form button[type=submit]")).await;
    wait_for_text(&client, "Preview: letterboxd-measured.zip").await;
    let preview = client.current_url().await.unwrap();
    let preview = &preview.as_str()[app.address.len()..];

    let movie = format!("/movies/{}", movies[0]);
    let pages: Vec<(&str, Vec<&List>)> = vec![
        ("/", vec![&FEATURED, &CARDS]),
        ("/search?q=the", vec![&RESULTS]),
        (&movie, vec![&CARDS]),
        ("/my/ratings", vec![&RATINGS]),
        ("/my/watchlist", vec![&CARDS]),
        ("/my/import", vec![]),
        (preview, vec![&IMPORT_ROWS]),
        ("/account", vec![]),
        ("/admin", vec![]),
    ];
    let mut problems = Vec::new();
    for (path, lists) in pages {
        client.goto(&app.url(path)).await.unwrap();
        let window = measure(&client, "body", &[]).await;
        assert_eq!(window.width, f64::from(setup.width), "{path}: the window");
        if window.scroll_width > window.width {
            problems.push(format!(
                "{path} is {} px wide in a {} px window",
                window.scroll_width, window.width
            ));
        }
        problems.extend(check_stylesheet(&client, &css, path).await);
        if !phone {
            // The header is one row on a desktop: the links beside the search, not under it.
            let rows = client
                .execute(
                    "const s = document.querySelector('.nav-search').getBoundingClientRect();\
                     const l = document.querySelector('.nav-wide').getBoundingClientRect();\
                     return [s.top, s.bottom, l.top, l.bottom];",
                    vec![],
                )
                .await
                .unwrap();
            let [search_top, search_bottom, links_top, links_bottom]: [f64; 4] =
                serde_json::from_value(rows).unwrap();
            if links_top >= search_bottom || links_bottom <= search_top {
                problems.push(format!(
                    "{path}: the header's links wrap under the search ({links_top} px below {search_top} px)"
                ));
            }
        }
        for list in lists {
            problems.extend(check_list(&client, path, list, phone).await);
        }
        if path == movie {
            problems.extend(check_movie_poster(&client, path, phone).await);
        }
        if let Some(axe) = &axe {
            for v in axe_violations(&client, axe).await {
                problems.push(format!("{path}: {v}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "at {} px:\n{}",
        setup.width,
        problems.join("\n")
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn at_a_desktop_width_every_page_with_films_is_laid_out_in_rows_and_cards() {
    check_every_page(WIDE).await;
}

#[tokio::test]
async fn at_a_phone_width_every_page_with_films_fits_and_stacks_sensibly() {
    check_every_page(PHONE).await;
}

#[tokio::test]
async fn on_a_desktop_search_results_are_rows_with_the_poster_beside_the_title() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser_with(&driver, WIDE).await;
    client.goto(&app.url("/search?q=the")).await.unwrap();
    let problems = check_list(&client, "/search?q=the", &RESULTS, false).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(measure(&client, RESULTS.items, &[]).await.items.len() >= 10);
    // A button-styled link keeps its side padding in the navigation.
    let padding = number(
        &client,
        "return parseFloat(getComputedStyle(document.querySelector('.nav-wide a.button, nav a.button')).paddingLeft);",
    )
    .await;
    assert!(
        padding >= 8.0,
        "the Register button has {padding} px of side padding"
    );
    client.close().await.unwrap();
}

#[test]
fn at_rules_are_counted_outside_comments() {
    let css = "/* @media in a comment */ a { color: red }\n@media (x) { b { c: d } }\n\
               @supports (e: f) { g { h: i } } /* @font-face */ j { k: l }";
    assert_eq!(at_rules_in(css), 2);
}
