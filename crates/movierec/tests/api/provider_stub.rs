//! Local stand-ins for OMDb and TMDB on port 0, answering in their exact shapes and error
//! strings: `/omdb/` (OMDb's one endpoint), `/tmdb/3/…` (TMDB's API) and `/img/w500/…`
//! (TMDB's image host). Each request is recorded so tests can count what the app asked.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use movierec::config::Config;
use movierec::providers::{ProvidersConfig, TmdbKey};

pub const OMDB_KEY: &str = "omdbkey1";
/// A v3 key: 32 hex digits, sent as `api_key`.
pub const TMDB_KEY: &str = "0123456789abcdef0123456789abcdef";
/// A v4 read token, sent as a bearer token.
pub const TMDB_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ0ZXN0In0.c2lnbmF0dXJl";

/// How a stubbed service behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ok,
    /// Answers after 3 s (past the app's 2 s timeout).
    Slow,
    /// 503 with an HTML body, as a proxy in front of a down service.
    ServerError,
    /// 200 with a body that is not JSON.
    Malformed,
    /// Knows no film.
    NotFound,
    /// OMDb: "Request limit reached!"; TMDB: 429 with `Retry-After: 1`.
    Limited,
    /// Images only: 200 `text/html`.
    NotImage,
}

#[derive(Debug, Clone, Copy)]
pub struct Modes {
    pub omdb: Mode,
    pub tmdb: Mode,
    pub images: Mode,
}

/// Answers a hostile or broken provider might give.
#[derive(Debug, Clone, Default)]
pub struct Tweaks {
    /// OMDb's `Poster` for every film.
    pub omdb_poster: Option<String>,
    /// Fields replacing those of TMDB's film answer (`imdb_id`, `adult`, `title`…).
    pub tmdb_movie: serde_json::Map<String, serde_json::Value>,
    /// TMDB's search answers this many minimal hits.
    pub tmdb_search_hits: Option<usize>,
    /// TMDB's search streams a JSON array that never ends.
    pub tmdb_search_endless: bool,
    /// OMDb's search adds hits whose ids are not IMDb ids.
    pub omdb_bad_ids: bool,
}

#[derive(Clone)]
struct Shared {
    modes: Arc<Mutex<Modes>>,
    tweaks: Arc<Mutex<Tweaks>>,
    log: Arc<Mutex<Vec<String>>>,
    base: Arc<Mutex<String>>,
}

pub struct Stub {
    pub address: String,
    shared: Shared,
}

impl Stub {
    pub async fn start() -> Stub {
        let shared = Shared {
            modes: Arc::new(Mutex::new(Modes {
                omdb: Mode::Ok,
                tmdb: Mode::Ok,
                images: Mode::Ok,
            })),
            tweaks: Arc::default(),
            log: Arc::default(),
            base: Arc::default(),
        };
        let app = Router::new()
            .route("/omdb/", get(omdb))
            .route("/tmdb/3/configuration", get(tmdb_configuration))
            .route("/tmdb/3/find/{id}", get(tmdb_find))
            .route("/tmdb/3/search/movie", get(tmdb_search))
            .route("/tmdb/3/movie/{id}", get(tmdb_movie))
            .route("/img/w500/{file}", get(image))
            .route("/redirect", get(redirect))
            .with_state(shared.clone());
        let app = app.layer(axum::middleware::from_fn_with_state(shared.clone(), record));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        *shared.base.lock().unwrap() = address.clone();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Stub { address, shared }
    }

    pub fn set(&self, change: impl FnOnce(&mut Modes)) {
        change(&mut self.shared.modes.lock().unwrap());
    }

    pub fn tweak(&self, change: impl FnOnce(&mut Tweaks)) {
        change(&mut self.shared.tweaks.lock().unwrap());
    }

