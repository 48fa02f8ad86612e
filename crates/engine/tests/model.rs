mod common;

use common::synthetic;
use movierec_engine::eval::{self, Popularity};
use movierec_engine::{
    Algorithm, Dataset, EpochReport, ExternalId, FileError, Fit, FitError, ItemIdx, Model, Params,
    Progress, Scale, UserIdx,
};
use proptest::prelude::*;

fn params(algorithm: Algorithm) -> Params {
    Params::default_for(algorithm)
}

/// Trains on one thread, for data and parameters that converge.
fn train<U: ExternalId, T: ExternalId>(data: &Dataset<U, T>, p: &Params) -> Model<U, T> {
    Fit::new(p)
        .threads(1)
        .run(data)
        .expect("training converges")
}

fn item(i: u32) -> ItemIdx {
    ItemIdx::new(i)
}

fn user(u: u32) -> UserIdx {
    UserIdx::new(u)
}

/// Trains on 80% of `data` and returns (model, train, test) with test indexed like the model.
fn split_fit(data: &Dataset, p: &Params) -> (Model, Dataset, Dataset) {
    let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 7);
    let train_set = data.subset(&train_rows);
    let test = data.subset(&test_rows);
    (train(&train_set, p), train_set, test)
}

#[test]
fn factor_models_beat_the_baseline_on_low_rank_data() {
    let data = synthetic(300, 200, 0.1, 1);
    let (base, _, test) = split_fit(&data, &params(Algorithm::Baseline));
    let base_rmse = eval::accuracy(&base, test.ratings()).0;
    for alg in [Algorithm::Sgd, Algorithm::Als] {
        let (m, _, _) = split_fit(&data, &params(alg));
        let rmse = eval::accuracy(&m, test.ratings()).0;
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
        let a = train(&data, &params(alg));
        let b = train(&data, &params(alg));
        assert_eq!(a, b, "{alg:?}");
    }
    let sgd = params(Algorithm::Sgd);
    let other_seed = Fit::new(&sgd).threads(1).seed(43);
    let (a, b) = (train(&data, &sgd), other_seed.run(&data).unwrap());
    assert_ne!(a.item_factors(item(0)), b.item_factors(item(0)));
}

#[test]
fn parallel_sgd_matches_single_thread() {
    // The strata schedule does not depend on the thread count, so neither does the model.
    let data = synthetic(120, 90, 0.2, 3);
    let one = train(&data, &params(Algorithm::Sgd));
    let two = Fit::new(&params(Algorithm::Sgd))
        .threads(2)
        .run(&data)
        .unwrap();
    assert_eq!(one, two);
}

#[test]
fn progress_reports_every_epoch_with_validation() {
    use std::sync::Mutex;
    struct Log(Mutex<Vec<EpochReport>>);
    impl Progress for Log {
        fn on_epoch(&self, r: &EpochReport) {
            self.0.lock().unwrap().push(r.clone());
        }
    }
    let data = synthetic(80, 60, 0.2, 4);
    let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 1);
    let (train_set, test) = (data.subset(&train_rows), data.subset(&test_rows));
    let log = Log(Mutex::new(Vec::new()));
    let p = params(Algorithm::Sgd);
    Fit::new(&p)
        .threads(1)
        .validation(test.ratings())
        .progress(&log)
        .run(&train_set)
        .unwrap();
    let reports = log.0.into_inner().unwrap();
    assert_eq!(reports.len(), p.epochs);
    assert_eq!(reports.last().unwrap().epoch, p.epochs);
    assert!(reports.iter().all(|r| r.holdout_rmse.is_some()));
    assert!(reports.last().unwrap().train_rmse < reports[0].train_rmse);
}

