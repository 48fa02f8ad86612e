//! A viewer's history imported from IMDb, Letterboxd, Trakt and Netflix, and exported, over
//! HTTP: the API, the import pages, and the command line. Every fixture is written here in
//! the service's exact format.

use std::io::{Cursor, Write};

use reqwest::Response;
use serde_json::Value;

use crate::helpers::{TestApp, assert_redirects_to, spawn_app};

const PASSWORD: &str = "correct horse battery";

// Catalog movies the fixtures name (ids of the embedded catalog).
const MATRIX: i64 = 2674;
const ALIEN: i64 = 128;
const INCEPTION: i64 = 1209;
const TITANIC: i64 = 2956;
const PULP_FICTION: i64 = 1852;
const FARGO: i64 = 830;
const GODFATHER: i64 = 2522;
const CROUCHING_TIGER: i64 = 575;
const CASINO_ROYALE_1967: i64 = 444;
const CASINO_ROYALE_2006: i64 = 445;
const CACHE: i64 = 427;

/// A `multipart/form-data` body with the file in field `file`, and its content type.
pub fn multipart(file_name: &str, bytes: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----movierec-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

impl TestApp {
    /// `POST /api/v1/me/imports` with `query` (e.g. `dry_run=true`).
    pub async fn upload_history(&self, query: &str, name: &str, bytes: &[u8]) -> Response {
        let (content_type, body) = multipart(name, bytes, &[]);
        self.client
            .post(self.url(&format!("/api/v1/me/imports?{query}")))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// An upload that must succeed; its report.
    pub async fn import_history(&self, query: &str, name: &str, bytes: &[u8]) -> Value {
        let response = self.upload_history(query, name, bytes).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn export(&self, format: &str) -> String {
        let response = self
            .get(&format!("/api/v1/me/export?format={format}"))
            .await;
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.unwrap()
    }

    /// movie id → stars, of the logged-in user.
    async fn my_ratings(&self) -> Vec<(i64, f64)> {
        let db = self.database().await;
        let mut rows: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT r.movie_id, r.rating FROM ratings r JOIN users u ON u.id = r.user_id
             WHERE u.kind = 'user' ORDER BY r.movie_id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        rows.sort_by_key(|r| r.0);
        rows
    }

    async fn ids_in(&self, table: &str) -> Vec<i64> {
        let db = self.database().await;
        sqlx::query_scalar(&format!("SELECT movie_id FROM {table} ORDER BY movie_id"))
            .fetch_all(&db)
            .await
            .unwrap()
    }
}

/// An app with one logged-in user and IMDb/TMDB ids on a few catalog movies.
async fn app_with_ids() -> TestApp {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let db = app.database().await;
    for (id, imdb, tmdb) in [
        (MATRIX, "tt0133093", Some(603)),
        (TITANIC, "tt0120338", None),
        (PULP_FICTION, "tt0110912", None),
        (INCEPTION, "tt1375666", None),
        (FARGO, "tt0116282", None),
        (GODFATHER, "tt0068646", None),
        (ALIEN, "tt0078748", Some(348)),
    ] {
        sqlx::query("UPDATE movies SET imdb_id = $2, tmdb_id = $3 WHERE id = $1")
            .bind(id)
            .bind(imdb)
            .bind(tmdb)
            .execute(&db)
            .await
            .unwrap();
    }
    app
}

fn counts(report: &Value) -> Vec<(&'static str, u64)> {
    [
        "rows",
        "skipped",
        "matched_by_imdb",
        "matched_by_tmdb",
        "matched_by_hand",
        "matched_by_title",
        "new",
        "changed",
        "unchanged",
        "seen",
        "watchlist",
        "unmatched",
        "conflicts",
    ]
    .into_iter()
    .map(|k| (k, report["counts"][k].as_u64().unwrap()))
    .filter(|(_, v)| *v > 0)
    .collect()
}

const IMDB_NEW: &str = "\u{feff}Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0133093,9,2023-05-01,The Matrix,The Matrix,https://www.imdb.com/title/tt0133093/,Movie,8.7,136,1999,\"Action, Sci-Fi\",2100000,1999-03-24,\"Lana Wachowski, Lilly Wachowski\"
tt0120338,6,2023-05-02,Titanic,Titanic,https://www.imdb.com/title/tt0120338/,Movie,7.9,194,1997,\"Drama, Romance\",1200000,1997-11-01,James Cameron
tt0903747,10,2023-05-03,Breaking Bad,Breaking Bad,https://www.imdb.com/title/tt0903747/,TV Series,9.5,49,2008,Drama,2000000,2008-01-20,
tt9999999,7,2023-05-04,\"Crouching Tiger, Hidden Dragon\",\"Wo hu cang long\",https://www.imdb.com/title/tt9999999/,Movie,7.9,120,2000,Action,300000,2000-07-06,Ang Lee
";

const IMDB_OLD: &str = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0110912,10,2019-12-31,Pulp Fiction,https://www.imdb.com/title/tt0110912/,movie,8.9,154,1994,\"Crime, Drama\",2000000,1994-10-14,Quentin Tarantino
tt0116282,3,2019-12-30,Fargo,https://www.imdb.com/title/tt0116282/,movie,8.1,98,1996,\"Crime, Thriller\",700000,1996-04-05,Joel Coen
tt0959621,7,2019-12-31,Pilot,https://www.imdb.com/title/tt0959621/,tvEpisode,8.0,58,2008,Drama,30000,2008-01-20,Vince Gilligan
";

#[tokio::test]
async fn imdb_exports_of_both_header_versions_match_by_id_and_skip_series() {
    let app = app_with_ids().await;

    let preview = app
        .import_history("dry_run=true", "ratings.csv", IMDB_NEW.as_bytes())
        .await;
    assert_eq!(preview["format"], "imdb_ratings");
    assert_eq!(preview["applied"], false);
    // The unknown IMDb id falls back to its title and year, quoted comma and all.
    assert_eq!(
        counts(&preview),
        [
            ("rows", 3),
            ("skipped", 1),
            ("matched_by_imdb", 2),
            ("matched_by_title", 1),
            ("new", 3)
        ]
    );
    assert!(
        app.my_ratings().await.is_empty(),
        "a dry run changes nothing"
    );

    let applied = app
        .import_history("", "ratings.csv", IMDB_NEW.as_bytes())
        .await;
    assert_eq!(applied["applied"], true);
    assert_eq!(counts(&applied), counts(&preview));
    assert_eq!(
        app.my_ratings().await,
        [(CROUCHING_TIGER, 3.5), (MATRIX, 4.5), (TITANIC, 3.0)]
    );

    let old = app
        .import_history("", "ratings.csv", IMDB_OLD.as_bytes())
        .await;
    assert_eq!(old["format"], "imdb_ratings");
    assert_eq!(
        counts(&old),
        [
            ("rows", 2),
            ("skipped", 1),
            ("matched_by_imdb", 2),
            ("new", 2)
        ]
    );
    assert!(app.my_ratings().await.contains(&(PULP_FICTION, 5.0)));
    assert!(app.my_ratings().await.contains(&(FARGO, 1.5)));
}

const LB_RATINGS: &str = "\u{feff}Date,Name,Year,Letterboxd URI,Rating
2024-01-05,\"Crouching Tiger, Hidden Dragon\",2000,https://boxd.it/1a,4.5
2024-01-06,Casino Royale,2006,https://boxd.it/2b,4
2024-01-06,Casino Royale,1967,https://boxd.it/2c,1.5
2024-01-07,Cache,2005,https://boxd.it/2d,3.5
2024-01-08,A Film Nobody Made,2011,https://boxd.it/2e,2
";
const LB_WATCHED: &str = "\u{feff}Date,Name,Year,Letterboxd URI
2024-01-05,\"Crouching Tiger, Hidden Dragon\",2000,https://boxd.it/1a
2024-01-09,Alien,1979,https://boxd.it/3c
";
const LB_WATCHLIST: &str = "\u{feff}Date,Name,Year,Letterboxd URI
2024-01-10,Inception,2010,https://boxd.it/4d
";
const LB_DIARY: &str = "\u{feff}Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2024-01-05,\"Crouching Tiger, Hidden Dragon\",2000,https://boxd.it/1a,4.5,,,2024-01-04
";

pub fn letterboxd_zip() -> Vec<u8> {
    zip_of(&[
        ("profile.csv", b"Date Joined,Username\n2020-01-01,ann\n"),
        ("ratings.csv", LB_RATINGS.as_bytes()),
        ("watched.csv", LB_WATCHED.as_bytes()),
        ("watchlist.csv", LB_WATCHLIST.as_bytes()),
        ("diary.csv", LB_DIARY.as_bytes()),
    ])
}

#[tokio::test]
async fn a_letterboxd_export_is_matched_by_title_and_year_and_reimporting_changes_nothing() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let before = app.get("/api/v1/recommendations?n=100").await;
    let before: Vec<Value> = before.json().await.unwrap();
    assert!(
        before.iter().any(|r| r["movie_id"] == ALIEN),
        "Alien is recommended before it is marked seen"
    );

    let report = app
        .import_history("", "letterboxd-ann-2024.zip", &letterboxd_zip())
        .await;
    assert_eq!(report["format"], "letterboxd");
    assert_eq!(
        counts(&report),
        [
            ("rows", 9),
            ("matched_by_title", 8),
            ("new", 4),
            ("seen", 1),
            ("watchlist", 1),
            ("unmatched", 1),
        ]
    );
    let unmatched = report["unmatched"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["title"], "A Film Nobody Made");
    assert_eq!(unmatched[0]["file"], "ratings.csv");
    assert_eq!(unmatched[0]["line"], 6);
    // Each Casino Royale gets its own year's rating; "Cache" is "Caché".
    assert_eq!(
        app.my_ratings().await,
        [
            (CACHE, 3.5),
            (CASINO_ROYALE_1967, 1.5),
            (CASINO_ROYALE_2006, 4.0),
            (CROUCHING_TIGER, 4.5)
        ]
    );
    assert_eq!(app.ids_in("seen_movies").await, [ALIEN]);
    assert_eq!(app.ids_in("watchlist").await, [INCEPTION]);

    // Seen films are never recommended again.
    let after: Vec<Value> = app
        .get("/api/v1/recommendations?n=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(!after.iter().any(|r| r["movie_id"] == ALIEN));

    let export = app.export("json").await;
    let again = app
        .import_history("", "letterboxd-ann-2024.zip", &letterboxd_zip())
        .await;
    assert_eq!(
        counts(&again),
        [
            ("rows", 9),
            ("matched_by_title", 8),
            ("unchanged", 6),
            ("unmatched", 1)
        ]
    );
    assert_eq!(app.export("json").await, export, "nothing changed");
}

#[tokio::test]
async fn a_film_rated_twice_in_one_file_takes_its_latest_dated_rating() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    // Alien's later rating comes first in the file, Fargo's last: the date decides, not the
    // row's place.
    let diary = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2024-05-01,Alien,1979,https://boxd.it/a1,2,Yes,,2024-05-01
2021-03-01,Alien,1979,https://boxd.it/a2,4.5,,,2021-03-01
2020-01-01,Fargo,1996,https://boxd.it/f1,1,,,2020-01-01
2023-07-01,Fargo,1996,https://boxd.it/f2,5,Yes,,2023-07-01
";
    let report = app.import_history("", "diary.csv", diary.as_bytes()).await;
    assert_eq!(report["counts"]["new"], 2, "{report}");
    assert_eq!(app.my_ratings().await, [(ALIEN, 2.0), (FARGO, 5.0)]);
}

#[tokio::test]
async fn conflicts_keep_mine_take_theirs_or_take_the_newest() {
    let app = app_with_ids().await;
    app.rate(MATRIX as u32, "2").await;
    app.rate(TITANIC as u32, "2").await;
    // The Matrix rated long ago in the file, Titanic in the future: newer than here.
    let file = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0133093,10,2001-01-01,The Matrix,https://www.imdb.com/title/tt0133093/,movie,8.7,136,1999,Action,1,1999-03-24,x
tt0120338,10,2099-01-01,Titanic,https://www.imdb.com/title/tt0120338/,movie,7.9,194,1997,Drama,1,1997-11-01,x
";
    let keep = app
        .import_history("conflicts=keep_mine", "ratings.csv", file.as_bytes())
        .await;
    assert_eq!(keep["counts"]["conflicts"], 2);
    assert_eq!(keep["counts"]["changed"], 0);
    assert_eq!(app.my_ratings().await, [(MATRIX, 2.0), (TITANIC, 2.0)]);

    let newest = app
        .import_history(
            "dry_run=true&conflicts=newest",
            "ratings.csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(newest["counts"]["changed"], 1);
    let taken: Vec<(i64, bool)> = newest["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["movie_id"].as_i64().unwrap(),
                c["taken"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(taken, [(MATRIX, false), (TITANIC, true)]);

    let theirs = app
        .import_history("conflicts=take_theirs", "ratings.csv", file.as_bytes())
        .await;
    assert_eq!(theirs["counts"]["changed"], 2);
    assert_eq!(app.my_ratings().await, [(MATRIX, 5.0), (TITANIC, 5.0)]);

    let bad = app
        .upload_history("conflicts=mine", "ratings.csv", file.as_bytes())
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("conflicts: ")
    );
}

#[tokio::test]
async fn a_trakt_export_under_a_user_folder_matches_by_imdb_and_tmdb_ids() {
    let app = app_with_ids().await;
    let ratings = r#"[
  {"rated_at": "2015-03-01T10:20:30.000Z", "rating": 10, "type": "movie",
   "movie": {"title": "The Matrix", "year": 1999, "ids": {"trakt": 1, "imdb": "tt0133093", "tmdb": 603}}},
  {"rated_at": "2015-03-02T10:20:30.000Z", "rating": 7, "type": "movie",
   "movie": {"title": "Alien (renamed)", "year": 1979, "ids": {"trakt": 2, "imdb": null, "tmdb": 348}}}
]"#;
    let history = r#"[
  {"id": 1, "watched_at": "2020-01-01T20:00:00.000Z", "action": "scrobble", "type": "episode",
   "episode": {"season": 1, "number": 1}, "show": {"title": "Breaking Bad"}},
  {"id": 2, "watched_at": "2020-01-02T20:00:00.000Z", "action": "watch", "type": "movie",
   "movie": {"title": "The Godfather", "year": 1972, "ids": {"imdb": "tt0068646"}}}
]"#;
    let watchlist = r#"[{"rank": 1, "listed_at": "2021-05-05T00:00:00.000Z", "type": "movie",
  "movie": {"title": "Inception", "year": 2010, "ids": {"imdb": "tt1375666", "tmdb": 27205}}}]"#;
    let zip = zip_of(&[
        ("ann/ratings-movies.json", ratings.as_bytes()),
        ("ann/watched-history-1.json", history.as_bytes()),
        ("ann/lists-watchlist.json", watchlist.as_bytes()),
    ]);
    let report = app.import_history("", "trakt.zip", &zip).await;
    assert_eq!(report["format"], "trakt");
    assert_eq!(
        counts(&report),
        [
            ("rows", 4),
            ("skipped", 1),
            ("matched_by_imdb", 3),
            ("matched_by_tmdb", 1),
            ("new", 2),
            ("seen", 1),
            ("watchlist", 1)
        ]
    );
    assert_eq!(app.my_ratings().await, [(ALIEN, 3.5), (MATRIX, 5.0)]);
    assert_eq!(app.ids_in("seen_movies").await, [GODFATHER]);
    assert_eq!(app.ids_in("watchlist").await, [INCEPTION]);
}

