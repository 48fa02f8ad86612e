//! Training: [`Fit`] (and [`fit`], its defaults) dispatches to the algorithms and turns their
//! state into a [`Model`].

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
pub use progress::{EpochReport, NoProgress, Progress, Stage};

use std::time::{Duration, Instant};

use crate::data::{Dataset, Ratings};
use crate::ids::{ExternalId, ItemIdx, UserIdx};
use crate::implicit::ImplicitModel;
use crate::linalg::Regularisation;
use crate::model::Model;
use crate::neighbours::Neighbours;
use crate::params::{Algorithm, ImplicitParams, Params};
use state::Rows;

/// Trains a model on `data` with `params`, with the [`Fit`] builder's defaults: seed 42, all
/// cores, no held-out ratings, no progress reports, a 20 s search.
///
/// Fails, storing nothing, when a parameter is not a finite number, when the worker threads
/// cannot start, and when training diverges:
///
/// ```
/// use movierec_engine::{Dataset, FitError, Params, Scale, fit};
///
/// let data = Dataset::from_records(
///     (0..20).map(|u| (u.to_string(), (u % 7).to_string(), 1.0 + (u % 5) as f32)),
///     Scale { min: 1.0, max: 5.0 },
/// );
/// assert!(fit(&data, &Params::default()).is_ok());
///
/// let reckless = Params::default().with_lr(50.0);
/// let err = fit(&data, &reckless).unwrap_err();
/// assert!(matches!(err, FitError::Diverged { .. }), "{err}");
/// ```
pub fn fit<U: ExternalId, T: ExternalId>(
    data: &Dataset<U, T>,
    params: &Params,
) -> Result<Model<U, T>, FitError> {
    Fit::new(params).run(data)
}

/// How a training runs, apart from what it fits: the seed, the worker threads, a [`Progress`]
/// to report to (and be stopped by) and, for a rating model, held-out ratings to report on
/// and the search's time budget. Fits a [`Model`] from [`Params`], or the implicit-feedback
/// model alone from [`ImplicitParams`].
///
/// ```
/// use movierec_engine::{Dataset, Fit, ImplicitParams, NoProgress, Params, Scale, eval};
///
/// let data = Dataset::from_records(
///     (0..200).map(|n| (format!("u{}", n % 20), format!("i{}", n % 13), 1.0 + (n % 5) as f32)),
///     Scale { min: 1.0, max: 5.0 },
/// );
/// let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 42);
/// let (train, holdout) = (data.subset(&train_rows), data.subset(&test_rows));
/// let params = Params::hybrid().with_factors(8);
/// let model = Fit::new(&params)
///     .seed(7)
///     .threads(1)
///     .validation(holdout.ratings())
///     .progress(&NoProgress)
///     .search_seconds(0.0)
///     .run(&train)?;
/// assert!(model.implicit().is_some());
/// // The same seed gives the same model, on any number of threads.
/// assert_eq!(Fit::new(&params).seed(7).threads(2).search_seconds(0.0).run(&train)?, model);
///
/// let implicit = Fit::new(&ImplicitParams::default().with_factors(4)).threads(1).run(&train)?;
/// assert_eq!(implicit.n_factors(), 4);
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
pub struct Fit<'a, P> {
    params: &'a P,
    seed: u64,
    threads: usize,
    progress: &'a dyn Progress,
    validation: Option<&'a Ratings>,
    search_seconds: f32,
}

impl<P> Clone for Fit<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Fit<'_, P> {}

impl<P: std::fmt::Debug> std::fmt::Debug for Fit<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fit")
            .field("params", self.params)
            .field("seed", &self.seed)
            .field("threads", &self.threads)
            .field("validation", &self.validation.map(Ratings::len))
            .field("search_seconds", &self.search_seconds)
            .finish_non_exhaustive()
    }
}

/// The seed when none is given.
const DEFAULT_SEED: u64 = 42;
/// The search's budget by default: on ML-100k every step fits within it several times over;
/// on tens of millions of ratings the search runs on the blend's user sample.
const DEFAULT_SEARCH_SECONDS: f32 = 20.0;