    /// Every request so far, as `path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests whose path starts with `prefix` (`/omdb`, `/tmdb`, `/img`).
    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }

    /// The app's provider settings pointing here, with both keys.
    pub fn config(&self) -> ProvidersConfig {
        ProvidersConfig {
            omdb_key: Some(OMDB_KEY.into()),
            tmdb_key: Some(TmdbKey::parse(TMDB_KEY).unwrap()),
            omdb_url: format!("{}/omdb/", self.address),
            tmdb_url: format!("{}/tmdb", self.address),
            tmdb_image_url: format!("{}/img", self.address),
            requests_per_second: 0,
            ..ProvidersConfig::default()
        }
    }

    /// Applies [`Stub::config`] to the app's settings.
    pub fn apply(&self, config: &mut Config) {
        config.providers = self.config();
    }
}

async fn record(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri();
    let line = match uri.query() {
        Some(q) => format!("{}?{q}", uri.path()),
        None => uri.path().to_owned(),
    };
    shared.log.lock().unwrap().push(line);
    next.run(request).await
}

/// An IMDb id made from a title, so each film of a test has its own.
pub fn imdb_id_of(title: &str) -> String {
    let n = title
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 9_000_000
        + 1_000_000;
    format!("tt{n:07}")
}

/// TMDB's id for an IMDb id: its number.
pub fn tmdb_id_of(imdb_id: &str) -> i64 {
    imdb_id[2..].parse().unwrap()
}

/// Titles by IMDb id for the films the stub has answered about, so `i=` finds them.
fn titles() -> &'static Mutex<HashMap<String, String>> {
    static TITLES: std::sync::OnceLock<Mutex<HashMap<String, String>>> = std::sync::OnceLock::new();
    TITLES.get_or_init(Mutex::default)
}

pub fn remember(title: &str) -> String {
    let id = imdb_id_of(title);
    titles()
        .lock()
        .unwrap()
        .insert(id.clone(), title.to_owned());
    id
}

async fn pause_if_slow(mode: Mode) {
    if mode == Mode::Slow {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn fault(mode: Mode) -> Option<Response> {
    match mode {
        Mode::ServerError => Some(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>503 Service Unavailable</body></html>",
            )
                .into_response(),
        ),
        Mode::Malformed => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"Title\": \"Cut off",
            )
                .into_response(),
        ),
        _ => None,
    }
}

/// An OMDb film answer. The scores are at the top of every scale, so an enriched film
/// leads the critics' list on the home page (the browser test looks for it there).
pub fn omdb_movie(title: &str, year: &str, imdb_id: &str, poster: &str) -> serde_json::Value {
    json!({
        "Title": title, "Year": year, "Rated": "R", "Released": "14 Oct 1994",
        "Runtime": "142 min", "Genre": "Drama", "Director": "Frank Darabont",
        "Writer": "Stephen King, Frank Darabont", "Actors": "Tim Robbins, Morgan Freeman, Bob Gunton",
        "Plot": format!("The stub's plot of {title}."), "Language": "English",
        "Country": "United States", "Awards": "Nominated for 7 Oscars", "Poster": poster,
        "Ratings": [
            {"Source": "Internet Movie Database", "Value": "9.8/10"},
            {"Source": "Rotten Tomatoes", "Value": "100%"},
            {"Source": "Metacritic", "Value": "94/100"}
        ],
        "Metascore": "94", "imdbRating": "9.8", "imdbVotes": "2,951,123", "imdbID": imdb_id,
        "Type": "movie", "DVD": "N/A", "BoxOffice": "$28,767,189", "Production": "N/A",
        "Website": "N/A", "Response": "True"
    })
}

fn omdb_error(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({"Response": "False", "Error": message}))
}