#[test]
fn training_stops_after_the_epoch_where_progress_asks_to() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct StopAfter(usize, AtomicUsize);
    impl Progress for StopAfter {
        fn on_epoch(&self, _: &EpochReport) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
        fn should_stop(&self) -> bool {
            self.1.load(Ordering::SeqCst) >= self.0
        }
    }
    let data = synthetic(40, 30, 0.3, 5);
    for alg in [Algorithm::Baseline, Algorithm::Sgd, Algorithm::Als] {
        let p = params(alg).with_epochs(50);
        let stop = StopAfter(3, AtomicUsize::new(0));
        let m = Fit::new(&p).threads(1).progress(&stop).run(&data).unwrap();
        assert_eq!(stop.1.load(Ordering::SeqCst), 3, "{alg:?}");
        assert_eq!(m.n_items(), data.items().len());
    }
}

/// A user held out of training and folded in from their training ratings predicts their test
/// ratings about as well as the same user trained in the model.
fn fold_in_matches_training(alg: Algorithm) {
    let data = synthetic(300, 400, 0.2, 5);
    let p = params(alg);
    // The users with the most ratings, so each has a meaningful test set.
    let mut users: Vec<UserIdx> = (0..data.users().len() as u32).map(user).collect();
    users.sort_by_key(|&u| std::cmp::Reverse(data.ratings().user_count(u)));
    let held: Vec<UserIdx> = users[..5].to_vec();
    let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 11);
    let entries = data.ratings().entries();
    let full = data.subset(&train_rows);
    let without: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&r| !held.contains(&entries[r].user))
        .collect();
    let trained = train(&full, &p);
    let reduced = train(&data.subset(&without), &p);
    for &u in &held {
        let of_user = |rows: &[usize]| -> Vec<(ItemIdx, f32)> {
            rows.iter()
                .filter(|&&r| entries[r].user == u)
                .map(|&r| (entries[r].item, entries[r].value))
                .collect()
        };
        let user_train = of_user(&train_rows);
        let user_test = of_user(&test_rows);
        assert!(user_test.len() >= 10);
        let rmse = |pred: &dyn Fn(ItemIdx) -> f32| {
            let se: f32 = user_test.iter().map(|&(i, r)| (pred(i) - r).powi(2)).sum();
            (se / user_test.len() as f32).sqrt()
        };
        let newcomer = reduced.fold_in(&user_train, &[]);
        let folded = rmse(&|i| reduced.predict(&newcomer, i));
        let in_training = trained.user(u);
        let inside = rmse(&|i| trained.predict(&in_training, i));
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
    let m = train(&data, &params(Algorithm::Als));
    let (items, values) = data.ratings().user_ratings(user(3));
    let ratings: Vec<(ItemIdx, f32)> = items.iter().copied().zip(values.iter().copied()).collect();
    // ALS solves users exactly this way, so only the final item update separates the two.
    let folded = m.fold_in(&ratings, &[]);
    let trained = m.user(user(3));
    for i in (0..m.n_items() as u32).map(item) {
        assert!((m.predict(&folded, i) - m.predict(&trained, i)).abs() < 0.1);
    }
    // Unknown items are ignored rather than panicking.
    let with_unknown = [ratings.clone(), vec![(item(9999), 5.0)]].concat();
    let again = m.fold_in(&with_unknown, &[]);
    for i in (0..m.n_items() as u32).map(item) {
        assert_eq!(m.predict(&again, i), m.predict(&folded, i));
    }
    assert_eq!(
        m.recommend(&again, 10, |_| false),
        m.recommend(&folded, 10, |_| false)
    );
}

