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

pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"]
        }),
    );
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
    click(&client, Locator::Css("label[for=stars-7]")).await;
    wait_for_text(&client, "You rated it 3.5 stars").await;

    click(&client, Locator::LinkText("My ratings")).await;
    wait_for_text(&client, "1 rating.").await;
    assert!(client.source().await.unwrap().contains("The Godfather"));
    let select = client
        .find(Locator::Id(&format!("stars-{id}")))
        .await
        .unwrap();
    assert_eq!(select.prop("value").await.unwrap().as_deref(), Some("3.5"));

    // Edit in place: choose 5 and save, back on the same list.
    select.select_by_value("5").await.unwrap();
    click(&client, Locator::Css("td form.inline-form button")).await;
    // Back on the list, whose address now carries the sort and page it came from.
    for _ in 0..100 {
        if client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("sort=")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(client.current_url().await.unwrap().path() == "/my/ratings");
    let cookie = client_cookie(&client).await;
    assert_eq!(app.my_rating_with(&cookie, id).await.as_deref(), Some("5"));

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
    wait_for_text(&client, "Rate a few movies you have seen").await;
    wait_for_text(&client, r#"data-source="fallback""#).await;

    // Five stars for four onboarding movies, one click each; every rating comes back home.
    for _ in 0..4 {
        let offered = movie_ids(&client, "li.onboarding-movie").await;
        let movie = &offered[0];
        click(&client, Locator::Css(&format!("label[for=ob-{movie}-10]"))).await;
        for _ in 0..100 {
            let now = movie_ids(&client, "li.onboarding-movie").await;
            if !now.contains(movie) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            !movie_ids(&client, "li.onboarding-movie")
                .await
                .contains(movie)
        );
        assert_eq!(client.current_url().await.unwrap().path(), "/");
    }
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
