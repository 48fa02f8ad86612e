//! What a training run reports, and how a caller follows or stops it.

/// What a training run reports after each epoch.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct EpochReport {
    /// The epoch just done, 1-based.
    pub epoch: usize,
    /// Epochs planned.
    pub epochs: usize,
    /// RMSE on the training ratings (for SGD, the running error during the epoch).
    pub train_rmse: f64,
    /// RMSE on the held-out ratings, when the [`Fit`](crate::Fit) was given some.
    pub holdout_rmse: Option<f64>,
    /// Seconds since training started.
    pub seconds: f64,
}

/// A step of a training other than the rating model's epochs, reported when it ends: on
/// tens of millions of ratings each takes seconds to minutes, and a caller that logs them
/// can tell where a slow training spends its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The rating model's epochs, all of them.
    RatingModel,
    /// Choosing the implicit model's values, the blend and the taste weight on a held-out
    /// tenth of (a sample of) the training ratings.
    Tuning,
    /// The implicit model's fit on all the training ratings.
    ImplicitModel,
    /// The item neighbours.
    Neighbours,
}

impl Stage {
    /// A short lower-case name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Stage::RatingModel => "rating model",
            Stage::Tuning => "tuning",
            Stage::ImplicitModel => "implicit model",
            Stage::Neighbours => "neighbours",
        }
    }
}

/// Receives progress; called from the training thread.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use movierec_engine::{Dataset, EpochReport, Fit, Params, Progress, Scale};
///
/// /// Stops after three epochs, e.g. because the caller is shutting down.
/// struct StopAfterThree(AtomicUsize);
///
/// impl Progress for StopAfterThree {
///     fn on_epoch(&self, report: &EpochReport) {
///         self.0.store(report.epoch, Ordering::Relaxed);
///     }
///     fn should_stop(&self) -> bool {
///         self.0.load(Ordering::Relaxed) >= 3
///     }
/// }
///
/// let data = Dataset::from_records([("ann", "alien", 5.0), ("bob", "alien", 3.0)], Scale::MOVIELENS);
/// let progress = StopAfterThree(AtomicUsize::new(0));
/// Fit::new(&Params::default().with_epochs(30)).progress(&progress).run(&data)?;
/// assert_eq!(progress.0.load(Ordering::Relaxed), 3);
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
pub trait Progress: Sync {
    /// Called after each epoch.
    fn on_epoch(&self, _report: &EpochReport) {}

    /// Called when a [`Stage`] ends, with the seconds it took.
    fn on_stage(&self, _stage: Stage, _seconds: f64) {}

    /// Asked after each epoch; `true` ends training early with the model as it stands, so a
    /// caller can cancel a long run (e.g. on shutdown) without killing its thread.
    fn should_stop(&self) -> bool {
        false
    }
}

/// Ignores progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
