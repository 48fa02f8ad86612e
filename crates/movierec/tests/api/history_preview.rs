//! The import preview shows its work: each row's film, the candidates for a row no film was
//! found for ranked by title and year, counts that follow a hand match, a Result column that
//! follows the conflict choice, and imported ratings dated as the file dates them.

use serde_json::Value;

use crate::helpers::{TestApp, assert_redirects_to, spawn_app};
use crate::history::multipart;

const PASSWORD: &str = "correct horse battery";

// Embedded catalog movies.
const MATRIX: i64 = 2674;
const TITANIC: i64 = 2956;
const FARGO: i64 = 830;
const PULP_FICTION: i64 = 1852;
const LEON: i64 = 1473;
const A_NEW_HOPE: i64 = 2204;
const RETURN_OF_THE_JEDI: i64 = 2206;

/// Uploads `bytes` on the import page with `conflicts` chosen; the preview's path.
async fn preview_on_page(app: &TestApp, name: &str, bytes: &[u8], conflicts: &str) -> String {
    let (content_type, body) = multipart(name, bytes, &[("conflicts", conflicts)]);
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
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The body rows of the table with id `id`, each as its HTML.
fn table_rows<'a>(html: &'a str, id: &str) -> Vec<&'a str> {
    let Some(start) = html.find(&format!("<table class=\"ratings-table\" id=\"{id}\"")) else {
        return Vec::new();
    };
    let table = &html[start..];
    let table = &table[..table.find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    // Each row from after its opening tag.
    body.split("<tr")
        .skip(1)
        .map(|r| &r[r.find('>').unwrap() + 1..])
        .collect()
}

/// The text of some HTML: tags dropped, spaces collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number a page's count `name` shows.
fn count(html: &str, name: &str) -> u64 {
    let marker = format!("data-count=\"{name}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {name}"))
        + marker.len();
    html[at..html[at..].find('<').unwrap() + at]
        .parse()
        .unwrap()
}

