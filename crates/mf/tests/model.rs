mod common;

use common::synthetic;
use mf::eval::{self, Popularity};
use mf::{Algorithm, Dataset, FileError, Model, NoProgress, Params, Scale, fit};
use proptest::prelude::*;

fn params(algorithm: Algorithm) -> Params {
    Params {
        threads: 1,
        ..Params::default_for(algorithm)
    }
}

/// Trains on 80% of `data` and returns (model, train, test) with test indexed like the model.
fn split_fit(data: &Dataset, p: &Params) -> (Model, Dataset, Dataset) {
    let (train_rows, test_rows) = eval::train_test_split(data.ratings.len(), 0.2, 7);
    let train = data.subset(&train_rows);
    let test = data.subset(&test_rows);
    (fit(&train, p, None, &NoProgress), train, test)
}

#[test]
fn factor_models_beat_the_baseline_on_low_rank_data() {
    let data = synthetic(300, 200, 0.1, 1);
    let (base, _, test) = split_fit(&data, &params(Algorithm::Baseline));
    let base_rmse = eval::accuracy(&base, &test.ratings).0;
    for alg in [Algorithm::Sgd, Algorithm::Als] {
        let (m, _, _) = split_fit(&data, &params(alg));
        let rmse = eval::accuracy(&m, &test.ratings).0;
        assert!(
            rmse < base_rmse - 0.03,
            "{alg:?}: {rmse} vs baseline {base_rmse}"
        );
    }
}

#[test]
fn same_seed_single_thread_gives_identical_models() {
    let data = synthetic(100, 80, 0.2, 2);
    for alg in [Algorithm::Sgd, Algorithm::Als, Algorithm::Baseline] {
        let a = fit(&data, &params(alg), None, &NoProgress);
        let b = fit(&data, &params(alg), None, &NoProgress);
        assert_eq!(a, b, "{alg:?}");
    }
    let other_seed = Params {
        seed: 43,
        ..params(Algorithm::Sgd)
    };
    assert_ne!(
        fit(&data, &params(Algorithm::Sgd), None, &NoProgress).user_factors,
        fit(&data, &other_seed, None, &NoProgress).user_factors
    );
}

#[test]
fn parallel_sgd_matches_single_thread() {
    // The strata schedule does not depend on the thread count, so neither does the model.
    let data = synthetic(120, 90, 0.2, 3);
    let one = fit(&data, &params(Algorithm::Sgd), None, &NoProgress);
    let two = fit(
        &data,
        &Params {
            threads: 2,
            ..params(Algorithm::Sgd)
        },
        None,
        &NoProgress,
    );
    assert_eq!(one, two);
}

#[test]
fn progress_reports_every_epoch_with_validation() {
    use std::sync::Mutex;
    struct Log(Mutex<Vec<mf::EpochReport>>);
    impl mf::Progress for Log {
        fn on_epoch(&self, r: &mf::EpochReport) {
            self.0.lock().unwrap().push(r.clone());
        }
    }
    let data = synthetic(80, 60, 0.2, 4);
    let (train_rows, test_rows) = eval::train_test_split(data.ratings.len(), 0.2, 1);
    let (train, test) = (data.subset(&train_rows), data.subset(&test_rows));
    let log = Log(Mutex::new(Vec::new()));
    let p = params(Algorithm::Sgd);
    fit(&train, &p, Some(&test.ratings), &log);
    let reports = log.0.into_inner().unwrap();
    assert_eq!(reports.len(), p.epochs);
    assert_eq!(reports.last().unwrap().epoch, p.epochs);
    assert!(reports.iter().all(|r| r.valid_rmse.is_some()));
    assert!(reports.last().unwrap().train_rmse < reports[0].train_rmse);
}

