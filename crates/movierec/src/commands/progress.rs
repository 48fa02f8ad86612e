//! An epoch progress bar on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use movierec_engine::{EpochReport, Progress};

/// Epochs done and the training error; indicatif hides it when stderr is not a terminal.
pub struct EpochBar(ProgressBar);

impl EpochBar {
    pub fn new(epochs: usize, label: String) -> Self {
        let bar = ProgressBar::with_draw_target(Some(epochs as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} epochs {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label);
        Self(bar)
    }
}

impl Progress for EpochBar {
    fn on_epoch(&self, r: &EpochReport) {
        self.0.set_position(r.epoch as u64);
        let msg = match r.holdout_rmse {
            Some(v) => format!("train rmse {:.4}, valid rmse {v:.4}", r.train_rmse),
            None => format!("train rmse {:.4}", r.train_rmse),
        };
        self.0.set_message(msg);
    }
}

impl Drop for EpochBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
