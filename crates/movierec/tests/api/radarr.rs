//! Radarr: the admin connects it on the Admin page (checked with the server at once), people
//! request films from it by the Request button or the API, and each person's list is served
//! for Radarr's Custom List import. Radarr is a local stub on port 0 answering in its API v3
//! shapes, checking `X-Api-Key` as Radarr does, and recording what it was asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use movierec::providers::radarr::ApiKey;
use movierec::services::requests::{RadarrConfig, Requesters};

use crate::helpers::{TestApp, Visitor, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery";
const KEY: &str = "0123456789abcdef0123456789abcdef";
const VERSION: &str = "5.14.0.9383";

/// How the stub answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ok,
    /// 503 to everything, as a proxy in front of a stopped Radarr.
    Unavailable,
}

#[derive(Clone)]
struct Shared {
    mode: Arc<Mutex<Mode>>,
    /// Films in Radarr: TMDB id → Radarr's id.
    library: Arc<Mutex<HashMap<i64, i64>>>,
    /// `METHOD path?query` and the JSON body, of every request.
    log: Arc<Mutex<Vec<(String, Value)>>>,
}

pub(crate) struct Radarr {
    address: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Radarr {
    async fn start() -> Radarr {
        let shared = Shared {
            mode: Arc::new(Mutex::new(Mode::Ok)),
            library: Arc::default(),
            log: Arc::default(),
        };
        let app = Router::new()
            .route("/api/v3/system/status", get(status))
            .route("/api/v3/qualityprofile", get(profiles))
            .route("/api/v3/rootfolder", get(folders))
            .route("/api/v3/movie/lookup/tmdb", get(lookup_tmdb))
            .route("/api/v3/movie/lookup/imdb", get(lookup_imdb))
            .route("/api/v3/movie", post(add))
            .with_state(shared.clone())
            .layer(axum::middleware::from_fn_with_state(shared.clone(), gate));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Radarr {
            address,
            shared,
            server,
        }
    }

    fn set(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Puts a film in Radarr's library, as if added there by hand.
    fn has(&self, tmdb_id: i64, radarr_id: i64) {
        self.shared
            .library
            .lock()
            .unwrap()
            .insert(tmdb_id, radarr_id);
    }

    fn requests(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .unwrap()
            .iter()
            .map(|(line, _)| line.clone())
            .collect()
    }

    fn forget(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    /// The bodies of the films added.
    fn added(&self) -> Vec<Value> {
        self.shared
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|(line, _)| line == "POST /api/v3/movie")
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// Stops listening: the next connection is refused.
    async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
    }
}

/// Records each request, then answers as Radarr: 401 without the right key, 503 when down.
async fn gate(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let line = match parts.uri.query() {
        Some(q) => format!("{} {}?{q}", parts.method, parts.uri.path()),
        None => format!("{} {}", parts.method, parts.uri.path()),
    };
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    shared.log.lock().unwrap().push((line, json));
    if *shared.mode.lock().unwrap() == Mode::Unavailable {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html>502 Bad Gateway</html>",
        )
            .into_response();
    }
    if key_of(&parts.headers) != Some(KEY) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    next.run(request).await
}

fn key_of(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
}

async fn status() -> Response {
    axum::Json(json!({
        "appName": "Radarr", "instanceName": "Radarr", "version": VERSION,
        "buildTime": "2024-11-02T00:00:00Z", "isDebug": false, "isProduction": true,
        "isAdmin": false, "isUserInteractive": false, "startupPath": "/app/radarr/bin",
        "appData": "/config", "osName": "ubuntu", "isDocker": true, "isLinux": true,
        "authentication": "forms", "urlBase": "", "runtimeVersion": "6.0.35",
        "databaseType": "sqLite", "branch": "master", "mode": "console"
    }))
    .into_response()
}

async fn profiles() -> Response {
    axum::Json(json!([
        {"name": "Any", "upgradeAllowed": false, "cutoff": 20, "items": [],
         "minFormatScore": 0, "cutoffFormatScore": 0, "formatItems": [],
         "language": {"id": 1, "name": "English"}, "id": 1},
        {"name": "HD-1080p", "upgradeAllowed": false, "cutoff": 7, "items": [],
         "minFormatScore": 0, "cutoffFormatScore": 0, "formatItems": [],
         "language": {"id": 1, "name": "English"}, "id": 4}
    ]))
    .into_response()
}

async fn folders() -> Response {
    axum::Json(json!([
        {"path": "/movies", "accessible": true, "freeSpace": 100_000_000_000_i64, "unmappedFolders": [], "id": 1},
        {"path": "/data/films", "accessible": true, "freeSpace": 200_000_000_000_i64, "unmappedFolders": [], "id": 2}
    ]))
    .into_response()
}

/// Radarr's `MovieResource` of a lookup: `id` 0 unless the film is in the library.
fn movie_resource(shared: &Shared, tmdb_id: i64, imdb_id: &str) -> Value {
    let id = shared
        .library
        .lock()
        .unwrap()
        .get(&tmdb_id)
        .copied()
        .unwrap_or(0);
    json!({
        "title": format!("Film {tmdb_id}"), "originalTitle": format!("Film {tmdb_id}"),
        "originalLanguage": {"id": 1, "name": "English"}, "alternateTitles": [],
        "secondaryYearSourceId": 0, "sortTitle": format!("film {tmdb_id}"), "sizeOnDisk": 0,
        "status": "released", "overview": "A film.",
        "images": [{"coverType": "poster", "remoteUrl": format!("https://image.tmdb.org/t/p/original/{tmdb_id}.jpg")}],
        "year": 1995, "qualityProfileId": 0, "hasFile": false, "monitored": false,
        "minimumAvailability": "tba", "isAvailable": false, "folderName": "", "runtime": 100,
        "cleanTitle": format!("film{tmdb_id}"), "imdbId": imdb_id, "tmdbId": tmdb_id,
        "titleSlug": tmdb_id.to_string(), "genres": ["Drama"], "tags": [],
        "added": "0001-01-01T00:00:00Z", "ratings": {}, "popularity": 10.5, "id": id
    })
}

async fn lookup_tmdb(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let tmdb_id: i64 = query["tmdbId"].parse().unwrap();
    axum::Json(movie_resource(&shared, tmdb_id, &format!("tt{tmdb_id:07}"))).into_response()
}

async fn lookup_imdb(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let imdb_id = &query["imdbId"];
    let tmdb_id: i64 = imdb_id[2..].parse().unwrap();
    axum::Json(movie_resource(&shared, tmdb_id, imdb_id)).into_response()
}

/// `POST /api/v3/movie`: Radarr's validation, as far as the tests need it.
async fn add(State(shared): State<Shared>, axum::Json(body): axum::Json<Value>) -> Response {
    let tmdb_id = body["tmdbId"].as_i64().unwrap_or(0);
    let mut library = shared.library.lock().unwrap();
    if library.contains_key(&tmdb_id) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!([{"propertyName": "TmdbId",
                "errorMessage": "This movie has already been added", "attemptedValue": tmdb_id,
                "severity": "error", "errorCode": "MovieExistsValidator"}])),
        )
            .into_response();
    }
    let id = library.len() as i64 + 100;
    library.insert(tmdb_id, id);
    let mut movie = body.clone();
    movie["id"] = json!(id);
    (StatusCode::CREATED, axum::Json(movie)).into_response()
}

