//! `movierec import imdb`, run as the real binary against a test app's database, with IMDb's
//! files in their exact format served by a local stub server or read from disk.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use flate2::Compression;
use flate2::write::GzEncoder;
use movierec::store::Db;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, stdout_of};

/// Movies of the embedded catalog the dump's films must merge into.
const DUNE_1984: i64 = 734;
const INCEPTION: i64 = 1209;
const STAR_WARS_IV: i64 = 2204;
const CLONE_WARS: i64 = 2207;
const THE_MATRIX: i64 = 2674;

const BASICS: &str = "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres
tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t\\N\t1\tDocumentary,Short
tt0076759\tmovie\tStar Wars: Episode IV - A New Hope\tStar Wars\t0\t1977\t\\N\t121\tAction,Adventure,Fantasy
tt0087182\tmovie\tDune\tDune\t0\t1984\t\\N\t137\tAction,Adventure,Sci-Fi
tt0133093\tmovie\tThe Matrix\tThe Matrix\t0\t1999\t\\N\t136\tAction,Sci-Fi
tt0903747\ttvSeries\tBreaking Bad\tBreaking Bad\t0\t2008\t2013\t49\tCrime,Drama,Thriller
tt1160419\tmovie\tDune\tDune: Part One\t0\t2021\t\\N\t155\tAction,Adventure,Drama
tt1375666\tmovie\tInception\tInception\t0\t2010\t\\N\t148\tAction,Adventure,Sci-Fi
tt15239678\tmovie\tDune: Part Two\tDune: Part Two\t0\t2024\t\\N\t166\tAction,Adventure,Drama
tt6751668\tmovie\tParasite\tGisaengchung\t0\t2019\t\\N\t132\tDrama,Thriller
tt9000001\tmovie\tInception\tInception\t0\t2010\t\\N\t90\tDocumentary
tt9000002\tmovie\tDoppelganger Days\tDoppelganger Days\t0\t2001\t\\N\t95\tComedy
tt9000003\tmovie\tRarely Seen\tRarely Seen\t0\t2003\t\\N\t80\tDrama
tt9000004\tmovie\tAdult Film\tAdult Film\t1\t2001\t\\N\t\\N\t\\N
";

const RATINGS: &str = "tconst\taverageRating\tnumVotes
tt0000001\t5.7\t2100
tt0076759\t8.6\t1450000
tt0087182\t6.3\t190000
tt0133093\t8.7\t2100000
tt0903747\t9.5\t2200000
tt1160419\t8.0\t950000
tt1375666\t8.8\t2600000
tt15239678\t8.5\t600000
tt6751668\t8.5\t1000000
tt9000001\t6.1\t1200
tt9000002\t5.5\t3000
tt9000003\t7.0\t12
tt9000004\t6.0\t5000
";

const CREW: &str = "tconst\tdirectors\twriters
tt0076759\tnm0000184\tnm0000184
tt0087182\tnm0000186\tnm0000186
tt0133093\tnm0905154,nm0905152\tnm0905154,nm0905152
tt1160419\tnm0898288\tnm0898288
tt1375666\tnm0634240\tnm0634240
tt9000001\tnm9000001\t\\N
";

const NAMES: &str = "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles
nm0000184\tGeorge Lucas\t1944\t\\N\tproducer,writer,director\ttt0076759
nm0000186\tDavid Lynch\t1946\t2025\tdirector,writer\ttt0087182
nm0634240\tChristopher Nolan\t1970\t\\N\twriter,producer,director\ttt1375666
nm0898288\tDenis Villeneuve\t1967\t\\N\tdirector,writer\ttt1160419
nm0905152\tLilly Wachowski\t1967\t\\N\twriter,director\ttt0133093
nm0905154\tLana Wachowski\t1965\t\\N\twriter,director\ttt0133093
nm9000001\tSomeone Else\t1970\t\\N\tdirector\ttt9000001
";

