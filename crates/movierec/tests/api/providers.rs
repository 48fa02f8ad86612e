//! OMDb and TMDB against local stubs: details fetched once and stored, posters served from
//! our origin, every fault leaving the page working, and no request at all without a key.

use std::time::{Duration, Instant};

use crate::helpers::{TestApp, spawn_app_with};
use crate::provider_stub::{Mode, Stub, TMDB_TOKEN};

/// A catalog movie: its id and title.
fn catalog_movie(index: usize) -> (u32, String) {
    let movies = movierec::catalog::embedded().expect("catalog parses");
    let movie = &movies[index];
    (movie.id, movie.title.clone())
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let pool = app.database().await;
    sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .expect("query runs")
}

/// The first `/posters/…` URL of a page.
fn poster_url(html: &str) -> Option<String> {
    let start = html.find("src=\"/posters/")? + "src=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn without_a_key_nothing_is_requested_and_pages_show_covers() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| {
        // Addresses set, keys not: the addresses alone must not cause a request.
        c.providers = stub.config();
        c.providers.omdb_key = None;
        c.providers.tmdb_key = None;
    })
    .await;
    let (id, title) = catalog_movie(0);
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains(&title), "{page}");
    let cover = format!("/movies/{id}/cover.svg?v=");
    assert!(page.contains(&cover), "a cover: {page}");
    assert!(!page.contains("TMDB"));
    app.get_html("/search?q=godfather").await;
    app.get_html("/").await;
    let card = app.get(&format!("/movies/{id}/poster")).await;
    assert_eq!(card.status().as_u16(), 302);
    assert!(
        card.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&cover)
    );
    assert_eq!(card.headers()["cache-control"], "public, max-age=60");
    let api: serde_json::Value = app
        .get(&format!("/api/v1/movies/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(api["details"].is_null());
    assert!(stub.requests().is_empty(), "{:?}", stub.requests());
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM movie_details").await, 0);
}

#[tokio::test]
async fn a_movie_page_fetches_details_once_and_later_views_read_the_database() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    // Only a logged-in user's view asks the providers.
    app.register("viewer", "correct horse battery").await;
    // The start-up key checks.
    assert_eq!(stub.count("/omdb"), 1);
    assert_eq!(stub.count("/tmdb/3/configuration"), 1);
    let before = stub.requests().len();

    let (id, title) = catalog_movie(3);
    let page = app.get_html(&format!("/movies/{id}")).await;
    // askama escapes the apostrophe.
    assert!(
        page.contains(&format!("The stub&#39;s plot of {title}.")),
        "{page}"
    );
    assert!(page.contains("Tim Robbins, Morgan Freeman, Bob Gunton"));
    assert!(page.contains("Stephen King, Frank Darabont"));
    assert!(page.contains("Metacritic critics"));
    assert!(page.contains("94 / 100"));
    assert!(
        page.contains("not endorsed or certified by TMDB"),
        "TMDB's notice"
    );
    let fetched = stub.requests().len() - before;
    // OMDb by title, TMDB find + details, one image.
    assert_eq!(fetched, 4, "{:?}", &stub.requests()[before..]);
    assert_eq!(stub.count("/img/w500/"), 1);

    let again = app.get_html(&format!("/movies/{id}")).await;
    assert_eq!(
        stub.requests().len() - before,
        fetched,
        "the second view asks nobody"
    );
    assert_eq!(poster_url(&again), poster_url(&page));

    // The API shows the same, from our origin.
    let api: serde_json::Value = app
        .get(&format!("/api/v1/movies/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["details"]["metacritic"], 94);
    assert_eq!(
        api["details"]["actors"],
        "Tim Robbins, Morgan Freeman, Bob Gunton"
    );
    assert_eq!(
        api["details"]["poster_url"].as_str(),
        poster_url(&page).as_deref()
    );
    assert!(
        api["details"]["attribution"]
            .as_str()
            .unwrap()
            .contains("TMDB")
    );
    assert_eq!(
        stub.requests().len() - before,
        fetched,
        "the API only reads"
    );

    // Stored with the ids and scores; Metacritic is a third critic.
    let pool = app.database().await;
    let (imdb_id, tmdb_id): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT imdb_id, tmdb_id FROM movies WHERE id = $1")
            .bind(i64::from(id))
            .fetch_one(&pool)
            .await
            .unwrap();
    let expected = crate::provider_stub::imdb_id_of(&title);
    assert_eq!(imdb_id.as_deref(), Some(expected.as_str()));
    assert_eq!(tmdb_id, Some(crate::provider_stub::tmdb_id_of(&expected)));
    let metacritic: f64 = sqlx::query_scalar(
        "SELECT r.rating FROM ratings r JOIN users u ON u.id = r.user_id
         WHERE u.username = 'Metacritic critics' AND u.kind = 'critic' AND r.movie_id = $1",
    )
    .bind(i64::from(id))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(metacritic, 4.5, "94/100 is 4.5 stars");
    // The home page's critics' list still shows catalog films (rated by two critics).
    app.logout().await;
    let home = app.get_html("/").await;
    assert!(home.contains("Top rated by critics"));
    assert!(home.matches("class=\"movie-card\"").count() >= 5, "{home}");
}

#[tokio::test]
async fn posters_are_served_from_our_origin_resized_and_cached_for_good() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    // Only a logged-in user's view asks the providers.
    app.register("viewer", "correct horse battery").await;
    let (id, _) = catalog_movie(5);
    let page = app.get_html(&format!("/movies/{id}")).await;
    let url = poster_url(&page).expect("a poster on our origin");
    assert!(page.contains("width=\"342\" height=\"513\""), "{page}");
    assert!(page.contains("loading=\"lazy\""));

    let response = app.get(&url).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let bytes = response.bytes().await.unwrap();
    let image = image::load_from_memory(&bytes).expect("a real image");
    assert_eq!((image.width(), image.height()), (342, 513));

    // Cards go to the card size.
    let card = app.get(&format!("/movies/{id}/poster")).await;
    assert_eq!(card.status().as_u16(), 302);
    let location = card.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/posters/") && location != url,
        "{location}"
    );
    assert_eq!(card.headers()["cache-control"], "public, max-age=86400");
    let bytes = app.get(&location).await.bytes().await.unwrap();
    let image = image::load_from_memory(&bytes).unwrap();
    assert_eq!((image.width(), image.height()), (154, 231));
    // Unknown and malformed names are simply absent.
    assert_eq!(
        app.get("/posters/0123456789abcdef.jpg")
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get("/posters/..%2fsecret.jpg").await.status().as_u16(),
        404
    );
}

