//! One count for "Most votes" (IMDb votes, else a MovieLens import's raters, else the site's
//! own) and one genre vocabulary for the genre filter, with its films counted.

use std::path::Path;

use movierec::catalog::embedded;
use movierec::catalog::genres::GENRES;
use movierec::web::session::encode_component;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, stdout_of};

/// "Toy Story" (1995) of the embedded catalog, which carries IMDb's votes.
const TOY_STORY: i64 = 2975;

/// Community raters of the set's two Sci-Fi films no other source knows.
const MANY: u32 = 12;
const FEW: u32 = 2;

/// A MovieLens set: two Sci-Fi films only it knows, one with many raters and one with few
/// (and a format for a genre, which no filter offers), a film nobody in it rated, and Toy
/// Story, which merges into the catalog's.
fn write_set(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("movies.csv"),
        "movieId,title,genres
1,Zorgon Nebula Crowds (2011),Sci-Fi
2,Zorgon Nebula Whispers (2012),Sci-Fi|IMAX
3,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
4,Zorgon Nebula Silence (2013),Sci-Fi
",
    )
    .unwrap();
    std::fs::write(
        dir.join("links.csv"),
        "movieId,imdbId,tmdbId\n1,,\n2,,\n3,0114709,862\n4,,\n",
    )
    .unwrap();
    let mut ratings = String::from("userId,movieId,rating,timestamp\n");
    for user in 1..=MANY {
        ratings.push_str(&format!("{user},1,4.0,1494273047\n"));
    }
    for user in 1..=FEW {
        ratings.push_str(&format!("{user},2,3.5,1494273047\n"));
    }
    for user in 1..=3 {
        ratings.push_str(&format!("{user},3,4.5,1494273047\n"));
    }
    std::fs::write(dir.join("ratings.csv"), ratings).unwrap();
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Every result of a search, walking all its pages.
async fn all_results(app: &TestApp, query: &str) -> Vec<Value> {
    let mut results = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = get_json(app, &format!("/api/v1/search?{query}&page={page}")).await;
        assert_eq!(status, 200, "{body}");
        results.extend(body["results"].as_array().unwrap().iter().cloned());
        if page >= body["pages"].as_i64().unwrap() {
            return results;
        }
        page += 1;
    }
}

fn find<'a>(results: &'a [Value], title: &str) -> (usize, &'a Value) {
    results
        .iter()
        .enumerate()
        .find(|(_, hit)| hit["title"] == title)
        .unwrap_or_else(|| panic!("{title} is listed"))
}

#[tokio::test]
async fn most_votes_takes_imdb_votes_else_community_raters_else_the_site_s() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path());
    stdout_of(
        &app.run_cli(&[
            "import".as_ref(),
            "movielens".as_ref(),
            dir.path().as_os_str(),
        ])
        .await,
    );

    // Browsing Sci-Fi by most votes: the set's well-rated film above its little-rated one,
    // each counted by its community raters, IMDb's count left empty.
    let sci_fi = all_results(&app, "genre=Sci-Fi&sort=votes").await;
    let votes: Vec<i64> = sci_fi
        .iter()
        .map(|h| h["votes"].as_i64().unwrap())
        .collect();
    assert!(votes.windows(2).all(|w| w[0] >= w[1]), "{votes:?}");
    let (crowds_at, crowds) = find(&sci_fi, "Zorgon Nebula Crowds");
    let (whispers_at, whispers) = find(&sci_fi, "Zorgon Nebula Whispers");
    assert!(crowds_at < whispers_at, "{sci_fi:?}");
    assert_eq!(crowds["votes"], MANY);
    assert_eq!(whispers["votes"], FEW);
    assert!(crowds["imdb_votes"].is_null(), "{crowds}");
    // The catalog's films counted by IMDb lead with IMDb's counts.
    assert_eq!(sci_fi[0]["votes"], sci_fi[0]["imdb_votes"], "{}", sci_fi[0]);

    // A title search sorted by votes orders the same way.
    let (_, body) = get_json(
        &app,
        "/api/v1/search?q=zorgon%20nebula&genre=Sci-Fi&sort=votes",
    )
    .await;
    let titles: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Zorgon Nebula Crowds",
            "Zorgon Nebula Whispers",
            "Zorgon Nebula Silence"
        ]
    );

    // Toy Story has three community raters here and IMDb's votes from the catalog: IMDb's.
    let (_, toy_story) = get_json(&app, &format!("/api/v1/movies/{TOY_STORY}")).await;
    let imdb_votes = toy_story["imdb_votes"].as_i64().unwrap();
    assert!(imdb_votes > 3, "{toy_story}");
    let (_, body) = get_json(
        &app,
        "/api/v1/search?q=toy%20story&year_from=1995&year_to=1995",
    )
    .await;
    let (_, hit) = find(body["results"].as_array().unwrap(), "Toy Story");
    assert_eq!(hit["id"], TOY_STORY);
    assert_eq!(hit["votes"], imdb_votes);

    // A film no data set counts is counted by the site's raters, as of the last training.
    let silence = find(&sci_fi, "Zorgon Nebula Silence").1["id"]
        .as_i64()
        .unwrap();
    // The first start's training done, so the command's training is not refused.
    app.wait_for_version_after(None).await;
    app.register("vera", "correct horse battery").await;
    let response = app.rate(u32::try_from(silence).unwrap(), "4").await;
    assert_eq!(response.status().as_u16(), 303);
    stdout_of(&app.run_cli(&["train", "--epochs", "2"]).await);
    let (_, body) = get_json(&app, "/api/v1/search?q=zorgon%20nebula%20silence").await;
    let (_, hit) = find(body["results"].as_array().unwrap(), "Zorgon Nebula Silence");
    assert_eq!(hit["votes"], 1, "{hit}");
}

