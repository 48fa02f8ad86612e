//! After a MovieLens-format set with real structure is imported and the model trained, a
//! film's similar movies are its franchise's other films, a film two people rated stays out
//! of a well-rated film's list, and a niche taste gets niche picks.
//!
//! The set is generated here, seeded: franchises of three films, standalone films in four
//! tastes, power-law popularity; each rater follows one or two franchises (rating their
//! films well) and saw one more without liking it, likes one taste, and rates a few popular
//! films at random, as MovieLens's raters do.

use std::fmt::Write as _;
use std::process::Command;

use serde_json::Value;

use crate::helpers::{spawn_app, version, wait_for_model};

const FRANCHISES: usize = 8;
const PER_FRANCHISE: usize = 3;
const TASTES: usize = 4;
const STANDALONE: usize = 80;
const RATERS: usize = 600;

/// A small deterministic generator (SplitMix64): the same set on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Index in `0..n`, low ones far likelier: a power-law popularity.
    fn popular(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize % n
    }

    fn stars(&mut self, low: u64, high: u64) -> f64 {
        (low + self.next() % (high - low + 1)) as f64 / 2.0
    }
}

/// MovieLens movie id of franchise `f`'s film `k`; standalone films follow.
fn franchise_film(f: usize, k: usize) -> usize {
    1 + f * PER_FRANCHISE + k
}

fn standalone_film(i: usize) -> usize {
    1 + FRANCHISES * PER_FRANCHISE + i
}

/// A film of franchise 0's kind that only two of its fans rated: a similarity of two
/// people's accident.
fn obscure_film() -> usize {
    standalone_film(STANDALONE)
}

/// Standalone films are of taste `i % TASTES`; this one is Western.
const WESTERN: usize = 3;

fn write_set(dir: &std::path::Path) {
    const GENRES: [&str; TASTES] = ["Comedy", "Horror", "Romance", "Western"];
    let mut movies = String::from("movieId,title,genres\n");
    for f in 0..FRANCHISES {
        for k in 0..PER_FRANCHISE {
            let part = ["", " 2", " 3"][k];
            writeln!(
                movies,
                "{},Saga Number {f}{part} ({}),Action|Adventure",
                franchise_film(f, k),
                1980 + f + 3 * k
            )
            .unwrap();
        }
    }
    for i in 0..STANDALONE {
        writeln!(
            movies,
            "{},Single Film {i} ({}),{}",
            standalone_film(i),
            1990 + i % 30,
            GENRES[i % TASTES]
        )
        .unwrap();
    }
    writeln!(
        movies,
        "{},Obscure Saga Tribute (2004),Action|Adventure",
        obscure_film()
    )
    .unwrap();
    let mut obscure_raters = 0;
    let mut rng = Rng(13);
    let mut ratings = String::from("userId,movieId,rating,timestamp\n");
    for user in 1..=RATERS {
        let mut rated = std::collections::BTreeMap::new();
        let follows = [rng.below(FRANCHISES), rng.below(FRANCHISES)];
        let how_many = 1 + rng.below(2);
        for &f in &follows[..how_many] {
            for k in 0..PER_FRANCHISE {
                // Most see every film of a franchise they follow, and like them.
                if rng.below(10) < 8 {
                    rated.insert(franchise_film(f, k), rng.stars(8, 10));
                }
            }
        }
        // And saw one other franchise, and did not care for it.
        let disliked = (follows[0] + 1 + rng.below(FRANCHISES - 1)) % FRANCHISES;
        if !follows[..how_many].contains(&disliked) {
            for k in 0..PER_FRANCHISE {
                if rng.below(10) < 8 {
                    rated.insert(franchise_film(disliked, k), rng.stars(2, 5));
                }
            }
        }
        let taste = rng.below(TASTES);
        for _ in 0..6 {
            let i = rng.popular(STANDALONE / TASTES) * TASTES + taste;
            rated.insert(standalone_film(i), rng.stars(7, 10));
        }
        // A few popular films outside their taste, rated middling to low.
        for _ in 0..3 {
            let i = rng.popular(STANDALONE);
            if i % TASTES != taste {
                rated.entry(standalone_film(i)).or_insert(rng.stars(2, 6));
            }
        }
        if obscure_raters < 2 && rated.get(&franchise_film(0, 0)).is_some_and(|&s| s >= 4.0) {
            rated.insert(obscure_film(), 5.0);
            obscure_raters += 1;
        }
        for (movie, stars) in rated {
            writeln!(
                ratings,
                "{user},{movie},{stars:.1},{}",
                1_500_000_000 + user
            )
            .unwrap();
        }
    }
    std::fs::write(dir.join("movies.csv"), movies).unwrap();
    std::fs::write(dir.join("ratings.csv"), ratings).unwrap();
}