#[tokio::test]
async fn a_v4_token_is_sent_as_a_bearer_token() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| {
        stub.apply(c);
        c.providers.omdb_key = None;
        c.providers.tmdb_key = Some(movierec::providers::TmdbKey::parse(TMDB_TOKEN).unwrap());
    })
    .await;
    app.register("viewer", "correct horse battery").await;
    let (id, title) = catalog_movie(7);
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains(&format!("overview of {title}")), "{page}");
    assert!(page.contains("not endorsed or certified by TMDB"));
    assert!(stub.requests().iter().all(|r| !r.contains("api_key")));
}

/// Starts an app on the stub with `modes`, views a movie, and checks that the page works
/// without the details and nothing was stored.
async fn page_survives(
    modes: impl FnOnce(&mut crate::provider_stub::Modes),
    what: &str,
) -> (Stub, TestApp) {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    // Only a logged-in user's view asks the providers.
    app.register("viewer", "correct horse battery").await;
    stub.set(modes);
    let (id, title) = catalog_movie(11);
    let started = Instant::now();
    let response = app.get(&format!("/movies/{id}")).await;
    assert_eq!(response.status().as_u16(), 200, "{what}");
    let page = response.text().await.unwrap();
    assert!(page.contains(&title), "{what}: {page}");
    assert!(page.contains("Your rating"), "{what}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{what}: bounded by the timeout"
    );
    (stub, app)
}

