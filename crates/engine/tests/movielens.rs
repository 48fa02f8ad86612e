//! Acceptance on MovieLens 100k. Run with the data set path in `MOVIEREC_ML100K`:
//! `MOVIEREC_ML100K=path/to/u.data cargo test --release -p movierec-engine --test movielens -- --ignored`

use movierec_engine::eval::{self, Popularity};
use movierec_engine::{Dataset, ItemIdx, Params, RatingSet, UserIdx, fit};

fn ml100k() -> Dataset {
    let path = std::env::var("MOVIEREC_ML100K").expect("set MOVIEREC_ML100K to u.data");
    Dataset::load(std::path::Path::new(&path), RatingSet::MovieLens).unwrap()
}

#[test]
#[ignore = "needs MovieLens 100k (MOVIEREC_ML100K)"]
fn default_model_is_accurate_and_ranks_better_than_popularity() {
    let data = ml100k();
    let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 1);
    let (train, test) = (data.subset(&train_rows), data.subset(&test_rows));
    let model = fit(&train, &Params::default()).unwrap();
    let (rmse, _) = eval::accuracy(&model, test.ratings());
    eprintln!("rmse {rmse:.4}");
    assert!(rmse <= 0.915, "rmse {rmse}");
    let ours = eval::top_n_metrics(&model, train.ratings(), test.ratings(), 10, 4.0);
    let popular = Popularity::new(train.ratings());
    let theirs = eval::top_n_metrics(&popular, train.ratings(), test.ratings(), 10, 4.0);
    eprintln!("ndcg@10 {:.4}, popularity {:.4}", ours.ndcg, theirs.ndcg);
    assert!(
        ours.ndcg > theirs.ndcg,
        "ndcg {} vs popularity {}",
        ours.ndcg,
        theirs.ndcg
    );
}

#[test]
#[ignore = "needs MovieLens 100k (MOVIEREC_ML100K)"]
fn folded_in_users_predict_like_trained_ones() {
    let data = ml100k();
    let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 2);
    let entries = data.ratings().entries();
    let held: Vec<UserIdx> = (0..data.users().len() as u32)
        .step_by(10)
        .map(UserIdx::new)
        .collect();
    let is_held = |u: UserIdx| held.binary_search(&u).is_ok();
    let without: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&r| !is_held(entries[r].user))
        .collect();
    let p = Params::default();
    let trained = fit(&data.subset(&train_rows), &p).unwrap();
    let reduced = fit(&data.subset(&without), &p).unwrap();
    let (mut se_in, mut se_fold, mut n) = (0f64, 0f64, 0usize);
    for &u in &held {
        let of_user = |rows: &[usize]| -> Vec<(ItemIdx, f32)> {
            rows.iter()
                .filter(|&&r| entries[r].user == u)
                .map(|&r| (entries[r].item, entries[r].value))
                .collect()
        };
        let newcomer = reduced.fold_in(&of_user(&train_rows), &[]);
        let in_training = trained.user(u);
        for (i, r) in of_user(&test_rows) {
            se_in += f64::from(trained.predict(&in_training, i) - r).powi(2);
            se_fold += f64::from(reduced.predict(&newcomer, i) - r).powi(2);
            n += 1;
        }
    }
    let (rmse_in, rmse_fold) = ((se_in / n as f64).sqrt(), (se_fold / n as f64).sqrt());
    eprintln!(
        "{} held-out users: folded-in rmse {rmse_fold:.4}, trained {rmse_in:.4}",
        held.len()
    );
    assert!(
        (rmse_fold - rmse_in).abs() <= 0.02,
        "folded-in {rmse_fold:.4} vs trained {rmse_in:.4}"
    );
}
