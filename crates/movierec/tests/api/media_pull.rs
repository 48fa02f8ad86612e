//! The history pull over HTTP: an administrator connects a local stand-in for Jellyfin or Plex
//! (speaking their JSON: `/System/Info`, `/Users`, `/Users/{id}/Items` paged by `StartIndex`;
//! `/identity`, `/library/sections`, `/library/sections/{key}/all` paged by
//! `X-Plex-Container-Start`), a user links their account, and the library is read: played
//! films become seen marks, Plex's ratings stars, and the films held feed "Watch tonight".

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery";
const NO_FIELDS: &[(&str, &str)] = &[];
const JELLYFIN_KEY: &str = "5c1f0e6b9a2d4c8e8f7a6b5c4d3e2f10";
const PLEX_TOKEN: &str = "owner-plex-token-xyz";
const BEN_PLEX_TOKEN: &str = "ben-plex-token-abc";
/// Ana's id on the Jellyfin stand-in.
const ANA_ID: &str = "5e8d2f6a4b3c4d1e9f0a1b2c3d4e5f60";

#[derive(Default)]
struct Library {
    /// Jellyfin's items, as `/Users/{id}/Items` lists them.
    jellyfin: Vec<Value>,
    /// Plex's sections: key, type, and the section's items.
    plex: Vec<(String, String, Vec<Value>)>,
    /// Every request: method, path and query.
    requests: Vec<String>,
    /// Authorization headers Jellyfin received.
    authorizations: Vec<String>,
}

#[derive(Clone, Default)]
struct Stub {
    address: String,
    shared: Arc<Mutex<Library>>,
}

impl Stub {
    async fn start() -> Stub {
        let shared = Arc::new(Mutex::new(Library::default()));
        let router = Router::new()
            .route("/System/Info", get(jellyfin_info))
            .route("/Users", get(jellyfin_users))
            .route("/Users/{id}/Items", get(jellyfin_items))
            .route("/identity", get(plex_identity))
            .route("/library/sections", get(plex_sections))
            .route("/library/sections/{key}/all", get(plex_all))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Stub { address, shared }
    }

    fn with(&self, change: impl FnOnce(&mut Library)) {
        change(&mut self.shared.lock().unwrap());
    }

    fn requests(&self, prefix: &str) -> usize {
        let library = self.shared.lock().unwrap();
        library
            .requests
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }
}

fn record(shared: &Mutex<Library>, path: &str, query: &HashMap<String, String>) {
    let mut query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    query.sort();
    shared
        .lock()
        .unwrap()
        .requests
        .push(format!("{path}?{}", query.join("&")));
}

/// Jellyfin reads the key from `Authorization: MediaBrowser …, Token="…"`.
fn jellyfin_allowed(shared: &Mutex<Library>, headers: &HeaderMap) -> bool {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let ok = header.starts_with("MediaBrowser ")
        && header.contains(&format!("Token=\"{JELLYFIN_KEY}\""));
    shared.lock().unwrap().authorizations.push(header);
    ok
}