#[tokio::test]
async fn each_fault_leaves_the_page_working_and_nothing_half_written() {
    for (mode, what) in [
        (Mode::Slow, "slow"),
        (Mode::ServerError, "5xx"),
        (Mode::Malformed, "malformed JSON"),
    ] {
        let (stub, app) = page_survives(|m| m.tmdb = mode, what).await;
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM movie_details").await,
            0,
            "{what}"
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM posters").await,
            0,
            "{what}"
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM movies WHERE imdb_id IS NOT NULL"
            )
            .await,
            0,
            "{what}: OMDb's answer alone is not stored"
        );
        // The provider rests after a fault: the next view does not wait on it again.
        let asked = stub.requests().len();
        let (id, _) = catalog_movie(11);
        let started = Instant::now();
        app.get_html(&format!("/movies/{id}")).await;
        assert!(started.elapsed() < Duration::from_secs(2), "{what}");
        assert_eq!(stub.requests().len(), asked, "{what}");
    }
}

#[tokio::test]
async fn a_provider_that_is_down_leaves_the_page_working() {
    // A port nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| {
        stub.apply(c);
        c.providers.omdb_url = format!("{closed}/");
    })
    .await;
    app.register("viewer", "correct horse battery").await;
    let (id, title) = catalog_movie(12);
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains(&title));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM movie_details").await, 0);
}

#[tokio::test]
async fn films_the_providers_do_not_know_are_remembered_as_such() {
    let (stub, app) = page_survives(
        |m| {
            m.omdb = Mode::NotFound;
            m.tmdb = Mode::NotFound;
        },
        "not found",
    )
    .await;
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movie_details WHERE NOT found").await,
        1
    );
    let asked = stub.requests().len();
    let (id, _) = catalog_movie(11);
    app.get_html(&format!("/movies/{id}")).await;
    assert_eq!(stub.requests().len(), asked, "not asked again");
}

#[tokio::test]
async fn a_poster_that_is_not_an_image_is_not_stored() {
    let (_stub, app) = page_survives(|m| m.images = Mode::NotImage, "not an image").await;
    // The details stand; the page shows the drawn cover.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movie_details WHERE found").await,
        1
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM posters").await, 0);
    let (id, _) = catalog_movie(11);
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains(&format!("/movies/{id}/cover.svg?v=")));
    assert!(page.contains("Tim Robbins"));
}

#[tokio::test]
async fn an_invalid_key_is_reported_at_start_up_and_on_the_model_page() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| {
        stub.apply(c);
        c.providers.omdb_key = Some("wrong".into());
    })
    .await;
    assert_eq!(stub.count("/omdb"), 1, "checked once at start-up");
    app.register("admin", "a long enough passphrase 42").await;
    let (id, title) = catalog_movie(13);
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains(&title));
    // TMDB still fills the page; OMDb is not asked again with a refused key.
    assert!(page.contains(&format!("overview of {title}")), "{page}");
    assert_eq!(stub.count("/omdb"), 1);

    let model = app.get_html("/model").await;
    assert!(
        model.contains("OMDb: INVALID KEY: the provider answered &quot;Invalid API key!&quot;")
            || model
                .contains("OMDb: INVALID KEY: the provider answered &#34;Invalid API key!&#34;"),
        "{model}"
    );
    assert!(model.contains("TMDB: key accepted"), "{model}");
}

/// The app's providers built from the stub's settings, for running the job directly.
fn providers_for(stub: &Stub) -> movierec::providers::Providers {
    movierec::providers::Providers::new(&stub.config()).expect("clients build")
}

