//! Training: [`fit`] dispatches to the three algorithms and turns their state into a [`Model`].

mod als;
mod baseline;
mod error;
mod hybrid;
mod ials;
mod progress;
mod search;
mod sgd;
mod state;

pub use error::FitError;
pub use ials::fit_implicit;
pub use progress::{EpochReport, NoProgress, Progress};

use crate::data::{Dataset, Ratings};
use crate::ids::{ItemIdx, UserIdx};
use crate::linalg::Regularisation;
use crate::model::Model;
use crate::neighbours::Neighbours;
use crate::params::{Algorithm, ImplicitParams, Params};
use state::Rows;

/// Trains a model on `data`. `validation` (indexed like `data`) is only used to report progress.
///
/// Fails, storing nothing, when a parameter is not a finite number, when the worker threads
/// cannot start, and when training diverges:
///
/// ```
/// use movierec_engine::{Dataset, FitError, NoProgress, Params, Scale, fit};
///
/// let data = Dataset::from_records(
///     (0..20).map(|u| (u.to_string(), (u % 7).to_string(), 1.0 + (u % 5) as f32)),
///     Scale { min: 1.0, max: 5.0 },
/// );
/// assert!(fit(&data, &Params::default(), None, &NoProgress).is_ok());
///
/// let reckless = Params::default().with_lr(50.0);
/// let err = fit(&data, &reckless, None, &NoProgress).unwrap_err();
/// assert!(matches!(err, FitError::Diverged { .. }), "{err}");
/// ```
pub fn fit(
    data: &Dataset,
    params: &Params,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<Model, FitError> {
    if let Some((name, value)) = params.invalid() {
        return Err(FitError::InvalidParam { name, value });
    }
    let ratings = data.ratings();
    let threads = params.resolved_threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| FitError::ThreadPool {
            threads,
            source: Box::new(e),
        })?;
    pool.install(|| {
        let mut model = fit_models(data, params, validation, progress)?;
        // A stopped training ends as the fits did, early, without neighbours.
        if !progress.should_stop() {
            model.neighbours = Neighbours::compute(ratings, params.seed);
        }
        Ok(model)
    })
}

/// The rating model and, when asked for, the implicit model and their blend.
fn fit_models(
    data: &Dataset,
    params: &Params,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<Model, FitError> {
    let Some(implicit) = &params.implicit else {
        let mut model = fit_explicit(data, params, validation, progress)?;
        model.taste = params.taste.unwrap_or(DEFAULT_TASTE);
        return Ok(model);
    };
    let implicit = ImplicitParams {
        seed: params.seed,
        threads: params.threads,
        ..implicit.clone()
    };
    // The rating model first, reporting its epochs as it always did, so a caller following
    // a training sees it move from the start; the other fits only heed a stop.
    let mut model = fit_explicit(data, params, validation, progress)?;
    let stop = hybrid::StopOnly(progress);
    let tuned = match (params.blend, params.taste, params.search_seconds > 0.0) {
        (Some(blend), Some(taste), false) => hybrid::Tuned {
            blend,
            taste,
            implicit,
        },
        _ => hybrid::tune(
            &tuning_sample(data, params.seed),
            params,
            &implicit,
            progress,
        )?,
    };
    // The epochs are the caller's (a large set's are capped): the search moves the rest.
    model.implicit = Some(ials::fit_ratings(data.ratings(), &tuned.implicit, &stop)?);
    model.blend = tuned.blend;
    model.taste = tuned.taste;
    Ok(model)
}

/// Users × items the blend's tuning may rank: it scores every item for every held-out user,
/// so its cost grows with both. ML-1M (6,040 × 3,706) is within, and tunes on all its data.
const TUNE_PAIRS: f64 = 2e8;

/// What the blend weight is tuned on: all of `data`, or, when ranking every item for every
/// user would cost more than [`TUNE_PAIRS`], the ratings of a seeded sample of users with
/// all their ratings (ml-32m: about 2,300 of its 200,000 users). The weight is one number
/// that trades the two models' scores per user; a sampled user's profile is as dense as any
/// other, so the sample measures the same trade at a fraction of the fits and the ranking.
fn tuning_sample(data: &Dataset, seed: u64) -> std::borrow::Cow<'_, Dataset> {
    let ratings = data.ratings();
    let pairs = ratings.n_users() as f64 * ratings.n_items() as f64;
    if pairs <= TUNE_PAIRS {
        return std::borrow::Cow::Borrowed(data);
    }
    let keep = TUNE_PAIRS / pairs;
    let mut rng = crate::rng::Rng::derive(seed, 0x7E5A, 0);
    let sampled: Vec<bool> = (0..ratings.n_users())
        .map(|_| rng.next_f64() < keep)
        .collect();
    let rows: Vec<usize> = ratings
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| sampled[e.user.index()])
        .map(|(row, _)| row)
        .collect();
    std::borrow::Cow::Owned(data.subset(&rows))
}

/// The rating model alone, on the current thread pool.
fn fit_explicit(
    data: &Dataset,
    params: &Params,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<Model, FitError> {
    let ratings = data.ratings();
    let (rows, fold_in_reg) = match params.algorithm {
        Algorithm::Baseline => baseline::fit(ratings, params, validation, progress),
        Algorithm::Sgd => sgd::fit(ratings, params, validation, progress),
        Algorithm::Als => als::fit(ratings, params, validation, progress),
    }?;
    Ok(into_model(rows, data, params, fold_in_reg))
}

fn into_model(rows: Rows, data: &Dataset, params: &Params, fold_in_reg: Regularisation) -> Model {
    let ratings = data.ratings();
    let k = rows.k;
    let d = k + 1;
    let split = |packed: &[f32], n: usize, count: &dyn Fn(u32) -> usize| {
        let mut bias = Vec::with_capacity(n);
        let mut factors = Vec::with_capacity(n * k);
        for (idx, row) in packed.chunks_exact(d).enumerate() {
            // A row without training ratings holds only its random start: it knows nothing.
            if count(idx as u32) == 0 {
                bias.push(0.0);
                factors.extend(std::iter::repeat_n(0.0, k));
            } else {
                bias.push(row[0]);
                factors.extend_from_slice(&row[1..]);
            }
        }
        (bias, factors)
    };
    let (user_bias, user_factors) = split(&rows.users, ratings.n_users(), &|u| {
        ratings.user_count(UserIdx::new(u))
    });
    let (item_bias, item_factors) = split(&rows.items, ratings.n_items(), &|i| {
        ratings.item_count(ItemIdx::new(i))
    });
    Model {
        algorithm: params.algorithm,
        global_mean: rows.mean,
        user_bias,
        item_bias,
        user_factors,
        item_factors,
        k,
        scale: ratings.scale(),
        users: data.users().clone(),
        items: data.items().clone(),
        item_counts: (0..ratings.n_items() as u32)
            .map(|i| ratings.item_count(ItemIdx::new(i)) as u32)
            .collect(),
        fold_in_reg,
        popularity_weight: params.popularity_weight,
        implicit: None,
        blend: 0.0,
        neighbours: Neighbours::default(),
        taste: DEFAULT_TASTE,
        content: None,
    }
}

/// The neighbour score's weight when it is not tuned (see [`Params::taste`]).
pub(crate) const DEFAULT_TASTE: f32 = 1.0;
