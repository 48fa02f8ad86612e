//! `movierec import movielens`, run as the real binary against a test app's database.

use std::io::Write;
use std::path::Path;

use movierec::store::Db;
use serde_json::Value;

use crate::helpers::{CliRun, TestApp, on_postgres, spawn_app, stdout_of};

/// "Toy Story" (1995) of the embedded catalog, which the set's movie 1 must merge into.
const TOY_STORY: i64 = 2975;

const MOVIES_CSV: &str = "movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,Parasite (2019),Comedy|Drama|Thriller
3,Doppelganger Days (2001),Drama
4,\"Quiet Tuesday, A (2015)\",(no genres listed)
5,Parasite (2019),Drama
";

const LINKS_CSV: &str = "movieId,imdbId,tmdbId
1,0114709,862
2,6751668,496243
3,,
4,,
5,6751668,
";

pub const RATINGS_CSV: &str = "userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,5.0,964981247
1,3,2.5,964982224
2,1,3.0,1445714835
2,4,3.5,1445714885
2,5,4.0,1445714890
3,1,5.0,1494273047
3,2,4.5,1494273052
3,3,1.0,1494273060
";

fn set_files(ratings: &str) -> [(&'static str, String); 3] {
    [
        ("movies.csv", MOVIES_CSV.to_owned()),
        ("links.csv", LINKS_CSV.to_owned()),
        ("ratings.csv", ratings.to_owned()),
    ]
}

pub fn write_folder(dir: &Path, ratings: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in set_files(ratings) {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The archive as GroupLens publishes it: the files under one top folder, deflated.
fn write_zip(path: &Path) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.add_directory("ml-test/", options).unwrap();
    for (name, text) in set_files(RATINGS_CSV) {
        writer
            .start_file(format!("ml-test/{name}"), options)
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap();
}

fn import(app: &TestApp, path: &Path) -> CliRun {
    app.run_cli(&["import".as_ref(), "movielens".as_ref(), path.as_os_str()])
}

/// Everything an import could write, in a comparable form.
async fn snapshot(db: &Db) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT user_id || ' ' || movie_id || ' ' || rating || ' ' || updated_at FROM ratings",
        "SELECT id || ' ' || title || ' ' || COALESCE(CAST(year AS TEXT), '') || ' ' || COALESCE(CAST(imdb_id AS TEXT), '')
                || ' ' || COALESCE(CAST(tmdb_id AS TEXT), '') || ' ' || COALESCE(CAST(movielens_id AS TEXT), '') FROM movies",
        "SELECT id || ' ' || username || ' ' || kind FROM users",
        "SELECT movie_id || ' ' || genre_id FROM movie_genres",
        "SELECT rowid || ' ' || search_title FROM movie_search",
        // A large import drops the ratings' secondary indexes and builds them again.
        rating_indexes_sql(),
    ] {
        let mut part: Vec<String> = sqlx::query_scalar(sql).fetch_all(db).await.unwrap();
        part.sort();
        rows.extend(part);
    }
    rows
}

/// Every index of the ratings table with its definition, as the database keeps them.
fn rating_indexes_sql() -> &'static str {
    if on_postgres() {
        "SELECT indexname || ' ' || indexdef FROM pg_indexes
          WHERE tablename = 'ratings' ORDER BY indexname"
    } else {
        "SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master
          WHERE type = 'index' AND tbl_name = 'ratings' ORDER BY name"
    }
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn movie_json(app: &TestApp, id: i64) -> Value {
    let response = app.get(&format!("/api/v1/movies/{id}")).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_movielens_set_merges_into_the_catalog_once() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    assert_eq!(
        app.rate(TOY_STORY as u32, "4.5").await.status().as_u16(),
        303
    );
    let db = app.database().await;
    // Two catalog movies the set's "Doppelganger Days" (2001) fits equally well.
    let twins: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO movies (title, year) VALUES ('Doppelganger Days', 2001),
                                                  ('Doppelganger Days', 2002) RETURNING id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // A malformed line anywhere stops the import, naming it, and nothing is written.
    let broken = dir.path().join("broken");
    write_folder(&broken, &format!("{RATINGS_CSV}4,2,lots,1494273060\n"));
    let before = snapshot(&db).await;
    let out = import(&app, &broken).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ratings.csv:11:"), "{stderr}");
    assert!(
        snapshot(&db).await == before,
        "a failed import changed the database"
    );

    let folder = dir.path().join("ml-test");
    write_folder(&folder, RATINGS_CSV);
    let indexes = rating_indexes_sql();
    let indexes_before: Vec<String> = sqlx::query_scalar(indexes).fetch_all(&db).await.unwrap();
    assert!(
        indexes_before
            .iter()
            .any(|i| i.starts_with("ratings_movie ")),
        "{indexes_before:?}"
    );
    let first = stdout_of(&import(&app, &folder).await);
    let indexes_after: Vec<String> = sqlx::query_scalar(indexes).fetch_all(&db).await.unwrap();
    assert_eq!(indexes_after, indexes_before, "the import lost an index");
    for line in [
        "movies: 5 in the set",
        "added: 3",
        "merged: 1 (0 by IMDb id, 1 by title and year, 0 by an alternative title)",
        "already imported: 0",
        "duplicates (same IMDb id as another movie of the set): 1",
        "ambiguous: 1",
        "ratings: 9",
        "raters: 3 (3 new)",
    ] {
        assert!(first.contains(line), "{line:?} missing from:\n{first}");
    }
    let fits = format!(
        "Doppelganger Days (2001) fits movies {}, {}",
        twins[0], twins[1]
    );
    assert!(first.contains(&fits), "{first}");

    // The catalog film keeps its id and the site user's rating, and gains its IMDb id.
    let toy_story = movie_json(&app, TOY_STORY).await;
    assert_eq!(toy_story["imdb_id"], "tt0114709");
    assert_eq!(toy_story["title"], "Toy Story");
    // The site's average stays the site users' own: community raters are counted apart.
    assert_eq!(toy_story["users_count"], 1);
    assert_eq!(toy_story["users_average"], 4.5);
    // Their average is shown beside it: users 1, 2 and 3 gave 4, 3 and 5.
    assert_eq!(toy_story["community_count"], 3);
    assert_eq!(toy_story["community_average"], 4.0);
    let page = app.get_html(&format!("/movies/{TOY_STORY}")).await;
    assert!(page.contains("Community raters (MovieLens)"), "{page}");
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM ratings WHERE movie_id = {TOY_STORY}")
        )
        .await,
        1 + 3 + critic_ratings(&db, TOY_STORY).await
    );
    // The ambiguous twins were left alone; the set's film became a movie of its own.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM movies WHERE title = 'Doppelganger Days'"
        )
        .await,
        3
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM movies WHERE title = 'Doppelganger Days' AND movielens_id IS NULL"
        )
        .await,
        2
    );
    // New films come with their ids, genres and a place in the search index.
    let parasite_id = scalar(&db, "SELECT id FROM movies WHERE imdb_id = 'tt6751668'").await;
    let parasite = movie_json(&app, parasite_id).await;
    assert_eq!(parasite["title"], "Parasite");
    // The set's second "Parasite" shares the IMDb id: its rating lands on the same film.
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM ratings WHERE movie_id = {parasite_id}")
        )
        .await,
        3
    );
    assert_eq!(parasite["year"], 2019);
    assert_eq!(
        parasite["genres"],
        serde_json::json!(["Comedy", "Drama", "Thriller"])
    );
    let found: Value = app
        .get("/api/v1/search?q=parasite")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["results"][0]["title"], "Parasite", "{found}");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM movies WHERE title = 'A Quiet Tuesday'"
        )
        .await,
        1
    );

    // Community raters: no password, not people of the site.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM users WHERE kind = 'community' AND password_hash IS NULL"
        )
        .await,
        3
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM users WHERE kind = 'user'").await,
        1
    );
    for password in ["", "correct horse battery"] {
        let response = app.login("ml:1", password).await;
        assert!(
            response.status().is_client_error(),
            "a community rater logged in: {}",
            response.status()
        );
    }

    // The same set again, as the published zip: nothing changes.
    let after_first = snapshot(&db).await;
    let zip = dir.path().join("ml-test.zip");
    write_zip(&zip);
    let second = stdout_of(&import(&app, &zip).await);
    for line in [
        "added: 0",
        "merged: 0 (0 by IMDb id, 0 by title and year, 0 by an alternative title)",
        "already imported: 4",
        "duplicates (same IMDb id as another movie of the set): 1",
        "ambiguous: 0",
        "ratings: 9",
        "raters: 3 (0 new)",
    ] {
        assert!(second.contains(line), "{line:?} missing from:\n{second}");
    }
    assert!(
        snapshot(&db).await == after_first,
        "a re-run changed the database"
    );
}

