use crate::helpers::{assert_redirects_to, catalog_ids, spawn_app};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn rate_edit_delete_and_log_out() {
    let app = spawn_app().await;
    app.register("rita", PASSWORD).await;
    app.logout().await;
    assert_redirects_to(&app.login("rita", PASSWORD).await, "/");

    let ids = catalog_ids(5);
    for (id, stars) in ids.iter().zip(["5", "4.5", "3", "0.5", "2"]) {
        let response = app.rate(*id, stars).await;
        assert_redirects_to(&response, &format!("/movies/{id}"));
        assert_eq!(app.my_rating(*id).await.as_deref(), Some(stars));
    }
    let list = app.get_html("/my/ratings").await;
    assert!(list.contains("5 ratings."), "{list}");

    // Edit in place from the list: back to the list afterwards.
    let next = "/my/ratings?sort=title&page=1";
    let response = app
        .post_form(
            &format!("/movies/{}/rating", ids[2]),
            &[("stars", "3.5"), ("next", next)],
        )
        .await;
    assert_redirects_to(&response, next);
    assert_eq!(app.my_rating(ids[2]).await.as_deref(), Some("3.5"));

    let response = app
        .post_form(
            &format!("/movies/{}/rating/delete", ids[3]),
            &[("next", "/my/ratings")],
        )
        .await;
    assert_redirects_to(&response, "/my/ratings");
    assert_eq!(app.my_rating(ids[3]).await, None);
    assert!(app.get_html("/my/ratings").await.contains("4 ratings."));

    assert_redirects_to(&app.logout().await, "/");
    let response = app.get("/my/ratings").await;
    assert_redirects_to(&response, "/login?next=/my/ratings");
}

#[tokio::test]
async fn bad_ratings_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.register("sam", PASSWORD).await;
    let id = catalog_ids(1)[0];
    app.rate(id, "4").await;

    for bad in ["3.2", "5.5", "0", "-1", "abc", "", "3,5", "NaN"] {
        let response = app.rate(id, bad).await;
        assert_eq!(response.status().as_u16(), 422, "{bad:?}");
        assert!(
            response.text().await.unwrap().contains("form-error"),
            "{bad:?}"
        );
        assert_eq!(app.my_rating(id).await.as_deref(), Some("4"), "{bad:?}");
    }
    // A missing field is refused the same way.
    let response = app
        .post_form(&format!("/movies/{id}/rating"), &[("x", "1")])
        .await;
    assert_eq!(response.status().as_u16(), 422);

    for unknown in ["99999999", "0", "abc"] {
        let response = app
            .post_form(&format!("/movies/{unknown}/rating"), &[("stars", "3")])
            .await;
        assert_eq!(response.status().as_u16(), 404, "{unknown}");
    }
    assert!(app.get_html("/my/ratings").await.contains("1 rating."));
}

#[tokio::test]
async fn rating_requires_logging_in_and_comes_back_afterwards() {
    let app = spawn_app().await;
    let id = catalog_ids(1)[0];
    let response = app.rate(id, "4").await;
    assert_redirects_to(&response, "/login?next=/");
    let page = app.get_html(&format!("/movies/{id}")).await;
    assert!(page.contains("to rate this movie"));

    // Posted from the movie page: the log-in leads back to it.
    let response = app
        .client
        .post(app.url(&format!("/movies/{id}/rating")))
        .header("Referer", app.url(&format!("/movies/{id}")))
        .form(&[("stars", "4")])
        .send()
        .await
        .unwrap();
    assert_redirects_to(&response, &format!("/login?next=/movies/{id}"));
    // A foreign referer is ignored.
    let response = app
        .client
        .post(app.url(&format!("/movies/{id}/rating")))
        .header("Referer", "http://evil.example/movies/1")
        .form(&[("stars", "4")])
        .send()
        .await
        .unwrap();
    assert_redirects_to(&response, "/login?next=/");
}