async fn omdb(State(shared): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mode = shared.modes.lock().unwrap().omdb;
    pause_if_slow(mode).await;
    if q.get("apikey").map(String::as_str) != Some(OMDB_KEY) {
        return omdb_error(StatusCode::UNAUTHORIZED, "Invalid API key!");
    }
    if let Some(response) = fault(mode) {
        return response;
    }
    match mode {
        Mode::NotFound => return omdb_error(StatusCode::OK, "Movie not found!"),
        Mode::Limited => return omdb_error(StatusCode::UNAUTHORIZED, "Request limit reached!"),
        _ => {}
    }
    let base = shared.base.lock().unwrap().clone();
    if let Some(text) = q.get("s") {
        let mut hits: Vec<_> = (1..=3)
            .map(|n| {
                let title = format!("{text} Part {n}");
                json!({"Title": title, "Year": format!("{}", 1990 + n), "imdbID": remember(&title),
                       "Type": "movie", "Poster": "N/A"})
            })
            .collect();
        if shared.tweaks.lock().unwrap().omdb_bad_ids {
            for bad in ["../../logout", "tt123\" onmouseover=\"alert(1)"] {
                hits.push(
                    json!({"Title": format!("{text} Bad"), "Year": "1999", "imdbID": bad,
                                 "Type": "movie", "Poster": "N/A"}),
                );
            }
        }
        return json_response(
            StatusCode::OK,
            json!({"Search": hits, "totalResults": "3", "Response": "True"}),
        );
    }
    let (title, imdb_id) = if let Some(id) = q.get("i") {
        match titles().lock().unwrap().get(id) {
            Some(title) => (title.clone(), id.clone()),
            None if id == "tt0111161" => ("The Shawshank Redemption".to_owned(), id.clone()),
            None => return omdb_error(StatusCode::OK, "Incorrect IMDb ID."),
        }
    } else if let Some(title) = q.get("t") {
        (title.clone(), remember(title))
    } else {
        return omdb_error(StatusCode::OK, "Incorrect IMDb ID.");
    };
    let year = q.get("y").cloned().unwrap_or_else(|| "1994".into());
    let poster = shared
        .tweaks
        .lock()
        .unwrap()
        .omdb_poster
        .clone()
        .unwrap_or_else(|| format!("{base}/img/w500/{imdb_id}.png"));
    json_response(StatusCode::OK, omdb_movie(&title, &year, &imdb_id, &poster))
}

fn tmdb_auth_ok(q: &HashMap<String, String>, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    q.get("api_key").map(String::as_str) == Some(TMDB_KEY) || bearer == Some(TMDB_TOKEN)
}

/// TMDB's checks in its order: the key, then the stub's mode.
async fn tmdb_guard(
    shared: &Shared,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Option<Response> {
    let mode = shared.modes.lock().unwrap().tmdb;
    pause_if_slow(mode).await;
    if !tmdb_auth_ok(q, headers) {
        return Some(json_response(
            StatusCode::UNAUTHORIZED,
            json!({"status_code": 7, "status_message": "Invalid API key: You must be granted a valid key.", "success": false}),
        ));
    }
    if let Some(response) = fault(mode) {
        return Some(response);
    }
    match mode {
        Mode::NotFound => Some(tmdb_not_found()),
        Mode::Limited => Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1"), (header::CONTENT_TYPE, "application/json")],
                json!({"status_code": 25, "status_message": "Your request count (41) is over the allowed limit of 40.", "success": false}).to_string(),
            )
                .into_response(),
        ),
        _ => None,
    }
}

fn tmdb_not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"status_code": 34, "status_message": "The resource you requested could not be found.", "success": false}),
    )
}

async fn tmdb_configuration(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = tmdb_guard(&shared, &q, &headers).await {
        return r;
    }
    json_response(
        StatusCode::OK,
        json!({"images": {"secure_base_url": "https://image.tmdb.org/t/p/", "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"]}, "change_keys": []}),
    )
}

fn tmdb_hit(imdb_id: &str, title: &str, year: &str) -> serde_json::Value {
    let id = tmdb_id_of(imdb_id);
    json!({"adult": false, "backdrop_path": null, "genre_ids": [18], "id": id, "original_language": "en",
           "original_title": title, "overview": format!("TMDB's overview of {title}."), "popularity": 12.5,
           "poster_path": format!("/{imdb_id}.png"), "release_date": format!("{year}-09-23"),
           "title": title, "video": false, "vote_average": 8.7, "vote_count": 27000})
}

