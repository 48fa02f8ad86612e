//! The file-based commands, run as the real binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn movierec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

/// 60 users who each rate 25 of 40 items in u.data format; user u rates items 7u..7u+25 mod 40.
fn write_ratings(path: &Path) {
    let mut text = String::new();
    for u in 0..60u32 {
        for j in 0..25u32 {
            let i = (u * 7 + j) % 40;
            let r = 1 + (u + i * 3) % 5;
            text.push_str(&format!("{u}\t{i}\t{r}\t0\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn train_then_recommend_lists_unrated_items() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("u.data");
    let model = dir.path().join("model.bin");
    write_ratings(&ratings);
    let (r, m) = (ratings.to_str().unwrap(), model.to_str().unwrap());

    let out = movierec(&["train", "--ratings", r, "--out", m, "--threads", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = movierec(&[
        "recommend",
        "--model",
        m,
        "--user",
        "7",
        "-n",
        "5",
        "--ratings",
        r,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5);
    for line in lines {
        let (item, rating) = line.split_once('\t').unwrap();
        // User 7 rated items 49..74 mod 40, i.e. 9..=33.
        let item: u32 = item.parse().unwrap();
        assert!(!(9..=33).contains(&item), "recommended rated item {item}");
        let rating: f32 = rating.parse().unwrap();
        assert!((1.0..=5.0).contains(&rating));
    }

    let out = movierec(&["recommend", "--model", m, "--user", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("user \"nobody\" is not in the model"));

    std::fs::write(&model, b"not a model").unwrap();
    let out = movierec(&["recommend", "--model", m, "--user", "7"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a model file"));
}

#[test]
fn eval_json_prints_one_object_per_fold() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("u.data");
    write_ratings(&ratings);
    let out = movierec(&[
        "eval",
        "--ratings",
        ratings.to_str().unwrap(),
        "--folds",
        "3",
        "--seed",
        "5",
        "--json",
        "--model",
        "als",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let runs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(runs.len(), 3);
    let mut n_test = 0;
    for (f, run) in runs.iter().enumerate() {
        assert_eq!(run["model"], "als");
        assert_eq!(run["fold"], f + 1);
        assert_eq!(run["folds"], 3);
        let (train, test) = (
            run["n_train"].as_u64().unwrap(),
            run["n_test"].as_u64().unwrap(),
        );
        assert_eq!(train + test, 1500);
        n_test += test;
        let rmse = run["rmse"].as_f64().unwrap();
        assert!(rmse > 0.0 && rmse < 4.0);
        for key in [
            "mae",
            "fit_seconds",
            "precision_at_10",
            "recall_at_10",
            "ndcg_at_10",
        ] {
            assert!(run[key].is_number(), "{key}");
        }
        assert_eq!(run["params"]["seed"], 5);
        assert_eq!(run["params"]["algorithm"], "als");
        // Printed as written, not as the f32's widened 0.10000000149011612.
        assert_eq!(run["params"]["reg"], 0.1);
    }
    assert_eq!(n_test, 1500);
}

#[test]
fn a_diverging_learning_rate_fails_train_and_eval() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("u.data");
    let model = dir.path().join("model.bin");
    write_ratings(&ratings);
    let (r, m) = (ratings.to_str().unwrap(), model.to_str().unwrap());

    let out = movierec(&["train", "--ratings", r, "--out", m, "--lr", "50"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("training diverged at epoch"), "{stderr}");
    assert!(!model.exists(), "no model file for a diverged run");

    let out = movierec(&["eval", "--ratings", r, "--folds", "2", "--lr", "50"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("training diverged at epoch"), "{stderr}");

    // The same commands succeed at the default rate, so the rate is what failed them.
    let out = movierec(&["train", "--ratings", r, "--out", m]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eval_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("u.data");
    write_ratings(&ratings);
    let mut child = Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["eval", "--ratings", ratings.to_str().unwrap()])
        .args(["--folds", "3", "--json", "--model", "popularity"])
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes before the first line is written, as `| head -0` would: every write
    // meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn popularity_is_a_ranker_in_eval_and_refused_by_train() {
    let dir = tempfile::tempdir().unwrap();
    let ratings = dir.path().join("u.data");
    write_ratings(&ratings);
    let r = ratings.to_str().unwrap();
    let out = movierec(&[
        "eval",
        "--ratings",
        r,
        "--folds",
        "2",
        "--json",
        "--model",
        "popularity",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in stdout.lines() {
        let run: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(run["model"], "popularity");
        // It predicts no ratings, so it has no rating error and no training parameters.
        assert!(run["rmse"].is_null() && run["mae"].is_null(), "{run}");
        assert!(run["params"].is_null(), "{run}");
        assert!(run["ndcg_at_10"].as_f64().unwrap() > 0.0, "{run}");
    }

    let model = dir.path().join("model.bin");
    let out = movierec(&[
        "train",
        "--ratings",
        r,
        "--out",
        model.to_str().unwrap(),
        "--model",
        "popularity",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--model popularity is a ranker"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eval_reports_bad_input_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ratings.csv");
    std::fs::write(
        &bad,
        "userId,movieId,rating,timestamp\n1,2,4.0,0\n1,3,abc,0\n",
    )
    .unwrap();
    let out = movierec(&["eval", "--ratings", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ratings.csv:3: rating \"abc\" is not a number"),
        "{stderr}"
    );
}