/// The dump date the stub server gives its files.
const LAST_MODIFIED: &str = "Sat, 28 Nov 2026 06:10:02 GMT";

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Serves `files` by name, gzip bytes as IMDb serves them, with a `Last-Modified` date.
async fn stub_server(files: HashMap<String, Vec<u8>>) -> String {
    async fn file(
        State(files): State<Arc<HashMap<String, Vec<u8>>>>,
        UrlPath(name): UrlPath<String>,
    ) -> axum::response::Response {
        match files.get(&name) {
            Some(bytes) => (
                [
                    (header::CONTENT_TYPE, "binary/octet-stream"),
                    (header::LAST_MODIFIED, LAST_MODIFIED),
                ],
                bytes.clone(),
            )
                .into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let router = axum::Router::new()
        .route("/{name}", axum::routing::get(file))
        .with_state(Arc::new(files));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

fn write_gz(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, gzip(text)).unwrap();
    path
}

/// Runs `movierec import imdb ARGS` off the async runtime, so the stub server keeps serving.
async fn import(app: &TestApp, args: Vec<String>) -> Output {
    let mut all = vec!["import".to_owned(), "imdb".to_owned()];
    all.extend(args);
    app.run_cli(&all).await
}

/// Everything an IMDb import could write, in a comparable form.
async fn snapshot(db: &Db) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT user_id || ' ' || movie_id || ' ' || rating || ' ' || updated_at FROM ratings",
        "SELECT id || '|' || title || '|' || COALESCE(CAST(original_title AS TEXT), '') || '|' || COALESCE(CAST(year AS TEXT), '')
                || '|' || COALESCE(CAST(imdb_id AS TEXT), '') || '|' || COALESCE(CAST(runtime_min AS TEXT), '')
                || '|' || COALESCE(CAST(director AS TEXT), '') || '|' || COALESCE(CAST(imdb_rating AS TEXT), '')
                || '|' || COALESCE(CAST(imdb_votes AS TEXT), '') FROM movies",
        "SELECT movie_id || ' ' || genre_id FROM movie_genres",
        "SELECT id || ' ' || name FROM genres",
        "SELECT rowid || ' ' || search_title FROM movie_search",
    ] {
        let mut part: Vec<String> = sqlx::query_scalar(sql).fetch_all(db).await.unwrap();
        part.sort();
        rows.extend(part);
    }
    rows
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.unwrap()
}

