//! The pages in headless Chromium, driven through chromedriver.
//!
//! They need `chromium` and `chromedriver` on the PATH. Without them the tests say so
//! and return, unless `MOVIEREC_REQUIRE_BROWSER` is set (as in CI), where that fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{TestApp, model_status, spawn_app};

/// A chromedriver process for one test, stopped when dropped.
pub(crate) struct Driver {
    process: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Starts chromedriver, or returns `None` (after saying why) when the browser is
/// missing and not required.
pub(crate) async fn start_driver() -> Option<Driver> {
    if !(on_path("chromedriver") && on_path("chromium")) {
        assert!(
            std::env::var_os("MOVIEREC_REQUIRE_BROWSER").is_none(),
            "MOVIEREC_REQUIRE_BROWSER is set but chromium or chromedriver is missing"
        );
        eprintln!("skipping browser test: chromium or chromedriver is not installed");
        return None;
    }

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let process = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed");
    let driver = Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start");
}

/// How a test's browser is set up.
#[derive(Debug, Clone, Copy)]
struct Setup {
    width: u32,
    height: u32,
    javascript: bool,
    dark: bool,
}

const DESKTOP: Setup = Setup {
    width: 1200,
    height: 900,
    javascript: true,
    dark: false,
};

pub(crate) async fn browser(driver: &Driver) -> Client {
    browser_with(driver, DESKTOP).await
}

async fn browser_with(driver: &Driver, setup: Setup) -> Client {
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        format!("--window-size={},{}", setup.width, setup.height),
    ];
    if setup.dark {
        // prefers-color-scheme: dark, as on a system in dark mode.
        args.push("--force-dark-mode".to_owned());
        args.push("--blink-settings=preferredColorScheme=0".to_owned());
    }
    let mut options = serde_json::json!({ "args": args });
    if setup.width < 500 {
        // Desktop windows are at least 500 px wide: narrower is a phone, touch included.
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": setup.width, "height": setup.height, "pixelRatio": 3, "touch": true }
        });
    }
    if !setup.javascript {
        options["prefs"] =
            serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    // chromedriver speaks plain HTTP on loopback.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("browser session")
}

/// Clicks the element `locator` finds, failing the test when there is none.
async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

pub(crate) async fn wait_for_text(client: &Client, text: &str) {
    for _ in 0..100 {
        if client.source().await.expect("page source").contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = client.current_url().await.expect("url");
    panic!("{text:?} never appeared on {url}");
}

async fn register(client: &Client, app: &TestApp, name: &str) {
    client.goto(&app.url("/register")).await.unwrap();
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    for field in ["password", "confirm"] {
        let input = client.find(Locator::Id(field)).await.unwrap();
        input.send_keys("correct horse battery").await.unwrap();
    }
    let submit = client
        .find(Locator::Css("main form button[type=submit]"))
        .await
        .unwrap();
    submit.click().await.unwrap();
    wait_for_text(client, &format!("Recommendations for {name}")).await;
}

#[tokio::test]
async fn register_search_rate_by_clicking_the_stars_and_see_it_in_my_ratings() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;

    register(&client, &app, "browser-user").await;

    // Search from the box in the navigation bar, with a typo.
    let search_box = client.find(Locator::Id("nav-q")).await.unwrap();
    search_box.send_keys("godfater").await.unwrap();
    click(&client, Locator::Css("form.nav-search button[type=submit]")).await;
    wait_for_text(&client, "found").await;
    click(&client, Locator::LinkText("The Godfather")).await;
    wait_for_text(&client, "<h1>The Godfather <").await;
    let id: u32 = client
        .current_url()
        .await
        .unwrap()
        .path()
        .strip_prefix("/movies/")
        .and_then(|id| id.parse().ok())
        .expect("a movie page address");

    // The seventh half star is 3.5; choosing it saves at once (app.js).
    click(&client, Locator::Css(&format!("label[for=stars-{id}-7]"))).await;
    wait_for_text(&client, "You rated it 3.5 stars").await;

    click(&client, Locator::LinkText("My ratings")).await;
    wait_for_text(&client, "1 rating.").await;
    assert!(client.source().await.unwrap().contains("The Godfather"));
    let select = client
        .find(Locator::Id(&format!("stars-{id}")))
        .await
        .unwrap();
    assert_eq!(select.prop("value").await.unwrap().as_deref(), Some("3.5"));

    // One control per row: choosing 5 saves it in place.
    select.select_by_value("5").await.unwrap();
    let cookie = client_cookie(&client).await;
    wait_for_rating(&app, &cookie, id, Some("5")).await;
    assert_eq!(client.current_url().await.unwrap().path(), "/my/ratings");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_refused_search_filter_stays_in_its_field() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;

    client
        .goto(&app.url("/search?q=alien&year_from=nineteen"))
        .await
        .unwrap();
    wait_for_text(&client, "A year is a number from").await;
    // What the browser shows, not only what the server sent.
    let field = client.find(Locator::Id("year_from")).await.unwrap();
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some("nineteen")
    );

    client.close().await.unwrap();
}