impl<'a, P> Fit<'a, P> {
    /// A run of `params` with the defaults: seed 42, all cores, no progress reports, no
    /// held-out ratings, a 20 s search.
    pub fn new(params: &'a P) -> Self {
        Fit {
            params,
            seed: DEFAULT_SEED,
            threads: 0,
            progress: &NoProgress,
            validation: None,
            search_seconds: DEFAULT_SEARCH_SECONDS,
        }
    }

    /// Seeds the initial factors, SGD's visiting order and every sample the run draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads; 0 (the default) = all cores. A given seed gives the same model for any
    /// thread count.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Reports each epoch to `progress`, which may also stop the run early.
    pub fn progress(mut self, progress: &'a dyn Progress) -> Self {
        self.progress = progress;
        self
    }

    /// The seed and the thread count, resolved.
    fn run_options(&self) -> RunOptions {
        let threads = if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            self.threads
        };
        RunOptions {
            seed: self.seed,
            threads,
        }
    }
}

impl<'a> Fit<'a, Params> {
    /// Ratings held out of training (indexed like the training data), whose RMSE each epoch
    /// reports; they are not trained on and choose nothing.
    pub fn validation(mut self, validation: &'a Ratings) -> Self {
        self.validation = Some(validation);
        self
    }

    /// Seconds the implicit model's factors, regularisation and unobserved weight may be
    /// searched for on the held-out tenth the blend is tuned on, starting from
    /// [`Params::implicit`]'s values; 0 keeps those values (default 20). A search that ends
    /// within its budget depends only on the data and the seed. A data set too large to tune
    /// on whole is tuned on a sample of its users, on which the search cannot tell its steps
    /// apart: such a fit keeps [`Params::implicit`]'s values too.
    pub fn search_seconds(mut self, seconds: f32) -> Self {
        self.search_seconds = seconds;
        self
    }

    /// Trains the model on `data`; see [`fit`] for how it fails.
    pub fn run<U: ExternalId, T: ExternalId>(
        &self,
        data: &Dataset<U, T>,
    ) -> Result<Model<U, T>, FitError> {
        let params = self.params;
        if let Some((name, value)) = params.invalid() {
            return Err(FitError::InvalidParam { name, value });
        }
        if !(self.search_seconds.is_finite() && self.search_seconds >= 0.0) {
            return Err(FitError::InvalidParam {
                name: "search_seconds",
                value: self.search_seconds,
            });
        }
        let run = self.run_options();
        let ratings = data.ratings();
        let progress = self.progress;
        pool(run.threads)?.install(|| {
            let mut model = fit_models(data, params, &run, self)?;
            // A stopped training ends as the fits did, early, without neighbours.
            if !progress.should_stop() {
                let started = Instant::now();
                model.neighbours = Neighbours::compute(ratings, run.seed);
                progress.on_stage(Stage::Neighbours, started.elapsed().as_secs_f64());
            }
            Ok(model)
        })
    }
}

impl Fit<'_, ImplicitParams> {
    /// Trains the implicit-feedback model alone on which items each user rated (see
    /// [`ImplicitParams`] for the loss). Progress is reported after each epoch; its
    /// `train_rmse` is the RMSE of the observed pairs' preferences against 1 after the user
    /// pass, over every 16th user.
    ///
    /// Fails on a parameter that is not a finite non-negative number, when the worker threads
    /// cannot start, and when the factors stop being finite numbers:
    ///
    /// ```
    /// use movierec_engine::{Dataset, Fit, FitError, ImplicitParams, Scale};
    ///
    /// let data = Dataset::from_records([("ann", "alien", 5.0), ("bob", "up", 3.0)], Scale::MOVIELENS);
    /// let mut bad = ImplicitParams::default();
    /// bad.reg = f32::NAN;
    /// assert!(matches!(Fit::new(&bad).run(&data), Err(FitError::InvalidParam { .. })));
    /// assert!(Fit::new(&ImplicitParams::default()).run(&data).is_ok());
    /// ```
    pub fn run<U: ExternalId, T: ExternalId>(
        &self,
        data: &Dataset<U, T>,
    ) -> Result<ImplicitModel, FitError> {
        if let Some((name, value)) = self.params.invalid() {
            return Err(FitError::InvalidParam { name, value });
        }
        let run = self.run_options();
        pool(run.threads)?
            .install(|| ials::fit_ratings(data.ratings(), self.params, run.seed, self.progress))
    }
}