/// A film of the catalog given ids of our choosing (TMDB ids far above the catalog's).
pub(crate) async fn set_ids(
    app: &TestApp,
    movie: i64,
    tmdb_id: Option<i64>,
    imdb_id: Option<&str>,
) {
    sqlx::query("UPDATE movies SET tmdb_id = $1, imdb_id = $2 WHERE id = $3")
        .bind(tmdb_id)
        .bind(imdb_id)
        .bind(movie)
        .execute(&app.database().await)
        .await
        .unwrap();
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.database().await)
        .await
        .unwrap()
}

/// The connection form as the admin fills it in.
fn connect_form<'a>(radarr: &'a Radarr, key: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("url", radarr.address.as_str()),
        ("api_key", key),
        ("quality_profile", "HD-1080p"),
        ("root_folder", "/data/films"),
        ("minimum_availability", "released"),
    ]
}

/// An app whose first account, `alice`, is the administrator, with Radarr connected.
async fn connected() -> (TestApp, Radarr) {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let radarr = connect(&app).await;
    (app, radarr)
}

/// A Radarr stub connected by the app's client, an administrator.
pub(crate) async fn connect(app: &TestApp) -> Radarr {
    let radarr = Radarr::start().await;
    let response = app
        .post_form("/admin/radarr", &connect_form(&radarr, KEY))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    radarr.forget();
    radarr
}