#[test]
fn training_stops_after_the_epoch_where_progress_asks_to() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct StopAfter(usize, AtomicUsize);
    impl mf::Progress for StopAfter {
        fn on_epoch(&self, _: &mf::EpochReport) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
        fn should_stop(&self) -> bool {
            self.1.load(Ordering::SeqCst) >= self.0
        }
    }
    let data = synthetic(40, 30, 0.3, 5);
    for alg in [Algorithm::Baseline, Algorithm::Sgd, Algorithm::Als] {
        let p = Params {
            epochs: 50,
            ..params(alg)
        };
        let stop = StopAfter(3, AtomicUsize::new(0));
        let m = fit(&data, &p, None, &stop);
        assert_eq!(stop.1.load(Ordering::SeqCst), 3, "{alg:?}");
        assert_eq!(m.n_items(), data.items.len());
    }
}

/// A user held out of training and folded in from their training ratings predicts their test
/// ratings about as well as the same user trained in the model.
fn fold_in_matches_training(alg: Algorithm) {
    let data = synthetic(300, 400, 0.2, 5);
    let p = params(alg);
    // The users with the most ratings, so each has a meaningful test set.
    let mut users: Vec<u32> = (0..data.users.len() as u32).collect();
    users.sort_by_key(|&u| std::cmp::Reverse(data.ratings.user_count(u)));
    let held: Vec<u32> = users[..5].to_vec();
    let (train_rows, test_rows) = eval::train_test_split(data.ratings.len(), 0.2, 11);
    let entries = data.ratings.entries();
    let full = data.subset(&train_rows);
    let without: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&r| !held.contains(&entries[r].0))
        .collect();
    let trained = fit(&full, &p, None, &NoProgress);
    let reduced = fit(&data.subset(&without), &p, None, &NoProgress);
    for &u in &held {
        let user_train: Vec<(u32, f32)> = train_rows
            .iter()
            .filter(|&&r| entries[r].0 == u)
            .map(|&r| (entries[r].1, entries[r].2))
            .collect();
        let user_test: Vec<(u32, f32)> = test_rows
            .iter()
            .filter(|&&r| entries[r].0 == u)
            .map(|&r| (entries[r].1, entries[r].2))
            .collect();
        assert!(user_test.len() >= 10);
        let rmse = |pred: &dyn Fn(u32) -> f32| {
            let se: f32 = user_test.iter().map(|&(i, r)| (pred(i) - r).powi(2)).sum();
            (se / user_test.len() as f32).sqrt()
        };
        let uv = reduced.fold_in(&user_train);
        let folded = rmse(&|i| reduced.predict_with(&uv, i));
        let inside = rmse(&|i| trained.predict(u, i));
        assert!(
            (folded - inside).abs() <= 0.02,
            "{alg:?} user {u}: folded-in {folded:.4} vs trained {inside:.4}"
        );
    }
}

#[test]
fn fold_in_matches_training_sgd() {
    fold_in_matches_training(Algorithm::Sgd);
}

#[test]
fn fold_in_matches_training_als() {
    fold_in_matches_training(Algorithm::Als);
}

#[test]
fn fold_in_of_a_trained_users_ratings_is_close_to_their_vector() {
    let data = synthetic(150, 100, 0.2, 6);
    let m = fit(&data, &params(Algorithm::Als), None, &NoProgress);
    let (items, values) = data.ratings.user_ratings(3);
    let ratings: Vec<(u32, f32)> = items.iter().copied().zip(values.iter().copied()).collect();
    // ALS solves users exactly this way, so only the final item update separates the two.
    let uv = m.fold_in(&ratings);
    let trained = m.user_vector(3);
    for i in 0..m.n_items() as u32 {
        assert!((m.predict_with(&uv, i) - m.predict_with(&trained, i)).abs() < 0.1);
    }
    // Unknown items are ignored rather than panicking.
    let with_unknown = [ratings.clone(), vec![(9999, 5.0)]].concat();
    assert_eq!(m.fold_in(&with_unknown), uv);
}