#[tokio::test]
async fn similar_movies_of_a_film_are_its_franchise() {
    let app = spawn_app().await;
    app.register("admin", "correct horse battery").await;
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("ml-structured");
    std::fs::create_dir(&set).unwrap();
    write_set(&set);
    // Off the runtime: the import waits for the server's first training, whose lease
    // renewals run on this runtime.
    let mut import = Command::new(env!("CARGO_BIN_EXE_movierec"));
    import
        .args(["import", "movielens", set.to_str().unwrap()])
        .args(["--database-url", &app.database_url()])
        .env_remove("DATABASE_URL");
    let out = tokio::task::spawn_blocking(move || import.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let idle = wait_for_model(&app.client, &app.address, "an idle trainer", |s| {
        s["training"]["running"] == false
    })
    .await;
    let response = app
        .client
        .post(app.url("/api/v1/model/train"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    app.wait_for_version_after(version(&idle)).await;

    let db = app.database().await;
    let id_of = |ml: usize| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM movies WHERE movielens_id = $1")
                .bind(ml as i64)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    for f in 0..FRANCHISES {
        let first = id_of(franchise_film(f, 0)).await;
        let mut siblings = vec![
            id_of(franchise_film(f, 1)).await,
            id_of(franchise_film(f, 2)).await,
        ];
        siblings.sort_unstable();
        let similar: Vec<Value> = app
            .get(&format!("/api/v1/movies/{first}/similar?n=2"))
            .await
            .json()
            .await
            .unwrap();
        let mut found: Vec<i64> = similar
            .iter()
            .map(|s| s["movie_id"].as_i64().unwrap())
            .collect();
        found.sort_unstable();
        assert_eq!(
            found, siblings,
            "the films most similar to Saga Number {f} are its sequels: {similar:?}"
        );
    }

    // Two fans' 5 stars do not put a film in the saga's list while better supported films
    // are similar too, though it shares the saga's genres.
    let obscure = id_of(obscure_film()).await;
    let saga = id_of(franchise_film(0, 0)).await;
    let similar: Vec<Value> = app
        .get(&format!("/api/v1/movies/{saga}/similar?n=10"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(similar.len(), 10, "{similar:?}");
    assert!(
        similar.iter().all(|s| s["movie_id"] != obscure),
        "{similar:?}"
    );

    // A niche taste: six Westerns loved (not the two most rated), three of the most rated
    // films of other tastes disliked. Most picks are Westerns (a quarter of the standalone
    // films), each predicted at 3 stars or more, and no reason names a disliked film.
    app.register("westerner", "correct horse battery").await;
    let mut westerns = Vec::new();
    for k in 2..8 {
        westerns.push(id_of(standalone_film(k * TASTES + WESTERN)).await);
    }
    let mut disliked = Vec::new();
    for i in 0..3 {
        disliked.push(id_of(standalone_film(i)).await);
    }
    for (movies, stars) in [(&westerns, "5"), (&disliked, "1")] {
        for movie in movies {
            let response = app
                .post_form(&format!("/movies/{movie}/rating"), &[("stars", stars)])
                .await;
            assert_eq!(response.status().as_u16(), 303);
        }
    }
    let picks: Vec<Value> = app
        .get("/api/v1/recommendations?n=10")
        .await
        .json()
        .await
        .unwrap();
    let western_ids: std::collections::HashSet<i64> = {
        let mut ids = std::collections::HashSet::new();
        for i in (WESTERN..STANDALONE).step_by(TASTES) {
            ids.insert(id_of(standalone_film(i)).await);
        }
        ids
    };
    let in_taste = picks
        .iter()
        .filter(|p| western_ids.contains(&p["movie_id"].as_i64().unwrap()))
        .count();
    assert!(picks.len() >= 5, "{picks:#?}");
    assert!(
        in_taste * 2 > picks.len(),
        "{in_taste} Westerns of {}: {picks:#?}",
        picks.len()
    );
    for pick in &picks {
        assert_eq!(pick["source"], "model", "{pick:?}");
        assert!(
            pick["predicted_rating"].as_f64().unwrap() >= 3.0,
            "{pick:?}"
        );
        let reason = pick["reason"].as_str().unwrap_or_default();
        for i in 0..3 {
            assert!(
                !reason.contains(&format!("Single Film {i} ")),
                "{reason} names a disliked film"
            );
        }
    }
}