/// The browser's session cookie, to check the result over plain HTTP.
async fn client_cookie(client: &Client) -> String {
    let cookie = client
        .get_named_cookie("movierec_session")
        .await
        .expect("logged-in browser has a session");
    format!("movierec_session={}", cookie.value())
}

#[tokio::test]
async fn model_page_shows_the_chart_and_follows_a_training() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    app.wait_for_version_after(None).await;
    // From here on a training runs (practically) forever.
    let app = app
        .restart_with(|c| c.training.epochs = Some(100_000_000))
        .await;
    let client = browser(&driver).await;
    register(&client, &app, "curious").await;

    click(&client, Locator::LinkText("Model")).await;
    wait_for_text(&client, "Held-out RMSE").await;
    let chart = client.find(Locator::Css("figure.chart svg")).await.unwrap();
    assert!(chart.html(false).await.unwrap().contains("<polyline"));
    wait_for_text(&client, "No training running.").await;

    click(&client, Locator::Id("train-button")).await;
    wait_for_text(&client, "Training: epoch").await;
    let button = client.find(Locator::Id("train-button")).await.unwrap();
    assert_eq!(
        button.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    // The script polls the API: the epoch shown keeps moving without a reload.
    let status = client.find(Locator::Id("training-status")).await.unwrap();
    let first = status.text().await.unwrap();
    let mut moved = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if status.text().await.unwrap() != first {
            moved = true;
            break;
        }
    }
    assert!(moved, "the status stayed at {first:?}");
    client.close().await.unwrap();
}

/// The `data-movie-id`s of the elements matched by `css`, in page order. Read in one script
/// so a page load in between cannot leave half-read elements behind.
async fn movie_ids(client: &Client, css: &str) -> Vec<String> {
    let ids = client
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.dataset.movieId);",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    serde_json::from_value(ids).unwrap()
}

/// The model version the Model page shows, read in one script so a reload cannot interfere.
async fn model_version(client: &Client) -> Option<i64> {
    let text = client
        .execute(
            "const e = document.getElementById('model-version'); return e ? e.textContent : null;",
            vec![],
        )
        .await
        .unwrap();
    text.as_str().and_then(|t| t.trim().parse().ok())
}

