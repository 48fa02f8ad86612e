//! One film, one entry: data sets spelled their own way merge into the films a site has, with
//! their genres, years and other titles, and ids travel from users' files into the catalog.

use std::collections::HashMap;
use std::path::Path;

use movierec::importers::titles;
use movierec::store::Db;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::helpers::{TestApp, spawn_app, stdout_of};

/// Writes a MovieLens set in the `ml-latest` layout: `movies` as (id, title as MovieLens
/// writes it, genres joined by `|`), no links, and one rating of each movie by each rater.
fn write_set(dir: &Path, movies: &[(u32, String, String)], raters: u32) {
    std::fs::create_dir_all(dir).unwrap();
    let mut writer = csv::Writer::from_path(dir.join("movies.csv")).unwrap();
    writer.write_record(["movieId", "title", "genres"]).unwrap();
    for (id, title, genres) in movies {
        writer
            .write_record([id.to_string().as_str(), title, genres])
            .unwrap();
    }
    writer.flush().unwrap();
    let mut links = String::from("movieId,imdbId,tmdbId\n");
    let mut ratings = String::from("userId,movieId,rating,timestamp\n");
    for (id, _, _) in movies {
        links.push_str(&format!("{id},,\n"));
        for rater in 1..=raters {
            let stars = 1 + (id + rater) % 5;
            ratings.push_str(&format!("{rater},{id},{stars}.0,{}\n", 1_500_000_000 + id));
        }
    }
    std::fs::write(dir.join("links.csv"), links).unwrap();
    std::fs::write(dir.join("ratings.csv"), ratings).unwrap();
}

async fn import(app: &TestApp, dir: &Path) -> String {
    let out = app
        .run_cli(&["import".as_ref(), "movielens".as_ref(), dir.as_os_str()])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_of(&out)
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn id_of(db: &Db, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM movies WHERE title = $1")
        .bind(title)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{title}: {e}"))
}

async fn movie(app: &TestApp, id: i64) -> Value {
    let response = app.get(&format!("/api/v1/movies/{id}")).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn search(app: &TestApp, query: &str) -> Vec<i64> {
    let found: Value = app
        .get(&format!("/api/v1/search?{query}"))
        .await
        .json()
        .await
        .unwrap();
    found["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn movielens_spellings_merge_into_the_sites_films_with_genres_years_and_other_titles() {
    let app = spawn_app().await;
    app.register("ann", "correct horse battery").await;
    let db = app.database().await;
    let se7en = id_of(&db, "Se7en").await;
    assert_eq!(app.rate(se7en as u32, "4.5").await.status().as_u16(), 303);
    // A film the site dates a year late, as the embedded catalog often does.
    let harbour: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year) VALUES ('Quiet Harbour', 2001) RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, ' quiet harbour ')")
        .bind(harbour)
        .execute(&db)
        .await
        .unwrap();
    let before = scalar(&db, "SELECT COUNT(*) FROM movies").await;

    let movies: Vec<(u32, String, String)> = [
        // Through an alternative title: an "a.k.a.", an original title in brackets.
        ("Seven (a.k.a. Se7en) (1995)", "Mystery|Thriller"),
        (
            "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)",
            "Action|Crime|Drama|Thriller",
        ),
        (
            "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
            "Comedy|Romance",
        ),
        (
            "Seven Samurai (Shichinin no samurai) (1954)",
            "Action|Adventure|Drama",
        ),
        (
            "Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",
            "Action|Adventure|Western",
        ),
        // By title: an article behind, "Vol.", words joined, accents.
        ("Kill Bill: Vol. 1 (2003)", "Action|Crime|Thriller"),
        ("Boot, Das (Boat, The) (1981)", "Action|Drama|War"),
        ("Cache (Caché) (2005)", "Drama|Mystery|Thriller"),
        ("Beetlejuice (1988)", "Comedy|Fantasy"),
        ("Matrix, The (1999)", "Action|Sci-Fi|Thriller"),
        (
            "Toy Story (1995)",
            "Adventure|Animation|Children|Comedy|Fantasy",
        ),
        // The embedded catalog's year, corrected, is MovieLens's.
        ("Good Will Hunting (1997)", "Drama|Romance"),
        ("Quiet Harbour (2000)", "Drama|IMAX"),
    ]
    .iter()
    .zip(1..)
    .map(|((title, genres), id)| (id, (*title).to_owned(), (*genres).to_owned()))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("ml-spellings");
    write_set(&set, &movies, 3);
    let out = import(&app, &set).await;
    for line in [
        "movies: 13 in the set",
        "added: 0",
        "merged: 13 (0 by IMDb id, 8 by title and year, 5 by an alternative title)",
        "ambiguous: 0",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM movies").await,
        before,
        "a film came in twice"
    );

    // The site's film keeps its id, title and the user's rating; the set's names find it.
    let film = movie(&app, se7en).await;
    assert_eq!(film["title"], "Se7en");
    assert_eq!(app.my_rating(se7en as u32).await.as_deref(), Some("4.5"));
    for query in ["q=seven", "q=se7en"] {
        assert_eq!(search(&app, query).await.first(), Some(&se7en), "{query}");
    }
    let leon = id_of(&db, "Léon").await;
    assert!(
        search(&app, "q=the+professional").await.contains(&leon),
        "an alternative title is searchable"
    );

    // Genres are the union, in the site's vocabulary: Children is Family, IMAX is no genre.
    let toy_story = id_of(&db, "Toy Story").await;
    let genres = movie(&app, toy_story).await["genres"].clone();
    for genre in ["Adventure", "Animation", "Comedy", "Family", "Fantasy"] {
        assert!(
            genres.as_array().unwrap().iter().any(|g| g == genre),
            "{genre} missing from {genres}"
        );
    }
    assert!(
        search(&app, "genre=Animation&q=toy+story")
            .await
            .contains(&toy_story)
    );
    let matrix = movie(&app, id_of(&db, "The Matrix").await).await;
    assert!(
        matrix["genres"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Thriller"),
        "{matrix}"
    );
    assert!(
        !movie(&app, harbour).await["genres"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "IMAX")
    );

    // MovieLens's year beats the site's; the old one is kept for matching.
    assert_eq!(movie(&app, harbour).await["year"], 2000);
    assert_eq!(
        scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM movie_titles WHERE movie_id = {harbour} AND year = 2001"
            )
        )
        .await,
        1
    );
    assert_eq!(
        movie(&app, id_of(&db, "Good Will Hunting").await).await["year"],
        1997
    );
    assert_eq!(
        movie(&app, id_of(&db, "Shichinin no samurai").await).await["year"],
        1954
    );

    // Again: nothing new.
    let again = import(&app, &set).await;
    assert!(again.contains("already imported: 13"), "{again}");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM movies").await, before);
}