#[tokio::test]
async fn the_job_stops_at_omdbs_daily_limit_within_one_request_and_resumes_the_next_day() {
    use movierec::jobs::enrichment::{Quiet, run};
    let stub = Stub::start().await;
    let app = spawn_app_with(|_| {}).await;
    let pool = app.database().await;
    let providers = providers_for(&stub);

    // A first run fills three movies.
    let report = run(&pool, &providers, 3, &Quiet).await.unwrap();
    assert_eq!(
        (report.filled, report.posters, report.stopped),
        (3, 3, None)
    );

    stub.set(|m| m.omdb = Mode::Limited);
    let before = stub.count("/omdb");
    let report = run(&pool, &providers, 50, &Quiet).await.unwrap();
    assert_eq!(stub.count("/omdb") - before, 1, "one request, then stop");
    assert_eq!(report.filled, 0);
    let why = report.stopped.expect("stopped early");
    assert!(why.contains("Request limit reached!"), "{why}");
    let paused: i64 =
        sqlx::query_scalar("SELECT paused_until FROM provider_state WHERE provider = 'omdb'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(paused % 86_400, 0, "midnight UTC");

    // A restart (new clients) does not ask again before the next day.
    let providers = providers_for(&stub);
    stub.set(|m| m.omdb = Mode::Ok);
    let asked = stub.requests().len();
    let report = run(&pool, &providers, 50, &Quiet).await.unwrap();
    assert!(report.stopped.is_some());
    assert_eq!(stub.requests().len(), asked, "paused: nothing asked");

    // The next day it resumes where it stopped: three more, none twice.
    sqlx::query("UPDATE provider_state SET paused_until = 0")
        .execute(&pool)
        .await
        .unwrap();
    let report = run(&pool, &providers, 3, &Quiet).await.unwrap();
    assert_eq!((report.filled, report.stopped), (3, None));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM movie_details").await, 6);
}

#[tokio::test]
async fn the_job_waits_out_tmdbs_429_and_goes_on() {
    use movierec::jobs::enrichment::{Quiet, run};
    let stub = Stub::start().await;
    let app = spawn_app_with(|_| {}).await;
    let pool = app.database().await;
    let providers = providers_for(&stub);
    stub.set(|m| m.tmdb = Mode::Limited);
    // The stub lets requests through again after a moment; the job honours Retry-After: 1.
    let release = {
        let started = Instant::now();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            started
        }
    };
    let (report, started) = tokio::join!(run(&pool, &providers, 2, &Quiet), async {
        let started = release.await;
        stub.set(|m| m.tmdb = Mode::Ok);
        started
    });
    let report = report.unwrap();
    assert_eq!((report.filled, report.stopped), (2, None));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    let limited = stub
        .requests()
        .iter()
        .filter(|r| r.starts_with("/tmdb/3/find/"))
        .count();
    assert_eq!(
        limited,
        3,
        "one 429, then each movie once: {:?}",
        stub.requests()
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM movie_details").await, 2);
}

#[tokio::test]
async fn a_search_with_few_results_offers_the_providers_films_and_opening_one_adds_it_once() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    app.register("ann", "correct horse battery").await;
    let movies = scalar(&app, "SELECT COUNT(*) FROM movies").await;

    let page = app.get_html("/search?q=Zyzzogeton").await;
    assert!(page.contains("Not in the catalog yet"), "{page}");
    assert!(page.contains("from TMDB"));
    assert!(page.contains("not endorsed or certified by TMDB"));
    let expected = crate::provider_stub::imdb_id_of("Zyzzogeton");
    let tmdb_id = crate::provider_stub::tmdb_id_of(&expected);
    let open = format!("/movies/from/tmdb/{tmdb_id}");
    assert!(page.contains(&open), "{page}");

    // The API says the same, with a source on every result.
    let api: serde_json::Value = app
        .get("/api/v1/search?q=Zyzzogeton")
        .await
        .json()
        .await
        .unwrap();
    let first = &api["from_providers"][0];
    assert_eq!(first["source"], "tmdb");
    assert_eq!(first["title"], "Zyzzogeton");
    assert_eq!(first["url"], open.as_str());
    let api: serde_json::Value = app
        .get("/api/v1/search?q=godfather")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["results"][0]["source"], "catalog");

    // Opening it adds it; opening and rating it again finds the same movie.
    let response = app.get(&open).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id: u32 = location.trim_start_matches("/movies/").parse().unwrap();
    let page = app.get_html(&location).await;
    assert!(page.contains("Zyzzogeton"));
    assert!(
        page.contains("Tim Robbins"),
        "details fetched on first view"
    );
    for stars in ["4", "4.5"] {
        let again = app.get(&open).await;
        assert_eq!(again.headers()["location"], location.as_str());
        assert_eq!(app.rate(id, stars).await.status().as_u16(), 303);
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies").await,
        movies + 1
    );
    let pool = app.database().await;
    let (imdb_id, count): (Option<String>, i64) = sqlx::query_as(
        "SELECT m.imdb_id, (SELECT COUNT(*) FROM ratings r JOIN users u ON u.id = r.user_id
                            WHERE r.movie_id = m.id AND u.kind = 'user')
         FROM movies m WHERE m.id = $1",
    )
    .bind(i64::from(id))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(imdb_id.as_deref(), Some(expected.as_str()));
    assert_eq!(count, 1, "one rating, changed");
    // Found by search now, and no longer offered from TMDB.
    let page = app.get_html("/search?q=Zyzzogeton").await;
    assert!(page.contains(&format!("href=\"/movies/{id}\"")), "{page}");
    assert!(!page.contains(&open));

    // The same film from OMDb (by its IMDb id) is matched, not added again.
    let response = app.get(&format!("/movies/from/omdb/{expected}")).await;
    assert_eq!(response.headers()["location"], location.as_str());
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies").await,
        movies + 1
    );
}