#[tokio::test]
async fn netflix_history_marks_films_seen_and_skips_episodes_and_trailers() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let simple = "Title,Date
\"Breaking Bad: Season 1: Pilot\",1/20/23
\"Stranger Things: Stranger Things 2: Chapter One: MADMAX\",1/19/23
Titanic,12/5/22
Inception,1/2/23
";
    let report = app
        .import_history("", "NetflixViewingHistory.csv", simple.as_bytes())
        .await;
    assert_eq!(report["format"], "netflix");
    assert_eq!(
        counts(&report),
        [
            ("rows", 2),
            ("skipped", 2),
            ("matched_by_title", 2),
            ("seen", 2)
        ]
    );
    assert_eq!(app.ids_in("seen_movies").await, [INCEPTION, TITANIC]);
    assert!(app.my_ratings().await.is_empty(), "Netflix has no ratings");

    let activity = "Profile Name,Start Time,Duration,Attributes,Title,Supplemental Video Type,Device Type,Bookmark,Latest Bookmark,Country
Ann,2023-01-02 20:00:00,01:50:00,,Fargo,,TV,01:50:00,01:50:00,GB (United Kingdom)
Ann,2023-01-02 19:58:00,00:02:00,,Alien: Trailer,TRAILER,TV,00:02:00,00:02:00,GB (United Kingdom)
Ann,2023-01-03 20:00:00,00:45:00,,Dark: Season 1: Secrets,,TV,00:45:00,00:45:00,GB (United Kingdom)
";
    let report = app
        .import_history("", "ViewingActivity.csv", activity.as_bytes())
        .await;
    assert_eq!(
        counts(&report),
        [
            ("rows", 1),
            ("skipped", 2),
            ("matched_by_title", 1),
            ("seen", 1)
        ]
    );
    assert_eq!(app.ids_in("seen_movies").await, [FARGO, INCEPTION, TITANIC]);
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_reason_and_change_nothing() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let message = |body: Value| body["error"]["message"].as_str().unwrap().to_owned();

    // A malformed line among good ones: file and line, and nothing imported.
    let bad_line = LB_RATINGS.replace(",1967,https://boxd.it/2c,1.5", ",1967,https://boxd.it/2c,9");
    let zip = zip_of(&[("ratings.csv", bad_line.as_bytes())]);
    let response = app.upload_history("", "export.zip", &zip).await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        message(response.json().await.unwrap()),
        "file: ratings.csv:4: Rating: A rating is between 0.5 and 5 stars."
    );
    assert!(app.my_ratings().await.is_empty());

    // A zip bomb: 101 MB of one byte compress to about 100 KB.
    let bomb = zip_of(&[("ratings.csv", &vec![b'a'; 101 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024);
    let response = app.upload_history("", "bomb.zip", &bomb).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(message(response.json().await.unwrap()).contains("unpacks to more than 100 MB"));

    // Over 20 MB.
    let big = vec![b'x'; 20 * 1024 * 1024 + 1];
    let response = app.upload_history("", "big.csv", &big).await;
    assert_eq!(response.status().as_u16(), 413);
    assert!(message(response.json().await.unwrap()).contains("20 MB"));

    // Not a known format.
    let response = app.upload_history("", "notes.csv", b"a,b\n1,2\n").await;
    assert_eq!(response.status().as_u16(), 400);
    let text = message(response.json().await.unwrap());
    assert!(text.contains("unknown format; known formats are"), "{text}");
    assert!(
        text.contains("Letterboxd") && text.contains("Netflix"),
        "{text}"
    );

    // Other routes keep their small limit.
    let response = app
        .client
        .put(app.url(&format!("/api/v1/me/ratings/{MATRIX}")))
        .header("Content-Type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    assert!(app.my_ratings().await.is_empty());
    assert!(app.ids_in("seen_movies").await.is_empty());

    // Logged out: no import.
    app.logout().await;
    let response = app.upload_history("", "notes.csv", b"a,b\n1,2\n").await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn an_export_imports_back_exactly_as_csv_and_as_json() {
    let app = app_with_ids().await;
    app.import_history("", "letterboxd.zip", &letterboxd_zip())
        .await;
    app.import_history("", "ratings.csv", IMDB_OLD.as_bytes())
        .await;
    app.rate(GODFATHER as u32, "3.5").await;
    let csv = app.export("csv").await;
    assert!(csv.starts_with("imdbID,Title,Year,Rating,WatchedDate,Tags\n"));
    assert!(
        csv.contains("tt0110912,Pulp Fiction,1994,5,2019-12-31,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\"Crouching Tiger, Hidden Dragon\",2000,4.5,"),
        "{csv}"
    );
    assert!(csv.contains(",Inception,2010,,,watchlist\n"), "{csv}");
    assert!(csv.contains(",Alien,1979,,2024-01-09,\n"), "{csv}");
    // Rated here after it was marked seen: listed once, as a rating.
    app.rate(ALIEN as u32, "4").await;
    let csv = app.export("csv").await;
    let json = app.export("json").await;
    assert_eq!(csv.matches(",Alien,1979,").count(), 1, "{csv}");
    assert!(csv.contains(",Alien,1979,4,"), "{csv}");

    for (format, file, exported) in [("csv", "export.csv", &csv), ("json", "export.json", &json)] {
        app.logout().await;
        let other = format!("bob-{format}");
        app.register(&other, PASSWORD).await;
        let report = app.import_history("", file, exported.as_bytes()).await;
        assert_eq!(report["format"], "movierec");
        assert_eq!(report["counts"]["unmatched"], 0, "{report}");
        assert_eq!(&app.export(format).await, exported, "{format} round trip");
    }
}

#[tokio::test]
async fn the_import_pages_preview_apply_and_match_by_hand() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let html = app.get_html("/my/ratings").await;
    assert!(html.contains("href=\"/my/import\""));
    assert!(html.contains("/api/v1/me/export?format=csv"));
    let form = app.get_html("/my/import").await;
    assert!(form.contains("enctype=\"multipart/form-data\""));

    // A file that cannot be read comes back on the form with its reason.
    let (content_type, body) = multipart("notes.csv", b"a,b\n", &[("conflicts", "keep_mine")]);
    let response = app
        .client
        .post(app.url("/my/import"))
        .header("Origin", &app.address)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("unknown format"));

    let (content_type, body) = multipart("letterboxd.zip", &letterboxd_zip(), &[]);
    let response = app
        .client
        .post(app.url("/my/import"))
        .header("Origin", &app.address)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let report_path = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(report_path.starts_with("/my/import/"));
    let preview = app.get_html(&report_path).await;
    assert!(preview.contains("data-count=\"new\">4<"), "{preview}");
    assert!(preview.contains("A Film Nobody Made"));
    assert!(
        app.my_ratings().await.is_empty(),
        "previewing changes nothing"
    );

    let response = app
        .post_form(
            &format!("{report_path}/apply"),
            &[("conflicts", "take_theirs")],
        )
        .await;
    assert_redirects_to(&response, &report_path);
    assert_eq!(app.my_ratings().await.len(), 4);
    let again = app
        .post_form(
            &format!("{report_path}/apply"),
            &[("conflicts", "take_theirs")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409, "applied once only");

    // The unmatched row, searched for and matched to Titanic by hand.
    let search = app
        .get_html(&format!("{report_path}?row=0&q=titanic"))
        .await;
    assert!(search.contains("Match to Titanic"), "{search}");
    let response = app
        .post_form(
            &format!("{report_path}/match"),
            &[("row", "0"), ("movie_id", &TITANIC.to_string())],
        )
        .await;
    assert_redirects_to(&response, &report_path);
    assert!(app.my_ratings().await.contains(&(TITANIC, 2.0)));
    let report = app.get_html(&report_path).await;
    assert!(report.contains(&format!("href=\"/movies/{TITANIC}\">Matched")));

    // Remembered: the next import matches it without asking.
    let next = app
        .import_history("dry_run=true", "letterboxd.zip", &letterboxd_zip())
        .await;
    assert_eq!(next["counts"]["matched_by_hand"], 1);
    assert_eq!(next["counts"]["unmatched"], 0);
    assert_eq!(next["counts"]["new"], 0);
}

#[tokio::test]
async fn the_command_line_imports_a_users_file() {
    let app = app_with_ids().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ratings.csv");
    std::fs::write(&path, IMDB_OLD).unwrap();
    let file = path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let args: Vec<&str> = ["import", "user", "ANN", file]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        app.run_cli(&args)
    };
    let dry = run(&["--dry-run"]).await;
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let out = String::from_utf8(dry.stdout).unwrap();
    assert!(out.contains("dry run: nothing changed"), "{out}");
    assert!(out.contains("ratings: 2 new"), "{out}");
    assert!(app.my_ratings().await.is_empty());

    let real = run(&["--conflicts", "newest"]).await;
    assert!(
        real.status.success(),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert_eq!(app.my_ratings().await, [(FARGO, 1.5), (PULP_FICTION, 5.0)]);

    let nobody = app.run_cli(&["import", "user", "zed", file]).await;
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account named"));
}

#[tokio::test]
async fn the_csv_export_makes_formula_titles_text_and_reads_them_back() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let db = app.database().await;
    let titles = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
    ];
    let mut ids = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO movies (title, year, imdb_id) VALUES ($1, 2001, $2) RETURNING id",
        )
        .bind(title)
        .bind(format!("tt99000{i:02}"))
        .fetch_one(&db)
        .await
        .unwrap();
        ids.push(id);
        assert_eq!(app.rate(id as u32, "4").await.status().as_u16(), 303);
    }
    let csv = app.export("csv").await;
    for cell in [
        ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",2001,4,",
        ",'+cmd|' /C calc'!A0,2001,4,",
        ",'-2+3,2001,4,",
        ",'@SUM(A1),2001,4,",
    ] {
        assert!(csv.contains(cell), "{cell} in {csv}");
    }
    for line in csv.lines() {
        for bad in [",=", ",+", ",-", ",@", ",\"="] {
            assert!(!line.contains(bad), "{line}");
        }
    }

    // Imported back by someone else, every row finds its film again.
    app.logout().await;
    app.register("bob", PASSWORD).await;
    let report = app.import_history("", "export.csv", csv.as_bytes()).await;
    assert_eq!(report["counts"]["new"], 4, "{report}");
    assert_eq!(
        app.export("csv").await,
        csv,
        "the round trip keeps every cell"
    );
}

#[tokio::test]
async fn a_file_too_large_for_the_import_form_comes_back_on_the_form() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let limit = movierec::importers::history::MAX_UPLOAD_BYTES;
    // Past the file's limit: refused as it streams in. Past the whole body's: refused by its
    // length before any handler runs. Either way the form is there to pick another file.
    for size in [limit + 1, movierec::web::MAX_UPLOAD_BODY_BYTES + 1] {
        let (content_type, body) =
            multipart("big.csv", &vec![b'x'; size], &[("conflicts", "keep_mine")]);
        let response = app
            .client
            .post(app.url("/my/import"))
            .header("Origin", &app.address)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 413, "{size} bytes");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"<form method="post" action="/my/import""#)
                && html.contains(r#"type="file""#),
            "{size} bytes: {html}"
        );
        let message = format!(
            "file: The file is larger than the {} MB an upload may be.",
            limit / (1024 * 1024)
        );
        assert!(html.contains(&message), "{size} bytes: {html}");
        assert!(html.contains(r#"aria-describedby="file-error""#));
    }
    assert!(app.my_ratings().await.is_empty());
}
