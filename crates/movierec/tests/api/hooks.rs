//! Media servers' webhooks over HTTP: Jellyfin's plugin (Send All Properties, and a user's own
//! template), Plex's multipart webhooks and Emby's form and JSON notifications, in the shapes
//! the servers send.

use serde_json::{Value, json};

use crate::helpers::{TestApp, catalog_ids, spawn_app};

const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// The user's three webhook URLs from the API.
    async fn hook_urls(&self) -> Value {
        let response = self.get("/api/v1/me/hooks").await;
        assert_eq!(response.status().as_u16(), 200);
        response.json().await.unwrap()
    }

    /// Posts a webhook as a media server does: no cookie, no browser headers.
    async fn hook(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(url)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Posts a webhook and checks the answer's status and outcome.
    async fn expect_hook(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        expected: (u16, &str),
    ) {
        let (status, reply) = self.hook(url, content_type, body).await;
        assert_eq!(
            (status, reply["outcome"].as_str()),
            (expected.0, Some(expected.1)),
            "{reply}"
        );
    }

    async fn recommended(&self) -> Vec<i64> {
        let response = self.get("/api/v1/recommendations?n=100").await;
        assert_eq!(response.status().as_u16(), 200);
        let list: Vec<Value> = response.json().await.unwrap();
        list.iter()
            .map(|r| r["movie_id"].as_i64().unwrap())
            .collect()
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.database().await)
            .await
            .unwrap()
    }
}

/// A catalog film's title and year.
fn film(id: i64) -> (String, u16) {
    let m = movierec::catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|m| i64::from(m.id) == id)
        .unwrap();
    (m.title, m.year)
}

/// A new user with a few ratings, so they get recommendations.
async fn viewer() -> TestApp {
    let app = spawn_app().await;
    app.register("ana", PASSWORD).await;
    for id in catalog_ids(3) {
        app.rate(id, "5").await;
    }
    app
}

/// Jellyfin's "Send All Properties" for a film played to the end (a few keys left out).
fn jellyfin_stop(title: &str, year: u16, item_type: &str) -> String {
    json!({
        "ServerId": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11", "ServerName": "den",
        "ServerVersion": "10.10.3", "NotificationType": "PlaybackStop",
        "UtcTimestamp": "2026-12-07T18:02:11.5512345Z", "Name": title,
        "ItemId": "2b1f3ad8e7c64e0cb1a3c5d7e9f1a2b3", "ItemType": item_type, "Year": year,
        "RunTimeTicks": 81_720_000_000_i64, "PlaybackPositionTicks": 81_700_000_000_i64,
        "IsPaused": false, "DeviceName": "Living room", "ClientName": "Jellyfin Web",
        "NotificationUsername": "ana", "UserId": "5e8d2f6a4b3c4d1e9f0a1b2c3d4e5f60",
        "PlayedToCompletion": true
    })
    .to_string()
}

#[tokio::test]
async fn a_jellyfin_play_to_the_end_marks_the_film_seen_and_it_leaves_the_recommendations() {
    let app = viewer().await;
    let urls = app.hook_urls().await;
    let url = urls["jellyfin"].as_str().unwrap();
    assert!(
        url.starts_with(&app.address) && url.contains("/hooks/jellyfin/"),
        "{urls}"
    );
    let pick = app.recommended().await[0];
    let (title, year) = film(pick);

    app.expect_hook(
        url,
        "application/json",
        jellyfin_stop(&title, year, "Movie"),
        (200, "applied"),
    )
    .await;
    assert!(!app.recommended().await.contains(&pick));
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 1);

    // The same event again changes nothing, and is not logged twice.
    app.expect_hook(
        url,
        "application/json",
        jellyfin_stop(&title, year, "Movie"),
        (200, "unchanged"),
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM media_events").await, 1);
    let page = app.get_html("/account").await;
    assert!(
        page.contains(&format!("Seen via Jellyfin: {title} ({year})")),
        "{page}"
    );
    assert!(page.contains("just now"));
}

