//! Model state while training, its initialisation, and the per-epoch report and checks.

use std::time::Instant;

use super::error::FitError;
use super::progress::{EpochReport, Progress};
use crate::data::{Ratings, Scale};
use crate::ids::{ItemIdx, UserIdx};
use crate::params::Params;
use crate::rng::Rng;

/// Model state while training: per user and per item one row `[bias, factors…]`.
pub(crate) struct Rows {
    pub k: usize,
    pub mean: f32,
    pub users: Vec<f32>,
    pub items: Vec<f32>,
}

impl Rows {
    pub fn predict(&self, u: UserIdx, i: ItemIdx) -> f32 {
        let d = self.k + 1;
        let mut p = self.mean;
        let ur = self.users.get(u.index() * d..(u.index() + 1) * d);
        let ir = self.items.get(i.index() * d..(i.index() + 1) * d);
        if let Some(ur) = ur {
            p += ur[0];
        }
        if let Some(ir) = ir {
            p += ir[0];
        }
        if let (Some(ur), Some(ir)) = (ur, ir) {
            p += ur[1..]
                .iter()
                .zip(&ir[1..])
                .map(|(a, b)| a * b)
                .sum::<f32>();
        }
        p
    }

    /// RMSE of the clipped predictions on `ratings`; NaN when a prediction is.
    pub fn rmse(&self, ratings: &Ratings, scale: Scale) -> f64 {
        if ratings.is_empty() {
            return 0.0;
        }
        let sse: f64 = ratings
            .entries()
            .iter()
            .map(|e| {
                let err = f64::from(scale.clip(self.predict(e.user, e.item)) - e.value);
                err * err
            })
            .sum();
        (sse / ratings.len() as f64).sqrt()
    }

    fn is_finite(&self) -> bool {
        self.mean.is_finite()
            && self.users.iter().all(|x| x.is_finite())
            && self.items.iter().all(|x| x.is_finite())
    }
}

/// Rows with zero biases and factors drawn from N(0, init_std²), users first, then items.
pub(crate) fn init_rows(ratings: &Ratings, params: &Params, seed: u64, k: usize) -> Rows {
    let d = k + 1;
    let mut rng = Rng::new(seed);
    let mut fill = |n: usize| {
        let mut v = vec![0f32; n * d];
        for row in v.chunks_exact_mut(d) {
            for x in &mut row[1..] {
                *x = (rng.normal() * f64::from(params.init_std)) as f32;
            }
        }
        v
    };
    let users = fill(ratings.n_users());
    let items = fill(ratings.n_items());
    Rows {
        k,
        mean: ratings.mean(),
        users,
        items,
    }
}

/// Checks and reports epochs, computing the validation RMSE when a validation set is given.
pub(crate) struct Reporter<'a> {
    scale: Scale,
    validation: Option<&'a Ratings>,
    progress: &'a dyn Progress,
    epochs: usize,
    started: Instant,
}

impl<'a> Reporter<'a> {
    pub fn new(
        train: &Ratings,
        params: &Params,
        validation: Option<&'a Ratings>,
        progress: &'a dyn Progress,
    ) -> Self {
        Self {
            scale: train.scale(),
            validation,
            progress,
            epochs: params.epochs,
            started: Instant::now(),
        }
    }

    /// `epoch` is 0-based. Returns whether training should stop now, or the divergence that
    /// ends it: a model that is no longer finite only gets worse, so there is no point going on.
    pub fn epoch(&self, rows: &Rows, epoch: usize, train_rmse: f64) -> Result<bool, FitError> {
        if !(train_rmse.is_finite() && rows.is_finite()) {
            return Err(FitError::Diverged {
                epoch: epoch + 1,
                train_rmse,
            });
        }
        self.progress.on_epoch(&EpochReport {
            epoch: epoch + 1,
            epochs: self.epochs,
            train_rmse,
            holdout_rmse: self.validation.map(|v| rows.rmse(v, self.scale)),
            seconds: self.started.elapsed().as_secs_f64(),
        });
        Ok(self.progress.should_stop())
    }
}