async fn tmdb_find(
    State(shared): State<Shared>,
    Path(imdb_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = tmdb_guard(&shared, &q, &headers).await {
        return r;
    }
    let title = titles().lock().unwrap().get(&imdb_id).cloned();
    let results: Vec<_> = title
        .map(|t| tmdb_hit(&imdb_id, &t, "1994"))
        .into_iter()
        .collect();
    json_response(
        StatusCode::OK,
        json!({"movie_results": results, "person_results": [], "tv_results": [], "tv_episode_results": [], "tv_season_results": []}),
    )
}

async fn tmdb_search(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = tmdb_guard(&shared, &q, &headers).await {
        return r;
    }
    let text = q.get("query").cloned().unwrap_or_default();
    let year = q.get("year").cloned().unwrap_or_else(|| "1994".into());
    let tweaks = shared.tweaks.lock().unwrap().clone();
    if tweaks.tmdb_search_endless {
        // A body that never ends, as fast as the socket takes it.
        let chunk = axum::body::Bytes::from("{\"id\":1,\"title\":\"x\"},".repeat(4096));
        let start = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"results\":["))
        });
        let rest = futures_util::stream::repeat_with(move || Ok(chunk.clone()));
        use futures_util::StreamExt;
        return (
            [(header::CONTENT_TYPE, "application/json")],
            axum::body::Body::from_stream(start.chain(rest)),
        )
            .into_response();
    }
    if let Some(n) = tweaks.tmdb_search_hits {
        let results: Vec<_> = (1..=n)
            .map(|id| json!({"id": 5_000_000 + id, "title": format!("{text} {id}")}))
            .collect();
        return json_response(
            StatusCode::OK,
            json!({"page": 1, "results": results, "total_pages": 1, "total_results": n}),
        );
    }
    let results: Vec<_> = (1..=2)
        .map(|n| {
            let title = if n == 1 {
                text.clone()
            } else {
                format!("{text} Returns")
            };
            tmdb_hit(&remember(&title), &title, &year)
        })
        .collect();
    json_response(
        StatusCode::OK,
        json!({"page": 1, "results": results, "total_pages": 1, "total_results": 2}),
    )
}

async fn tmdb_movie(
    State(shared): State<Shared>,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = tmdb_guard(&shared, &q, &headers).await {
        return r;
    }
    let imdb_id = format!("tt{id:07}");
    let Some(title) = titles().lock().unwrap().get(&imdb_id).cloned() else {
        return tmdb_not_found();
    };
    let mut answer = json!({
            "adult": false, "id": id, "imdb_id": imdb_id, "title": title, "original_title": title,
            "overview": format!("TMDB's overview of {title}."), "runtime": 142, "release_date": "1994-09-23",
            "poster_path": format!("/{imdb_id}.png"), "status": "Released", "tagline": "",
            "genres": [{"id": 18, "name": "Drama"}],
            "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
            "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
            "credits": {
                "cast": [
                    {"id": 504, "name": "Tim Robbins", "character": "Andy Dufresne", "order": 0},
                    {"id": 192, "name": "Morgan Freeman", "character": "Ellis Boyd 'Red' Redding", "order": 1}
                ],
                "crew": [
                    {"id": 4027, "name": "Frank Darabont", "job": "Director", "department": "Directing"},
                    {"id": 4027, "name": "Frank Darabont", "job": "Screenplay", "department": "Writing"},
                    {"id": 3027, "name": "Stephen King", "job": "Novel", "department": "Writing"}
                ]
            }
    });
    for (field, value) in &shared.tweaks.lock().unwrap().tmdb_movie {
        answer[field] = value.clone();
    }
    json_response(StatusCode::OK, answer)
}

/// A redirect to `to`, as an image host might send.
async fn redirect(Query(q): Query<HashMap<String, String>>) -> Response {
    let to = q.get("to").cloned().unwrap_or_default();
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// A poster-shaped PNG.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 120])
    });
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn image(State(shared): State<Shared>, Path(_file): Path<String>) -> Response {
    let mode = shared.modes.lock().unwrap().images;
    pause_if_slow(mode).await;
    if let Some(response) = fault(mode) {
        return response;
    }
    match mode {
        Mode::NotFound => (StatusCode::NOT_FOUND, "Not Found").into_response(),
        Mode::NotImage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><body>Access denied</body></html>",
        )
            .into_response(),
        _ => ([(header::CONTENT_TYPE, "image/png")], png(500, 750)).into_response(),
    }
}