/// MovieLens's habits: an article moved behind ("Matrix, The"), "Vol." for "Volume", no
/// accents in the display title.
fn movielens_spelling(title: &str) -> String {
    let plain: String = title
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    let plain = plain.replace("Volume ", "Vol. ");
    for article in [
        "The ", "A ", "An ", "La ", "Le ", "Les ", "Das ", "Il ", "El ",
    ] {
        if let Some(rest) = plain.strip_prefix(article)
            && !rest.is_empty()
        {
            return format!("{rest}, {}", article.trim_end());
        }
    }
    plain
}

/// The site's genre names as MovieLens writes them.
fn movielens_genres(genres: &Value) -> String {
    let names: Vec<&str> = genres
        .as_array()
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let names: Vec<&str> = names
        .into_iter()
        .map(|g| if g == "Family" { "Children" } else { g })
        .collect();
    if names.is_empty() {
        "(no genres listed)".to_owned()
    } else {
        names.join("|")
    }
}

#[tokio::test]
async fn a_movielens_set_of_the_embedded_films_spelled_its_way_finds_no_film_twice() {
    let app = spawn_app().await;
    let db = app.database().await;
    let films: Vec<(i64, String, Option<i64>, String)> = sqlx::query_as(
        &format!(
            "SELECT m.id, m.title, m.year, ({}) FROM movies m ORDER BY m.id",
            if crate::helpers::on_postgres() {
                "SELECT COALESCE(json_agg(g.name ORDER BY g.name), '[]')::text FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id"
            } else {
                "SELECT COALESCE(json_group_array(g.name), '[]') FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id"
            }
        ),
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(films.len() > 1000, "the embedded catalog is loaded");
    // Films of the catalog that share a title and a year with another: no title rule can
    // tell them apart, and the import rightly calls them ambiguous. Left out.
    let mut by_key: HashMap<String, Vec<Option<i64>>> = HashMap::new();
    for (_, title, year, _) in &films {
        by_key.entry(titles::key(title)).or_default().push(*year);
    }
    let clear = |title: &str, year: Option<i64>| {
        by_key[&titles::key(title)]
            .iter()
            // Within two: the set dates some films a year later.
            .filter(|y| match (y, year) {
                (Some(a), Some(b)) => (a - b).abs() <= 2,
                _ => true,
            })
            .count()
            == 1
    };
    let mut movies = Vec::new();
    let mut wanted = Vec::new();
    for (n, (id, title, year, genres)) in films.iter().enumerate() {
        let Some(year) = year else { continue };
        // A title ending in brackets cannot be written in MovieLens's format, which reads a
        // closing group as another title.
        if !clear(title, Some(*year)) || title.ends_with(')') {
            continue;
        }
        let genres = movielens_genres(&serde_json::from_str(genres).unwrap());
        let spelled = movielens_spelling(title);
        // Every fourth film is written as MovieLens writes a foreign film: an English title
        // of its own with the original in brackets; every fourth other one with an "a.k.a.";
        // every third a year later (a later release), the rest as they are.
        let ml_year = if n % 3 == 1 { year + 1 } else { *year };
        let written = match n % 4 {
            1 => format!("Foreign Feature {n} ({spelled}) ({ml_year})"),
            2 => format!("Other Name {n} (a.k.a. {spelled}) ({ml_year})"),
            _ => format!("{spelled} ({ml_year})"),
        };
        movies.push((n as u32 + 1, written, genres));
        wanted.push(*id);
    }
    assert!(
        wanted.len() * 10 > films.len() * 9,
        "{} of {} films written",
        wanted.len(),
        films.len()
    );
    let before = scalar(&db, "SELECT COUNT(*) FROM movies").await;
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("ml-embedded");
    write_set(&set, &movies, 2);
    let out = import(&app, &set).await;
    assert!(out.contains("added: 0"), "{out}");
    assert!(out.contains("ambiguous: 0"), "{out}");
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM movies").await,
        before,
        "{out}"
    );
    let merged: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM movies WHERE movielens_id IS NOT NULL ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(merged, wanted, "every film found itself once");
}