/// The first `n` of a user's recommendations.
async fn picks(client: &reqwest::Client, app: &TestApp, n: usize) -> Vec<i64> {
    let list: Vec<Value> = client
        .get(app.url("/api/v1/recommendations?n=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = list
        .iter()
        .map(|r| r["movie_id"].as_i64().unwrap())
        .take(n)
        .collect();
    assert_eq!(ids.len(), n, "the user has {n} picks");
    ids
}

async fn api_request(client: &reqwest::Client, app: &TestApp, movie: i64) -> (u16, Value) {
    let response = client
        .post(app.url(&format!("/api/v1/movies/{movie}/request")))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn my_requests(client: &reqwest::Client, app: &TestApp) -> Vec<Value> {
    let response = client
        .get(app.url("/api/v1/me/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// The HTML of one recommendation card of the home page.
fn card(home: &str, movie: i64) -> &str {
    let start = home
        .find(&format!(r#"data-movie-id="{movie}""#))
        .unwrap_or_else(|| panic!("film {movie} is not on the page"));
    let rest = &home[start..];
    let end = ["</li>", "</article>"]
        .iter()
        .filter_map(|tag| rest.find(tag))
        .min()
        .unwrap();
    &rest[..end]
}

#[tokio::test]
async fn an_admin_connects_radarr_and_a_request_reaches_it() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let radarr = Radarr::start().await;
    let stored = || count(&app, "SELECT COUNT(*) FROM settings WHERE name = 'radarr'");

    // A wrong key: said on the page, nothing saved.
    let response = app
        .post_form(
            "/admin/radarr",
            &connect_form(&radarr, "wrongwrongwrongwrong"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("Radarr refused the API key"), "{page}");
    assert_eq!(stored().await, 0);

    // A profile or a folder Radarr does not have: the same.
    let mut form = connect_form(&radarr, KEY);
    form[2] = ("quality_profile", "Ultra-HD");
    let response = app.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("no quality profile &#39;Ultra-HD&#39;"),
        "{page}"
    );
    assert!(page.contains("HD-1080p"), "{page}");
    let mut form = connect_form(&radarr, KEY);
    form[3] = ("root_folder", "/tv");
    let response = app.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("no root folder"));
    assert_eq!(stored().await, 0);

    // Unreachable: a closed port.
    let mut form = connect_form(&radarr, KEY);
    form[0] = ("url", "http://127.0.0.1:9");
    let response = app.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Radarr did not answer")
    );
    assert_eq!(stored().await, 0);

    // Good settings: checked with all three calls, saved, and shown back (the key masked).
    radarr.forget();
    let response = app
        .post_form("/admin/radarr", &connect_form(&radarr, KEY))
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        radarr.requests(),
        [
            "GET /api/v3/system/status",
            "GET /api/v3/qualityprofile",
            "GET /api/v3/rootfolder"
        ]
    );
    assert_eq!(stored().await, 1);
    let admin = app.get_html("/admin").await;
    assert!(admin.contains(VERSION), "{admin}");
    assert!(
        admin.contains(r#"<option value="4" selected>HD-1080p</option>"#),
        "{admin}"
    );
    assert!(
        admin.contains(r#"<option value="1">Any</option>"#),
        "{admin}"
    );
    assert!(
        admin.contains(r#"<option value="/data/films" selected>/data/films</option>"#),
        "{admin}"
    );
    assert!(admin.contains("••••cdef"), "{admin}");
    assert!(!admin.contains(KEY), "the key is never shown back");

    // Saved again with the key field empty: the stored key is used (else Radarr says 401).
    let mut form = connect_form(&radarr, "");
    form[4] = ("minimum_availability", "inCinemas");
    let response = app.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 303);

    // Bob requests one of his picks with the button.
    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let film = picks(&bob.client, &app, 1).await[0];
    let tmdb_id = 9_000_001;
    set_ids(&app, film, Some(tmdb_id), Some("tt9000001")).await;
    let home = bob.get("/").await.text().await.unwrap();
    assert!(
        card(&home, film).contains(&format!(r#"action="/movies/{film}/request""#)),
        "{home}"
    );
    radarr.forget();
    let response = bob
        .post_form(
            &format!("/movies/{film}/request"),
            &[("next", "/#grid-heading")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        "/?done=requested#grid-heading"
    );
    assert_eq!(
        radarr.requests(),
        [
            format!("GET /api/v3/movie/lookup/tmdb?tmdbId={tmdb_id}"),
            "POST /api/v3/movie".to_owned()
        ]
    );
    let added = &radarr.added()[0];
    assert_eq!(added["tmdbId"], tmdb_id);
    assert_eq!(added["title"], format!("Film {tmdb_id}"));
    assert_eq!(added["year"], 1995);
    assert_eq!(added["titleSlug"], tmdb_id.to_string());
    assert_eq!(added["qualityProfileId"], 4);
    assert_eq!(added["rootFolderPath"], "/data/films");
    assert_eq!(added["monitored"], true);
    assert_eq!(added["minimumAvailability"], "inCinemas");
    assert_eq!(added["addOptions"]["searchForMovie"], true);
    assert_eq!(added["images"].as_array().map(Vec::len), Some(1));

    // The card and the page say Requested, to bob and to alice.
    let home = bob.get("/").await.text().await.unwrap();
    let shown = card(&home, film);
    assert!(shown.contains("Requested"), "{shown}");
    assert!(!shown.contains("/request\""), "{shown}");
    for page in [
        bob.get(&format!("/movies/{film}"))
            .await
            .text()
            .await
            .unwrap(),
        app.get_html(&format!("/movies/{film}")).await,
    ] {
        assert!(page.contains(r#"class="request-state""#), "{page}");
        assert!(!page.contains(&format!(r#"action="/movies/{film}/request""#)));
    }

    let mine = my_requests(&bob.client, &app).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["movie_id"], film);
    assert_eq!(mine[0]["state"], "requested");
    assert!(mine[0]["requested_at"].as_i64().unwrap() > 1_700_000_000);
    assert!(mine[0]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        my_requests(&app.client, &app).await.is_empty(),
        "alice asked for nothing"
    );
}

#[tokio::test]
async fn a_film_radarr_has_is_not_added_and_no_film_is_sent_twice() {
    let (app, radarr) = connected().await;
    let films = picks(&app.client, &app, 4).await;
    let (there, new, imdb_only, no_ids) = (films[0], films[1], films[2], films[3]);
    set_ids(&app, there, Some(9_000_011), None).await;
    set_ids(&app, new, Some(9_000_012), None).await;
    set_ids(&app, imdb_only, None, Some("tt9000013")).await;
    set_ids(&app, no_ids, None, None).await;
    radarr.has(9_000_011, 17);

    let (status, body) = api_request(&app.client, &app, there).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (201, Some("already in Radarr")),
        "{body}"
    );
    assert_eq!(
        radarr.requests(),
        ["GET /api/v3/movie/lookup/tmdb?tmdbId=9000011"]
    );

    radarr.forget();
    let (status, body) = api_request(&app.client, &app, new).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (201, Some("requested")),
        "{body}"
    );
    assert_eq!(radarr.added().len(), 1);

    // Again, by the same person or by another: Radarr is not asked again.
    radarr.forget();
    let (status, body) = api_request(&app.client, &app, new).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("requested")),
        "{body}"
    );
    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let (status, _) = api_request(&bob.client, &app, new).await;
    assert_eq!(status, 200);
    let (status, _) = api_request(&bob.client, &app, there).await;
    assert_eq!(status, 200);
    assert!(radarr.requests().is_empty(), "{:?}", radarr.requests());
    assert_eq!(my_requests(&bob.client, &app).await.len(), 2);

    // Without a TMDB id the IMDb id finds it.
    let (status, _) = api_request(&app.client, &app, imdb_only).await;
    assert_eq!(status, 201);
    assert_eq!(
        radarr.requests(),
        [
            "GET /api/v3/movie/lookup/imdb?imdbId=tt9000013",
            "POST /api/v3/movie"
        ]
    );
    assert_eq!(radarr.added()[0]["tmdbId"], 9_000_013);

    // Without either, no button, a clear refusal and nothing asked.
    let page = app.get_html(&format!("/movies/{no_ids}")).await;
    assert!(
        !page.contains(&format!(r#"action="/movies/{no_ids}/request""#)),
        "{page}"
    );
    let page = app.get_html(&format!("/movies/{new}")).await;
    assert!(page.contains(r#"class="request-state""#), "{page}");
    radarr.forget();
    let (status, body) = api_request(&app.client, &app, no_ids).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("neither a TMDB nor an IMDb id"),
        "{body}"
    );
    let (status, _) = api_request(&app.client, &app, 99_999_999).await;
    assert_eq!(status, 404);
    assert!(radarr.requests().is_empty());

    // Alice's list, newest first (the first request made a day older, as times within one
    // second tie).
    sqlx::query(
        "UPDATE radarr_requests SET requested_at = requested_at - 86400 WHERE movie_id = $1",
    )
    .bind(there)
    .execute(&app.database().await)
    .await
    .unwrap();
    let mine: Vec<i64> = my_requests(&app.client, &app)
        .await
        .iter()
        .map(|r| r["movie_id"].as_i64().unwrap())
        .collect();
    assert_eq!(mine.len(), 3);
    assert_eq!(mine[2], there, "the oldest last: {mine:?}");
}

#[tokio::test]
async fn radarr_down_is_a_clear_message_and_nothing_is_recorded() {
    let (app, radarr) = connected().await;
    let film = picks(&app.client, &app, 1).await[0];
    set_ids(&app, film, Some(9_000_021), None).await;

    radarr.set(Mode::Unavailable);
    let (status, body) = api_request(&app.client, &app, film).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Radarr did not answer"),
        "{body}"
    );
    let response = app
        .post_form(&format!("/movies/{film}/request"), &[("next", "/")])
        .await;
    assert_eq!(response.status().as_u16(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Radarr did not answer"), "{page}");

    radarr.stop().await;
    let (status, body) = api_request(&app.client, &app, film).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Radarr did not answer")
    );

    assert_eq!(count(&app, "SELECT COUNT(*) FROM radarr_requests").await, 0);
    assert!(my_requests(&app.client, &app).await.is_empty());
    let page = app.get_html(&format!("/movies/{film}")).await;
    assert!(
        page.contains(&format!(r#"action="/movies/{film}/request""#)),
        "{page}"
    );
    assert!(!page.contains(r#"class="request-state""#));
}

#[tokio::test]
async fn only_permitted_people_request_and_only_admins_set_radarr_up() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let film = picks(&bob.client, &app, 1).await[0];
    set_ids(&app, film, Some(9_000_031), None).await;

    // Not connected: 409, and no button anywhere.
    let (status, body) = api_request(&bob.client, &app, film).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not connected")
    );
    let page = bob
        .get(&format!("/movies/{film}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("/request\""), "{page}");

    // Bob is not an administrator: the Radarr settings are not his to change.
    let radarr = Radarr::start().await;
    let form = connect_form(&radarr, KEY);
    let response = bob.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(radarr.requests().is_empty(), "nothing was checked for him");
    let response = app.post_form("/admin/radarr", &form).await;
    assert_eq!(response.status().as_u16(), 303);
    for (path, form) in [
        ("/admin/radarr/requesters", vec![("requesters", "admins")]),
        ("/admin/radarr/disconnect", vec![("", "")]),
    ] {
        let response = bob.post_form(path, &form).await;
        assert_eq!(response.status().as_u16(), 403, "{path}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM settings WHERE name = 'radarr'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM settings WHERE name = 'radarr_requesters'"
        )
        .await,
        0
    );

    // Administrators only: bob is refused and sees no button; alice may.
    let response = app
        .post_form("/admin/radarr/requesters", &[("requesters", "admins")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    radarr.forget();
    let (status, body) = api_request(&bob.client, &app, film).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let response = bob
        .post_form(&format!("/movies/{film}/request"), &[("next", "/")])
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(radarr.requests().is_empty());
    let page = bob
        .get(&format!("/movies/{film}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains(&format!(r#"action="/movies/{film}/request""#)),
        "{page}"
    );
    let page = app.get_html(&format!("/movies/{film}")).await;
    assert!(
        page.contains(&format!(r#"action="/movies/{film}/request""#)),
        "{page}"
    );
    let (status, _) = api_request(&app.client, &app, film).await;
    assert_eq!(status, 201);
    // Requested shows to bob too, though he may not request.
    let page = bob
        .get(&format!("/movies/{film}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"class="request-state""#), "{page}");

    // Disconnected: the buttons go.
    let response = app.post_form("/admin/radarr/disconnect", &[("", "")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let (status, _) = api_request(&app.client, &app, film).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn the_radarr_list_serves_the_watchlist_and_top_picks_on_choice() {
    let app = spawn_app().await;
    app.register("alice", PASSWORD).await;
    let urls: Value = app.get("/api/v1/me/hooks").await.json().await.unwrap();
    let list_url = urls["radarr_list"].as_str().unwrap().to_owned();
    let path = list_url.strip_prefix(&app.address).unwrap().to_owned();
    assert!(
        path.starts_with("/lists/") && path.ends_with("/radarr.json"),
        "{path}"
    );
    let account = app.get_html("/account").await;
    assert!(account.contains(&list_url), "{account}");

    // A wrong token, or one of another length: no list.
    let token = path
        .trim_start_matches("/lists/")
        .trim_end_matches("/radarr.json");
    let last = token.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &token[..token.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    for bad in [wrong.as_str(), "nope", &token[..token.len() - 1]] {
        let response = reqwest::get(app.url(&format!("/lists/{bad}/radarr.json")))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404, "{bad}");
    }

    // Radarr polls without a cookie.
    let poll = || async {
        let response = reqwest::get(&list_url).await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        body.as_array().expect("a JSON array").clone()
    };
    assert!(poll().await.is_empty());

    let films = picks(&app.client, &app, 6).await;
    let (both, imdb_only, none) = (films[0], films[1], films[2]);
    set_ids(&app, both, Some(9_000_041), Some("tt9000041")).await;
    set_ids(&app, imdb_only, None, Some("tt9000042")).await;
    set_ids(&app, none, None, None).await;
    for (i, pick) in films[3..].iter().enumerate() {
        set_ids(&app, *pick, Some(9_000_051 + i as i64), None).await;
    }
    for film in [both, imdb_only, none] {
        let response = app
            .client
            .put(app.url(&format!("/api/v1/me/watchlist/{film}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    // What Radarr's Custom Lists read: `id`, the TMDB id, skipped when absent; `imdb_id`
    // and `title` for the lists that read those.
    let items = poll().await;
    assert_eq!(
        items.len(),
        2,
        "the film without ids is left out: {items:?}"
    );
    for item in &items {
        assert!(
            item["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{item}"
        );
        match item.get("id") {
            Some(id) => {
                assert!(id.as_i64().unwrap() > 0, "{item}");
                assert_eq!(item["tmdb_id"], *id, "{item}");
            }
            None => assert!(item["tmdb_id"].is_null(), "{item}"),
        }
    }
    let by_imdb = |id: &str| items.iter().find(|i| i["imdb_id"] == id).cloned();
    assert_eq!(by_imdb("tt9000041").unwrap()["id"], 9_000_041);
    assert!(by_imdb("tt9000042").unwrap().get("id").is_none());

    // Top picks only once chosen.
    let tmdb_ids = |items: &[Value]| -> Vec<i64> {
        items.iter().filter_map(|i| i["tmdb_id"].as_i64()).collect()
    };
    let remaining = picks(&app.client, &app, 3).await;
    let pick_ids: Vec<i64> = {
        let mut ids = Vec::new();
        for (i, pick) in films[3..].iter().enumerate() {
            if remaining.contains(pick) {
                ids.push(9_000_051 + i as i64);
            }
        }
        ids
    };
    assert!(!pick_ids.is_empty(), "some of the picks are still picks");
    let without = tmdb_ids(&poll().await);
    assert!(
        pick_ids.iter().all(|id| !without.contains(id)),
        "{without:?}"
    );
    let response = app
        .post_form("/account/radarr-list", &[("top_picks", "on")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(
        app.get_html("/account").await.contains(
            r#"id="radarr-top-picks" name="top_picks" type="checkbox" value="on" checked"#
        )
    );
    let with_picks = poll().await;
    for id in &pick_ids {
        assert!(tmdb_ids(&with_picks).contains(id), "{id} in {with_picks:?}");
    }
    assert_eq!(
        with_picks[0]["imdb_id"], items[0]["imdb_id"],
        "the watchlist first"
    );
    let response = app.post_form("/account/radarr-list", &[("", "")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(poll().await.len(), 2);

    // Another user's token is another list.
    let bob = Visitor::new(&app);
    bob.register("bob", PASSWORD).await;
    let bobs: Value = bob.get("/api/v1/me/hooks").await.json().await.unwrap();
    assert_ne!(bobs["radarr_list"], urls["radarr_list"]);
    let response = reqwest::get(bobs["radarr_list"].as_str().unwrap())
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn serve_options_connect_radarr_and_a_refused_key_keeps_the_stored_connection() {
    let radarr = Radarr::start().await;
    let address = radarr.address.clone();
    let app = spawn_app_with(|config| {
        config.radarr = RadarrConfig {
            url: Some(address.clone()),
            api_key: Some(ApiKey::parse(KEY).unwrap()),
            quality_profile: Some("4".into()),
            root_folder: Some("/movies".into()),
            minimum_availability: None,
            requesters: Some(Requesters::Admins),
        };
    })
    .await;
    app.register("alice", PASSWORD).await;
    let admin = app.get_html("/admin").await;
    assert!(admin.contains(VERSION), "{admin}");
    assert!(
        admin.contains(r#"<option value="4" selected>HD-1080p</option>"#),
        "{admin}"
    );
    assert!(
        admin.contains(r#"<option value="/movies" selected>/movies</option>"#),
        "{admin}"
    );
    assert!(admin.contains(r#"value="released" selected"#), "{admin}");
    assert!(admin.contains(r#"value="admins" checked"#), "{admin}");

    // Restarted with a key Radarr refuses: the site starts, and the stored settings stay.
    radarr.forget();
    let app = app
        .restart_with(|config| {
            config.radarr = RadarrConfig {
                url: Some(address.clone()),
                api_key: Some(ApiKey::parse("wrongwrongwrongwrong").unwrap()),
                ..RadarrConfig::default()
            };
        })
        .await;
    assert_eq!(radarr.requests(), ["GET /api/v3/system/status"]);
    let admin = app.get_html("/admin").await;
    assert!(admin.contains("••••cdef"), "{admin}");
    assert!(
        admin.contains(r#"<option value="4" selected>HD-1080p</option>"#),
        "{admin}"
    );
    let film = picks(&app.client, &app, 1).await[0];
    set_ids(&app, film, Some(9_000_061), None).await;
    let (status, body) = api_request(&app.client, &app, film).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (201, Some("requested")),
        "{body}"
    );
    assert_eq!(radarr.added()[0]["rootFolderPath"], "/movies");
}
