//! One film entered twice, found and merged: by `movierec catalog` and on the admin's
//! Duplicates page. Users' ratings, lists and marks follow the kept film, ids and genres are
//! united, and the merged-away id redirects.

use reqwest::Response;
use serde_json::Value;

use crate::helpers::{TestApp, Visitor, spawn_app, stdout_of};

const PASSWORD: &str = "correct horse battery";

/// The embedded catalog's "Se7en" (1995) and "Das Boot" (1981).
const SE7EN: i64 = 2018;
const DAS_BOOT: i64 = 371;

/// A film as a data set adds it beside the embedded catalog's entry; returns its id.
async fn add_film(
    app: &TestApp,
    title: &str,
    year: i64,
    imdb_id: Option<&str>,
    movielens_id: Option<i64>,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO movies (title, year, imdb_id, movielens_id) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(title)
    .bind(year)
    .bind(imdb_id)
    .bind(movielens_id)
    .fetch_one(&app.database().await)
    .await
    .unwrap()
}

async fn execute(app: &TestApp, sql: &str, binds: &[i64]) {
    let db = app.database().await;
    let mut query = sqlx::query(sql);
    for &bind in binds {
        query = query.bind(bind);
    }
    query.execute(&db).await.unwrap();
}

async fn scalar(app: &TestApp, sql: &str, binds: &[i64]) -> i64 {
    let db = app.database().await;
    let mut query = sqlx::query_scalar(sql);
    for &bind in binds {
        query = query.bind(bind);
    }
    query.fetch_one(&db).await.unwrap()
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username_lower = $1")
        .bind(name)
        .fetch_one(&app.database().await)
        .await
        .unwrap()
}

/// Everything users gave a film, by table: what a merge must carry over.
async fn what_users_gave(app: &TestApp, movie: i64) -> [i64; 4] {
    let mut counts = [0; 4];
    for (i, table) in ["ratings", "watchlist", "seen_movies", "hidden_movies"]
        .iter()
        .enumerate()
    {
        counts[i] = scalar(
            app,
            &format!("SELECT COUNT(*) FROM {table} WHERE movie_id = $1"),
            &[movie],
        )
        .await;
    }
    counts
}

fn location(response: &Response) -> Option<&str> {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A second visitor with their own cookies, registered as `name`.
async fn registered<'a>(app: &'a TestApp, name: &str) -> Visitor<'a> {
    let visitor = Visitor::new(app);
    let response = visitor.register(name, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303, "{name} registers");
    visitor
}