async fn critic_ratings(db: &Db, movie: i64) -> i64 {
    scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM ratings r JOIN users u ON u.id = r.user_id
              WHERE r.movie_id = {movie} AND u.kind = 'critic'"
        ),
    )
    .await
}

#[tokio::test]
async fn community_raters_do_not_take_the_first_account_s_place() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), RATINGS_CSV);
    stdout_of(&import(&app, dir.path()).await);
    // The site's first person still becomes its administrator.
    app.register("bob", "correct horse battery").await;
    let db = app.database().await;
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE username_lower = 'bob'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(role, "admin");
}

#[tokio::test]
async fn a_restart_after_an_import_leaves_the_catalog_alone() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), RATINGS_CSV);
    stdout_of(&import(&app, dir.path()).await);
    let db = app.database().await;
    assert!(scalar(&db, "SELECT COUNT(*) FROM movies").await > 3192 - 100);
    // Mark every rating; a catalog reload would rewrite the critics' ones.
    sqlx::query("UPDATE ratings SET updated_at = 1")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let app = app.restart().await;
    let db = app.database().await;
    let rewritten = scalar(&db, "SELECT COUNT(*) FROM ratings WHERE updated_at <> 1").await;
    assert_eq!(rewritten, 0, "the restart reloaded the catalog");
}