#[tokio::test]
async fn an_imdb_id_in_a_users_file_is_learned_by_the_film_it_matched_by_title() {
    let app = spawn_app().await;
    app.register("ann", "correct horse battery").await;
    let db = app.database().await;
    let cache = id_of(&db, "Caché").await;
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM movies WHERE id = {cache} AND imdb_id IS NULL")
        )
        .await,
        1,
        "the embedded catalog has no IMDb ids"
    );
    let file = "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0387898,8,2023-05-01,Hidden,Caché,https://www.imdb.com/title/tt0387898/,Movie,7.3,117,2005,\"Drama, Mystery\",80000,2005-10-05,Michael Haneke
";
    let report = app.import_history("", "ratings.csv", file.as_bytes()).await;
    assert_eq!(report["counts"]["matched_by_title"], 1, "{report}");
    assert_eq!(movie(&app, cache).await["imdb_id"], "tt0387898");
    let export = app
        .get("/api/v1/me/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(export.lines().any(|l| l.contains("tt0387898")), "{export}");
    // Another user's file naming the same film by id now finds it by id.
    app.logout().await;
    app.register("ben", "correct horse battery").await;
    let report = app.import_history("", "ratings.csv", file.as_bytes()).await;
    assert_eq!(report["counts"]["matched_by_imdb"], 1, "{report}");
}

#[tokio::test]
async fn a_title_imported_with_its_brackets_loses_them_on_the_next_import() {
    let app = spawn_app().await;
    let db = app.database().await;
    // As an earlier import wrote it: one bracket group taken apart, the other left.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, movielens_id)
         VALUES ('Leon: The Professional (a.k.a. The Professional)', 1994, 77) RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("ml-again");
    write_set(
        &set,
        &[(
            77,
            "Leon: The Professional (a.k.a. The Professional) (Léon) (1994)".to_owned(),
            "Action|Crime".to_owned(),
        )],
        1,
    );
    let out = import(&app, &set).await;
    assert!(out.contains("already imported: 1"), "{out}");
    assert_eq!(movie(&app, id).await["title"], "Leon: The Professional");
    assert!(search(&app, "q=the+professional").await.contains(&id));
}