/// The ids of `GET /api/v1/search?q=…`.
async fn search_ids(app: &TestApp, query: &str) -> Vec<i64> {
    let body: Value = app
        .get(&format!("/api/v1/search?q={query}"))
        .await
        .json()
        .await
        .unwrap();
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| hit["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn merging_carries_users_ratings_lists_and_marks_over_and_the_old_id_redirects() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let bob = registered(&app, "bob").await;
    let (ann_id, bob_id) = (user_id(&app, "ann").await, user_id(&app, "bob").await);
    // MovieLens's "Seven" beside the embedded catalog's "Se7en", with the ids and a genre
    // the catalog's entry lacks.
    let seven = add_film(&app, "Seven", 1995, Some("tt0114369"), Some(47)).await;
    execute(
        &app,
        "INSERT INTO genres (name) VALUES ('Mystery') ON CONFLICT (name) DO NOTHING",
        &[],
    )
    .await;
    execute(
        &app,
        "INSERT INTO movie_genres (movie_id, genre_id)
         SELECT $1, id FROM genres WHERE name IN ('Mystery', 'Crime')",
        &[seven],
    )
    .await;
    assert!(search_ids(&app, "seven").await.contains(&seven));

    // Ann rated both, the MovieLens entry last; she also listed it and marked it seen. Bob
    // rated and hid only the MovieLens entry.
    assert_eq!(app.rate(SE7EN as u32, "2").await.status().as_u16(), 303);
    assert_eq!(app.rate(seven as u32, "4.5").await.status().as_u16(), 303);
    execute(
        &app,
        "UPDATE ratings SET updated_at = CASE WHEN movie_id = $2 THEN 100 ELSE 200 END,
                            rated_at = CASE WHEN movie_id = $2 THEN NULL ELSE 150 END
         WHERE user_id = $1",
        &[ann_id, SE7EN],
    )
    .await;
    let listed = app
        .post_form(&format!("/movies/{seven}/watchlist"), &[("next", "/")])
        .await;
    assert_eq!(listed.status().as_u16(), 303);
    execute(
        &app,
        "INSERT INTO seen_movies (user_id, movie_id, watched_at, created_at) VALUES ($1, $2, 42, 1)",
        &[ann_id, seven],
    )
    .await;
    assert_eq!(
        bob.post_form(&format!("/movies/{seven}/rating"), &[("stars", "4")])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        bob.post_form(&format!("/movies/{seven}/hide"), &[("next", "/")])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(what_users_gave(&app, seven).await, [2, 1, 1, 1]);
    let kept_before = what_users_gave(&app, SE7EN).await;
    assert_eq!(kept_before[1..], [0, 0, 0]);
    // Ann's, and the critic accounts' of the embedded catalog.
    let critics_on_kept = kept_before[0] - 1;

    let out = app
        .run_cli(&["catalog", "merge", &SE7EN.to_string(), &seven.to_string()])
        .await;
    let said = stdout_of(&out);
    assert!(
        said.contains(&format!("Film {seven} now redirects to film {SE7EN}")),
        "{said}"
    );
    assert!(
        said.contains("moved 1 rating (1 user had rated both"),
        "{said}"
    );

    // Nothing is left on the old id, and nothing was lost: Ann's two ratings are one, the
    // newest; Bob's rating, Ann's watchlist entry and seen mark, and Bob's hidden mark moved.
    assert_eq!(what_users_gave(&app, seven).await, [0, 0, 0, 0]);
    assert_eq!(
        what_users_gave(&app, SE7EN).await,
        [critics_on_kept + 2, 1, 1, 1]
    );
    let ann_rating: (f64, i64, Option<i64>) = sqlx::query_as(
        "SELECT rating, updated_at, rated_at FROM ratings WHERE user_id = $1 AND movie_id = $2",
    )
    .bind(ann_id)
    .bind(SE7EN)
    .fetch_one(&app.database().await)
    .await
    .unwrap();
    assert_eq!(ann_rating, (4.5, 200, Some(150)), "the newest rating wins");
    assert_eq!(app.my_rating(SE7EN as u32).await.as_deref(), Some("4.5"));
    let bob_rating = scalar(
        &app,
        "SELECT COUNT(*) FROM ratings WHERE user_id = $1 AND movie_id = $2 AND rating = 4",
        &[bob_id, SE7EN],
    )
    .await;
    assert_eq!(bob_rating, 1);
    assert!(app.get_html("/my/watchlist").await.contains("Se7en"));
    assert!(
        bob.get("/my/not-interested")
            .await
            .text()
            .await
            .unwrap()
            .contains("Se7en")
    );

    // The kept film has the ids and every genre of both.
    let ids: (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT imdb_id, movielens_id FROM movies WHERE id = $1")
            .bind(SE7EN)
            .fetch_one(&app.database().await)
            .await
            .unwrap();
    assert_eq!(ids, (Some("tt0114369".into()), Some(47)));
    let movie: Value = app
        .get(&format!("/api/v1/movies/{SE7EN}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        movie["genres"],
        serde_json::json!(["Crime", "Mystery", "Thriller"])
    );
    assert_eq!(movie["imdb_id"], "tt0114369");

    // Old links lead to the kept film: pages with 301, the API with 308.
    let page = app.get(&format!("/movies/{seven}")).await;
    assert_eq!(page.status().as_u16(), 301);
    assert_eq!(location(&page), Some(format!("/movies/{SE7EN}").as_str()));
    let api = app.get(&format!("/api/v1/movies/{seven}")).await;
    assert_eq!(api.status().as_u16(), 308);
    assert_eq!(
        location(&api),
        Some(format!("/api/v1/movies/{SE7EN}").as_str())
    );
    let similar = app
        .get(&format!("/api/v1/movies/{seven}/similar?n=3"))
        .await;
    assert_eq!(similar.status().as_u16(), 308);
    assert_eq!(
        location(&similar),
        Some(format!("/api/v1/movies/{SE7EN}/similar?n=3").as_str())
    );
    // An id never used is still not found.
    assert_eq!(app.get("/movies/987654").await.status().as_u16(), 404);

    // Search, built before the merge in the server's memory, no longer lists the dropped film.
    let found = search_ids(&app, "seven").await;
    assert!(!found.contains(&seven), "{found:?}");
}

#[tokio::test]
async fn catalog_merge_refuses_a_film_into_itself_and_an_unknown_id() {
    let app = spawn_app().await;
    let films = scalar(&app, "SELECT COUNT(*) FROM movies", &[]).await;
    let ratings = scalar(&app, "SELECT COUNT(*) FROM ratings", &[]).await;
    let se7en = SE7EN.to_string();

    let itself = app.run_cli(&["catalog", "merge", &se7en, &se7en]).await;
    assert!(!itself.status.success());
    assert!(
        stderr(&itself).contains("a film cannot be merged into itself"),
        "{}",
        stderr(&itself)
    );
    for args in [["987654", se7en.as_str()], [se7en.as_str(), "987654"]] {
        let out = app.run_cli(&["catalog", "merge", args[0], args[1]]).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr(&out).contains("there is no film with id 987654"),
            "{}",
            stderr(&out)
        );
    }
    let malformed = app
        .run_cli(&["catalog", "merge", &se7en, "tt0114369"])
        .await;
    assert!(!malformed.status.success());
    assert!(
        stderr(&malformed).contains("is not a movie id"),
        "{}",
        stderr(&malformed)
    );

    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies", &[]).await,
        films
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM ratings", &[]).await,
        ratings
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movie_redirects", &[]).await,
        0
    );
}

#[tokio::test]
async fn catalog_duplicates_lists_planted_pairs_with_the_film_to_keep_first() {
    let app = spawn_app().await;
    // "Seven" is "Se7en" by its alternative title; "Boot, Das" is "Das Boot" by its key.
    let seven = add_film(&app, "Seven", 1995, None, Some(47)).await;
    execute(
        &app,
        "INSERT INTO movie_titles (movie_id, title_key, title, year, source)
         VALUES ($1, 'se7en', 'Se7en', 1995, 'movielens')",
        &[seven],
    )
    .await;
    let boot = add_film(&app, "Boot, Das", 1982, None, Some(2028)).await;
    // Another film of the same title and year, which the kept "Se7en" is not: both have an
    // IMDb id, and they differ.
    let other = add_film(&app, "Se7en", 1995, Some("tt9999999"), None).await;
    execute(
        &app,
        "UPDATE movies SET imdb_id = 'tt0114369' WHERE id = $1",
        &[SE7EN],
    )
    .await;

    let out = app.run_cli(&["catalog", "duplicates"]).await;
    let listed = stdout_of(&out);
    let line = |keep: i64, drop: i64| {
        listed
            .lines()
            .find(|l| l.starts_with(&format!("{keep}\t{drop}\t")))
            .map(str::to_owned)
    };
    let se7en_line = line(SE7EN, seven).unwrap_or_else(|| panic!("Se7en pair in\n{listed}"));
    assert!(se7en_line.contains("\tSe7en\t1995\t"), "{se7en_line}");
    assert!(se7en_line.contains("\tSeven\t1995\t0\t"), "{se7en_line}");
    let boot_line = line(DAS_BOOT, boot).unwrap_or_else(|| panic!("Das Boot pair in\n{listed}"));
    assert!(
        boot_line.contains("same title, year within 1"),
        "{boot_line}"
    );
    assert!(
        line(SE7EN, other).is_none() && line(other, SE7EN).is_none(),
        "two IMDb ids are two films:\n{listed}"
    );
}

#[tokio::test]
async fn the_duplicates_page_lists_a_pair_and_its_button_merges_it() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let bob = registered(&app, "bob").await;
    let boot = add_film(&app, "Boot, Das", 1981, None, Some(2028)).await;
    // One rating each: the older entry is the one suggested to keep.
    assert_eq!(app.rate(DAS_BOOT as u32, "3").await.status().as_u16(), 303);
    assert_eq!(
        bob.post_form(&format!("/movies/{boot}/rating"), &[("stars", "5")])
            .await
            .status()
            .as_u16(),
        303
    );
    let row = format!("data-keep=\"{DAS_BOOT}\" data-drop=\"{boot}\"");
    let button = format!(
        "<input type=\"hidden\" name=\"keep\" value=\"{DAS_BOOT}\">\n        \
         <input type=\"hidden\" name=\"drop\" value=\"{boot}\">"
    );

    // Only administrators see the page or merge.
    assert!(
        app.get_html("/admin")
            .await
            .contains("href=\"/admin/duplicates\"")
    );
    assert_eq!(bob.get("/admin/duplicates").await.status().as_u16(), 403);
    let refused = bob
        .post_form(
            "/admin/duplicates/merge",
            &[("keep", &DAS_BOOT.to_string()), ("drop", &boot.to_string())],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM movies WHERE id = $1", &[boot]).await,
        1
    );

    let page = app.get("/admin/duplicates").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&row),
        "the pair is listed, the older entry to keep:\n{html}"
    );
    assert!(html.contains(&button), "its Merge button");
    assert!(html.contains("Boot, Das") && html.contains("Wolfgang Petersen"));

    let merged = app
        .post_form(
            "/admin/duplicates/merge",
            &[("keep", &DAS_BOOT.to_string()), ("drop", &boot.to_string())],
        )
        .await;
    assert_eq!(merged.status().as_u16(), 303);
    assert_eq!(location(&merged), Some("/admin/duplicates"));
    let html = app.get_html("/admin/duplicates").await;
    assert!(
        html.contains(&format!(
            "Merged Boot, Das (1981, id {boot}) into Das Boot (1981, id {DAS_BOOT})"
        )),
        "the notice says what moved"
    );
    assert!(html.contains("moved 1 rating"), "the notice counts");
    assert!(!html.contains(&button), "the pair is gone");
    assert!(
        !app.get_html("/admin/duplicates")
            .await
            .contains("merge-notice"),
        "the notice shows once"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM ratings WHERE movie_id = $1 AND rating = 5",
            &[DAS_BOOT]
        )
        .await,
        1,
        "Bob's rating followed"
    );
    let again = app
        .post_form(
            "/admin/duplicates/merge",
            &[("keep", &DAS_BOOT.to_string()), ("drop", &boot.to_string())],
        )
        .await;
    assert_eq!(again.status().as_u16(), 404, "merged already");
}