fn titles_of(results: &Value) -> Vec<(String, i64)> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap().to_owned(),
                r["year"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn imdb_dumps_merge_into_the_catalog_once() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    assert_eq!(
        app.rate(DUNE_1984 as u32, "4.5").await.status().as_u16(),
        303
    );
    let db = app.database().await;
    // Two catalog movies IMDb's "Doppelganger Days" (2001) fits equally well.
    let twins: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO movies (title, year) VALUES ('Doppelganger Days', 2001),
                                                  ('Doppelganger Days', 2002) RETURNING id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crew = write_gz(dir.path(), "title.crew.tsv.gz", CREW);
    let names = write_gz(dir.path(), "name.basics.tsv.gz", NAMES);
    let server = stub_server(HashMap::from([
        ("title.basics.tsv.gz".to_owned(), gzip(BASICS)),
        ("title.ratings.tsv.gz".to_owned(), gzip(RATINGS)),
    ]))
    .await;
    let args = |basics: &str| {
        vec![
            "--basics".to_owned(),
            basics.to_owned(),
            "--ratings".to_owned(),
            format!("{server}/title.ratings.tsv.gz"),
            "--crew".to_owned(),
            crew.to_str().unwrap().to_owned(),
            "--names".to_owned(),
            names.to_str().unwrap().to_owned(),
        ]
    };

    // A malformed line stops the import, naming file and line; nothing is written.
    let broken_dir = tempfile::tempdir().unwrap();
    let broken = write_gz(
        broken_dir.path(),
        "title.basics.tsv.gz",
        &BASICS.replace("\t137\t", "\tlong\t"),
    );
    let before = snapshot(&db).await;
    let out = import(&app, args(broken.to_str().unwrap())).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("title.basics.tsv.gz:4: runtimeMinutes: 'long' is not a number"),
        "{stderr}"
    );
    assert!(
        snapshot(&db).await == before,
        "a failed import changed the database"
    );
    // A download that fails names its address and changes nothing either.
    let out = import(&app, args(&format!("{server}/missing.tsv.gz"))).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing.tsv.gz") && stderr.contains("404"),
        "{stderr}"
    );
    assert!(snapshot(&db).await == before);

    let first = stdout_of(&import(&app, args(&format!("{server}/title.basics.tsv.gz"))).await);
    for line in [
        "titles read: 13",
        // Not the short, the series, the adult film, nor the film with 12 votes.
        "films: 9 (feature films with enough votes)",
        "skipped: 4",
        // Dune (2021), Dune: Part Two, Parasite, the other "Inception", Doppelganger Days.
        "added: 5",
        "updated: 0",
        // Star Wars, Dune (1984), The Matrix, Inception.
        "merged: 4 (by title, year and director; 0 of them by an alternative title)",
        "ambiguous: 1",
        "films with directors: 6",
    ] {
        assert!(first.contains(line), "{line:?} missing from:\n{first}");
    }
    let fits = format!(
        "tt9000002 Doppelganger Days (2001) fits movies {}, {}",
        twins[0], twins[1]
    );
    assert!(first.contains(&fits), "{first}");

    // The embedded Dune keeps its id and its rating, and takes IMDb's id and fields.
    let dune = get_json(&app, &format!("/api/v1/movies/{DUNE_1984}")).await;
    assert_eq!(dune["imdb_id"], "tt0087182");
    assert_eq!(dune["imdb_votes"], 190_000);
    assert_eq!(dune["imdb_rating"], 6.3);
    assert_eq!(dune["runtime_min"], 137);
    assert_eq!(dune["director"], "David Lynch");
    assert_eq!(
        dune["genres"],
        serde_json::json!(["Action", "Adventure", "Sci-Fi"])
    );
    assert_eq!(dune["users_count"], 1);
    assert_eq!(dune["users_average"], 4.5);
    // Titles are IMDb's after the merge; "Ep." and "Episode" were the same film.
    let star_wars = get_json(&app, &format!("/api/v1/movies/{STAR_WARS_IV}")).await;
    assert_eq!(star_wars["title"], "Star Wars: Episode IV - A New Hope");
    assert_eq!(star_wars["imdb_id"], "tt0076759");
    // First names differ between the sources; the family name is the same director.
    let matrix = get_json(&app, &format!("/api/v1/movies/{THE_MATRIX}")).await;
    assert_eq!(matrix["imdb_id"], "tt0133093");
    // The other "Inception" of 2010 has another director: a film of its own.
    let inception = get_json(&app, &format!("/api/v1/movies/{INCEPTION}")).await;
    assert_eq!(inception["imdb_id"], "tt1375666");
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM movies WHERE title = 'Inception'").await,
        2
    );
    // The ambiguous twins were left alone.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM movies WHERE title = 'Doppelganger Days' AND imdb_id IS NULL"
        )
        .await,
        2
    );
    let parasite_id = scalar(&db, "SELECT id FROM movies WHERE imdb_id = 'tt6751668'").await;
    let parasite = get_json(&app, &format!("/api/v1/movies/{parasite_id}")).await;
    assert_eq!(parasite["year"], 2019);
    assert_eq!(parasite["genres"], serde_json::json!(["Drama", "Thriller"]));
    let page = app.get_html(&format!("/movies/{parasite_id}")).await;
    assert!(page.contains("Gisaengchung"), "the original title is shown");

    // The running server searches the new catalog at once, the film people mean first.
    let dunes = get_json(&app, "/api/v1/search?q=dune").await;
    assert_eq!(
        titles_of(&dunes)[..3],
        [
            ("Dune".to_owned(), 2021),
            ("Dune".to_owned(), 1984),
            ("Dune: Part Two".to_owned(), 2024)
        ],
        "{dunes}"
    );
    assert_eq!(dunes["results"][0]["imdb_id"], "tt1160419");
    let typo = get_json(&app, "/api/v1/search?q=incpetion").await;
    assert_eq!(typo["results"][0]["imdb_id"], "tt1375666", "{typo}");
    let star_wars = get_json(&app, "/api/v1/search?q=star+wars").await;
    let ids: Vec<i64> = star_wars["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let new_hope = ids.iter().position(|&id| id == STAR_WARS_IV).unwrap();
    let clone_wars = ids.iter().position(|&id| id == CLONE_WARS).unwrap();
    assert!(new_hope < clone_wars, "{star_wars}");
    // IMDb's finer genres are filters.
    let sci_fi = get_json(&app, "/api/v1/search?genre=Sci-Fi&q=dune").await;
    assert_eq!(titles_of(&sci_fi), [("Dune".to_owned(), 1984)], "{sci_fi}");

    // The admin's Model page names the source and the dump's date.
    let model = app.get_html("/model").await;
    assert!(model.contains("IMDb non-commercial datasets"), "{model}");
    assert!(model.contains("2026-11-28"), "{model}");
    assert!(model.contains("vega-datasets"), "{model}");

    // The same dump again changes nothing.
    let after_first = snapshot(&db).await;
    let second = stdout_of(&import(&app, args(&format!("{server}/title.basics.tsv.gz"))).await);
    for line in [
        "added: 0",
        "updated: 0",
        "unchanged: 9",
        "merged: 0",
        "ambiguous: 0",
    ] {
        assert!(second.contains(line), "{line:?} missing from:\n{second}");
    }
    assert!(
        snapshot(&db).await == after_first,
        "a re-run changed the database"
    );

    // A newer dump updates what changed: more votes, a new rating.
    let newer_dir = tempfile::tempdir().unwrap();
    let newer_ratings = write_gz(
        newer_dir.path(),
        "title.ratings.tsv.gz",
        &RATINGS.replace("tt0087182\t6.3\t190000", "tt0087182\t6.4\t191000"),
    );
    let mut newer = args(&format!("{server}/title.basics.tsv.gz"));
    newer[3] = newer_ratings.to_str().unwrap().to_owned();
    let third = stdout_of(&import(&app, newer).await);
    assert!(third.contains("updated: 1"), "{third}");
    let dune = get_json(&app, &format!("/api/v1/movies/{DUNE_1984}")).await;
    assert_eq!(dune["imdb_votes"], 191_000);
    assert_eq!(dune["imdb_rating"], 6.4);
}