#[tokio::test]
async fn a_new_user_onboards_trains_then_steps_through_picks() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    // The model trained at start-up from the critics' ratings.
    let initial = app.wait_for_version_after(None).await;
    let client = browser(&driver).await;
    register(&client, &app, "newbie").await;
    wait_for_text(&client, "Rate movies you have seen").await;
    wait_for_text(&client, r#"data-source="fallback""#).await;

    // Five stars for four onboarding movies, one click each, saved in place: the cards stay
    // (showing the rating) and the progress line counts them.
    let cookie = client_cookie(&client).await;
    let offered = movie_ids(&client, "li.onboarding-movie").await;
    for (n, movie) in offered.iter().take(4).enumerate() {
        click(&client, Locator::Css(&format!("label[for=ob-{movie}-10]"))).await;
        wait_for_rating(&app, &cookie, movie.parse().unwrap(), Some("5")).await;
        wait_for_text(&client, &format!("{} of 10", n + 1)).await;
        assert_eq!(client.current_url().await.unwrap().path(), "/");
    }
    assert_eq!(movie_ids(&client, "li.onboarding-movie").await, offered);
    // Asked for, the recommendations refresh in place.
    click(&client, Locator::Css("#recs a[data-refresh]")).await;
    wait_for_text(&client, r#"data-source="model""#).await;
    wait_for_text(&client, "Predicted ★").await;

    // Train from the Model page: the page follows the training and shows the new version.
    click(&client, Locator::LinkText("Model")).await;
    wait_for_text(&client, r#"id="model-version""#).await;
    let before = model_version(&client).await.expect("a model is serving");
    click(&client, Locator::Id("train-button")).await;
    let mut after = None;
    // Training the catalog takes well under a second; the minute allows for a busy machine.
    for _ in 0..600 {
        after = model_version(&client).await;
        if after > Some(before) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        after > Some(before),
        "the Model page still shows version {after:?}, not a newer one than {before}"
    );
    let chart = client.find(Locator::Css("figure.chart svg")).await.unwrap();
    assert!(chart.html(false).await.unwrap().contains("<polyline"));
    // The new model knows the new user: one more user than the critics alone.
    let trained = model_status(&app.client, &app.address).await;
    assert_eq!(
        trained["n_users"].as_i64(),
        initial["n_users"].as_i64().map(|n| n + 1)
    );

    click(&client, Locator::Css("a.brand")).await;
    wait_for_text(&client, r#"data-source="model""#).await;

    // Next steps through the ranked list: a new movie each time.
    let mut seen = Vec::new();
    for _ in 0..4 {
        let featured = movie_ids(&client, "article.featured").await;
        let movie = featured[0].clone();
        assert!(!seen.contains(&movie), "{movie} featured twice");
        seen.push(movie);
        click(&client, Locator::Css("article.featured a[rel=next]")).await;
        wait_for_text(&client, &format!("Pick {} of", seen.len() + 1)).await;
    }

    // "Not interested" replaces the featured pick, and the grid loses it too.
    let hidden = movie_ids(&client, "article.featured").await[0].clone();
    click(
        &client,
        Locator::XPath("//article[contains(@class,'featured')]//button[text()='Not interested']"),
    )
    .await;
    for _ in 0..100 {
        if movie_ids(&client, "article.featured").await.first() != Some(&hidden) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_ne!(
        movie_ids(&client, "article.featured").await.first(),
        Some(&hidden)
    );
    assert!(
        !movie_ids(&client, "li.recommendation")
            .await
            .contains(&hidden)
    );
    client.close().await.unwrap();
}

/// Waits until the user of `cookie` has rated `movie` `expected` (`None`: not rated).
async fn wait_for_rating(app: &TestApp, cookie: &str, movie: u32, expected: Option<&str>) {
    let mut found = None;
    for _ in 0..100 {
        found = app.my_rating_with(cookie, movie).await;
        if found.as_deref() == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("movie {movie} is rated {found:?}, not {expected:?}");
}

/// Runs `script` (a function body) and returns its result as a number.
async fn number(client: &Client, script: &str) -> f64 {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("{script} gave no number"))
}

/// A mark on the page's window: it is gone when the browser navigates.
async fn mark_page(client: &Client) {
    client
        .execute("window.movierecMark = 1; return null;", vec![])
        .await
        .unwrap();
}

async fn page_was_kept(client: &Client) -> bool {
    client
        .execute("return window.movierecMark === 1;", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn wait_for_toast(client: &Client, text: &str) {
    for _ in 0..100 {
        let shown = client
            .execute(
                "return document.getElementById('toast').textContent;",
                vec![],
            )
            .await
            .unwrap();
        if shown.as_str().is_some_and(|t| t.contains(text)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the confirmation never said {text:?}");
}

#[tokio::test]
async fn a_star_on_a_home_card_saves_in_place_and_undo_restores() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    register(&client, &app, "in-place").await;
    let cookie = client_cookie(&client).await;

    // A card of the top 20, scrolled into the middle of the window.
    let cards = movie_ids(&client, "li.recommendation").await;
    let movie = cards[cards.len() / 2].clone();
    let id: u32 = movie.parse().unwrap();
    client
        .execute(
            "document.querySelector(`li.recommendation[data-movie-id='${arguments[0]}']`)\
               .scrollIntoView({block: 'center'}); return null;",
            vec![serde_json::json!(movie)],
        )
        .await
        .unwrap();
    let scrolled = number(&client, "return window.scrollY;").await;
    assert!(scrolled > 100.0, "the card is further down the page");
    mark_page(&client).await;

    click(&client, Locator::Css(&format!("label[for=g-{movie}-8]"))).await;
    wait_for_toast(&client, "stars").await;
    wait_for_rating(&app, &cookie, id, Some("4")).await;
    assert!(page_was_kept(&client).await, "the page was reloaded");
    assert_eq!(number(&client, "return window.scrollY;").await, scrolled);
    assert_eq!(
        movie_ids(&client, "li.recommendation").await,
        cards,
        "cards reshuffled"
    );

    // Undo takes the rating back.
    click(&client, Locator::Css("#toast .toast-undo")).await;
    wait_for_toast(&client, "Undone").await;
    wait_for_rating(&app, &cookie, id, None).await;
    let checked = client
        .execute(
            "return document.querySelectorAll(`#g-${arguments[0]}-8:checked`).length;",
            vec![serde_json::json!(movie)],
        )
        .await
        .unwrap();
    assert_eq!(checked, 0, "the strip shows no rating again");

    // Watchlist, then rating the film takes it off the watchlist; Undo puts both back.
    click(
        &client,
        Locator::Css(&format!(
            "li.recommendation[data-movie-id='{movie}'] form[data-list=watchlist] button"
        )),
    )
    .await;
    wait_for_toast(&client, "is on your watchlist").await;
    click(&client, Locator::Css(&format!("label[for=g-{movie}-6]"))).await;
    wait_for_toast(&client, "left your watchlist").await;
    wait_for_rating(&app, &cookie, id, Some("3")).await;
    let watchlist = app_html(&app, &cookie, "/my/watchlist").await;
    assert!(!watchlist.contains(&format!("/movies/{movie}\"")));
    click(&client, Locator::Css("#toast .toast-undo")).await;
    wait_for_toast(&client, "Undone").await;
    wait_for_rating(&app, &cookie, id, None).await;
    let watchlist = app_html(&app, &cookie, "/my/watchlist").await;
    assert!(watchlist.contains(&format!("/movies/{movie}\"")));
    assert!(page_was_kept(&client).await);
    client.close().await.unwrap();
}

/// A page as the user of `cookie` gets it.
async fn app_html(app: &TestApp, cookie: &str, path: &str) -> String {
    reqwest::Client::new()
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn arrow_keys_home_and_end_rate_like_a_radio_group() {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    use fantoccini::key::Key;

    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    register(&client, &app, "keyboard").await;
    let cookie = client_cookie(&client).await;
    let movie = movie_ids(&client, "li.recommendation").await[0].clone();
    let id: u32 = movie.parse().unwrap();

    // Focus the 3-star button, as Tab would after choosing it.
    client
        .execute(
            "document.getElementById(arguments[0]).focus(); return null;",
            vec![serde_json::json!(format!("g-{movie}-6"))],
        )
        .await
        .unwrap();
    let press = |key: Key| {
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() })
    };
    mark_page(&client).await;
    // Right is one half star more: the way the arrow points.
    client.perform_actions(press(Key::Right)).await.unwrap();
    wait_for_rating(&app, &cookie, id, Some("3.5")).await;
    client.perform_actions(press(Key::Left)).await.unwrap();
    client.perform_actions(press(Key::Left)).await.unwrap();
    wait_for_rating(&app, &cookie, id, Some("2.5")).await;
    client.perform_actions(press(Key::End)).await.unwrap();
    wait_for_rating(&app, &cookie, id, Some("5")).await;
    client.perform_actions(press(Key::Home)).await.unwrap();
    wait_for_rating(&app, &cookie, id, Some("0.5")).await;
    let focused = client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!(format!("g-{movie}-1")));
    assert!(page_was_kept(&client).await);
    client.close().await.unwrap();
}

#[tokio::test]
async fn havent_seen_replaces_the_onboarding_card_with_another_film() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    register(&client, &app, "skipper").await;
    wait_for_text(&client, "0 of 10").await;
    let before = movie_ids(&client, "li.onboarding-movie").await;
    mark_page(&client).await;

    let skipped = before[1].clone();
    click(
        &client,
        Locator::Css(&format!(
            "li.onboarding-movie[data-movie-id='{skipped}'] a[data-skip]"
        )),
    )
    .await;
    let mut after = before.clone();
    for _ in 0..100 {
        after = movie_ids(&client, "li.onboarding-movie").await;
        if after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(after.len(), before.len(), "{after:?}");
    assert!(!after.contains(&skipped), "{after:?}");
    // In the same place, and a film that was not on the page.
    assert!(!before.contains(&after[1]), "{after:?}");
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2..], before[2..]);
    assert!(page_was_kept(&client).await);
    wait_for_toast(&client, "Skipped").await;

    // "More films" adds films that are not on the page yet.
    click(&client, Locator::Css("a[data-more]")).await;
    let mut more = after.clone();
    for _ in 0..100 {
        more = movie_ids(&client, "li.onboarding-movie").await;
        if more.len() > after.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(more.len() > after.len());
    let distinct: std::collections::HashSet<&String> = more.iter().collect();
    assert_eq!(distinct.len(), more.len(), "{more:?}");
    assert!(!more.contains(&skipped));
    client.close().await.unwrap();
}

/// The pages a signed-in user visits (`movie` is a movie page).
fn user_pages(movie: u32) -> Vec<String> {
    vec![
        "/".to_owned(),
        "/?rate=more".to_owned(),
        "/search?q=alien".to_owned(),
        format!("/movies/{movie}"),
        "/my/ratings".to_owned(),
        "/my/watchlist".to_owned(),
        "/my/not-interested".to_owned(),
        "/account".to_owned(),
        "/model".to_owned(),
    ]
}

/// Rates one film, puts one on the watchlist and one on "Not interested", over HTTP.
async fn fill_lists(app: &TestApp, cookie: &str, movies: &[u32]) {
    let http = reqwest::Client::new();
    for (path, body) in [
        (
            format!("/api/v1/me/ratings/{}", movies[0]),
            Some(serde_json::json!({ "rating": 4.5 })),
        ),
        (format!("/api/v1/me/watchlist/{}", movies[1]), None),
        (format!("/api/v1/me/hidden/{}", movies[2]), None),
    ] {
        let mut request = http
            .put(app.url(&path))
            .header("Cookie", cookie)
            .header("Origin", &app.address);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
}

#[tokio::test]
async fn on_a_phone_no_page_scrolls_sideways_and_the_navigation_is_one_line() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let phone = Setup {
        width: 390,
        height: 844,
        ..DESKTOP
    };
    let client = browser_with(&driver, phone).await;
    register(&client, &app, "phone-user").await;
    let cookie = client_cookie(&client).await;
    let movies = movie_ids(&client, "li.onboarding-movie").await;
    let movies: Vec<u32> = movies.iter().map(|m| m.parse().unwrap()).collect();
    fill_lists(&app, &cookie, &movies).await;

    let mut pages = user_pages(movies[0]);
    pages.push("/search".to_owned());
    for path in pages {
        client.goto(&app.url(&path)).await.unwrap();
        let width = number(&client, "return window.innerWidth;").await;
        let wide = client
            .execute(
                "return [...document.querySelectorAll('body *')]\
                   .filter(e => e.getBoundingClientRect().right > 391)\
                   .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            width,
            f64::from(phone.width),
            "{path}: wider than the phone: {wide}"
        );
        let page = number(&client, "return document.documentElement.scrollWidth;").await;
        assert!(
            page <= width,
            "{path} is {page} px wide in a {width} px window"
        );
        // One line: every visible item of the navigation sits on the same row.
        let rows = number(
            &client,
            "const tops = new Set([...document.querySelector('nav.nav').children]\
               .filter(e => e.offsetParent !== null)\
               .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)));\
             return tops.size;",
        )
        .await;
        assert_eq!(rows, 1.0, "{path}: the navigation wraps");
        let height = number(
            &client,
            "return document.querySelector('nav.nav').offsetHeight;",
        )
        .await;
        assert!(height < 80.0, "{path}: the navigation is {height} px tall");
    }
    // The menu opens without leaving the page and holds the links.
    client.goto(&app.url("/")).await.unwrap();
    click(&client, Locator::Css("details.nav-menu summary")).await;
    click(
        &client,
        Locator::Css("details.nav-menu a[href='/my/ratings']"),
    )
    .await;
    wait_for_text(&client, "1 rating.").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn without_javascript_every_form_still_works() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser_with(
        &driver,
        Setup {
            javascript: false,
            ..DESKTOP
        },
    )
    .await;
    register(&client, &app, "no-script").await;
    let cookie = client_cookie(&client).await;
    let ran = client
        .execute("return document.documentElement.className;", vec![])
        .await;
    // WebDriver's own scripts still run; the page's did not mark the document.
    if let Ok(class) = ran {
        assert_eq!(class, serde_json::json!(""), "app.js ran");
    }

    // Onboarding: choose the stars, then the Rate button (shown without script).
    let offered = movie_ids(&client, "li.onboarding-movie").await;
    let movie = offered[0].clone();
    let id: u32 = movie.parse().unwrap();
    click(&client, Locator::Css(&format!("label[for=ob-{movie}-9]"))).await;
    click(
        &client,
        Locator::Css(&format!(
            "li[data-movie-id='{movie}'] form[data-rate] button"
        )),
    )
    .await;
    wait_for_text(&client, "1 of 10").await;
    wait_for_rating(&app, &cookie, id, Some("4.5")).await;

    // "Haven't seen" is a link to the flow without that film.
    let skipped = movie_ids(&client, "li.onboarding-movie").await[0].clone();
    click(
        &client,
        Locator::Css(&format!("li[data-movie-id='{skipped}'] a[data-skip]")),
    )
    .await;
    for _ in 0..100 {
        if client
            .current_url()
            .await
            .unwrap()
            .query()
            .is_some_and(|q| q.contains("skip="))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = movie_ids(&client, "li.onboarding-movie").await;
    assert!(!now.contains(&skipped) && !now.is_empty(), "{now:?}");

    // Watchlist and Not interested toggles post and come back.
    let top = movie_ids(&client, "li.recommendation").await;
    click(
        &client,
        Locator::Css(&format!(
            "li.recommendation[data-movie-id='{}'] form[data-list=watchlist] button",
            top[0]
        )),
    )
    .await;
    let listed = format!("/movies/{}\"", top[0]);
    let mut on_watchlist = false;
    for _ in 0..100 {
        if app_html(&app, &cookie, "/my/watchlist")
            .await
            .contains(&listed)
        {
            on_watchlist = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(on_watchlist, "the Watchlist form did not add {}", top[0]);
    // Back on the home page at the grid, which leaves watchlisted films out.
    for _ in 0..100 {
        if client.current_url().await.unwrap().fragment() == Some("grid-heading") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.current_url().await.unwrap().path(), "/");
    assert!(
        !movie_ids(&client, "li.recommendation")
            .await
            .contains(&top[0])
    );

    // My ratings: one select; "No rating" with Save removes the rating.
    client.goto(&app.url("/my/ratings")).await.unwrap();
    let select = client
        .find(Locator::Id(&format!("stars-{id}")))
        .await
        .unwrap();
    select.select_by_value("none").await.unwrap();
    click(&client, Locator::Css("td form button")).await;
    wait_for_text(&client, "You have not rated any movie yet").await;
    wait_for_rating(&app, &cookie, id, None).await;
    client.close().await.unwrap();
}

/// Where axe-core is after `npm ci` in `tests/axe`.
pub(crate) fn axe_script() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(script) => Some(script),
        Err(_) => {
            assert!(
                std::env::var_os("MOVIEREC_REQUIRE_BROWSER").is_none(),
                "MOVIEREC_REQUIRE_BROWSER is set but axe-core is missing: run npm ci in tests/axe"
            );
            eprintln!(
                "skipping the accessibility check: run `npm ci` in crates/movierec/tests/axe"
            );
            None
        }
    }
}

/// Serious and critical axe violations on the current page, one line each.
pub(crate) async fn axe_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("axe loads");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document).then(r => done({\
               passes: r.passes.length,\
               bad: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)}));",
            vec![],
        )
        .await
        .expect("axe runs");
    // A run that checked nothing would pass anything.
    assert!(
        found["passes"].as_u64().unwrap() > 10,
        "axe checked too little: {found}"
    );
    serde_json::from_value(found["bad"].clone()).unwrap()
}

async fn check_accessibility(dark: bool) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(axe) = axe_script() else {
        return;
    };
    let app = spawn_app().await;
    app.wait_for_version_after(None).await;
    let client = browser_with(&driver, Setup { dark, ..DESKTOP }).await;
    let scheme = client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scheme, serde_json::json!(dark), "colour scheme emulation");

    let mut problems = Vec::new();
    for path in ["/", "/login", "/register", "/search?q=alien", "/search"] {
        client.goto(&app.url(path)).await.unwrap();
        for v in axe_violations(&client, &axe).await {
            problems.push(format!("{path}: {v}"));
        }
    }
    register(&client, &app, "accessible").await;
    let cookie = client_cookie(&client).await;
    let movies = movie_ids(&client, "li.onboarding-movie").await;
    let movies: Vec<u32> = movies.iter().map(|m| m.parse().unwrap()).collect();
    fill_lists(&app, &cookie, &movies).await;
    for path in user_pages(movies[0]) {
        client.goto(&app.url(&path)).await.unwrap();
        for v in axe_violations(&client, &axe).await {
            problems.push(format!("{path}: {v}"));
        }
    }
    // With a confirmation and its Undo on screen.
    client.goto(&app.url("/")).await.unwrap();
    let movie = movie_ids(&client, "li.recommendation").await[0].clone();
    click(&client, Locator::Css(&format!("label[for=g-{movie}-8]"))).await;
    wait_for_toast(&client, "stars").await;
    for v in axe_violations(&client, &axe).await {
        problems.push(format!("/ with a confirmation: {v}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn every_page_passes_axe_in_light_mode() {
    check_accessibility(false).await;
}

#[tokio::test]
async fn every_page_passes_axe_in_dark_mode() {
    check_accessibility(true).await;
}

/// The recommendations the API gives the browser's account.
async fn recommended_ids(app: &TestApp, cookie: &str) -> Vec<i64> {
    let list: Vec<serde_json::Value> = reqwest::Client::new()
        .get(app.url("/api/v1/recommendations?n=20"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.iter()
        .map(|r| r["movie_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn import_a_letterboxd_export_preview_apply_and_match_a_row_by_hand() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let client = browser(&driver).await;
    register(&client, &app, "importer").await;
    let cookie = client_cookie(&client).await;
    let before = recommended_ids(&app, &cookie).await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letterboxd-importer.zip");
    std::fs::write(&path, crate::history::letterboxd_zip()).unwrap();

    click(&client, Locator::LinkText("My ratings")).await;
    wait_for_text(&client, "<h1>My ratings</h1>").await;
    click(&client, Locator::LinkText("Import")).await;
    wait_for_text(&client, "Import your history").await;
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&client, Locator::Css("#import-form button[type=submit]")).await;
    wait_for_text(&client, "Preview: letterboxd-importer.zip").await;
    assert!(
        client
            .source()
            .await
            .unwrap()
            .contains("A Film Nobody Made")
    );

    click(&client, Locator::Css("#apply-form button[type=submit]")).await;
    wait_for_text(&client, "Imported: letterboxd-importer.zip").await;

    // Match the unmatched row to Titanic by hand.
    let search = client.find(Locator::Id("q-0")).await.unwrap();
    search.clear().await.unwrap();
    search.send_keys("titanic").await.unwrap();
    click(&client, Locator::Css("tr[data-row='0'] form button")).await;
    wait_for_text(&client, "Match to Titanic").await;
    click(
        &client,
        Locator::Css("button[aria-label='Match to Titanic']"),
    )
    .await;
    wait_for_text(&client, ">Matched</a>").await;

    click(&client, Locator::LinkText("My ratings")).await;
    wait_for_text(&client, "5 ratings.").await;
    let page = client.source().await.unwrap();
    for title in [
        "Titanic",
        "Casino Royale",
        "Crouching Tiger, Hidden Dragon",
        "Caché",
    ] {
        assert!(page.contains(title), "{title} is in My ratings");
    }

    let after = recommended_ids(&app, &cookie).await;
    assert_ne!(
        before, after,
        "the recommendations follow the imported history"
    );
    // Neither rated nor seen films are recommended.
    for movie in [2956, 444, 445, 575, 427, 128] {
        assert!(!after.contains(&movie), "{movie} is recommended");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn on_a_desktop_search_results_are_rows_with_the_poster_beside_the_title() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let desktop = Setup {
        width: 1366,
        height: 900,
        ..DESKTOP
    };
    let client = browser_with(&driver, desktop).await;
    client.goto(&app.url("/search?q=the")).await.unwrap();
    // Per result: its height, the gap from the poster's right edge to the title's left edge,
    // and how far apart their vertical centres are.
    let rows = client
        .execute(
            "return [...document.querySelectorAll('li.result')].slice(0, 10).map(li => {\
               const row = li.getBoundingClientRect();\
               const poster = li.querySelector('img.poster').getBoundingClientRect();\
               const title = li.querySelector('.result-text > a').getBoundingClientRect();\
               return [row.height, title.left - poster.right,\
                       Math.abs((title.top + title.bottom) / 2 - (poster.top + poster.bottom) / 2)];\
             });",
            vec![],
        )
        .await
        .unwrap();
    let rows: Vec<[f64; 3]> = serde_json::from_value(rows).unwrap();
    assert_eq!(rows.len(), 10);
    for [height, gap, off_centre] in rows {
        assert!(height < 120.0, "a result is {height} px tall");
        assert!(gap >= 0.0, "the poster overlaps the title by {}", -gap);
        assert!(
            off_centre <= 12.0,
            "the title sits {off_centre} px off the poster's centre"
        );
    }
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