#[test]
fn similar_items_are_co_rated_films_best_first_skipping_the_item_and_the_excluded() {
    let data = synthetic(150, 60, 0.3, 9);
    let m = train(&data, &params(Algorithm::Als));
    let sim = m.similar_items(item(4), 5, |_| false);
    assert_eq!(sim.len(), 5);
    assert!(sim.iter().all(|&(i, _)| i != item(4)));
    assert!(sim.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(sim.iter().all(|&(_, s)| s > 0.0 && s <= 1.0 + 1e-6));
    // The best is the film most often rated with it, by cosine of who rated what.
    let raters = |i: ItemIdx| -> std::collections::HashSet<_> {
        data.ratings().item_ratings(i).0.iter().copied().collect()
    };
    let of4 = raters(item(4));
    let cosine = |j: ItemIdx| {
        let other = raters(j);
        let co = of4.intersection(&other).count() as f64;
        co / ((of4.len() * other.len()) as f64).sqrt() * co / (co + 10.0)
    };
    let best = (0..60u32)
        .map(item)
        .filter(|&j| j != item(4))
        .max_by(|&a, &b| cosine(a).total_cmp(&cosine(b)))
        .unwrap();
    assert!((cosine(sim[0].0) - cosine(best)).abs() < 1e-9, "{sim:?}");
    let without = m.similar_items(item(4), 5, |j| j == sim[0].0);
    assert_eq!(without.len(), 5);
    assert_eq!(&without[..4], &sim[1..]);
    assert!(m.similar_items(item(10_000), 5, |_| false).is_empty());
}

#[test]
fn unknown_users_and_items_fall_back_to_biases() {
    let data = synthetic(50, 40, 0.3, 10);
    let m = train(&data, &params(Algorithm::Sgd));
    let nobody = m.user(user(10_000));
    let unknown_user = m.predict(&nobody, item(3));
    let bias = m.item_bias(item(3)).unwrap();
    assert_eq!(unknown_user, m.scale().clip(m.global_mean() + bias));
    assert_eq!(
        m.predict(&nobody, item(10_000)),
        m.scale().clip(m.global_mean())
    );
    assert_eq!(m.item_bias(item(10_000)), None);
}

#[test]
fn model_file_round_trips() {
    let data = synthetic(60, 50, 0.3, 12);
    for alg in [Algorithm::Baseline, Algorithm::Sgd, Algorithm::Als] {
        let m = train(&data, &params(alg));
        let mut bytes = Vec::new();
        m.save(&mut bytes).unwrap();
        assert_eq!(Model::load(bytes.as_slice()).unwrap(), m);
    }
}

/// A model answers in its caller's ids, and its file keeps them as text, the format
/// unchanged: a model of integer ids reads back as strings and as integers, and a file of
/// decimal strings (every file written before ids were typed) loads with integer ids. Text
/// that is no id of the type asked for is refused, naming the id, never mapped to a stand-in.
#[test]
fn model_files_keep_typed_ids_and_refuse_ids_of_another_type() {
    let named = synthetic(40, 30, 0.3, 14);
    // The same ratings with the numbers after "u" and "i" as the ids.
    let number = |text: &str| text[1..].parse::<i64>().unwrap();
    let records = named.ratings().entries().iter().map(|e| {
        let user = number(named.users().ext(e.user));
        let item = number(named.items().ext(e.item));
        (user, item, e.value)
    });
    let data: Dataset<i64, i64> = Dataset::from_typed_records(records, named.ratings().scale());
    let typed = train(&data, &params(Algorithm::Sgd));
    let item7 = typed.items().get(&7).unwrap();
    assert_eq!(*typed.items().ext(item7), 7);

    let mut bytes = Vec::new();
    typed.save(&mut bytes).unwrap();
    let as_numbers: Model<i64, i64> = Model::from_bytes(&bytes).unwrap();
    assert_eq!(as_numbers, typed);
    let as_text: Model = Model::from_bytes(&bytes).unwrap();
    assert_eq!(as_text.items().get("7"), Some(item7));
    // Text back to numbers: what the app's models stored as decimal strings come to.
    let mut text_bytes = Vec::new();
    as_text.save(&mut text_bytes).unwrap();
    assert_eq!(text_bytes, bytes, "the same file either way");
    assert_eq!(Model::<i64, i64>::from_bytes(&text_bytes).unwrap(), typed);

    let mut named_bytes = Vec::new();
    train(&named, &params(Algorithm::Sgd))
        .save(&mut named_bytes)
        .unwrap();
    let err = Model::<i64, i64>::from_bytes(&named_bytes).unwrap_err();
    assert!(
        matches!(&err, FileError::Id { what: "user", id } if id.starts_with('u')),
        "{err:?}"
    );
    assert!(err.to_string().contains("user id \"u"), "{err}");
}

#[test]
fn damaged_model_files_are_errors() {
    let data = synthetic(30, 20, 0.3, 13);
    let m = train(&data, &params(Algorithm::Sgd));
    let mut bytes = Vec::new();
    m.save(&mut bytes).unwrap();

    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    assert!(matches!(
        Model::<String, String>::from_bytes(&flipped),
        Err(FileError::Checksum)
    ));

    for cut in [0, 5, 12, 20, bytes.len() - 1] {
        assert!(
            Model::<String, String>::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    assert!(matches!(
        Model::<String, String>::from_bytes(b"userId,movieId,rating\n1,2,3\n"),
        Err(FileError::NotAModel)
    ));
    let version = |v: u32| {
        let mut other = bytes.clone();
        other[8..12].copy_from_slice(&v.to_le_bytes());
        Model::<String, String>::from_bytes(&other).unwrap_err()
    };
    let newer = version(4);
    assert!(
        matches!(
            newer,
            FileError::UnsupportedVersion {
                found: 4,
                supported: 3
            }
        ),
        "{newer:?}"
    );
    assert_eq!(
        newer.to_string(),
        "model file format version 4 is newer than this program supports (3)"
    );
    assert_eq!(
        version(0).to_string(),
        "model file format version 0 is older than this program supports (3)"
    );
}

#[test]
fn version_1_files_still_load_and_hybrid_models_round_trip() {
    let data = synthetic(30, 20, 0.3, 17);
    let m = train(&data, &params(Algorithm::Sgd));
    let mut bytes = Vec::new();
    m.save(&mut bytes).unwrap();
    // Version 1 is version 2 without the implicit flag byte, and version 2 is version 3
    // without the neighbour table.
    let mut v1 = bytes[..bytes.len() - 8 - neighbour_table(&bytes, m.n_items()) - 1].to_vec();
    v1[8..12].copy_from_slice(&1u32.to_le_bytes());
    let sum = fnv1a64(&v1);
    v1.extend_from_slice(&sum.to_le_bytes());
    let old: Model = Model::from_bytes(&v1).expect("a version 1 file loads");
    // The same predictions; similar items by factors, as version 1 knew no neighbours.
    for u in 0..m.n_users() as u32 {
        for i in 0..m.n_items() as u32 {
            let (u, i) = (movierec_engine::UserIdx::new(u), ItemIdx::new(i));
            assert_eq!(old.predict(&old.user(u), i), m.predict(&m.user(u), i));
        }
    }
    assert!(old.implicit().is_none());

    let implicit = movierec_engine::ImplicitParams::default().with_factors(3);
    let hybrid_params = params(Algorithm::Sgd)
        .with_implicit(Some(implicit))
        .with_blend(Some(0.2));
    let h = train(&data, &hybrid_params);
    assert!(h.implicit().is_some());
    let mut bytes = Vec::new();
    h.save(&mut bytes).unwrap();
    let back = Model::load(bytes.as_slice()).unwrap();
    assert_eq!(back, h);
    assert_eq!(back.blend(), 0.2);
    // The loaded model folds in and ranks exactly as the saved one.
    let items: Vec<_> = (0..3u32).map(movierec_engine::ItemIdx::new).collect();
    let rated: Vec<_> = items.iter().map(|&i| (i, 4.5)).collect();
    let (a, b) = (h.fold_in(&rated, &[]), back.fold_in(&rated, &[]));
    assert_eq!(
        h.recommend(&a, 5, |i| items.contains(&i)),
        back.recommend(&b, 5, |i| items.contains(&i))
    );
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
    let pop = Popularity::new(train.ratings());
    let t = eval::top_n_metrics(&pop, train.ratings(), test.ratings(), 10, 4.0);
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

#[test]
fn a_diverging_run_is_an_error_not_a_model() {
    let data = synthetic(100, 80, 0.2, 14);
    for threads in [1, 2] {
        let reckless = params(Algorithm::Sgd).with_lr(50.0);
        let epochs = std::sync::Mutex::new(Vec::new());
        struct Epochs<'a>(&'a std::sync::Mutex<Vec<f64>>);
        impl Progress for Epochs<'_> {
            fn on_epoch(&self, r: &EpochReport) {
                self.0.lock().unwrap().push(r.train_rmse);
            }
        }
        let err = Fit::new(&reckless)
            .threads(threads)
            .progress(&Epochs(&epochs))
            .run(&data)
            .unwrap_err();
        let FitError::Diverged { epoch, .. } = err else {
            panic!("{err:?}");
        };
        // Every epoch reported before the divergence was a finite one, and training stopped there.
        let reported = epochs.into_inner().unwrap();
        assert_eq!(reported.len(), epoch - 1);
        assert!(reported.iter().all(|r| r.is_finite()));
        assert!(err.to_string().contains("diverged"), "{err}");
    }
    // The same data trains fine at the default rate.
    assert!(
        Fit::new(&params(Algorithm::Sgd))
            .threads(1)
            .run(&data)
            .is_ok()
    );
}

#[test]
fn parameters_that_are_not_numbers_are_rejected_before_training() {
    let data = synthetic(20, 20, 0.3, 15);
    for p in [
        params(Algorithm::Sgd).with_lr(f32::NAN),
        params(Algorithm::Als).with_reg(-0.1),
        params(Algorithm::Baseline).with_popularity_weight(f32::INFINITY),
    ] {
        let err = Fit::new(&p).threads(1).run(&data).unwrap_err();
        assert!(matches!(err, FitError::InvalidParam { .. }), "{err:?}");
    }
    // A negative popularity weight is a choice (prefer rare items), not a mistake.
    let contrarian = params(Algorithm::Baseline).with_popularity_weight(-1.0);
    assert!(Fit::new(&contrarian).threads(1).run(&data).is_ok());
}

#[test]
fn a_model_file_with_a_non_finite_factor_is_corrupt() {
    let data = synthetic(30, 20, 0.3, 16);
    let m = train(&data, &params(Algorithm::Sgd));
    let mut bytes = Vec::new();
    m.save(&mut bytes).unwrap();
    // The item factors end just before the item counts (u32 length + one u32 per item), the
    // implicit part's flag (u8, 0 here) and the checksum (u64): poison the last factor and
    // re-seal the file.
    let counts = 4 + 4 * m.n_items() + 1 + neighbour_table(&bytes, m.n_items());
    let at = bytes.len() - 8 - counts - 4;
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let body = bytes.len() - 8;
    let sum = fnv1a64(&bytes[..body]);
    bytes[body..].copy_from_slice(&sum.to_le_bytes());
    let err = Model::<String, String>::from_bytes(&bytes).unwrap_err();
    assert!(matches!(err, FileError::Corrupt(_)), "{err:?}");
}

/// Bytes of a version 3 file's taste weight and neighbour table, just before the checksum:
/// the weight (f32), the support (u32 count, one u32 per trained item), the link count `l`
/// (u32), the offsets (count + 1 u32s), `l` items (u32) and `l` similarities (f32). Found by
/// the one `l` that the bytes at its place agree with.
fn neighbour_table(bytes: &[u8], n_items: usize) -> usize {
    let end = bytes.len() - 8;
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    (0..=n_items * n_items)
        .map(|l| (l, 4 + 4 + 4 * n_items + 4 + 4 * (n_items + 1) + 8 * l))
        .find(|&(l, table)| {
            table <= end && {
                let start = end - table;
                u32_at(start + 4) == n_items && u32_at(start + 8 + 4 * n_items) == l
            }
        })
        .map(|(_, table)| table)
        .expect("a neighbour table")
}

/// The model file's checksum, as its format documents it.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(feature = "serde")]
#[test]
fn params_round_trip_through_json() {
    let p = params(Algorithm::Als).with_lr(0.03);
    let text = serde_json::to_string(&p).unwrap();
    // f32 values print in their shortest form, not as 0.029999999329447746.
    assert!(text.contains(r#""algorithm":"als""#), "{text}");
    assert!(text.contains(r#""lr":0.03,"#), "{text}");
    assert_eq!(serde_json::from_str::<Params>(&text).unwrap(), p);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn fitted_models_predict_within_the_scale(
        triples in proptest::collection::vec((0u8..12, 0u8..10, 1u8..=10), 1..80),
        alg in prop_oneof![Just(Algorithm::Baseline), Just(Algorithm::Sgd), Just(Algorithm::Als)],
        lr in 0.001f32..0.5,
    ) {
        let records: Vec<(String, String, f32)> = triples
            .iter()
            .map(|&(u, i, r)| (u.to_string(), i.to_string(), f32::from(r) / 2.0))
            .collect();
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let p = params(alg).with_lr(lr).with_epochs(5);
        // A high rate may blow SGD up on some data: that must be reported, never returned.
        let m = match Fit::new(&p).threads(1).run(&data) {
            Ok(m) => m,
            Err(FitError::Diverged { .. }) => return Ok(()),
            Err(e) => panic!("{e}"),
        };
        let newcomer = m.fold_in(&[(item(0), 5.0), (item(1), 0.5)], &[]);
        for i in (0..m.n_items() as u32 + 2).map(item) {
            for u in (0..m.n_users() as u32 + 2).map(user) {
                let r = m.predict(&m.user(u), i);
                prop_assert!(m.scale().contains(r), "{r}");
            }
            prop_assert!(m.scale().contains(m.predict(&newcomer, i)));
        }
    }
}

/// Two tastes over 20 films: users who love films 0–9 and dislike the few of 10–19 they
/// watch, and the reverse.
fn two_tastes() -> Dataset {
    let mut records = Vec::new();
    for user in 0..40u32 {
        let first = user % 2 == 0;
        for film in 0..20u32 {
            let own = (film < 10) == first;
            let watches = if own {
                (film + user) % 4 != 0
            } else {
                (film + user) % 5 == 0
            };
            if watches {
                let stars = if own { 4.5 } else { 1.5 };
                records.push((user.to_string(), film.to_string(), stars));
            }
        }
    }
    Dataset::from_records(records, movierec_engine::Scale::MOVIELENS)
}

#[test]
fn no_pick_is_predicted_below_three_stars_or_the_users_own_mean() {
    let data = two_tastes();
    let m = Fit::new(&Params::hybrid().with_factors(4))
        .threads(1)
        .run(&data)
        .unwrap();
    let film = |name: &str| data.items().get(name).unwrap();
    // A fan of the first taste who disliked two of the other's films: their mean (shrunk
    // towards the site's) is above 3 stars.
    let generous: Vec<(ItemIdx, f32)> = [
        ("0", 5.0),
        ("1", 5.0),
        ("2", 5.0),
        ("3", 5.0),
        ("10", 1.0),
        ("11", 1.0),
    ]
    .iter()
    .map(|&(f, r)| (film(f), r))
    .collect();
    let user = m.fold_in(&generous, &[]);
    let picks = m.recommend(&user, 20, |i| generous.iter().any(|&(r, _)| r == i));
    assert!(!picks.is_empty());
    let mean = generous.iter().map(|r| r.1).sum::<f32>() / generous.len() as f32;
    let n = generous.len() as f32;
    let shrunk = (mean * n + 5.0 * data.ratings().mean()) / (n + 5.0);
    assert!(shrunk > 3.0);
    for pick in &picks {
        assert!(
            pick.predicted() >= 3.0 && pick.predicted() >= shrunk,
            "{pick:?}"
        );
    }
    // The other taste's films, predicted low for this user, are not offered as picks at all.
    assert!(
        picks
            .iter()
            .all(|p| data.items().ext(p.item()).parse::<u32>().unwrap() < 10),
        "{picks:?}"
    );
}