/// The logged-in user's ratings: movie → (stars, date shown on My ratings).
async fn ratings_shown(app: &TestApp) -> Vec<(i64, f64, String)> {
    let list: Value = app
        .get("/api/v1/me/ratings?sort=title")
        .await
        .json()
        .await
        .unwrap();
    let html = app.get_html("/my/ratings?sort=title").await;
    let mut rows: Vec<(i64, f64, String)> = list["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["movie_id"].as_i64().unwrap();
            // The row of this film on the page, and the date in it.
            let at = html
                .find(&format!("data-movie-id=\"{id}\""))
                .expect("the film is on My ratings");
            let row = &html[at..];
            let row = &row[..row.find("</tr>").unwrap()];
            let time = row.find("<time datetime=\"").unwrap() + "<time datetime=\"".len();
            let date = row[time..time + 10].to_owned();
            let api_date = &format_date(r["rated_at"].as_i64().unwrap());
            assert_eq!(&date, api_date, "the page and the API agree");
            (id, r["rating"].as_f64().unwrap(), date)
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

/// `YYYY-MM-DD` of seconds since 1970 (UTC).
fn format_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn the_preview_lists_each_row_with_the_film_it_matched_linked() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    // Letterboxd names A New Hope "Star Wars" and Léon "Léon: The Professional"; the
    // catalog has them as "Star Wars Ep. IV: A New Hope" and "Léon". No "Alien" is of 2017:
    // a subtitle's main part alone never matches a film of another year.
    let file = "Date,Name,Year,Letterboxd URI,Rating
2021-02-03,Star Wars,1977,https://boxd.it/sw,5
2021-02-04,Léon: The Professional,1994,https://boxd.it/leon,4.5
2021-02-05,The Matrix,1999,https://boxd.it/mx,4
2021-02-06,Alien: Covenant,2017,https://boxd.it/ac,2
";
    let report = app
        .import_history("dry_run=true", "ratings.csv", file.as_bytes())
        .await;
    assert_eq!(report["counts"]["matched_by_title"], 3, "{report}");
    assert_eq!(report["counts"]["matched"], 3);
    assert_eq!(report["counts"]["unmatched"], 1);
    assert_eq!(report["unmatched"][0]["title"], "Alien: Covenant");
    let matched: Vec<(&str, i64)> = report["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["title"].as_str().unwrap(),
                m["movie_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        matched,
        [
            ("Star Wars", A_NEW_HOPE),
            ("Léon: The Professional", LEON),
            ("The Matrix", MATRIX)
        ]
    );

    let path = preview_on_page(&app, "ratings.csv", file.as_bytes(), "keep_mine").await;
    let page = app.get_html(&path).await;
    assert_eq!(count(&page, "matched"), 3);
    assert_eq!(count(&page, "unmatched"), 1);
    let rows = table_rows(&page, "matched");
    let shown: Vec<String> = rows.iter().map(|r| text(r)).collect();
    assert_eq!(
        shown,
        [
            "Star Wars (1977) → Star Wars Ep. IV: A New Hope (1977) rating ★ 5 title and year",
            "Léon: The Professional (1994) → Léon (1994) rating ★ 4.5 title and year",
            "The Matrix (1999) → The Matrix (1999) rating ★ 4 title and year",
        ],
        "{page}"
    );
    for (row, movie) in rows.iter().zip([A_NEW_HOPE, LEON, MATRIX]) {
        assert!(row.contains(&format!("href=\"/movies/{movie}\"")), "{row}");
    }
}

/// The films offered for unmatched row `row` when searching `q`, in order.
async fn candidates(app: &TestApp, path: &str, row: usize, q: &str) -> Vec<String> {
    let page = app.get_html(&format!("{path}?row={row}&q={q}")).await;
    let hits = &page[page.find("id=\"match-hits\"").expect("candidates listed")..];
    let hits = &hits[..hits.find("</ul>").unwrap()];
    hits.split("aria-label=\"Match to ")
        .skip(1)
        .map(|h| h[..h.find('"').unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn hand_match_candidates_rank_by_the_rows_year_and_the_counts_follow_a_match() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    // Neither row is matched on its own (a re-release's year, a subtitle that is not the
    // catalog's); the search "star wars" finds every film of the series, and the row's year
    // says which is meant.
    let file = "Date,Name,Year,Letterboxd URI,Rating
2021-01-01,Star Wars: Special Edition,1978,https://boxd.it/a,5
2021-01-02,Star Wars: Special Edition,1983,https://boxd.it/b,3
2021-01-03,Fargo,1996,https://boxd.it/c,4
";
    let report = app.import_history("", "ratings.csv", file.as_bytes()).await;
    assert_eq!(report["counts"]["unmatched"], 2, "{report}");
    let path = format!("/my/import/{}", report["id"]);

    let for_1977 = candidates(&app, &path, 0, "star+wars").await;
    assert_eq!(for_1977[0], "Star Wars Ep. IV: A New Hope", "{for_1977:?}");
    let for_1983 = candidates(&app, &path, 1, "star+wars").await;
    assert_eq!(
        for_1983[0], "Star Wars Ep. VI: Return of the Jedi",
        "{for_1983:?}"
    );
    assert!(
        for_1983.len() > 3 && for_1983.contains(&"Star Wars: The Clone Wars".to_owned()),
        "the rest of the series is still offered: {for_1983:?}"
    );

    let page = app.get_html(&path).await;
    assert_eq!(
        (
            count(&page, "matched"),
            count(&page, "unmatched"),
            count(&page, "new")
        ),
        (1, 2, 1)
    );
    let response = app
        .post_form(
            &format!("{path}/match"),
            &[("row", "0"), ("movie_id", &A_NEW_HOPE.to_string())],
        )
        .await;
    assert_redirects_to(&response, &path);
    let page = app.get_html(&path).await;
    assert_eq!(
        (
            count(&page, "matched"),
            count(&page, "unmatched"),
            count(&page, "new")
        ),
        (2, 1, 2),
        "{page}"
    );
    let matched: Vec<String> = table_rows(&page, "matched")
        .iter()
        .map(|r| text(r))
        .collect();
    assert!(
        matched.contains(
            &"Star Wars: Special Edition (1978) → Star Wars Ep. IV: A New Hope (1977) rating ★ 5 your match"
                .to_owned()
        ),
        "{matched:?}"
    );

    // The API's report says the same, and after the second row nothing is left unmatched.
    let response = app
        .post_form(
            &format!("{path}/match"),
            &[("row", "1"), ("movie_id", &RETURN_OF_THE_JEDI.to_string())],
        )
        .await;
    assert_redirects_to(&response, &path);
    let report: Value = app
        .get(&format!("/api/v1/me/imports/{}", report["id"]))
        .await
        .json()
        .await
        .unwrap();
    let counts = &report["counts"];
    assert_eq!(
        (
            &counts["matched"],
            &counts["unmatched"],
            &counts["new"],
            &counts["matched_by_hand"]
        ),
        (&3.into(), &0.into(), &3.into(), &2.into()),
        "{report}"
    );
    let rated: Vec<(i64, f64)> = ratings_shown(&app)
        .await
        .into_iter()
        .map(|(id, stars, _)| (id, stars))
        .collect();
    assert_eq!(
        rated,
        [(FARGO, 4.0), (A_NEW_HOPE, 5.0), (RETURN_OF_THE_JEDI, 3.0)]
    );
}

#[tokio::test]
async fn the_result_column_follows_the_conflict_choice_and_applying_does_what_it_says() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    app.rate(MATRIX as u32, "2").await;
    app.rate(TITANIC as u32, "2").await;
    // The Matrix rated in the file long ago, Titanic after today: "Newest" takes Titanic only.
    let file = "Date,Name,Year,Letterboxd URI,Rating
2001-01-01,The Matrix,1999,https://boxd.it/m,5
2099-01-01,Titanic,1997,https://boxd.it/t,4
";
    let path = preview_on_page(&app, "ratings.csv", file.as_bytes(), "keep_mine").await;
    let results = |page: &str| -> Vec<String> {
        table_rows(page, "conflicts")
            .iter()
            .map(|r| {
                let cell = &r[r.find("data-result>").unwrap() + "data-result>".len()..];
                cell[..cell.find("</td>").unwrap()].replace("&#39;", "'")
            })
            .collect()
    };
    let page = app.get_html(&path).await;
    assert_eq!(results(&page), ["yours", "yours"], "{page}");
    assert_eq!(count(&page, "changed"), 0);
    // What the page's script shows for each choice without asking the server.
    assert!(page.contains(
        "data-if-keep-mine=\"0\" data-if-take-theirs=\"2\" data-if-newest=\"1\" data-count=\"changed\""
    ));

    // Choosing "Take theirs" (the form's second button, without the script) shows the file's
    // ratings winning, and the choice stays chosen.
    let page = app.get_html(&format!("{path}?conflicts=take_theirs")).await;
    assert_eq!(results(&page), ["the file's", "the file's"]);
    assert_eq!(count(&page, "changed"), 2);
    assert!(page.contains("<option value=\"take_theirs\" selected>"));
    let page = app.get_html(&format!("{path}?conflicts=newest")).await;
    assert_eq!(results(&page), ["yours", "the file's"]);
    assert_eq!(count(&page, "changed"), 1);
    assert_eq!(
        app.get(&format!("{path}?conflicts=theirs"))
            .await
            .status()
            .as_u16(),
        400
    );

    // Applying with "Newest" does what the column said: Titanic is the file's, The Matrix mine.
    let response = app
        .post_form(&format!("{path}/apply"), &[("conflicts", "newest")])
        .await;
    assert_redirects_to(&response, &path);
    let rated: Vec<(i64, f64)> = ratings_shown(&app)
        .await
        .into_iter()
        .map(|(id, stars, _)| (id, stars))
        .collect();
    assert_eq!(rated, [(MATRIX, 2.0), (TITANIC, 4.0)]);
    let page = app.get_html(&path).await;
    assert_eq!(results(&page), ["yours", "the file's"]);
    assert_eq!(count(&page, "changed"), 1);
    // An applied report is what was applied, whatever is asked.
    let page = app.get_html(&format!("{path}?conflicts=take_theirs")).await;
    assert_eq!(results(&page), ["yours", "the file's"]);
}

#[tokio::test]
async fn imported_ratings_keep_the_files_dates_until_rated_again() {
    let app = spawn_app().await;
    app.register("ann", PASSWORD).await;
    let letterboxd = "Date,Name,Year,Letterboxd URI,Rating
2019-03-04,Fargo,1996,https://boxd.it/f,4
";
    // An IMDb file dates its ratings in "Date Rated".
    let imdb = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0110912,10,2015-06-07,Pulp Fiction,https://www.imdb.com/title/tt0110912/,movie,8.9,154,1994,\"Crime, Drama\",2000000,1994-10-14,Quentin Tarantino
";
    app.import_history("", "ratings.csv", letterboxd.as_bytes())
        .await;
    app.import_history("", "imdb.csv", imdb.as_bytes()).await;
    assert_eq!(
        ratings_shown(&app).await,
        [
            (FARGO, 4.0, "2019-03-04".to_owned()),
            (PULP_FICTION, 5.0, "2015-06-07".to_owned())
        ]
    );
    // "Date rated" order is the files' dates, not the order of the imports.
    let recent = app.get_html("/my/ratings?sort=recent").await;
    assert!(
        recent.find(&format!("data-movie-id=\"{FARGO}\"")).unwrap()
            < recent
                .find(&format!("data-movie-id=\"{PULP_FICTION}\""))
                .unwrap()
    );

    // Rated again here, the rating is dated today.
    app.rate(FARGO as u32, "2").await;
    let today = format_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    assert_eq!(
        ratings_shown(&app).await,
        [
            (FARGO, 2.0, today),
            (PULP_FICTION, 5.0, "2015-06-07".to_owned())
        ]
    );
}