async fn jellyfin_info(State(shared): State<Arc<Mutex<Library>>>, headers: HeaderMap) -> Response {
    record(&shared, "/System/Info", &HashMap::new());
    if !jellyfin_allowed(&shared, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(json!({
        "ServerName": "den", "Version": "10.10.3", "Id": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11",
        "OperatingSystem": "Linux", "ProductName": "Jellyfin Server"
    }))
    .into_response()
}

async fn jellyfin_users(State(shared): State<Arc<Mutex<Library>>>, headers: HeaderMap) -> Response {
    record(&shared, "/Users", &HashMap::new());
    if !jellyfin_allowed(&shared, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(json!([
        {"Name": "Ana", "ServerId": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11", "Id": ANA_ID,
         "HasPassword": true, "Policy": {"IsAdministrator": true}},
        {"Name": "kids", "ServerId": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11",
         "Id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "HasPassword": false}
    ]))
    .into_response()
}

async fn jellyfin_items(
    State(shared): State<Arc<Mutex<Library>>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    record(&shared, &format!("/Users/{id}/Items"), &query);
    if !jellyfin_allowed(&shared, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    assert_eq!(id, ANA_ID, "the linked user's id");
    assert_eq!(
        query.get("IncludeItemTypes").map(String::as_str),
        Some("Movie")
    );
    assert_eq!(
        query.get("EnableUserData").map(String::as_str),
        Some("true")
    );
    let start: usize = query["StartIndex"].parse().unwrap();
    let limit: usize = query["Limit"].parse().unwrap();
    let library = shared.lock().unwrap();
    let items: Vec<Value> = library
        .jellyfin
        .iter()
        .skip(start)
        .take(limit)
        .cloned()
        .collect();
    axum::Json(json!({
        "Items": items,
        "TotalRecordCount": library.jellyfin.len(),
        "StartIndex": start
    }))
    .into_response()
}

/// Plex answers JSON when asked with `Accept: application/json`, and only to a known token.
fn plex_allowed(headers: &HeaderMap) -> bool {
    let json = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let token = headers.get("x-plex-token").and_then(|v| v.to_str().ok());
    json && matches!(token, Some(PLEX_TOKEN | BEN_PLEX_TOKEN))
}

async fn plex_identity(State(shared): State<Arc<Mutex<Library>>>) -> Response {
    record(&shared, "/identity", &HashMap::new());
    axum::Json(json!({"MediaContainer": {
        "size": 0, "claimed": true,
        "machineIdentifier": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "version": "1.41.3.9314-a0bfb8370"
    }}))
    .into_response()
}

async fn plex_sections(State(shared): State<Arc<Mutex<Library>>>, headers: HeaderMap) -> Response {
    record(&shared, "/library/sections", &HashMap::new());
    if !plex_allowed(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let library = shared.lock().unwrap();
    let directories: Vec<Value> = library
        .plex
        .iter()
        .map(|(key, kind, _)| {
            json!({"allowSync": true, "art": format!("/:/resources/{kind}-fanart.jpg"),
                   "key": key, "type": kind, "title": format!("Section {key}"),
                   "agent": "tv.plex.agents.movie", "scanner": "Plex Movie",
                   "language": "en-US", "uuid": format!("uuid-{key}")})
        })
        .collect();
    axum::Json(json!({"MediaContainer": {
        "size": directories.len(), "allowSync": false, "title1": "Plex Library",
        "Directory": directories
    }}))
    .into_response()
}

async fn plex_all(
    State(shared): State<Arc<Mutex<Library>>>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    record(&shared, &format!("/library/sections/{key}/all"), &query);
    if !plex_allowed(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    assert_eq!(query.get("type").map(String::as_str), Some("1"));
    assert_eq!(query.get("includeGuids").map(String::as_str), Some("1"));
    let start: usize = query["X-Plex-Container-Start"].parse().unwrap();
    let size: usize = query["X-Plex-Container-Size"].parse().unwrap();
    let library = shared.lock().unwrap();
    let Some((_, _, items)) = library.plex.iter().find(|(k, _, _)| *k == key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let page: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let mut container = json!({
        "size": page.len(), "totalSize": items.len(), "offset": start,
        "librarySectionID": key.parse::<i64>().unwrap(), "viewGroup": "movie"
    });
    if !page.is_empty() {
        container["Metadata"] = Value::Array(page);
    }
    axum::Json(json!({ "MediaContainer": container })).into_response()
}

/// A Jellyfin movie item with the account's play state, as `Fields=ProviderIds` and
/// `EnableUserData=true` give it.
fn jellyfin_movie(i: usize, title: &str, year: u16, played: bool, favourite: bool) -> Value {
    json!({
        "Name": title, "ServerId": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11",
        "Id": format!("{i:032x}"), "PremiereDate": format!("{year}-06-01T00:00:00.0000000Z"),
        "ProductionYear": year, "IsFolder": false, "Type": "Movie",
        "ProviderIds": {},
        "UserData": {
            "PlaybackPositionTicks": 0, "PlayCount": u32::from(played),
            "IsFavorite": favourite, "Played": played, "Key": format!("{i}"),
            "LastPlayedDate": if played { json!("2026-11-30T20:15:00.0000000Z") } else { Value::Null }
        },
        "MediaType": "Video"
    })
}

/// A Plex movie item of a section listing, with `includeGuids=1`.
fn plex_movie(i: usize, title: &str, year: u16, views: u32, rating: Option<f64>) -> Value {
    let mut item = json!({
        "ratingKey": format!("{}", 1000 + i), "key": format!("/library/metadata/{}", 1000 + i),
        "guid": format!("plex://movie/5d7768{i:018x}"), "type": "movie", "title": title,
        "year": year, "addedAt": 1_700_000_000 + i, "Guid": []
    });
    if views > 0 {
        item["viewCount"] = json!(views);
        item["lastViewedAt"] = json!(1_764_530_000);
    }
    if let Some(rating) = rating {
        item["userRating"] = json!(rating);
        item["lastRatedAt"] = json!(1_764_530_100);
    }
    item
}

/// Catalog films whose title and year name one film only: the ones a library can be
/// matched to by title alone.
fn unique_catalog_films() -> Vec<(i64, String, u16)> {
    let catalog = movierec::catalog::embedded().unwrap();
    let mut count: HashMap<(String, u16), usize> = HashMap::new();
    for m in &catalog {
        *count.entry((m.title.to_lowercase(), m.year)).or_default() += 1;
    }
    catalog
        .into_iter()
        .filter(|m| count[&(m.title.to_lowercase(), m.year)] == 1)
        .map(|m| (i64::from(m.id), m.title, m.year))
        .collect()
}

impl TestApp {
    async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.database().await)
            .await
            .unwrap()
    }

    async fn ids(&self, sql: &str) -> HashSet<i64> {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_all(&self.database().await)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }

    async fn connect(&self, server: &str, url: &str, secret: &str) -> u16 {
        self.post_form(
            &format!("/admin/media/{server}"),
            &[("url", url), ("secret", secret)],
        )
        .await
        .status()
        .as_u16()
    }
}

/// Ana, the site's first account (an administrator), on a site connected to the stub.
async fn site_with(stub: &Stub, server: &str, secret: &str) -> TestApp {
    let app = spawn_app().await;
    app.register("ana", PASSWORD).await;
    assert_eq!(app.connect(server, &stub.address, secret).await, 303);
    app
}

#[tokio::test]
async fn a_jellyfin_library_of_2000_films_back_fills_in_one_run_and_again_changes_nothing() {
    let stub = Stub::start().await;
    let films = unique_catalog_films();
    assert!(films.len() > 2_001, "the catalog is large enough");
    let (listed, later) = (&films[..1_990], &films[1_990]);
    stub.with(|library| {
        for (i, (_, title, year)) in listed.iter().enumerate() {
            library
                .jellyfin
                .push(jellyfin_movie(i, title, *year, i % 7 == 0, i % 50 == 1));
        }
        // Ten the catalog does not know, half of them played.
        for i in 0..10 {
            library.jellyfin.push(jellyfin_movie(
                5_000 + i,
                &format!("A Film Nobody Catalogued {i}"),
                2019,
                i % 2 == 0,
                false,
            ));
        }
    });
    let app = spawn_app().await;
    app.register("ana", PASSWORD).await;

    // A wrong key is refused by the server, and nothing is stored.
    assert_eq!(app.connect("jellyfin", &stub.address, "wrong").await, 400);
    assert!(!app.get_html("/admin").await.contains("Connected to"));
    assert_eq!(
        app.connect("jellyfin", &stub.address, JELLYFIN_KEY).await,
        303
    );
    let admin = app.get_html("/admin").await;
    assert!(
        admin.contains(&format!("Connected to <code>{}", stub.address)),
        "{admin}"
    );
    assert!(!admin.contains(JELLYFIN_KEY), "the key is never shown back");
    assert!(admin.contains("••••2f10"));

    // A user name the server does not have is named in the error; nothing is linked.
    let response = app
        .post_form(
            "/account/media/jellyfin/link",
            &[("jellyfin_user", "nobody")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("no user named"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM media_links").await, 0);

    let response = app
        .post_form("/account/media/jellyfin/link", &[("jellyfin_user", "ana")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let in_library = app.ids("SELECT movie_id FROM library_movies").await;
    let expected: HashSet<i64> = listed.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(in_library, expected, "every catalogued film, none other");
    let played: HashSet<i64> = listed
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 == 0 || i % 50 == 1)
        .map(|(_, (id, _, _))| *id)
        .collect();
    assert_eq!(app.ids("SELECT movie_id FROM seen_movies").await, played);
    // Four pages of 500, each with the account's key in Jellyfin's header.
    assert_eq!(stub.requests(&format!("/Users/{ANA_ID}/Items")), 4);
    assert!(
        stub.shared
            .lock()
            .unwrap()
            .authorizations
            .iter()
            .all(|a| a.contains("Client=\"movierec\"") && a.contains("DeviceId="))
    );
    // The played films the catalog does not know are listed for a hand match.
    let page = app.get_html("/account").await;
    assert!(page.contains("1990 found in the catalog"), "{page}");
    assert!(page.contains("5 played films not matched"), "{page}");
    let reports = app.scalar("SELECT COUNT(*) FROM history_imports").await;
    assert_eq!(reports, 1);
    let report = app.scalar("SELECT id FROM history_imports").await;
    assert!(
        page.contains(&format!("/my/import/{report}#unmatched")),
        "{page}"
    );
    let unmatched = app.get_html(&format!("/my/import/{report}")).await;
    assert!(
        unmatched.contains("A Film Nobody Catalogued 0"),
        "{unmatched}"
    );
    assert!(unmatched.contains("A Film Nobody Catalogued 4"));

    // Again: nothing new, nothing changed, no new report.
    let response = app
        .post_form("/account/media/jellyfin/sync", NO_FIELDS)
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        app.ids("SELECT movie_id FROM library_movies").await,
        expected
    );
    assert_eq!(app.ids("SELECT movie_id FROM seen_movies").await, played);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM history_imports").await,
        reports
    );

    // A film added (and played) on the server appears with the next sync.
    stub.with(|library| {
        library
            .jellyfin
            .push(jellyfin_movie(9_999, &later.1, later.2, true, false))
    });
    app.post_form("/account/media/jellyfin/sync", NO_FIELDS)
        .await;
    let in_library = app.ids("SELECT movie_id FROM library_movies").await;
    assert!(in_library.contains(&later.0));
    assert_eq!(in_library.len(), expected.len() + 1);
    assert!(
        app.ids("SELECT movie_id FROM seen_movies")
            .await
            .contains(&later.0)
    );
    assert!(app.get_html("/account").await.contains("1 new"));
}

#[tokio::test]
async fn a_plex_server_with_three_film_sections_back_fills_and_its_ratings_become_stars() {
    let stub = Stub::start().await;
    let films = unique_catalog_films();
    let sections: Vec<&[(i64, String, u16)]> =
        vec![&films[0..300], &films[300..650], &films[650..700]];
    stub.with(|library| {
        for (s, section) in sections.iter().enumerate() {
            let items = section
                .iter()
                .enumerate()
                .map(|(i, (_, title, year))| {
                    let rating = (i % 40 == 3).then_some(8.0);
                    plex_movie(s * 1_000 + i, title, *year, u32::from(i % 5 == 0), rating)
                })
                .collect();
            library
                .plex
                .push(((s + 1).to_string(), "movie".into(), items));
        }
        // A shows section is not read.
        library.plex.push(("9".into(), "show".into(), Vec::new()));
    });
    let app = site_with(&stub, "plex", PLEX_TOKEN).await;
    let response = app
        .post_form("/account/media/plex/link", &[("plex_token", "")])
        .await;
    assert_eq!(response.status().as_u16(), 303);

    let all: HashSet<i64> = films[..700].iter().map(|(id, _, _)| *id).collect();
    assert_eq!(app.ids("SELECT movie_id FROM library_movies").await, all);
    assert_eq!(
        stub.requests("/library/sections/9/"),
        0,
        "shows are not listed"
    );
    // A rating of 8 is four stars; a rated film was watched.
    let rated: HashSet<i64> = sections
        .iter()
        .flat_map(|s| s.iter().enumerate().filter(|(i, _)| i % 40 == 3))
        .map(|(_, (id, _, _))| *id)
        .collect();
    assert_eq!(app.ids("SELECT r.movie_id FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.username = 'ana'").await, rated);
    for id in &rated {
        assert_eq!(app.my_rating(*id as u32).await.as_deref(), Some("4"));
    }
    let seen_before = app.scalar("SELECT COUNT(*) FROM seen_movies").await;
    assert_eq!(
        seen_before,
        sections
            .iter()
            .map(|s| s.iter().enumerate().filter(|(i, _)| i % 5 == 0).count() as i64)
            .sum::<i64>()
    );

    // Idempotent, and a rating given here is never overwritten by the server's.
    let first = *rated.iter().next().unwrap();
    app.rate(first as u32, "2.5").await;
    app.post_form("/account/media/plex/sync", NO_FIELDS).await;
    assert_eq!(app.my_rating(first as u32).await.as_deref(), Some("2.5"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM seen_movies").await,
        seen_before
    );
    assert_eq!(app.ids("SELECT movie_id FROM library_movies").await, all);

    // A user who is not an administrator links with their own token only.
    app.logout().await;
    app.register("ben", PASSWORD).await;
    let response = app
        .post_form("/account/media/plex/link", &[("plex_token", "")])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("plex_token"));
    let response = app
        .post_form("/account/media/plex/link", &[("plex_token", "not-a-token")])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let response = app
        .post_form(
            "/account/media/plex/link",
            &[("plex_token", BEN_PLEX_TOKEN)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT user_id) FROM library_movies")
            .await,
        2
    );
}

#[tokio::test]
async fn watch_tonight_lists_only_films_of_the_library_that_are_not_seen() {
    let stub = Stub::start().await;
    let films = unique_catalog_films();
    let app = site_with(&stub, "jellyfin", JELLYFIN_KEY).await;
    // Raters who give the model something to learn about the first 40 films.
    for user in 0..6 {
        app.logout().await;
        app.register(&format!("rater{user}"), PASSWORD).await;
        for (i, (id, _, _)) in films[..40].iter().enumerate() {
            let stars = if (i + user) % 3 == 0 { "2" } else { "4.5" };
            app.rate(*id as u32, stars).await;
        }
    }
    app.logout().await;
    app.login("ana", PASSWORD).await;
    for (id, _, _) in &films[..5] {
        app.rate(*id as u32, "5").await;
    }
    // The library: ten films of the forty (one of them played), and nothing else.
    stub.with(|library| {
        for (i, (_, title, year)) in films[20..30].iter().enumerate() {
            library
                .jellyfin
                .push(jellyfin_movie(i, title, *year, i == 0, false));
        }
    });
    app.post_form("/account/media/jellyfin/link", &[("jellyfin_user", "Ana")])
        .await;
    app.train().await;

    let tonight: Vec<Value> = app
        .get("/api/v1/recommendations?library=only&n=50")
        .await
        .json()
        .await
        .unwrap();
    let library: HashSet<i64> = films[21..30].iter().map(|(id, _, _)| *id).collect();
    let listed: HashSet<i64> = tonight
        .iter()
        .map(|r| r["movie_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        listed, library,
        "the library's films not yet seen, no other"
    );
    assert!(tonight.iter().all(|r| r["in_library"] == true));
    assert!(
        tonight.iter().all(|r| r["source"] == "model"),
        "{tonight:?}"
    );
    assert!(tonight.iter().all(|r| r["predicted_rating"].is_number()));
    // The user's ordinary picks are not limited to the library.
    let everywhere: Vec<Value> = app
        .get("/api/v1/recommendations?n=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(everywhere.iter().any(|r| r["in_library"] == false));

    // The home page shows them, marked, and marks them in the other picks too.
    let home = app.get_html("/").await;
    assert!(home.contains("Watch tonight"), "{home}");
    assert!(home.contains("In your library"));
    let held = films[25].0;
    assert!(
        app.get_html(&format!("/movies/{held}"))
            .await
            .contains("In your library")
    );
    assert!(
        !app.get_html(&format!("/movies/{}", films[35].0))
            .await
            .contains("In your library")
    );
    let response = app.get("/api/v1/recommendations?library=some").await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn the_periodic_sync_reads_every_linked_library_by_itself() {
    let stub = Stub::start().await;
    let films = unique_catalog_films();
    stub.with(|library| {
        let (_, title, year) = &films[0];
        library
            .jellyfin
            .push(jellyfin_movie(0, title, *year, false, false));
    });
    let app = crate::helpers::spawn_app_with(|config| {
        config.media_servers.sync_every = Some(std::time::Duration::from_millis(300));
    })
    .await;
    app.register("ana", PASSWORD).await;
    assert_eq!(
        app.connect("jellyfin", &stub.address, JELLYFIN_KEY).await,
        303
    );
    app.post_form("/account/media/jellyfin/link", &[("jellyfin_user", "Ana")])
        .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM library_movies").await, 1);

    // Played on the server, with no webhook: the next round of the job finds it.
    let (id, title, year) = films[1].clone();
    stub.with(|library| {
        library
            .jellyfin
            .push(jellyfin_movie(1, &title, year, true, false))
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !app
        .ids("SELECT movie_id FROM seen_movies")
        .await
        .contains(&id)
    {
        assert!(std::time::Instant::now() < deadline, "the job did not sync");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM library_movies").await, 2);
}