#[tokio::test]
async fn movie_page_shows_critics_and_the_average_of_users_only() {
    let app = spawn_app().await;
    let movie = movierec::catalog::embedded()
        .unwrap()
        .into_iter()
        .find(|m| m.imdb_rating.is_some() && m.rotten_tomatoes.is_some())
        .unwrap();
    let path = format!("/movies/{}", movie.id);
    let html = app.get_html(&path).await;
    assert!(html.contains(&format!("{:.1} / 10", movie.imdb_rating.unwrap())));
    assert!(html.contains(&format!("{}%", movie.rotten_tomatoes.unwrap())));
    // The critics rated it, but no user has.
    assert!(html.contains("no ratings yet"), "{html}");

    app.register("una", PASSWORD).await;
    app.rate(movie.id, "4").await;
    app.logout().await;
    app.register("vic", PASSWORD).await;
    app.rate(movie.id, "5").await;
    let html = app.get_html(&path).await;
    assert!(html.contains("★ 4.5 / 5"), "{html}");
    assert!(html.contains("2 ratings"));
}

#[tokio::test]
async fn unknown_movie_page_is_404() {
    let app = spawn_app().await;
    for path in ["/movies/99999999", "/movies/abc", "/movies/-1"] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("There is no movie with id")
        );
    }
}

#[tokio::test]
async fn my_ratings_sorts_and_pages() {
    let app = spawn_app().await;
    app.register("wendy", PASSWORD).await;
    let movies = movierec::catalog::embedded().unwrap();
    let rated = &movies[..25];
    for (i, m) in rated.iter().enumerate() {
        let stars = if i == 7 { "5" } else { "1" };
        app.rate(m.id, stars).await;
    }
    let first = app.get_html("/my/ratings?sort=rating").await;
    assert!(first.contains("25 ratings."));
    assert!(first.contains("Page 1 of 2"));
    // The one 5-star rating leads when sorted by rating (the 1-star ones follow, newest
    // first, so which of them reach page 1 depends on the clock).
    let first_row = first.find("<tr data-movie-id=\"").expect("a row");
    assert!(
        first[first_row..].starts_with(&format!("<tr data-movie-id=\"{}\"", rated[7].id)),
        "{first}"
    );

    let second = app.get_html("/my/ratings?sort=rating&page=2").await;
    assert!(second.contains("Page 2 of 2"));
    assert_eq!(second.matches("<tr data-movie-id").count(), 5, "5 rows");

    // Library order: a leading article is set aside, case is ignored.
    let mut titles: Vec<&str> = rated.iter().map(|m| m.title.as_str()).collect();
    titles.sort_by_key(|t| {
        let lower = t.to_lowercase();
        ["the ", "an ", "a "]
            .iter()
            .find_map(|a| lower.strip_prefix(a).map(str::to_owned))
            .unwrap_or(lower)
    });
    let by_title = app.get_html("/my/ratings?sort=title").await;
    let first_title = by_title.find(&format!(">{}</a>", titles[0])).unwrap();
    let second_title = by_title.find(&format!(">{}</a>", titles[1])).unwrap();
    assert!(first_title < second_title);
}

#[tokio::test]
async fn critics_cannot_log_in() {
    let app = spawn_app().await;
    for critic in movierec::catalog::Critic::ALL {
        for password in ["", "password", "anything at all"] {
            let response = app.login(critic.username(), password).await;
            assert_ne!(response.status().as_u16(), 303, "{}", critic.username());
        }
    }
    assert!(!app.get_html("/").await.contains("Log out"));
}

#[tokio::test]
async fn my_ratings_show_the_original_title_under_the_main_one() {
    let app = spawn_app().await;
    app.register("amelie", PASSWORD).await;
    let [foreign, same] = catalog_ids(2)[..] else {
        unreachable!()
    };
    let db = app.database().await;
    sqlx::query("UPDATE movies SET original_title = $1 WHERE id = $2")
        .bind("Le Fabuleux destin d'Amélie Poulain")
        .bind(i64::from(foreign))
        .execute(&db)
        .await
        .unwrap();
    // An original title equal to the main one is not repeated.
    sqlx::query("UPDATE movies SET original_title = title WHERE id = $1")
        .bind(i64::from(same))
        .execute(&db)
        .await
        .unwrap();
    app.rate(foreign, "4.5").await;
    app.rate(same, "3").await;

    let page = app.get_html("/my/ratings").await;
    let row = |movie: u32| {
        let start = page
            .find(&format!("<tr data-movie-id=\"{movie}\""))
            .unwrap();
        let end = start + page[start..].find("</tr>").unwrap();
        page[start..end].to_owned()
    };
    assert!(
        row(foreign).contains(
            "<span class=\"original-title muted\">Le Fabuleux destin d&#39;Amélie Poulain</span>"
        ),
        "{}",
        row(foreign)
    );
    assert!(!row(same).contains("original-title"), "{}", row(same));
}