/// Films of the embedded catalog per vocabulary genre.
fn embedded_counts() -> Vec<(String, usize)> {
    let movies = embedded().unwrap();
    GENRES
        .iter()
        .map(|g| {
            let films = movies
                .iter()
                .filter(|m| m.genres.iter().any(|x| x == g))
                .count();
            ((*g).to_owned(), films)
        })
        .filter(|(_, films)| *films > 0)
        .collect()
}

async fn genre_list(app: &TestApp) -> Vec<(String, usize)> {
    let (status, body) = get_json(app, "/api/v1/genres").await;
    assert_eq!(status, 200, "{body}");
    body["genres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_owned(),
                usize::try_from(g["films"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn with_added(mut counts: Vec<(String, usize)>, added: &[&str]) -> Vec<(String, usize)> {
    for genre in added {
        match counts.iter_mut().find(|(name, _)| name == genre) {
            Some((_, films)) => *films += 1,
            None => counts.push(((*genre).to_owned(), 1)),
        }
    }
    counts.sort_by_key(|(name, _)| GENRES.iter().position(|g| g == name));
    counts
}

#[tokio::test]
async fn the_genre_filter_offers_the_vocabulary_with_counts_and_finds_older_names() {
    let app = spawn_app().await;
    let catalog = embedded_counts();
    assert_eq!(genre_list(&app).await, catalog);

    // An older site's films under its sources' own names.
    let db = app.database().await;
    for (title, genres) in [
        ("Zorgon Legacy", ["Science Fiction", "IMAX"]),
        ("Quorble Tales", ["Children", "Thriller/Suspense"]),
    ] {
        let id: i64 =
            sqlx::query_scalar("INSERT INTO movies (title, year) VALUES ($1, 1999) RETURNING id")
                .bind(title)
                .fetch_one(&db)
                .await
                .unwrap();
        for genre in genres {
            let genre: i64 = sqlx::query_scalar(
                "INSERT INTO genres (name) VALUES ($1)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            )
            .bind(genre)
            .fetch_one(&db)
            .await
            .unwrap();
            sqlx::query("INSERT INTO movie_genres (movie_id, genre_id) VALUES ($1, $2)")
                .bind(id)
                .bind(genre)
                .execute(&db)
                .await
                .unwrap();
        }
    }
    db.close().await;
    let expected = with_added(catalog, &["Family", "Sci-Fi", "Thriller"]);

    // Listed and found under the vocabulary's names, while the database still has the old.
    assert_eq!(genre_list(&app).await, expected);
    let zorgon = "/api/v1/search?q=zorgon%20legacy&genre=Sci-Fi";
    let (status, body) = get_json(&app, zorgon).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["title"], "Zorgon Legacy", "{body}");
    assert_eq!(body["results"][0]["genres"], serde_json::json!(["Sci-Fi"]));

    // A start folds the old names into the vocabulary for good.
    let app = app.restart().await;
    let db = app.database().await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM genres")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(
        names.iter().all(|n| GENRES.contains(&n.as_str())),
        "{names:?}"
    );
    let quorble: Vec<String> = sqlx::query_scalar(
        "SELECT g.name FROM genres g JOIN movie_genres mg ON mg.genre_id = g.id
           JOIN movies m ON m.id = mg.movie_id WHERE m.title = 'Quorble Tales' ORDER BY g.name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(quorble, ["Family", "Thriller"]);
    db.close().await;
    assert_eq!(genre_list(&app).await, expected);
    let (_, body) = get_json(&app, zorgon).await;
    assert_eq!(body["results"][0]["title"], "Zorgon Legacy", "{body}");
    let (_, body) = get_json(&app, "/api/v1/search?q=quorble&genre=family").await;
    assert_eq!(body["results"][0]["title"], "Quorble Tales", "{body}");

    // The search page offers the same list, each genre with its films.
    let page = app.get_html("/search").await;
    let sci_fi = expected
        .iter()
        .find(|(name, _)| name == "Sci-Fi")
        .unwrap()
        .1;
    assert!(
        page.contains(&format!(
            r#"<option value="Sci-Fi">Sci-Fi ({sci_fi})</option>"#
        )),
        "{page}"
    );
    assert!(
        !page.contains("Science Fiction") && !page.contains("IMAX"),
        "{page}"
    );

    // Names outside the vocabulary are refused, naming the field.
    for genre in ["Science Fiction", "IMAX", "Mumblecore"] {
        let (status, body) = get_json(
            &app,
            &format!("/api/v1/search?genre={}", encode_component(genre)),
        )
        .await;
        assert_eq!(status, 400, "{genre}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("genre: "), "{message}");
        assert!(message.contains("Sci-Fi"), "{message}");
    }
}
