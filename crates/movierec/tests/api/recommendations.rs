//! Recommendations end to end: fallback, onboarding, Next, Not interested, watchlist, the API,
//! and taste following after training and by fold-in.

use std::collections::HashSet;

use movierec::catalog::CatalogMovie;
use serde_json::Value;

use crate::helpers::{
    TestApp, assert_redirects_to, model_status, spawn_app, version, wait_for_model,
};

const PASSWORD: &str = "correct horse battery";

/// The catalog's movies of one genre, most voted first.
fn by_genre(genre: &str) -> Vec<CatalogMovie> {
    let mut movies: Vec<CatalogMovie> = movierec::catalog::embedded()
        .unwrap()
        .into_iter()
        .filter(|m| m.genres.iter().any(|g| g == genre))
        .collect();
    movies.sort_by_key(|m| std::cmp::Reverse(m.imdb_votes.unwrap_or(0)));
    movies
}

impl TestApp {
    async fn recommendations(&self, n: usize) -> Vec<Value> {
        let response = self.get(&format!("/api/v1/recommendations?n={n}")).await;
        assert_eq!(response.status().as_u16(), 200);
        response.json::<Vec<Value>>().await.unwrap()
    }

    async fn post_to(&self, path: &str, next: &str) {
        let response = self.post_form(path, &[("next", next)]).await;
        assert_redirects_to(&response, next);
    }

    /// Trains a new model through the API and waits for it to serve.
    pub(crate) async fn train(&self) -> i64 {
        // The training started at boot may still be running.
        let idle = wait_for_model(&self.client, &self.address, "an idle trainer", |s| {
            s["training"]["running"] == false
        })
        .await;
        let response = self
            .client
            .post(self.url("/api/v1/model/train"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
        let status = self.wait_for_version_after(version(&idle)).await;
        version(&status).expect("a model serves")
    }
}

fn ids(recommendations: &[Value]) -> Vec<i64> {
    recommendations
        .iter()
        .map(|r| r["movie_id"].as_i64().unwrap())
        .collect()
}

/// The movie ids marked `data-movie-id` inside elements with `class` on a page.
fn movie_ids_with_class(html: &str, class: &str) -> Vec<i64> {
    html.split(&format!("class=\"{class}\""))
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find("data-movie-id=\"")? + "data-movie-id=\"".len();
            let end = start + rest[start..].find('"')?;
            rest[start..end].parse().ok()
        })
        .collect()
}

fn featured(html: &str) -> Option<i64> {
    movie_ids_with_class(html, "featured").first().copied()
}