#[tokio::test]
async fn a_search_with_many_local_results_or_no_key_asks_nobody() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    let asked = stub.requests().len();
    let page = app.get_html("/search?q=the").await;
    assert!(!page.contains("Not in the catalog yet"));
    assert_eq!(stub.requests().len(), asked);
}

/// Runs the real binary off the async threads, so the stub keeps answering meanwhile.
async fn movierec(args: Vec<String>, envs: Vec<(&'static str, String)>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_movierec"))
            .args(&args)
            .env("RUST_BACKTRACE", "0")
            .env_remove("DATABASE_URL")
            .env_remove("MOVIEREC_OMDB_API_KEY")
            .env_remove("MOVIEREC_TMDB_API_KEY")
            .envs(envs)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn movierec_enrich_fills_the_most_rated_movies_within_its_limit_and_is_idempotent() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|_| {}).await;
    let config = stub.config();
    let args = |limit: &str| -> Vec<String> {
        [
            "enrich",
            "--limit",
            limit,
            "--database-url",
            &app.database_url(),
            "--omdb-url",
            &config.omdb_url,
            "--tmdb-url",
            &config.tmdb_url,
            "--tmdb-image-url",
            &config.tmdb_image_url,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let keys = vec![
        (
            "MOVIEREC_OMDB_API_KEY",
            crate::provider_stub::OMDB_KEY.to_owned(),
        ),
        (
            "MOVIEREC_TMDB_API_KEY",
            crate::provider_stub::TMDB_KEY.to_owned(),
        ),
    ];

    let without_keys = movierec(args("2"), Vec::new()).await;
    assert!(!without_keys.status.success());
    let stderr = String::from_utf8_lossy(&without_keys.stderr);
    assert!(stderr.contains("no provider key"), "{stderr}");
    assert!(stub.requests().is_empty());

    let first = movierec(args("2"), keys.clone()).await;
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("Filled 2 movies (2 with a poster)"),
        "{stdout}"
    );
    let filled: Vec<i64> =
        sqlx::query_scalar("SELECT movie_id FROM movie_details ORDER BY movie_id")
            .fetch_all(&app.database().await)
            .await
            .unwrap();
    assert_eq!(filled.len(), 2);

    let second = movierec(args("2"), keys).await;
    assert!(String::from_utf8_lossy(&second.stdout).contains("Filled 2 movies"));
    let after: Vec<i64> =
        sqlx::query_scalar("SELECT movie_id FROM movie_details ORDER BY movie_id")
            .fetch_all(&app.database().await)
            .await
            .unwrap();
    assert_eq!(after.len(), 4, "two more, none twice");
    assert!(filled.iter().all(|id| after.contains(id)));
    // Each movie's poster was downloaded once.
    assert_eq!(stub.count("/img/"), 4);
}

#[tokio::test]
async fn two_views_at_once_fetch_a_movie_once() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    // Only a logged-in user's view asks the providers.
    app.register("viewer", "correct horse battery").await;
    // The poster takes 3 s (within its own timeout): the first view holds the fetch.
    stub.set(|m| m.images = Mode::Slow);
    let (id, title) = catalog_movie(17);
    let path = format!("/movies/{id}");
    let before = stub.count("/omdb");
    let (first, second) = tokio::join!(app.get_html(&path), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let page = app.get_html(&path).await;
        (page, started.elapsed())
    });
    assert_eq!(stub.count("/omdb") - before, 1, "asked once");
    assert!(
        first.contains("Tim Robbins"),
        "the first view waited for it"
    );
    let (second, waited) = second;
    assert!(second.contains(&title));
    assert!(
        waited < Duration::from_secs(2),
        "the second did not wait: {waited:?}"
    );
    assert_eq!(stub.count("/img/"), 1);
}