#[tokio::test]
async fn toggling_played_in_a_jellyfin_template_marks_and_unmarks_the_film() {
    let app = viewer().await;
    let url = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    let (title, year) = film(app.recommended().await[0]);
    // A user's own template: every value quoted, booleans as .NET writes them, sent as text.
    let toggled = |played: &str| {
        format!(
            r#"{{"NotificationType": "UserDataSaved", "SaveReason": "TogglePlayed", "ItemType": "Movie",
                "Name": "{title}", "Year": "{year}", "Played": "{played}", "NotificationUsername": "ana"}}"#
        )
    };
    let (status, _) = app
        .hook(&url, "text/plain; charset=utf-8", toggled("True"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 1);
    app.expect_hook(
        &url,
        "text/plain; charset=utf-8",
        toggled("False"),
        (200, "applied"),
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 0);
}

/// Plex's webhook: a multipart form with the JSON in `payload` and a thumbnail beside it.
fn plex_multipart(payload: &Value) -> (String, Vec<u8>) {
    let boundary = "------------------------5c0ffee0d15ea5e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload\"\r\nContent-Type: application/json\r\n\r\n{payload}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"thumb\"; filename=\"image.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9,
    ]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn plex_event(event: &str, title: &str, year: u16, rating: Option<f64>) -> Value {
    let mut payload = json!({
        "event": event, "user": true, "owner": true,
        "Account": {"id": 1, "thumb": "https://plex.tv/users/1a2b/avatar?c=1", "title": "ana"},
        "Server": {"title": "den", "uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"},
        "Player": {"local": true, "publicAddress": "203.0.113.7", "title": "Living room", "uuid": "x1y2z3"},
        "Metadata": {
            "librarySectionType": "movie", "ratingKey": "4821", "key": "/library/metadata/4821",
            "guid": "plex://movie/5d7768275af944001f1f6c49", "type": "movie", "title": title,
            "year": year, "viewCount": 1, "lastViewedAt": 1_796_666_531
        }
    });
    if let Some(r) = rating {
        payload["rating"] = json!(r);
    }
    payload
}

#[tokio::test]
async fn a_plex_scrobble_marks_seen_and_a_rating_of_8_is_4_stars_at_once() {
    let app = viewer().await;
    let url = app.hook_urls().await["plex"].as_str().unwrap().to_owned();
    let picks = app.recommended().await;
    let (seen_title, seen_year) = film(picks[0]);
    let (content_type, body) =
        plex_multipart(&plex_event("media.scrobble", &seen_title, seen_year, None));
    app.expect_hook(&url, &content_type, body, (200, "applied"))
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM seen_movies WHERE watched_at = 1796666531")
            .await,
        1
    );

    let rated = picks[1];
    let (title, year) = film(rated);
    let (content_type, body) = plex_multipart(&plex_event("media.rate", &title, year, Some(8.0)));
    let (status, _) = app.hook(&url, &content_type, body).await;
    assert_eq!(status, 200);
    assert_eq!(app.my_rating(rated as u32).await.as_deref(), Some("4"));
    assert!(
        !app.recommended().await.contains(&rated),
        "rated films leave the picks at once"
    );
    // -1 removes the rating.
    let (content_type, body) = plex_multipart(&plex_event("media.rate", &title, year, Some(-1.0)));
    assert_eq!(app.hook(&url, &content_type, body).await.0, 200);
    assert_eq!(app.my_rating(rated as u32).await, None);
}

fn emby_event(event: &str, title: &str, year: u16) -> Value {
    json!({
        "Title": format!("ana has finished playing {title}"), "Date": "2026-12-07T18:02:11.0000000Z",
        "Event": event, "Severity": "Info",
        "User": {"Name": "ana", "Id": "8e1d3c5b7a9f4e2d"},
        "Item": {"Name": title, "Id": "41", "Type": "Movie", "ProductionYear": year, "ProviderIds": {}},
        "Server": {"Name": "den", "Id": "a1b2c3", "Version": "4.8.10.0"},
        "PlaybackInfo": {"PlayedToCompletion": true, "PositionTicks": 81_700_000_000_i64}
    })
}

#[tokio::test]
async fn emby_sends_a_form_with_data_or_json_and_both_are_read() {
    let app = viewer().await;
    let url = app.hook_urls().await["emby"].as_str().unwrap().to_owned();
    let (title, year) = film(app.recommended().await[0]);
    // Emby 4.8: a form whose `data` field holds the JSON.
    let form = serde_urlencoded_form(&[(
        "data",
        &emby_event("playback.stop", &title, year).to_string(),
    )]);
    app.expect_hook(
        &url,
        "application/x-www-form-urlencoded",
        form,
        (200, "applied"),
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 1);
    // Emby 4.9: JSON.
    let unplayed = emby_event("item.markunplayed", &title, year).to_string();
    let (status, _) = app.hook(&url, "application/json", unplayed).await;
    assert_eq!(status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 0);
}