#[tokio::test]
async fn a_new_user_gets_a_labelled_fallback_and_varied_movies_to_rate() {
    let app = spawn_app().await;
    app.register("nina", PASSWORD).await;

    let html = app.get_html("/").await;
    assert!(html.contains(r#"data-source="fallback""#), "{html}");
    let onboarding = movie_ids_with_class(&html, "movie-card onboarding-movie");
    assert_eq!(onboarding.len(), 12, "{html}");
    let catalog = movierec::catalog::embedded().unwrap();
    let genres: HashSet<_> = onboarding
        .iter()
        .map(|id| {
            &catalog
                .iter()
                .find(|m| i64::from(m.id) == *id)
                .unwrap()
                .genres
        })
        .collect();
    assert!(genres.len() >= 6, "diverse genres: {genres:?}");
    // The page never offers a film to rate that it shows as a pick (the featured pick and
    // the grid of 20 below it), and offers the best known of the others first.
    let shown: HashSet<i64> = ids(&app.recommendations(21).await).into_iter().collect();
    assert!(
        onboarding.iter().all(|id| !shown.contains(id)),
        "{onboarding:?} / {shown:?}"
    );
    let most_votes = catalog
        .iter()
        .filter(|m| !shown.contains(&i64::from(m.id)))
        .filter_map(|m| m.imdb_votes)
        .max()
        .unwrap();
    let first = catalog
        .iter()
        .find(|m| i64::from(m.id) == onboarding[0])
        .unwrap();
    assert_eq!(first.imdb_votes, Some(most_votes), "the best known first");

    let recommendations = app.recommendations(20).await;
    assert_eq!(recommendations.len(), 20);
    for r in &recommendations {
        assert_eq!(r["source"], "fallback", "{r}");
        assert!(r["predicted_rating"].is_null(), "{r}");
        assert!(r["reason"].is_string(), "{r}");
    }

    // Rating from onboarding comes back home, and the rated movie leaves both lists.
    let rated = onboarding[0];
    let response = app
        .post_form(
            &format!("/movies/{rated}/rating"),
            &[("stars", "5"), ("next", "/")],
        )
        .await;
    assert_redirects_to(&response, "/");
    let html = app.get_html("/").await;
    assert!(!movie_ids_with_class(&html, "movie-card onboarding-movie").contains(&rated));
    assert!(!ids(&app.recommendations(50).await).contains(&rated));
    // A liked genre now leads the fallback, labelled with its reason.
    let genre = first
        .genres
        .first()
        .expect("the most voted movie has a genre");
    let top = &app.recommendations(1).await[0];
    assert_eq!(
        top["reason"],
        format!("Popular in {genre}, a genre you rated well")
    );
}

#[tokio::test]
async fn next_steps_through_every_pick_once_then_says_so() {
    let app = spawn_app().await;
    app.register("ned", PASSWORD).await;
    let expected = ids(&app.recommendations(100).await);

    let mut seen = Vec::new();
    let mut path = "/".to_owned();
    loop {
        let html = app.get_html(&path).await;
        let Some(movie) = featured(&html) else {
            assert!(html.contains("That was the last of your"), "{html}");
            break;
        };
        assert!(!seen.contains(&movie), "{movie} shown twice");
        seen.push(movie);
        let start = html.find(r#"href="/?pick="#).expect("a Next link") + "href=\"".len();
        path = html[start..start + html[start..].find('"').unwrap()].to_owned();
        assert!(seen.len() <= 100, "Next must end");
    }
    assert!(seen.len() >= 20, "{seen:?}");
    assert_eq!(seen, expected[..seen.len()], "Next follows the ranking");

    let response = app.get("/?pick=abc").await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn the_featured_pick_is_not_repeated_in_the_grid_below_it() {
    let app = spawn_app().await;
    app.register("greta", PASSWORD).await;
    let expected = ids(&app.recommendations(100).await);
    for pick in [0, 3] {
        let html = app.get_html(&format!("/?pick={pick}")).await;
        let featured = featured(&html).expect("a featured pick");
        assert_eq!(featured, expected[pick]);
        let grid = movie_ids_with_class(&html, "movie-card recommendation");
        assert!(!grid.contains(&featured), "{featured} in {grid:?}");
        // The grid is the ranking without the featured pick, best first.
        let rest: Vec<i64> = expected
            .iter()
            .copied()
            .filter(|&m| m != featured)
            .collect();
        assert_eq!(grid, rest[..grid.len()]);
        assert!(grid.len() >= 10, "{grid:?}");
    }
}

#[tokio::test]
async fn not_interested_and_watchlist_persist_and_leave_the_recommendations() {
    let app = spawn_app().await;
    app.register("hilda", PASSWORD).await;
    let before = ids(&app.recommendations(20).await);
    let (hidden, kept) = (before[0], before[1]);

    app.post_to(&format!("/movies/{hidden}/hide"), "/?pick=0")
        .await;
    app.post_to(&format!("/movies/{kept}/watchlist"), "/?pick=0")
        .await;
    // Again is harmless.
    app.post_to(&format!("/movies/{kept}/watchlist"), "/?pick=0")
        .await;

    let after = ids(&app.recommendations(100).await);
    assert!(
        !after.contains(&hidden) && !after.contains(&kept),
        "{after:?}"
    );
    assert_eq!(after[0], before[2], "the rest move up");
    let home = app.get_html("/").await;
    assert_eq!(featured(&home), Some(before[2]));

    let watchlist = app.get_html("/my/watchlist").await;
    assert!(
        watchlist.contains(&format!("/movies/{kept}\"")),
        "{watchlist}"
    );
    assert!(
        !watchlist.contains(&format!("/movies/{hidden}\"")),
        "{watchlist}"
    );
    let not_interested = app.get_html("/my/not-interested").await;
    assert!(
        not_interested.contains(&format!("/movies/{hidden}\"")),
        "{not_interested}"
    );
    assert!(
        not_interested.contains(&format!(r#"action="/movies/{hidden}/unhide""#)),
        "a Restore form: {not_interested}"
    );
    assert!(!not_interested.contains(&format!("/movies/{kept}\"")));
    // The movie page's toggle shows the state and posts the opposite change.
    let movie = app.get_html(&format!("/movies/{kept}")).await;
    assert!(
        movie.contains(&format!(r#"action="/movies/{kept}/watchlist/delete""#)),
        "{movie}"
    );
    assert!(movie.contains(r#"aria-pressed="true""#), "{movie}");

    // Both survive a restart.
    let app = app.restart().await;
    assert!(!ids(&app.recommendations(100).await).contains(&hidden));

    app.post_to(&format!("/movies/{kept}/watchlist/delete"), "/my/watchlist")
        .await;
    app.post_to(&format!("/movies/{hidden}/unhide"), "/my/not-interested")
        .await;
    assert_eq!(ids(&app.recommendations(20).await), before);
    assert!(
        app.get_html("/my/watchlist")
            .await
            .contains("Your watchlist is empty")
    );

    let response = app
        .post_form("/movies/99999999/hide", &[("next", "/")])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    app.logout().await;
    let response = app
        .post_form(&format!("/movies/{kept}/watchlist"), &[("next", "/")])
        .await;
    assert_redirects_to(&response, "/login?next=/");
}

#[tokio::test]
async fn the_api_checks_its_input() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/recommendations").await;
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    app.register("ivy", PASSWORD).await;
    assert_eq!(app.recommendations(1).await.len(), 1);
    let response = app.get("/api/v1/recommendations").await;
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 20);
    assert_eq!(app.recommendations(100).await.len(), 100);
    for bad in ["0", "101", "-1", "abc", "2.5", ""] {
        let response = app.get(&format!("/api/v1/recommendations?n={bad}")).await;
        assert_eq!(response.status().as_u16(), 400, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["message"], "n: Give a whole number from 1 to 100.",
            "{bad:?}"
        );
    }
    let response = app.get("/api/v1/movies/99999999/similar").await;
    assert_eq!(response.status().as_u16(), 404);
    let response = app.get("/api/v1/movies/abc/similar").await;
    assert_eq!(response.status().as_u16(), 400);
    let response = app.get("/api/v1/movies/1/similar?n=0").await;
    assert_eq!(response.status().as_u16(), 400);
}

/// Rates `movies` from the current session with `stars`.
async fn rate_all(app: &TestApp, movies: &[&CatalogMovie], stars: &str) {
    for movie in movies {
        let response = app.rate(movie.id, stars).await;
        assert_eq!(response.status().as_u16(), 303);
    }
}

fn count_in(recommendations: &[Value], genre: &[CatalogMovie]) -> usize {
    let ids: HashSet<i64> = genre.iter().map(|m| i64::from(m.id)).collect();
    recommendations
        .iter()
        .filter(|r| ids.contains(&r["movie_id"].as_i64().unwrap()))
        .count()
}

#[tokio::test]
async fn recommendations_follow_taste_after_training_and_by_fold_in() {
    let app = spawn_app().await;
    let horror = by_genre("Horror");
    let comedy = by_genre("Comedy");
    let drama = by_genre("Drama");
    let (horror, comedy) = (&horror[..40], &comedy[..40]);

    // Six horror fans and six comedy fans, each rating a different two thirds of both genres,
    // and three drama lovers with no view on either.
    for user in 0..15 {
        app.register(&format!("fan{user}"), PASSWORD).await;
        let pick = |movies: &[CatalogMovie]| -> Vec<CatalogMovie> {
            movies
                .iter()
                .enumerate()
                .filter(|(i, _)| (i + user) % 3 != 0)
                .map(|(_, m)| m.clone())
                .collect()
        };
        let (h, c) = (pick(horror), pick(comedy));
        let (h, c): (Vec<&CatalogMovie>, Vec<&CatalogMovie>) =
            (h.iter().collect(), c.iter().collect());
        match user {
            0..6 => {
                rate_all(&app, &h, "5").await;
                rate_all(&app, &c, "1").await;
            }
            6..12 => {
                rate_all(&app, &h, "1").await;
                rate_all(&app, &c, "5").await;
            }
            _ => {
                let d: Vec<&CatalogMovie> = drama.iter().skip(user * 10).take(20).collect();
                rate_all(&app, &d, "4.5").await;
            }
        }
        app.logout().await;
    }
    // The first account is the site's administrator, who may train.
    app.login("fan0", PASSWORD).await;
    let trained = app.train().await;
    app.logout().await;

    for (user, fan_of_horror) in [("fan0", true), ("fan7", false)] {
        app.login(user, PASSWORD).await;
        let picks = app.recommendations(10).await;
        let (h, c) = (count_in(&picks, horror), count_in(&picks, comedy));
        if fan_of_horror {
            assert!(
                h >= 5 && h > c,
                "{user}: {h} horror vs {c} comedy: {picks:#?}"
            );
        } else {
            assert!(
                c >= 5 && c > h,
                "{user}: {c} comedy vs {h} horror: {picks:#?}"
            );
        }
        assert!(picks.iter().all(|p| p["source"] == "model"));
        // Each reason names a film of the fan's genre they rated 5★, or, when no single film
        // stands out among the dozens they love, a genre of those films or their taste as a
        // whole; never a film they disliked.
        let liked = if fan_of_horror { horror } else { comedy };
        let genres: HashSet<String> = liked
            .iter()
            .flat_map(|m| m.genres.iter().cloned())
            .collect();
        for pick in &picks {
            let reason = pick["reason"].as_str().unwrap_or_default();
            match reason
                .strip_prefix("Because you rated ")
                .and_then(|r| r.strip_suffix(" 5★"))
            {
                Some(title) => assert!(liked.iter().any(|m| m.title == title), "{reason}"),
                None => assert!(
                    reason == "Close to your taste as a whole"
                        || reason
                            .strip_prefix("Liked by people who enjoy ")
                            .and_then(|r| r.strip_suffix(" films as you do"))
                            .is_some_and(|g| genres.contains(g)),
                    "{reason}"
                ),
            }
        }
        app.logout().await;
    }

    // A new user rates after training: fold-in, no retrain.
    app.register("newcomer", PASSWORD).await;
    let fallback = app.recommendations(5).await;
    assert!(fallback.iter().all(|p| p["source"] == "fallback"));
    let h: Vec<&CatalogMovie> = horror.iter().step_by(5).collect();
    let c: Vec<&CatalogMovie> = comedy.iter().step_by(5).collect();
    rate_all(&app, &h, "5").await;
    rate_all(&app, &c, "0.5").await;
    let picks = app.recommendations(10).await;
    assert!(picks.iter().all(|p| p["source"] == "model"), "{picks:#?}");
    let (nh, nc) = (count_in(&picks, horror), count_in(&picks, comedy));
    assert!(
        nh >= 5 && nh > nc,
        "newcomer: {nh} horror vs {nc} comedy: {picks:#?}"
    );
    let rated: HashSet<i64> = h.iter().chain(&c).map(|m| i64::from(m.id)).collect();
    assert!(ids(&picks).iter().all(|id| !rated.contains(id)));

    // The top pick, once rated, is gone on the next load; a hidden one never shows.
    let top = ids(&picks)[0];
    let response = app
        .post_form(
            &format!("/movies/{top}/rating"),
            &[("stars", "4"), ("next", "/?pick=0")],
        )
        .await;
    assert_redirects_to(&response, "/?pick=0");
    let picks = app.recommendations(100).await;
    assert!(!ids(&picks).contains(&top));
    let hidden = ids(&picks)[0];
    app.post_to(&format!("/movies/{hidden}/hide"), "/").await;
    let picks = app.recommendations(100).await;
    assert!(!ids(&picks).contains(&hidden));
    assert!(!ids(&picks).contains(&top));

    // Picks are kept between loads, but a rating written by another process on the same
    // database (another instance, a command-line import) counts at once too, and so does
    // its removal.
    let next = ids(&picks)[0];
    let db = app.database().await;
    let newcomer: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'newcomer'")
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, 4.0, 1)",
    )
    .bind(newcomer)
    .bind(next)
    .execute(&db)
    .await
    .unwrap();
    assert!(!ids(&app.recommendations(100).await).contains(&next));
    sqlx::query("DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2")
        .bind(newcomer)
        .bind(next)
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    assert_eq!(ids(&app.recommendations(100).await)[0], next);
    let similar: Vec<Value> = app
        .get(&format!("/api/v1/movies/{}/similar?n=100", horror[0].id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(similar.len(), 100);
    assert!(!ids(&similar).contains(&hidden));

    // The movie page predicts an unrated movie and lists similar ones.
    let unrated = ids(&picks)[0];
    let page = app.get_html(&format!("/movies/{unrated}")).await;
    assert!(page.contains("Your predicted rating"), "{page}");
    assert!(page.contains("Similar movies"), "{page}");
    let page = app.get_html(&format!("/movies/{top}")).await;
    assert!(!page.contains("Your predicted rating"), "not once rated");

    // Changed ratings count on the next load: the newcomer turns to comedy.
    rate_all(&app, &h, "0.5").await;
    rate_all(&app, &c, "5").await;
    let picks = app.recommendations(10).await;
    let (nh, nc) = (count_in(&picks, horror), count_in(&picks, comedy));
    assert!(
        nc >= 5 && nc > nh,
        "turned newcomer: {nc} comedy vs {nh} horror: {picks:#?}"
    );

    // Still the same model: all of the above came from fold-in.
    assert_eq!(
        version(&model_status(&app.client, &app.address).await),
        Some(trained)
    );
}

/// Registers six horror fans and six comedy fans (`fan0`…`fan11`), each rating a different
/// two thirds of both genres, five stars for their own and one for the other, and logs out.
async fn horror_and_comedy_fans(app: &TestApp, horror: &[CatalogMovie], comedy: &[CatalogMovie]) {
    for user in 0..12 {
        app.register(&format!("fan{user}"), PASSWORD).await;
        fn pick(movies: &[CatalogMovie], user: usize) -> Vec<&CatalogMovie> {
            movies
                .iter()
                .enumerate()
                .filter(|(i, _)| !(i + user).is_multiple_of(3))
                .map(|(_, m)| m)
                .collect()
        }
        let (liked, disliked) = if user < 6 {
            (pick(horror, user), pick(comedy, user))
        } else {
            (pick(comedy, user), pick(horror, user))
        };
        rate_all(app, &liked, "5").await;
        rate_all(app, &disliked, "1").await;
        app.logout().await;
    }
}

#[tokio::test]
async fn a_new_film_nobody_rated_reaches_the_fans_of_its_director_and_genre() {
    let app = spawn_app().await;
    let (horror, comedy) = (by_genre("Horror"), by_genre("Comedy"));
    let (horror, comedy) = (&horror[..40], &comedy[..40]);
    horror_and_comedy_fans(&app, horror, comedy).await;
    // A film new to the catalog, by a director whose horror films the horror fans love.
    let director = "Sam Raimi";
    let theirs: Vec<&CatalogMovie> = horror
        .iter()
        .filter(|m| m.director.as_deref() == Some(director))
        .collect();
    assert!(theirs.len() >= 3, "{theirs:?}");
    let db = app.database().await;
    let new_film: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, director) VALUES ('The Cabin Returns', 1985, $1)
         RETURNING id",
    )
    .bind(director)
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO movie_genres (movie_id, genre_id) SELECT $1, id FROM genres WHERE name = 'Horror'",
    )
    .bind(new_film)
    .execute(&db)
    .await
    .unwrap();
    app.login("fan0", PASSWORD).await;
    app.train().await;
    app.logout().await;

    for (user, fan_of_horror) in [("fan0", true), ("fan1", true), ("fan7", false)] {
        app.login(user, PASSWORD).await;
        let picks = app.recommendations(20).await;
        assert!(picks.iter().all(|p| p["source"] == "model"), "{picks:#?}");
        assert_eq!(
            ids(&picks).contains(&new_film),
            fan_of_horror,
            "{user}: {picks:#?}"
        );
        app.logout().await;
    }
    // A film nobody rated yet stays out of a rated film's similar list while rated films
    // fill it, and its own list is its director's films: content speaks where ratings
    // cannot.
    let similar: Vec<Value> = app
        .get(&format!("/api/v1/movies/{}/similar?n=10", theirs[0].id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(similar.len(), 10, "{similar:#?}");
    assert!(!ids(&similar).contains(&new_film), "{similar:#?}");
    let back: Vec<Value> = app
        .get(&format!("/api/v1/movies/{new_film}/similar?n=10"))
        .await
        .json()
        .await
        .unwrap();
    let by_director: HashSet<i64> = theirs.iter().map(|m| i64::from(m.id)).collect();
    assert!(
        ids(&back).iter().any(|id| by_director.contains(id)),
        "{back:#?}"
    );
}

#[tokio::test]
async fn on_a_fresh_site_a_science_fiction_and_animation_lover_gets_those_genres() {
    // Only the embedded catalog and its two critics: the model trained at first start.
    let app = spawn_app().await;
    app.wait_for_version_after(None).await;
    let loved = |movie: &CatalogMovie| {
        movie
            .genres
            .iter()
            .any(|g| g == "Sci-Fi" || g == "Animation")
    };
    // The five best known of each genre, rated 5★.
    let mut rated: Vec<CatalogMovie> = by_genre("Sci-Fi").into_iter().take(5).collect();
    let animation: Vec<CatalogMovie> = by_genre("Animation")
        .into_iter()
        .filter(|m| !rated.contains(m))
        .take(5)
        .collect();
    rated.extend(animation);
    assert_eq!(rated.len(), 10);
    app.register("luna", PASSWORD).await;
    rate_all(&app, &rated.iter().collect::<Vec<_>>(), "5").await;
    let picks = app.recommendations(10).await;
    assert!(picks.iter().all(|p| p["source"] == "model"), "{picks:#?}");
    let catalog = movierec::catalog::embedded().unwrap();
    let in_genres = ids(&picks)
        .iter()
        .filter(|&&id| {
            catalog
                .iter()
                .find(|m| i64::from(m.id) == id)
                .is_some_and(loved)
        })
        .count();
    // A tenth of the catalog is either genre; most of the picks are.
    assert!(
        picks.len() >= 5 && in_genres * 2 > picks.len(),
        "{in_genres} of {}: {picks:#?}",
        picks.len()
    );
}