/// Issue 24, points 6 and 7: a visitor searches the catalog only, sees stored pages only,
/// and adds nothing; the providers are not asked on a visitor's behalf.
#[tokio::test]
async fn visitors_never_reach_the_providers_nor_add_films() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    let movies = scalar(&app, "SELECT COUNT(*) FROM movies").await;
    let asked = stub.requests().len();
    let page = app.get_html("/search?q=Zyzzogeton").await;
    assert!(!page.contains("Not in the catalog yet"), "{page}");
    let api: serde_json::Value = app
        .get("/api/v1/search?q=Zyzzogeton")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["from_providers"], serde_json::json!([]));
    let (id, title) = catalog_movie(5);
    assert!(
        app.get_html(&format!("/movies/{id}"))
            .await
            .contains(&title)
    );
    // Opening a provider's film sends the visitor to log in; nothing is added.
    let tmdb_id = crate::provider_stub::tmdb_id_of(&crate::provider_stub::imdb_id_of("Zyzzogeton"));
    let open = format!("/movies/from/tmdb/{tmdb_id}");
    let response = app.get(&open).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
    let response = app.get("/movies/from/omdb/tt0111161").await;
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM movies").await, movies);
    assert_eq!(stub.requests().len(), asked, "{:?}", stub.requests());

    // A user's search does ask, and their opening adds the film.
    app.register("ann", "correct horse battery").await;
    let page = app.get_html("/search?q=Zyzzogeton").await;
    assert!(page.contains(&open), "{page}");
    let response = app.get(&open).await;
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/movies/")
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies").await,
        movies + 1
    );
}

/// Issue 24, points 11 and 15: what TMDB says of a film is checked before it is stored or
/// put into a request: an id that is no IMDb id is dropped, adult films and absurd titles
/// are refused, negative running times ignored; OMDb's malformed ids are never linked.
#[tokio::test]
async fn hostile_provider_answers_are_checked_before_use() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    app.register("ann", "correct horse battery").await;
    let movies = scalar(&app, "SELECT COUNT(*) FROM movies").await;
    let open = |title: &str| {
        // The stub knows a title once it has been searched for.
        let id = crate::provider_stub::tmdb_id_of(&crate::provider_stub::imdb_id_of(title));
        format!("/movies/from/tmdb/{id}")
    };

    stub.tweak(|t| {
        t.tmdb_movie
            .insert("imdb_id".into(), "../3/account?injected=1".into());
        t.tmdb_movie.insert("runtime".into(), (-90).into());
    });
    app.get_html("/search?q=Quarkwood").await;
    let response = app.get(&open("Quarkwood")).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/movies/"), "{location}");
    app.get_html(&location).await;
    let id: i64 = location.trim_start_matches("/movies/").parse().unwrap();
    let pool = app.database().await;
    let (imdb_id, runtime): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT imdb_id, runtime_min FROM movies WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    // TMDB's path-like "id" is never stored; OMDb may still know the film by its real id.
    assert!(
        imdb_id.as_deref().is_none_or(|id| id.starts_with("tt")
            && id.len() >= 9
            && id[2..].bytes().all(|b| b.is_ascii_digit())),
        "not an IMDb id: not stored, got {imdb_id:?}"
    );
    assert!(runtime.is_none_or(|r| r > 0), "{runtime:?}");
    assert!(
        stub.requests()
            .iter()
            .all(|r| !r.contains("injected") && !r.contains("account")),
        "{:?}",
        stub.requests()
    );

    stub.tweak(|t| {
        t.tmdb_movie.clear();
        t.tmdb_movie.insert("adult".into(), true.into());
    });
    app.get_html("/search?q=Velvetine").await;
    assert_eq!(app.get(&open("Velvetine")).await.status().as_u16(), 404);
    stub.tweak(|t| {
        t.tmdb_movie.clear();
        t.tmdb_movie
            .insert("title".into(), "A".repeat(100_000).into());
    });
    app.get_html("/search?q=Longtitle").await;
    let response = app.get(&open("Longtitle")).await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("title of 100000 characters")
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies").await,
        movies + 1
    );

    // OMDb's search, without TMDB: hits whose ids are not IMDb ids are left out.
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| {
        stub.apply(c);
        c.providers.tmdb_key = None;
    })
    .await;
    app.register("ann", "correct horse battery").await;
    stub.tweak(|t| t.omdb_bad_ids = true);
    let page = app.get_html("/search?q=Zorblax").await;
    assert!(page.contains("Zorblax Part 1"), "{page}");
    assert!(
        !page.contains("Zorblax Bad") && !page.contains("onmouseover"),
        "{page}"
    );
}