#[test]
fn top_n_is_the_head_of_a_full_sort_and_respects_exclusions() {
    let data = synthetic(100, 120, 0.2, 8);
    let m = fit(&data, &params(Algorithm::Sgd), None, &NoProgress);
    let uv = m.user_vector(5);
    let excluded = |i: u32| i.is_multiple_of(3);
    let top = m.top_n(&uv, 10, excluded);
    let mut all: Vec<(u32, f32)> = (0..m.n_items() as u32)
        .filter(|&i| !excluded(i))
        .map(|i| (i, m.rank_score(&uv, i)))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let expected: Vec<u32> = all[..10].iter().map(|x| x.0).collect();
    assert_eq!(top.iter().map(|x| x.0).collect::<Vec<_>>(), expected);
    for &(i, r) in &top {
        assert_eq!(r, m.predict_with(&uv, i));
    }
    assert_eq!(m.top_n(&uv, 1000, |_| false).len(), m.n_items());
    assert!(m.top_n(&uv, 0, |_| false).is_empty());
}

#[test]
fn ranking_prefers_well_supported_items_over_rare_high_scorers() {
    // "rare" has two ratings and an estimate half a star above "classic", rated by sixty people.
    let mut records = vec![("a", "rare", 5.0), ("b", "rare", 5.0)];
    let users: Vec<String> = (0..60).map(|u| format!("u{u}")).collect();
    for u in &users {
        records.push((u.as_str(), "classic", 4.5));
    }
    let data = Dataset::from_records(records, Scale::MOVIELENS);
    let mut m = fit(&data, &params(Algorithm::Baseline), None, &NoProgress);
    let (rare, classic) = (
        m.items.get("rare").unwrap(),
        m.items.get("classic").unwrap(),
    );
    m.item_bias[rare as usize] = m.item_bias[classic as usize] + 0.5;
    let uv = m.fold_in(&[]);
    assert!(m.predict_with(&uv, rare) > m.predict_with(&uv, classic));
    assert_eq!(m.top_n(&uv, 1, |_| false)[0].0, classic);
    // Without the support prior the rare item wins on predicted rating alone.
    m.popularity_weight = 0.0;
    assert_eq!(m.top_n(&uv, 1, |_| false)[0].0, rare);
}

#[test]
fn similar_items_are_by_cosine_and_skip_the_item_itself() {
    let data = synthetic(150, 60, 0.3, 9);
    let m = fit(&data, &params(Algorithm::Als), None, &NoProgress);
    let sim = m.similar_items(4, 5);
    assert_eq!(sim.len(), 5);
    assert!(sim.iter().all(|&(i, _)| i != 4));
    assert!(sim.windows(2).all(|w| w[0].1 >= w[1].1));
    for &(i, s) in &sim {
        assert!((s - m.item_similarity(4, i)).abs() < 1e-6);
        assert!(s <= 1.0 + 1e-6);
    }
    let best_other = (0..60u32)
        .filter(|&i| i != 4)
        .map(|i| m.item_similarity(4, i))
        .fold(f32::MIN, f32::max);
    assert!((sim[0].1 - best_other).abs() < 1e-6);
    assert!((m.item_similarity(7, 7) - 1.0).abs() < 1e-5);
    assert_eq!(m.item_similarity(4, 10_000), 0.0);
}

#[test]
fn unknown_users_and_items_fall_back_to_biases() {
    let data = synthetic(50, 40, 0.3, 10);
    let m = fit(&data, &params(Algorithm::Sgd), None, &NoProgress);
    let unknown_user = m.predict(10_000, 3);
    assert_eq!(unknown_user, m.scale.clip(m.global_mean + m.item_bias[3]));
    assert_eq!(m.predict(10_000, 10_000), m.scale.clip(m.global_mean));
}

#[test]
fn model_file_round_trips() {
    let data = synthetic(60, 50, 0.3, 12);
    for alg in [Algorithm::Baseline, Algorithm::Sgd, Algorithm::Als] {
        let m = fit(&data, &params(alg), None, &NoProgress);
        let mut bytes = Vec::new();
        m.save(&mut bytes).unwrap();
        assert_eq!(Model::load(bytes.as_slice()).unwrap(), m);
    }
}