fn gzip_to(dir: &Path, name: &str, text: &str) -> String {
    use std::io::Write;
    let path = dir.join(name);
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn imdb_finds_a_film_the_site_dates_wrongly_by_its_director_and_its_year_wins() {
    let app = spawn_app().await;
    let db = app.database().await;
    // The site dates the film by a US release thirteen years late.
    let late: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, director) VALUES ('Harbour Lights', 2001, 'Jane Q. Doe')
         RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // Another film of the same name by someone else, decades before: not the same film.
    let other: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, director) VALUES ('Harbour Lights', 1950, 'Sam Roe')
         RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let basics = gzip_to(
        dir.path(),
        "title.basics.tsv.gz",
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres
tt7000001\tmovie\tHarbour Lights\tLes Lumières du port\t0\t1988\t\\N\t101\tDrama,Romance
",
    );
    let ratings = gzip_to(
        dir.path(),
        "title.ratings.tsv.gz",
        "tconst\taverageRating\tnumVotes\ntt7000001\t7.4\t52000\n",
    );
    let crew = gzip_to(
        dir.path(),
        "title.crew.tsv.gz",
        "tconst\tdirectors\twriters\ntt7000001\tnm7000001\t\\N\n",
    );
    let names = gzip_to(
        dir.path(),
        "name.basics.tsv.gz",
        "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles
nm7000001\tJane Doe\t1950\t\\N\tdirector\ttt7000001
",
    );
    let out = app
        .run_cli(&[
            "import",
            "imdb",
            "--basics",
            &basics,
            "--ratings",
            &ratings,
            "--crew",
            &crew,
            "--names",
            &names,
        ])
        .await;
    let text = stdout_of(&out);
    assert!(text.contains("added: 0"), "{text}");
    assert!(text.contains("merged: 1 "), "{text}");
    let film = movie(&app, late).await;
    assert_eq!(film["imdb_id"], "tt7000001");
    assert_eq!(film["year"], 1988, "IMDb's year wins");
    assert!(movie(&app, other).await["imdb_id"].is_null());
    // The year and the original title it was known by stay known.
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM movie_titles WHERE movie_id = {late} AND year = 2001")
        )
        .await,
        1
    );
    assert!(search(&app, "q=lumieres+du+port").await.contains(&late));
    // A MovieLens set dating it as the site did still finds it, and leaves IMDb's year.
    let set = dir.path().join("ml-late");
    write_set(
        &set,
        &[(5, "Harbour Lights (2001)".to_owned(), "Drama".to_owned())],
        1,
    );
    let out = import(&app, &set).await;
    assert!(out.contains("added: 0"), "{out}");
    assert_eq!(movie(&app, late).await["year"], 1988);
}

#[tokio::test]
async fn an_import_merges_a_second_entry_of_a_film_it_finds_by_id() {
    let app = spawn_app().await;
    app.register("ann", "correct horse battery").await;
    let db = app.database().await;
    let se7en = id_of(&db, "Se7en").await;
    assert_eq!(app.rate(se7en as u32, "4.5").await.status().as_u16(), 303);
    let watchlist = app
        .post_form(
            &format!("/movies/{se7en}/watchlist"),
            &[] as &[(&str, &str)],
        )
        .await;
    assert!(watchlist.status().is_redirection() || watchlist.status().is_success());
    // A second entry, as an import that could not tell them apart once added it.
    let seven: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, imdb_id, movielens_id)
         VALUES ('Seven', 1995, 'tt0114369', 47) RETURNING id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, ' seven ')")
        .bind(seven)
        .execute(&db)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("ml-links");
    std::fs::create_dir_all(&set).unwrap();
    std::fs::write(
        set.join("movies.csv"),
        "movieId,title,genres\n47,Seven (a.k.a. Se7en) (1995),Mystery|Thriller\n",
    )
    .unwrap();
    std::fs::write(
        set.join("links.csv"),
        "movieId,imdbId,tmdbId\n47,0114369,807\n",
    )
    .unwrap();
    std::fs::write(
        set.join("ratings.csv"),
        "userId,movieId,rating,timestamp\n1,47,4.0,1500000000\n",
    )
    .unwrap();
    let out = import(&app, &set).await;
    assert!(
        out.contains("second entries of a film merged into it: 1"),
        "{out}"
    );
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM movies WHERE id = {se7en}")
        )
        .await,
        0
    );
    // Nothing of the user's is lost: the rating and the watchlist follow the film.
    assert_eq!(app.my_rating(seven as u32).await.as_deref(), Some("4.5"));
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT COUNT(*) FROM watchlist WHERE movie_id = {seven}")
        )
        .await,
        1
    );
    // The old page leads to the film kept.
    let response = crate::helpers::client()
        .get(app.url(&format!("/movies/{se7en}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 301);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/movies/{seven}")
    );
    assert!(search(&app, "q=se7en").await.first() == Some(&seven));
}