/// `application/x-www-form-urlencoded` of `fields`.
fn serde_urlencoded_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn an_episode_a_bad_token_and_a_malformed_body_change_nothing() {
    let app = viewer().await;
    let url = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    let (title, year) = film(app.recommended().await[0]);

    app.expect_hook(
        &url,
        "application/json",
        jellyfin_stop(&title, year, "Episode"),
        (200, "ignored"),
    )
    .await;

    let wrong = format!("{}0", url.trim_end_matches(|c: char| c.is_ascii_hexdigit()));
    let (status, body) = app
        .hook(
            &wrong,
            "application/json",
            jellyfin_stop(&title, year, "Movie"),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found", "{body}");
    let unknown_server = url.replace("/jellyfin/", "/kodi/");
    assert_eq!(
        app.hook(&unknown_server, "application/json", "{}").await.0,
        404
    );

    let (status, body) = app
        .hook(
            &url,
            "application/json",
            r#"{"NotificationType": "PlaybackStop""#,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Jellyfin"),
        "{body}"
    );
    let (status, _) = app
        .hook(&url, "application/json", "x".repeat(3 * 1024 * 1024))
        .await;
    assert_eq!(status, 413);

    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM media_events").await, 0);
}

#[tokio::test]
async fn a_film_the_catalog_does_not_know_is_pending_once_and_listed() {
    let app = viewer().await;
    let url = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        let (status, body) = app
            .hook(
                &url,
                "application/json",
                jellyfin_stop("A Film Nobody Has Heard Of", 2031, "Movie"),
            )
            .await;
        assert!(status == 202 || status == 200, "{body}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media_events WHERE movie_id IS NULL")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM seen_movies").await, 0);
    let page = app.get_html("/account").await;
    assert!(page.contains("Not found in the catalog"), "{page}");
    assert!(page.contains("A Film Nobody Has Heard Of (2031)"), "{page}");

    // Matched by hand on the Connections page: applied at once, and remembered.
    let id: i64 = app
        .count("SELECT id FROM media_events WHERE movie_id IS NULL")
        .await;
    assert!(
        page.contains(&format!("/account/hooks/pending/{id}\"")),
        "{page}"
    );
    let target = catalog_ids(20)[19];
    let (title, _) = film(i64::from(target));
    let search = app
        .get_html(&format!("/account/hooks/pending/{id}?q={}", enc(&title)))
        .await;
    assert!(
        search.contains(&format!("name=\"movie_id\" value=\"{target}\"")),
        "{search}"
    );
    let response = app
        .post_form(
            &format!("/account/hooks/pending/{id}/match"),
            &[("movie_id", target.to_string().as_str())],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        app.count("SELECT movie_id FROM seen_movies").await,
        i64::from(target)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media_events WHERE movie_id IS NULL")
            .await,
        0
    );
    app.expect_hook(
        &url,
        "application/json",
        jellyfin_stop("A Film Nobody Has Heard Of", 2031, "Movie"),
        (200, "unchanged"),
    )
    .await;
    // Someone else's pending film, or none, is no page.
    assert_eq!(
        app.get(&format!("/account/hooks/pending/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get("/account/hooks/pending/x").await.status().as_u16(),
        404
    );
}

#[tokio::test]
async fn new_urls_stop_the_old_ones_and_belong_to_their_user_only() {
    let app = viewer().await;
    let old = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app.post_form("/account/hooks", &[("", "")]).await;
    assert_eq!(response.status().as_u16(), 303);
    let new = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(old, new);
    let (title, year) = film(app.recommended().await[0]);
    assert_eq!(
        app.hook(
            &old,
            "application/json",
            jellyfin_stop(&title, year, "Movie")
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.hook(
            &new,
            "application/json",
            jellyfin_stop(&title, year, "Movie")
        )
        .await
        .0,
        200
    );
    // Logged out, the URLs are not shown.
    app.logout().await;
    assert_eq!(app.get("/api/v1/me/hooks").await.status().as_u16(), 401);
}

/// A Plex shared user's play, and a Jellyfin or Emby play of another user of the server,
/// count only when the viewer says so on the Connections section.
#[tokio::test]
async fn shared_users_and_other_accounts_count_only_when_chosen() {
    let app = viewer().await;
    let urls = app.hook_urls().await;
    let (plex, jellyfin) = (
        urls["plex"].as_str().unwrap().to_owned(),
        urls["jellyfin"].as_str().unwrap().to_owned(),
    );
    let picks = app.recommended().await;

    // Plex's "user": false is a play of someone the owner shares the server with.
    let (title, year) = film(picks[0]);
    let mut shared = plex_event("media.scrobble", &title, year, None);
    shared["user"] = json!(false);
    shared["Account"]["title"] = json!("ben");
    let (content_type, body) = plex_multipart(&shared);
    app.expect_hook(&plex, &content_type, body.clone(), (200, "ignored"))
        .await;
    let response = app
        .post_form(
            "/account/hooks/options",
            &[("shared_users", "on"), ("account", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = app.get_html(&location).await;
    assert!(page.contains("media-server settings are saved"), "{page}");
    assert!(page.contains("value=\"on\" checked"), "{page}");
    app.expect_hook(&plex, &content_type, body, (200, "applied"))
        .await;

    // One account of the server: names as people type them; the box unticked is off again.
    let response = app
        .post_form("/account/hooks/options", &[("account", "  ANA ")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let page = app.get_html("/account").await;
    assert!(page.contains("value=\"ANA\""), "{page}");
    assert!(!page.contains("value=\"on\" checked"), "{page}");
    let (title, year) = film(picks[1]);
    let play = |user: &str| {
        let mut event: Value = serde_json::from_str(&jellyfin_stop(&title, year, "Movie")).unwrap();
        event["NotificationUsername"] = json!(user);
        event.to_string()
    };
    app.expect_hook(&jellyfin, "application/json", play("ben"), (200, "ignored"))
        .await;
    app.expect_hook(&jellyfin, "application/json", play("ana"), (200, "applied"))
        .await;

    // A name no server has is refused, naming the field, and the saved one stays.
    let long = "x".repeat(101);
    let response = app
        .post_form("/account/hooks/options", &[("account", long.as_str())])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("account: at most 100 characters")
    );
    assert!(app.get_html("/account").await.contains("value=\"ANA\""));
}

#[tokio::test]
async fn a_film_the_catalog_does_not_know_is_added_by_its_tmdb_id_when_a_key_is_set() {
    use crate::provider_stub::{Mode, Stub, remember, tmdb_id_of};
    let stub = Stub::start().await;
    let app = crate::helpers::spawn_app_with(|config| stub.apply(config)).await;
    app.register("ana", PASSWORD).await;
    let url = app.hook_urls().await["jellyfin"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_tmdb = |title: &str| {
        let mut event: Value = serde_json::from_str(&jellyfin_stop(title, 2031, "Movie")).unwrap();
        event["Provider_tmdb"] = json!(tmdb_id_of(&remember(title)).to_string());
        event.to_string()
    };

    let title = "A Film Only TMDB Knows";
    app.expect_hook(&url, "application/json", with_tmdb(title), (200, "applied"))
        .await;
    let added: i64 = sqlx::query_scalar("SELECT id FROM movies WHERE tmdb_id = $1")
        .bind(tmdb_id_of(&remember(title)))
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    let seen: i64 = app.count("SELECT movie_id FROM seen_movies").await;
    assert_eq!(seen, added);
    // The search finds it at once, and the same event again finds it in the catalog.
    let search = app.get_html("/search?q=only+tmdb+knows").await;
    assert!(search.contains(&format!("/movies/{added}\"")), "{search}");
    app.expect_hook(
        &url,
        "application/json",
        with_tmdb(title),
        (200, "unchanged"),
    )
    .await;
    assert_eq!(stub.count("/tmdb/3/movie/"), 1);

    // With TMDB down the film waits for a match, and the webhook is still taken.
    stub.set(|modes| modes.tmdb = Mode::ServerError);
    app.expect_hook(
        &url,
        "application/json",
        with_tmdb("Another Film Only TMDB Knows"),
        (202, "pending"),
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media_events WHERE movie_id IS NULL")
            .await,
        1
    );
}
