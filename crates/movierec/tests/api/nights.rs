//! Movie nights over HTTP: picks from every member's own predictions, candidates nobody
//! rated, saw or hid, options, the invitation and join flow, who may see a night, the vote,
//! and bad input.

use std::collections::{HashMap, HashSet};

use movierec::catalog::CatalogMovie;
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{TestApp, Visitor, model_status, spawn_app, version, wait_for_model};

const PASSWORD: &str = "correct horse battery";

/// One logged-in member with their own cookies.
struct Member {
    name: String,
    client: Client,
    address: String,
}

impl Member {
    async fn register(app: &TestApp, name: &str) -> Member {
        let visitor = Visitor::new(app);
        assert_eq!(
            visitor.register(name, PASSWORD).await.status().as_u16(),
            303
        );
        Member {
            name: name.to_owned(),
            client: visitor.client,
            address: app.address.clone(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn html(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn form(&self, path: &str, form: &[(String, String)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn rate(&self, movie: impl std::fmt::Display, stars: f64) {
        let path = format!("/api/v1/me/ratings/{movie}");
        let (status, body) = self
            .send(Method::PUT, &path, Some(json!({"rating": stars})))
            .await;
        assert!(status == 200 || status == 201, "{status} {body}");
    }

    async fn create(&self, body: Value) -> i64 {
        let (status, created) = self.post("/api/v1/nights", body).await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_i64().expect("an id")
    }

    async fn picks(&self, night: i64, n: usize) -> Value {
        let (status, picks) = self
            .get(&format!("/api/v1/nights/{night}/picks?n={n}"))
            .await;
        assert_eq!(status, 200, "{picks}");
        picks
    }
}

fn pick_ids(picks: &Value) -> Vec<i64> {
    picks["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["movie_id"].as_i64().unwrap())
        .collect()
}

/// Asserts an API error's status and code and returns its message.
fn refused(answer: &(u16, Value), status: u16, code: &str) -> String {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    answer.1["error"]["message"].as_str().unwrap().to_owned()
}

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

/// Six horror fans and six comedy fans (`fan0`…`fan11`), each rating a different two thirds
/// of forty films of both genres, five stars for their own and one for the other; `fan0`,
/// the first account, is the administrator. Returns them and each one's rated films.
async fn fans(app: &TestApp) -> (Vec<Member>, Vec<HashSet<i64>>) {
    let (horror, comedy) = (by_genre("Horror"), by_genre("Comedy"));
    let (horror, comedy) = (&horror[..40], &comedy[..40]);
    let mut members = Vec::new();
    let mut rated = Vec::new();
    for user in 0..12 {
        let member = Member::register(app, &format!("fan{user}")).await;
        let mine = |movies: &[CatalogMovie]| -> Vec<u32> {
            movies
                .iter()
                .enumerate()
                .filter(|(i, _)| !(i + user).is_multiple_of(3))
                .map(|(_, m)| m.id)
                .collect()
        };
        let (liked, disliked) = if user < 6 {
            (mine(horror), mine(comedy))
        } else {
            (mine(comedy), mine(horror))
        };
        for &movie in &liked {
            member.rate(movie, 5.0).await;
        }
        for &movie in &disliked {
            member.rate(movie, 1.0).await;
        }
        rated.push(
            liked
                .iter()
                .chain(&disliked)
                .map(|&m| i64::from(m))
                .collect(),
        );
        members.push(member);
    }
    (members, rated)
}

/// Trains a model as `admin` and waits for it to serve.
async fn train(app: &TestApp, admin: &Member) {
    let idle = wait_for_model(&app.client, &app.address, "an idle trainer", |s| {
        s["training"]["running"] == false
    })
    .await;
    let (status, body) = admin.post("/api/v1/model/train", json!({})).await;
    assert_eq!(status, 202, "{body}");
    let status = app.wait_for_version_after(version(&idle)).await;
    assert!(version(&status).is_some());
    assert!(version(&model_status(&app.client, &app.address).await).is_some());
}

/// The predicted stars a member's movie page shows for a film, to one decimal.
async fn page_prediction(member: &Member, movie: i64) -> Option<String> {
    let (_, html) = member.html(&format!("/movies/{movie}")).await;
    let at = html.find("Your predicted rating: <strong class=\"score\">★ ")?;
    let rest = &html[at + "Your predicted rating: <strong class=\"score\">★ ".len()..];
    Some(rest[..rest.find('<')?].to_owned())
}

#[tokio::test]
async fn picks_come_from_each_members_own_predictions_and_skip_what_anyone_rated_saw_or_hid() {
    let app = spawn_app().await;
    let (fans, rated) = fans(&app).await;
    train(&app, &fans[0]).await;
    let (ana, ben) = (&fans[0], &fans[6]);

    // A horror fan and a comedy fan, and one invited who never joins.
    let night = ana
        .create(json!({"members": ["fan6", "fan1"], "strategy": "no-misery"}))
        .await;
    let (status, _) = ben
        .post(&format!("/api/v1/nights/{night}/join"), json!({}))
        .await;
    assert_eq!(status, 204);
    let picks = ana.picks(night, 20).await;
    assert_eq!(picks["source"], "model", "{picks}");
    assert_eq!(picks["note"], Value::Null, "{picks}");
    let first = pick_ids(&picks);
    assert!(first.len() >= 5, "{picks}");

    // Something each member rated, saw or hid leaves the picks at once.
    let (hidden, seen, now_rated) = (first[0], first[1], first[2]);
    let (status, _) = ana
        .send(Method::PUT, &format!("/api/v1/me/hidden/{hidden}"), None)
        .await;
    assert_eq!(status, 204);
    ben.rate(now_rated, 4.0).await;
    let pool = app.database().await;
    sqlx::query(
        "INSERT INTO seen_movies (user_id, movie_id, watched_at, created_at)
         SELECT id, $1, 0, 0 FROM users WHERE username_lower = 'fan6'",
    )
    .bind(seen)
    .execute(&pool)
    .await
    .unwrap();
    let picks = ana.picks(night, 50).await;
    let ids = pick_ids(&picks);
    assert!(!ids.is_empty());
    for id in &ids {
        assert!(![hidden, seen, now_rated].contains(id), "{id} in {ids:?}");
        assert!(
            !rated[0].contains(id) && !rated[6].contains(id),
            "{id} was rated"
        );
    }

    // Only the joined members count, each with their own stars and reason; nobody is
    // predicted to dislike a pick under the default strategy.
    let mut own: HashMap<&str, HashMap<i64, f64>> = HashMap::new();
    for member in [ana, ben] {
        let (status, recs) = member.get("/api/v1/recommendations?n=100").await;
        assert_eq!(status, 200);
        own.insert(
            &member.name,
            recs.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["movie_id"].as_i64().unwrap(),
                        r["predicted_rating"].as_f64().unwrap(),
                    )
                })
                .collect(),
        );
    }
    let mut compared = 0;
    for pick in picks["picks"].as_array().unwrap() {
        let movie = pick["movie_id"].as_i64().unwrap();
        let members = pick["members"].as_array().unwrap();
        let names: Vec<&str> = members
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["fan0", "fan6"], "{pick}");
        let mut sum = 0.0;
        for (member, shown) in [ana, ben].into_iter().zip(members) {
            let predicted = shown["predicted"].as_f64().expect("a prediction");
            assert!(predicted >= 3.0, "{pick}");
            sum += predicted;
            if let Some(&mine) = own[member.name.as_str()].get(&movie) {
                assert_eq!(predicted, mine, "{} on {movie}", member.name);
                compared += 1;
            }
            let reason = shown["reason"].as_str().unwrap();
            let name = &member.name;
            assert!(
                reason.starts_with(&format!("Because {name} rated "))
                    || reason == format!("Close to {name}'s taste as a whole"),
                "{reason}"
            );
        }
        let score = pick["group_score"].as_f64().unwrap();
        assert!((score - sum / 2.0).abs() < 1e-4, "{pick}");
    }
    // The movie page's stars of the first picks, for each member.
    for pick in picks["picks"].as_array().unwrap().iter().take(3) {
        let movie = pick["movie_id"].as_i64().unwrap();
        for (member, shown) in [ana, ben]
            .into_iter()
            .zip(pick["members"].as_array().unwrap())
        {
            let on_page = page_prediction(member, movie)
                .await
                .expect("a predicted rating");
            let shown = format!("{:.1}", shown["predicted"].as_f64().unwrap());
            assert_eq!(on_page, shown, "{} on {movie}", member.name);
        }
    }
    eprintln!("{compared} predictions compared with the members' own recommendations");

    // The plain average lets through what one member would hate: the strategy matters.
    let averaged = ana
        .create(json!({"members": ["fan6"], "strategy": "average"}))
        .await;
    ben.post(&format!("/api/v1/nights/{averaged}/join"), json!({}))
        .await;
    let picks = ana.picks(averaged, 50).await;
    let scores: Vec<f64> = picks["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["group_score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // A film on a member's watchlist is lifted by the boost.
    let listed = ids[ids.len() - 1];
    let (status, _) = ben
        .send(Method::PUT, &format!("/api/v1/me/watchlist/{listed}"), None)
        .await;
    assert_eq!(status, 204);
    let boosted = ana.picks(night, 50).await;
    let lifted = boosted["picks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["movie_id"] == listed)
        .expect("still a pick");
    let members = lifted["members"].as_array().unwrap();
    let mean = members
        .iter()
        .map(|m| m["predicted"].as_f64().unwrap())
        .sum::<f64>()
        / 2.0;
    let score = lifted["group_score"].as_f64().unwrap();
    assert!(
        (score - mean - f64::from(movierec_engine::WATCHLIST_BOOST)).abs() < 1e-4,
        "{lifted}"
    );

    // A member with no ratings yet is left out of the score, and the picks say so.
    let newcomer = Member::register(&app, "newcomer").await;
    let mixed = ana.create(json!({"members": ["newcomer"]})).await;
    let (status, _) = newcomer
        .post(&format!("/api/v1/nights/{mixed}/join"), json!({}))
        .await;
    assert_eq!(status, 204);
    let picks = newcomer.picks(mixed, 5).await;
    assert_eq!(picks["source"], "model", "{picks}");
    let note = picks["note"].as_str().expect("a note");
    assert!(note.starts_with("newcomer rated too few films"), "{note}");
    for pick in picks["picks"].as_array().unwrap() {
        assert!(pick["members"][0]["predicted"].is_number(), "{pick}");
        assert!(pick["members"][1]["predicted"].is_null(), "{pick}");
    }

    // The night page shows the picks with every member's stars.
    let (status, html) = ana.html(&format!("/nights/{night}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"member-stars\""), "{html}");
    assert!(html.contains("fan6"));
}

/// The night's id and its three members, none with a rating: the fallback serves.
async fn three_friends(app: &TestApp) -> (i64, Member, Member, Member) {
    let ana = Member::register(app, "ana").await;
    let ben = Member::register(app, "ben").await;
    let carl = Member::register(app, "carl").await;
    let night = ana.create(json!({"members": ["ben"]})).await;
    (night, ana, ben, carl)
}

#[tokio::test]
async fn only_joined_members_see_a_night_and_invitations_let_people_in() {
    let app = spawn_app().await;
    let (night, ana, ben, carl) = three_friends(&app).await;
    let paths = [
        format!("/api/v1/nights/{night}"),
        format!("/api/v1/nights/{night}/picks"),
    ];
    // Neither a stranger nor someone invited who has not joined sees anything.
    for member in [&ben, &carl] {
        for path in &paths {
            refused(&member.get(path).await, 404, "not_found");
        }
        let vote = member
            .post(
                &format!("/api/v1/nights/{night}/votes"),
                json!({"ranking": [1]}),
            )
            .await;
        refused(&vote, 404, "not_found");
        let (status, _) = member.html(&format!("/nights/{night}")).await;
        assert_eq!(status, 404);
    }
    // A stranger cannot join by the night's id; the invited can.
    let join = format!("/api/v1/nights/{night}/join");
    refused(&carl.post(&join, json!({})).await, 404, "not_found");
    let (_, list) = ben.html("/nights").await;
    assert!(
        list.contains(&format!("action=\"/nights/{night}/join\"")),
        "{list}"
    );
    assert_eq!(ben.post(&join, json!({})).await.0, 204);
    assert_eq!(
        ben.post(&join, json!({})).await.0,
        204,
        "joining again is fine"
    );
    let (status, shown) = ben.get(&paths[0]).await;
    assert_eq!(status, 200);
    assert_eq!(
        shown["members"],
        json!([{"name": "ana", "joined": true}, {"name": "ben", "joined": true}])
    );

    // The invitation link lets in whoever opens it logged in.
    let link = shown["invite_path"].as_str().unwrap().to_owned();
    let (status, page) = carl.html(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Join the night"), "{page}");
    let accepted = carl.form(&link, &[]).await;
    assert_eq!(accepted.status().as_u16(), 303);
    assert_eq!(
        accepted.headers()["location"].to_str().unwrap(),
        format!("/nights/{night}")
    );
    assert_eq!(carl.get(&paths[0]).await.0, 200);
    let (status, _) = carl.html("/invite/not-a-token").await;
    assert_eq!(status, 404);
    // Any other night stays closed to them.
    let other = ana.create(json!({})).await;
    refused(
        &carl.get(&format!("/api/v1/nights/{other}")).await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn votes_and_vetoes_decide_the_winner_from_the_ballot() {
    let app = spawn_app().await;
    let (night, ana, ben, _) = three_friends(&app).await;
    ben.post(&format!("/api/v1/nights/{night}/join"), json!({}))
        .await;

    // Nobody rated anything: the best rated films, labelled, without predictions.
    let picks = ana.picks(night, 5).await;
    assert_eq!(picks["source"], "fallback", "{picks}");
    assert!(
        picks["note"].as_str().unwrap().contains("best rated"),
        "{picks}"
    );
    assert!(picks["picks"][0]["members"][0]["predicted"].is_null());
    let ballot = pick_ids(&picks);
    assert_eq!(ballot.len(), 5);
    let (a, b, c, d) = (ballot[0], ballot[1], ballot[2], ballot[3]);

    let path = format!("/api/v1/nights/{night}");
    let (_, shown) = ana.get(&path).await;
    assert_eq!(shown["winner"], Value::Null);
    assert_eq!(shown["waiting"], json!(["ana", "ben"]));

    let votes = format!("/api/v1/nights/{night}/votes");
    let (status, body) = ana.post(&votes, json!({"ranking": [b, a, c]})).await;
    assert_eq!(status, 204, "{body}");
    let (_, shown) = ana.get(&path).await;
    assert_eq!(shown["winner"], b, "{shown}");
    assert_eq!(shown["voted"], json!(["ana"]));
    // Borda over five films: 4 points for a first place, 3 for a second…
    let (status, _) = ben
        .post(&votes, json!({"ranking": [b, a], "vetoes": [c]}))
        .await;
    assert_eq!(status, 204);
    let (_, shown) = ana.get(&path).await;
    let standings: Vec<(i64, i64, i64)> = shown["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_i64().unwrap();
            (n("movie_id"), n("points"), n("vetoes"))
        })
        .collect();
    assert_eq!(standings[0], (b, 8, 0), "{shown}");
    assert_eq!(standings[1], (a, 6, 0), "{shown}");
    assert_eq!(standings[4], (c, 2, 1), "a vetoed film comes last: {shown}");
    assert_eq!(shown["winner"], b);
    assert_eq!(shown["waiting"], json!([]));

    // Ben changes his mind: a veto puts the leader out.
    let (status, _) = ben
        .post(&votes, json!({"ranking": [a, d], "vetoes": [b]}))
        .await;
    assert_eq!(status, 204);
    let (_, shown) = ana.get(&path).await;
    assert_eq!(shown["winner"], a, "{shown}");
    let (status, html) = ana.html(&format!("/nights/{night}/results")).await;
    assert_eq!(status, 200);
    let winner = html.split("id=\"winner\"").nth(1).unwrap();
    assert!(winner.contains(&format!("/movies/{a}")), "{html}");
    assert!(winner.contains("Tonight's film"), "{html}");

    // The ballot is fixed: only its films may be voted on, each once.
    let outside = pick_ids(&ana.picks(night, 10).await)
        .into_iter()
        .find(|id| !ballot.contains(id))
        .unwrap_or(999_999);
    let bad = [
        (json!({"ranking": [outside]}), "ranking:"),
        (json!({"ranking": [a, a]}), "ranking:"),
        (json!({"ranking": [a], "vetoes": [a]}), "vetoes:"),
        (json!({}), "ranking:"),
        (json!({"ranking": [0]}), "ranking:"),
        (json!({"ranking": "first"}), "body:"),
        (json!({"ranks": [a]}), "body:"),
    ];
    for (body, field) in bad {
        let message = refused(&ana.post(&votes, body.clone()).await, 400, "bad_request");
        assert!(message.starts_with(field), "{body}: {message}");
    }
    // Refused votes changed nothing.
    let (_, after) = ana.get(&path).await;
    assert_eq!(after["standings"], shown["standings"]);

    // The voting form on the page counts the same way.
    let mut form: Vec<(String, String)> = ballot
        .iter()
        .map(|id| ("ballot".into(), id.to_string()))
        .collect();
    form.push((format!("place-{d}"), "1".into()));
    form.push((format!("veto-{a}"), "on".into()));
    let response = ana.form(&format!("/nights/{night}/vote"), &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, shown) = ana.get(&path).await;
    // Ana: d first (4), a vetoed; Ben: a (4), d (3), b vetoed.
    assert_eq!(shown["winner"], d, "{shown}");
    // A form whose films are not the ballot's is refused.
    let stale = vec![
        ("ballot".to_owned(), outside.to_string()),
        (format!("place-{outside}"), "1".into()),
    ];
    let response = ana.form(&format!("/nights/{night}/vote"), &stale).await;
    assert_eq!(response.status().as_u16(), 409);
}

#[tokio::test]
async fn options_filter_the_candidates_and_bad_input_is_refused_by_field() {
    let app = spawn_app().await;
    let (_, ana, _, _) = three_friends(&app).await;
    let night = ana
        .create(json!({
            "exclude_genres": ["Drama", "Comedy"],
            "max_runtime": 110,
            "year_from": 1990,
            "year_to": 1999,
        }))
        .await;
    let picks = ana.picks(night, 20).await;
    let ids = pick_ids(&picks);
    assert!(!ids.is_empty(), "{picks}");
    for id in ids {
        let (_, movie) = ana.get(&format!("/api/v1/movies/{id}")).await;
        let year = movie["year"].as_i64().unwrap();
        assert!((1990..=1999).contains(&year), "{movie}");
        assert!(movie["runtime_min"].as_i64().unwrap() <= 110, "{movie}");
        let genres = movie["genres"].as_array().unwrap();
        assert!(
            !genres.contains(&json!("Drama")) && !genres.contains(&json!("Comedy")),
            "{movie}"
        );
    }

    // Only films in a member's media-server library: ana's library holds ten films, two of
    // them rated by a member; a member invited but not joined brings no library.
    let known = by_genre("Action");
    let library: Vec<i64> = known[..10].iter().map(|m| i64::from(m.id)).collect();
    let db = app.database().await;
    for (user, movies) in [
        ("ana", &library[..]),
        ("carl", &[i64::from(known[10].id)][..]),
    ] {
        for movie in movies {
            sqlx::query(
                "INSERT INTO library_movies (user_id, server, movie_id, added_at)
                 SELECT id, 'jellyfin', $1, 0 FROM users WHERE username = $2",
            )
            .bind(*movie)
            .bind(user)
            .execute(&db)
            .await
            .unwrap();
        }
    }
    ana.rate(library[0], 4.0).await;
    let night = ana
        .create(json!({"members": ["carl"], "library_only": true}))
        .await;
    let (_, shown) = ana.get(&format!("/api/v1/nights/{night}")).await;
    assert_eq!(shown["options"]["library_only"], true, "{shown}");
    let ids: HashSet<i64> = pick_ids(&ana.picks(night, 50).await).into_iter().collect();
    let expected: HashSet<i64> = library[1..].iter().copied().collect();
    assert_eq!(ids, expected, "the library's films nobody rated, no other");

    let bad = [
        (json!({"members": ["ben", "nobody"]}), "members:", "nobody"),
        (json!({"members": ["x"]}), "members:", "'x'"),
        (json!({"strategy": "median"}), "strategy:", "median"),
        (json!({"max_runtime": 0}), "max_runtime:", ""),
        (json!({"year_from": 2000, "year_to": 1990}), "year_to:", ""),
        (json!({"year_from": 10}), "year_from:", ""),
        (json!({"memebrs": ["ben"]}), "body:", "memebrs"),
        (json!({"members": "ben"}), "body:", ""),
    ];
    let (_, before) = ana.html("/nights").await;
    for (body, field, named) in bad {
        let message = refused(
            &ana.post("/api/v1/nights", body.clone()).await,
            400,
            "bad_request",
        );
        assert!(
            message.starts_with(field) && message.contains(named),
            "{body}: {message}"
        );
    }
    let (_, after) = ana.html("/nights").await;
    assert_eq!(before, after, "refused nights were not created");
    for n in ["0", "51", "ten"] {
        let answer = ana
            .get(&format!("/api/v1/nights/{night}/picks?n={n}"))
            .await;
        assert!(refused(&answer, 400, "bad_request").starts_with("n:"));
    }
    assert!(
        ana.picks(night, 50).await["picks"]
            .as_array()
            .unwrap()
            .len()
            <= 50
    );
    refused(&ana.get("/api/v1/nights/abc").await, 400, "bad_request");
    refused(&ana.get("/api/v1/nights/999999").await, 404, "not_found");

    // The page's form says which field is wrong and keeps what was typed.
    let form = [
        ("members".to_owned(), "ben, nobody".to_owned()),
        ("max_runtime".to_owned(), "90".to_owned()),
    ];
    let response = ana.form("/nights", &form).await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"members-error\""), "{html}");
    assert!(
        html.contains("There is no account named &#39;nobody&#39;")
            || html.contains("There is no account named 'nobody'"),
        "{html}"
    );
    assert!(html.contains("value=\"ben, nobody\""), "{html}");
    // And a good one opens the new night.
    let form = [
        ("members".to_owned(), "ben".to_owned()),
        ("exclude_genres".to_owned(), "Horror".to_owned()),
    ];
    let response = ana.form("/nights", &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/nights/").parse().unwrap();
    let (_, shown) = ana.get(&format!("/api/v1/nights/{id}")).await;
    assert_eq!(shown["options"]["exclude_genres"], json!(["Horror"]));
    assert_eq!(shown["strategy"], "no-misery");
}
