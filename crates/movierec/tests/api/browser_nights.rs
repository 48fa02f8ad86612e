//! A movie night in headless Chromium: one member at a desktop width starts it, the other
//! joins by the invitation link on a phone, both vote, the winner shows; and on every page
//! of it nothing is wider than the window at either width.

use fantoccini::{Client, Locator};

use crate::browser::{DESKTOP, Setup, browser_with, click, register, start_driver, wait_for_text};
use crate::helpers::spawn_app;

const WIDE: Setup = Setup {
    width: 1366,
    height: 900,
    ..DESKTOP
};

const PHONE: Setup = Setup {
    width: 390,
    height: 844,
    ..DESKTOP
};

/// Asserts that the page is no wider than the window and that no visible element of the
/// main content reaches past either edge (a table's scrolling region may hold wider rows).
async fn fits(client: &Client, what: &str) {
    let found = client
        .execute(
            "const out = [];\
             for (const e of document.querySelectorAll('header *, main *, footer *')) {\
               if (e.closest('.table-scroll, .visually-hidden, details:not([open])')) continue;\
               const r = e.getBoundingClientRect();\
               if (r.width === 0 || r.height === 0) continue;\
               if (r.left < -1 || r.right > innerWidth + 1)\
                 out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));\
             }\
             return { width: innerWidth, scroll: document.documentElement.scrollWidth, out };",
            vec![],
        )
        .await
        .expect("measuring runs");
    let width = found["width"].as_f64().unwrap();
    let scroll = found["scroll"].as_f64().unwrap();
    assert!(
        scroll <= width + 1.0,
        "{what}: page {scroll} px wide in a {width} px window"
    );
    assert_eq!(found["out"], serde_json::json!([]), "{what} at {width} px");
}

#[tokio::test]
async fn browser_nights_two_members_vote_and_the_winner_shows_at_both_widths() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let ana = browser_with(&driver, WIDE).await;
    let ben = browser_with(&driver, PHONE).await;
    register(&ana, &app, "ana").await;
    register(&ben, &app, "ben").await;

    // Ana starts a night from the navigation, inviting Ben by name.
    click(&ana, Locator::Css("ul.nav-wide a[href='/nights']")).await;
    wait_for_text(&ana, "Start a night").await;
    fits(&ana, "the nights page").await;
    ana.find(Locator::Id("members"))
        .await
        .unwrap()
        .send_keys("ben")
        .await
        .unwrap();
    click(&ana, Locator::Css("#new-night button[type=submit]")).await;
    wait_for_text(&ana, "Picks for all of you").await;
    let night_url = ana.current_url().await.unwrap();
    let invite = ana
        .find(Locator::Id("invite-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("the invitation link");

    // The link is whole, on the address Ana reached the site by: Ben opens it on his phone.
    assert!(
        invite.starts_with(&format!("{}/invite/", app.address)),
        "{invite}"
    );
    ben.goto(&invite).await.unwrap();
    wait_for_text(&ben, "Join the night").await;
    fits(&ben, "the invitation").await;
    click(&ben, Locator::Css("main form button[type=submit]")).await;
    wait_for_text(&ben, "Picks for all of you").await;
    assert_eq!(ben.current_url().await.unwrap(), night_url);
    let source = ben.source().await.unwrap();
    assert!(source.contains("joined</span>") && !source.contains("invited</span>"));
    fits(&ben, "the night").await;
    ana.goto(night_url.as_str()).await.unwrap();
    wait_for_text(&ana, "Picks for all of you").await;
    fits(&ana, "the night").await;

    // Both rank the films put to the vote: Ana's first choice first, Ben vetoes Ana's second.
    let films: Vec<String> = {
        let mut ids = Vec::new();
        for film in ana.find_all(Locator::Css("li.ballot-film")).await.unwrap() {
            ids.push(film.attr("data-movie-id").await.unwrap().unwrap());
        }
        ids
    };
    assert_eq!(films.len(), 5, "five films to vote on");
    let (first, second) = (&films[0], &films[1]);
    for (place, film) in [("1", second), ("2", first)] {
        let select = ana
            .find(Locator::Id(&format!("place-{film}")))
            .await
            .unwrap();
        select.select_by_value(place).await.unwrap();
    }
    click(&ana, Locator::Css("#vote-form button[type=submit]")).await;
    wait_for_text(&ana, "In the lead so far").await;
    fits(&ana, "the results").await;

    let select = ben
        .find(Locator::Id(&format!("place-{first}")))
        .await
        .unwrap();
    select.select_by_value("1").await.unwrap();
    click(&ben, Locator::Id(&format!("veto-{second}"))).await;
    click(&ben, Locator::Css("#vote-form button[type=submit]")).await;
    wait_for_text(&ben, "Tonight's film").await;
    fits(&ben, "the results").await;
    // Ana's second choice and Ben's first wins: her first is vetoed.
    let winner = ben
        .find(Locator::Css("#winner a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(winner.as_deref(), Some(format!("/movies/{first}").as_str()));
    ana.refresh().await.unwrap();
    wait_for_text(&ana, "Tonight's film").await;
    fits(&ana, "the results").await;

    ana.close().await.unwrap();
    ben.close().await.unwrap();
}