/// Issue 24, point 9: an answer past the size cap is given up at once, not read to its end.
#[tokio::test]
async fn a_provider_answer_past_the_size_cap_is_given_up_at_once() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    app.register("ann", "correct horse battery").await;
    stub.tweak(|t| t.tmdb_search_endless = true);
    let started = Instant::now();
    let response = app.get("/search?q=Bottomless").await;
    assert_eq!(response.status().as_u16(), 200);
    // Without a cap it reads until the 2 s timeout, however much arrives meanwhile.
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

/// Issue 24, point 17: of a provider's many hits only the ten shown are looked up. The
/// count of lookups is checked where they are chosen (`services::any_movie`); here, that
/// the ten shown are the provider's first ten, one provider request answering them all.
#[tokio::test]
async fn a_provider_search_with_many_hits_looks_up_only_those_shown() {
    let stub = Stub::start().await;
    let app = spawn_app_with(|c| stub.apply(c)).await;
    app.register("ann", "correct horse battery").await;
    stub.tweak(|t| t.tmdb_search_hits = Some(50_000));
    let before = stub.requests().len();
    let page = app.get_html("/search?q=Plentiful").await;
    assert_eq!(page.matches("/movies/from/tmdb/").count(), 10, "{page}");
    for hit in 1..=10 {
        let link = format!("/movies/from/tmdb/{}\"", 5_000_000 + hit);
        assert!(page.contains(&link), "hit {hit} shown: {page}");
    }
    assert!(!page.contains("/movies/from/tmdb/5000011\""), "{page}");
    assert_eq!(stub.requests().len() - before, 1, "{:?}", stub.requests());
}

/// A server standing for something inside the network: it counts what reaches it.
async fn internal_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                [(axum::http::header::CONTENT_TYPE, "image/png")],
                crate::provider_stub::png(500, 750),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("127.0.0.1:{port}"), hits)
}

/// Issue 24, point 10: a poster URL in a provider's answer reaches public hosts only: not
/// loopback by address or by name, and not through a redirect from an allowed host.
#[tokio::test]
async fn poster_urls_from_answers_never_reach_internal_hosts() {
    let stub = Stub::start().await;
    // OMDb alone names the poster; the configured image host (the stub) stays allowed.
    let app = spawn_app_with(|c| {
        stub.apply(c);
        c.providers.tmdb_key = None;
    })
    .await;
    app.register("ann", "correct horse battery").await;
    let (internal, reached) = internal_server().await;
    let port = internal.rsplit(':').next().unwrap().to_owned();
    let urls = [
        format!("http://{internal}/secret.png"),
        format!("http://localhost:{port}/secret.png"),
        format!("{}/redirect?to=http://{internal}/secret.png", stub.address),
    ];
    for (n, url) in urls.iter().enumerate() {
        stub.tweak(|t| t.omdb_poster = Some(url.clone()));
        let (id, title) = catalog_movie(20 + n);
        let page = app.get_html(&format!("/movies/{id}")).await;
        assert!(page.contains(&title));
        assert!(
            page.contains("Tim Robbins"),
            "details stored without the poster: {url}"
        );
    }
    assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM posters").await, 0);
    assert_eq!(stub.count("/redirect"), 1, "the allowed host was asked");
    // The configured image host itself still serves posters.
    stub.tweak(|t| t.omdb_poster = None);
    let (id, _) = catalog_movie(25);
    app.get_html(&format!("/movies/{id}")).await;
    assert!(scalar(&app, "SELECT COUNT(*) FROM posters").await > 0);
}