/// A ratings file of `raters` raters rating movies 1 to 4, with stars that vary by rater and
/// movie, then `tail` lines more.
fn many_ratings(raters: usize, tail: &str) -> String {
    let mut text = String::from("userId,movieId,rating,timestamp\n");
    for user in 1..=raters {
        for movie in 1..=4 {
            let halves = (user * 3 + movie) % 10 + 1;
            text.push_str(&format!(
                "{user},{movie},{}.{},1\n",
                halves / 2,
                halves % 2 * 5
            ));
        }
    }
    text + tail
}

/// Ratings and raters go in many to a statement: a set of exactly as many ratings as one
/// statement takes on SQLite (several whole statements on PostgreSQL) leaves no partial
/// statement, and one more rating is a last statement of one; both land whole, with the
/// right stars, and more raters than fit one statement all get their accounts. Movies 2 and
/// 5 are one film (same IMDb id): a rater of both keeps the later rating, in one statement.
#[tokio::test]
async fn ratings_land_whole_at_and_past_a_full_statement() {
    let app = spawn_app().await;
    let db = app.database().await;
    let dir = tempfile::tempdir().unwrap();
    let community = "SELECT COUNT(*) FROM ratings r JOIN users u ON u.id = r.user_id
                      WHERE u.kind = 'community'";
    let halves = "SELECT CAST(SUM(r.rating * 2) AS BIGINT) FROM ratings r
                   JOIN users u ON u.id = r.user_id WHERE u.kind = 'community'";
    let raters = "SELECT COUNT(*) FROM users WHERE kind = 'community'";

    let full = dir.path().join("ml-full");
    write_folder(&full, &many_ratings(2_000, ""));
    let out = stdout_of(&import(&app, &full).await);
    assert!(out.contains("ratings: 8000"), "{out}");
    assert_eq!(scalar(&db, community).await, 8_000);
    assert_eq!(scalar(&db, raters).await, 2_000);
    let first_halves = scalar(&db, halves).await;

    let more = dir.path().join("ml-more");
    write_folder(&more, &many_ratings(2_000, "2001,2,3.0,1\n2001,5,4.5,1\n"));
    let out = stdout_of(&import(&app, &more).await);
    assert!(out.contains("ratings: 8002"), "{out}");
    assert_eq!(scalar(&db, community).await, 8_001);
    assert_eq!(scalar(&db, raters).await, 2_001);
    assert_eq!(scalar(&db, halves).await, first_halves + 9);
}