#[tokio::test]
async fn without_crew_files_titles_and_years_decide_and_directors_stay() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let basics = write_gz(dir.path(), "title.basics.tsv.gz", BASICS);
    let ratings = write_gz(dir.path(), "title.ratings.tsv.gz", RATINGS);
    let out = import(
        &app,
        vec![
            "--basics".into(),
            basics.to_str().unwrap().into(),
            "--ratings".into(),
            ratings.to_str().unwrap().into(),
            "--min-votes".into(),
            "1000000".into(),
        ],
    )
    .await;
    let text = stdout_of(&out);
    // At least a million votes: Star Wars, The Matrix, Inception, Parasite.
    assert!(text.contains("films: 4 (feature films"), "{text}");
    let matrix = get_json(&app, &format!("/api/v1/movies/{THE_MATRIX}")).await;
    assert_eq!(matrix["imdb_id"], "tt0133093");
    assert_eq!(matrix["director"], "Andy Wachowski");
    // Without directors both "Inception"s of 2010 could be the catalog's, but only one
    // has a million votes.
    let inception = get_json(&app, &format!("/api/v1/movies/{INCEPTION}")).await;
    assert_eq!(inception["imdb_id"], "tt1375666");
}

#[tokio::test]
async fn crew_without_names_is_refused_before_anything_runs() {
    let app = spawn_app().await;
    let out = import(
        &app,
        vec![
            "--basics".into(),
            "b.gz".into(),
            "--crew".into(),
            "c.gz".into(),
        ],
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--names"), "{stderr}");
}

/// A dump with the Toy Story and Star Wars films, and many films that share one word with
/// "toy story": what a search after a real import sees.
fn many_titles() -> (String, String) {
    let mut basics = BASICS.lines().next().unwrap().to_owned() + "\n";
    let mut ratings = RATINGS.lines().next().unwrap().to_owned() + "\n";
    let mut add = |id: &str, title: &str, original: &str, year: i64, votes: i64| {
        let original = if original.is_empty() { title } else { original };
        basics += &format!("{id}\tmovie\t{title}\t{original}\t0\t{year}\t\\N\t100\tDrama\n");
        ratings += &format!("{id}\t7.0\t{votes}\n");
    };
    for (id, title, original, year, votes) in [
        ("tt0114709", "Toy Story", "Toy Story", 1995, 1_100_000),
        ("tt0120363", "Toy Story 2", "Toy Story 2", 1999, 650_000),
        ("tt0435761", "Toy Story 3", "Toy Story 3", 2010, 900_000),
        ("tt1979376", "Toy Story 4", "Toy Story 4", 2019, 300_000),
        (
            "tt0076759",
            "Star Wars: Episode IV - A New Hope",
            "Star Wars",
            1977,
            1_450_000,
        ),
        (
            "tt0080684",
            "Star Wars: Episode V - The Empire Strikes Back",
            "Star Wars: Episode V - The Empire Strikes Back",
            1980,
            1_400_000,
        ),
        (
            "tt0120915",
            "Star Wars: Episode I - The Phantom Menace",
            "Star Wars: Episode I - The Phantom Menace",
            1999,
            850_000,
        ),
        (
            "tt1185834",
            "Star Wars: The Clone Wars",
            "Star Wars: The Clone Wars",
            2008,
            75_000,
        ),
        (
            "tt0055614",
            "West Side Story",
            "West Side Story",
            1961,
            120_000,
        ),
        (
            "tt7653254",
            "Marriage Story",
            "Marriage Story",
            2019,
            330_000,
        ),
        (
            "tt0085334",
            "A Christmas Story",
            "A Christmas Story",
            1983,
            160_000,
        ),
        (
            "tt0032904",
            "The Philadelphia Story",
            "The Philadelphia Story",
            1940,
            75_000,
        ),
        ("tt0046438", "Tokyo Story", "Tokyo monogatari", 1953, 70_000),
        (
            "tt0088323",
            "The NeverEnding Story",
            "Die unendliche Geschichte",
            1984,
            160_000,
        ),
        (
            "tt0166896",
            "The Straight Story",
            "The Straight Story",
            1999,
            90_000,
        ),
        ("tt0105629", "Toys", "Toys", 1992, 40_000),
        ("tt0102164", "Toy Soldiers", "Toy Soldiers", 1991, 20_000),
    ] {
        add(id, title, original, year, votes);
    }
    // Many more with "story" or "toy" in the title, as a full dump has.
    for i in 0..80 {
        add(
            &format!("tt98{i:05}"),
            &format!("A Story of Summer {i}"),
            "",
            1990 + i % 30,
            5_000 + i,
        );
        add(
            &format!("tt97{i:05}"),
            &format!("The Toy Box {i}"),
            "",
            1990 + i % 30,
            5_000 + i,
        );
    }
    (basics, ratings)
}

#[tokio::test]
async fn after_a_large_import_two_words_list_the_films_with_both_the_film_meant_first() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let (basics, ratings) = many_titles();
    let basics = write_gz(dir.path(), "title.basics.tsv.gz", &basics);
    let ratings = write_gz(dir.path(), "title.ratings.tsv.gz", &ratings);
    let out = import(
        &app,
        vec![
            "--basics".into(),
            basics.to_str().unwrap().into(),
            "--ratings".into(),
            ratings.to_str().unwrap().into(),
        ],
    )
    .await;
    let text = stdout_of(&out);
    assert!(text.contains("films: 177 (feature films"), "{text}");

    let found = get_json(&app, "/api/v1/search?q=toy+story").await;
    let titles: Vec<String> = titles_of(&found).into_iter().map(|(t, _)| t).collect();
    // The films with both words, the one titled exactly so first, the rest by votes.
    assert_eq!(
        titles,
        ["Toy Story", "Toy Story 3", "Toy Story 2", "Toy Story 4"],
        "{found}"
    );
    assert_eq!(found["total"], 4);
    // One typo still finds them.
    let typo = get_json(&app, "/api/v1/search?q=toy+stroy").await;
    assert_eq!(titles_of(&typo)[0].0, "Toy Story", "{typo}");
    // A word alone lists every film that has it.
    let story = get_json(&app, "/api/v1/search?q=story").await;
    assert!(story["total"].as_i64().unwrap() > 80, "{story}");

    let star_wars = get_json(&app, "/api/v1/search?q=star+wars").await;
    assert_eq!(star_wars["results"][0]["id"], STAR_WARS_IV, "{star_wars}");
    assert_eq!(
        star_wars["results"][0]["title"],
        "Star Wars: Episode IV - A New Hope"
    );
    let titles: Vec<String> = titles_of(&star_wars).into_iter().map(|(t, _)| t).collect();
    let at = |title: &str| titles.iter().position(|t| t == title).expect(title);
    // Equally good matches by votes: The Empire Strikes Back before The Clone Wars.
    assert!(
        at("Star Wars: Episode V - The Empire Strikes Back") < at("Star Wars: The Clone Wars"),
        "{star_wars}"
    );
}