/// A run's seed and worker threads (0 resolved to the cores), as the fits read them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunOptions {
    pub(crate) seed: u64,
    pub(crate) threads: usize,
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, FitError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| FitError::ThreadPool {
            threads,
            source: Box::new(e),
        })
}

/// The rating model and, when asked for, the implicit model and their blend.
fn fit_models<U: ExternalId, T: ExternalId>(
    data: &Dataset<U, T>,
    params: &Params,
    run: &RunOptions,
    fit: &Fit<'_, Params>,
) -> Result<Model<U, T>, FitError> {
    let (validation, progress) = (fit.validation, fit.progress);
    let started = Instant::now();
    let stage_done = |stage: Stage, started: Instant| {
        progress.on_stage(stage, started.elapsed().as_secs_f64());
    };
    let Some(implicit) = &params.implicit else {
        let mut model = fit_explicit(data, params, run, validation, progress)?;
        stage_done(Stage::RatingModel, started);
        model.taste = params.taste.unwrap_or(DEFAULT_TASTE);
        return Ok(model);
    };
    // The rating model first, reporting its epochs as it always did, so a caller following
    // a training sees it move from the start; the other fits only heed a stop.
    let mut model = fit_explicit(data, params, run, validation, progress)?;
    stage_done(Stage::RatingModel, started);
    let stop = hybrid::StopOnly(progress);
    let started = Instant::now();
    let tuned = match (params.blend, params.taste, fit.search_seconds > 0.0) {
        (Some(blend), Some(taste), false) => hybrid::Tuned {
            blend,
            taste,
            implicit: implicit.clone(),
        },
        _ => {
            let sample = tuning_sample(data, run.seed);
            // On a 1 % sample of the ml-32m shape's users every step of the search ranked
            // within 0.0001 of the start (NDCG@10 0.0326–0.0327) while its fits and rankings
            // took its whole 20 s: a sample measures the blend's one number, not the
            // implicit model's values. They stay as given, which for a site is the choice its
            // trainings made while its data could be tuned on whole.
            let budget = match sample {
                std::borrow::Cow::Borrowed(_) => Duration::from_secs_f32(fit.search_seconds),
                std::borrow::Cow::Owned(_) => Duration::ZERO,
            };
            hybrid::tune(&sample, params, implicit, run, budget, progress)?
        }
    };
    stage_done(Stage::Tuning, started);
    let started = Instant::now();
    // The epochs are the caller's (a large set's are capped): the search moves the rest.
    model.implicit = Some(ials::fit_ratings(
        data.ratings(),
        &tuned.implicit,
        run.seed,
        &stop,
    )?);
    stage_done(Stage::ImplicitModel, started);
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
fn tuning_sample<U: ExternalId, T: ExternalId>(
    data: &Dataset<U, T>,
    seed: u64,
) -> std::borrow::Cow<'_, Dataset<U, T>> {
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
fn fit_explicit<U: ExternalId, T: ExternalId>(
    data: &Dataset<U, T>,
    params: &Params,
    run: &RunOptions,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<Model<U, T>, FitError> {
    let ratings = data.ratings();
    let (rows, fold_in_reg) = match params.algorithm {
        Algorithm::Baseline => baseline::fit(ratings, params, validation, progress),
        Algorithm::Sgd => sgd::fit(ratings, params, run, validation, progress),
        Algorithm::Als => als::fit(ratings, params, run.seed, validation, progress),
    }?;
    Ok(into_model(rows, data, params, fold_in_reg))
}

fn into_model<U: ExternalId, T: ExternalId>(
    rows: Rows,
    data: &Dataset<U, T>,
    params: &Params,
    fold_in_reg: Regularisation,
) -> Model<U, T> {
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

/// List length the blend, the taste weight and the search are tuned for.
pub(crate) const TUNE_N: usize = 10;