#[tokio::test]
async fn a_set_with_windows_line_endings_imports_as_its_unix_twin() {
    let app = spawn_app().await;
    let db = app.database().await;
    let dir = tempfile::tempdir().unwrap();
    let crlf = dir.path().join("ml-crlf");
    std::fs::create_dir_all(&crlf).unwrap();
    for (name, text) in set_files(RATINGS_CSV) {
        std::fs::write(crlf.join(name), text.replace('\n', "\r\n")).unwrap();
    }
    stdout_of(&import(&app, &crlf).await);
    let parasite = scalar(
        &db,
        "SELECT COUNT(*) FROM movies WHERE title = 'Parasite' AND imdb_id = 'tt6751668'",
    )
    .await;
    assert_eq!(parasite, 1);
    // The same set with Unix line ends finds everything in place already.
    let after_crlf = snapshot(&db).await;
    let lf = dir.path().join("ml-lf");
    write_folder(&lf, RATINGS_CSV);
    stdout_of(&import(&app, &lf).await);
    assert!(
        snapshot(&db).await == after_crlf,
        "the CRLF set was read differently"
    );
}

#[tokio::test]
async fn an_over_long_line_or_field_is_refused_at_its_line_and_changes_nothing() {
    let app = spawn_app().await;
    let db = app.database().await;
    let dir = tempfile::tempdir().unwrap();
    let before = snapshot(&db).await;
    let long_line = format!("{MOVIES_CSV}6,{} (2001),Drama\n", "x".repeat(5 << 20));
    let long_title = format!("{MOVIES_CSV}6,{} (2001),Drama\n", "x".repeat(600));
    let far_year = format!("{MOVIES_CSV}6,Far Future (3001),Drama\n");
    for (i, (movies, expected)) in [
        (
            long_line,
            "movies.csv:7: the line is longer than 1048576 bytes",
        ),
        (
            long_title,
            "movies.csv:7: title: longer than 500 characters (600 bytes)",
        ),
        (
            far_year,
            "movies.csv:7: year: 3001 is not a year from 1870 to 2200",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let set = dir.path().join(format!("bad-{i}"));
        write_folder(&set, RATINGS_CSV);
        std::fs::write(set.join("movies.csv"), movies).unwrap();
        let started = std::time::Instant::now();
        let out = import(&app, &set).await;
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        // The five good movies before the bad line were not written either.
        assert!(
            snapshot(&db).await == before,
            "a refused import changed the database"
        );
    }
}

#[tokio::test]
async fn commands_refuse_a_missing_sqlite_file_unless_asked_to_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo").join("movierec.db");
    let url = format!("sqlite://{}", missing.display());
    for args in [vec!["train"], vec!["import", "movielens", "nowhere"]] {
        let out = crate::helpers::run_cli_on(&url, &args).await;
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("there is no database at"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("mode=rwc"), "{stderr}");
        assert!(!missing.exists() && !missing.parent().unwrap().exists());
    }
    // Asked to, an import makes a new site.
    let set = dir.path().join("ml-test");
    write_folder(&set, RATINGS_CSV);
    let out = crate::helpers::run_cli_on(
        &format!("{url}?mode=rwc"),
        &["import".as_ref(), "movielens".as_ref(), set.as_os_str()],
    )
    .await;
    let text = stdout_of(&out);
    assert!(text.contains("ratings: 9"), "{text}");
    assert!(missing.exists());
}