#[test]
fn damaged_model_files_are_errors() {
    let data = synthetic(30, 20, 0.3, 13);
    let m = fit(&data, &params(Algorithm::Sgd), None, &NoProgress);
    let mut bytes = Vec::new();
    m.save(&mut bytes).unwrap();

    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    assert!(matches!(
        Model::from_bytes(&flipped),
        Err(FileError::Checksum)
    ));

    for cut in [0, 5, 12, 20, bytes.len() - 1] {
        assert!(Model::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    assert!(matches!(
        Model::from_bytes(b"userId,movieId,rating\n1,2,3\n"),
        Err(FileError::NotAModel)
    ));
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert!(matches!(
        Model::from_bytes(&future),
        Err(FileError::UnsupportedVersion { found: 2 })
    ));
}

#[test]
fn popularity_and_metrics_follow_their_definitions() {
    // u0 rated i0 in training; test: i1 (5, relevant), i2 (2, not), i3 (4, relevant, unseen in
    // training so never a candidate). Counts in training: i1 3 raters, i2 2, i0 1.
    let train = Dataset::from_records(
        [
            ("u0", "i0", 3.0),
            ("u1", "i1", 3.0),
            ("u2", "i1", 3.0),
            ("u3", "i1", 3.0),
            ("u1", "i2", 3.0),
            ("u2", "i2", 3.0),
        ],
        Scale::MOVIELENS,
    );
    let test = train.align(&Dataset::from_records(
        [("u0", "i1", 5.0), ("u0", "i2", 2.0), ("u0", "i3", 4.0)],
        Scale::MOVIELENS,
    ));
    let pop = Popularity::new(&train.ratings);
    let t = eval::top_n_metrics(&pop, &train.ratings, &test.ratings, 10, 4.0);
    // Ranking for u0: i1, i2 (i0 rated, i3 not in training). One hit at rank 1 of two relevant.
    assert_eq!(t.users, 1);
    assert!((t.precision - 0.1).abs() < 1e-12);
    assert!((t.recall - 0.5).abs() < 1e-12);
    let idcg = 1.0 + 1.0 / 3f64.log2();
    assert!((t.ndcg - 1.0 / idcg).abs() < 1e-12);
}

#[test]
fn kfold_partitions_rows_and_is_seeded() {
    let folds = eval::kfold(103, 5, 9);
    let mut all: Vec<usize> = folds.concat();
    all.sort_unstable();
    assert_eq!(all, (0..103).collect::<Vec<_>>());
    assert!(folds.iter().all(|f| (20..=21).contains(&f.len())));
    assert_eq!(folds, eval::kfold(103, 5, 9));
    assert_ne!(folds, eval::kfold(103, 5, 10));
    assert_eq!(eval::complement(10, &[1, 4, 9]), vec![0, 2, 3, 5, 6, 7, 8]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn predictions_stay_within_the_scale(
        triples in proptest::collection::vec((0u8..12, 0u8..10, 1u8..=10), 1..80),
        alg in prop_oneof![Just(Algorithm::Baseline), Just(Algorithm::Sgd), Just(Algorithm::Als)],
        lr in 0.001f32..0.5,
    ) {
        let records: Vec<(String, String, f32)> = triples
            .iter()
            .map(|&(u, i, r)| (u.to_string(), i.to_string(), f32::from(r) / 2.0))
            .collect();
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let p = Params { lr, epochs: 5, ..params(alg) };
        let m = fit(&data, &p, None, &NoProgress);
        let uv = m.fold_in(&[(0, 5.0), (1, 0.5)]);
        for i in 0..m.n_items() as u32 + 2 {
            for u in 0..m.n_users() as u32 + 2 {
                let r = m.predict(u, i);
                prop_assert!(m.scale.contains(r), "{r}");
            }
            prop_assert!(m.scale.contains(m.predict_with(&uv, i)));
        }
    }
}
