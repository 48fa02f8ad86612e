//! Progress on stderr: training epochs and imported ratings.

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use movierec_engine::{EpochReport, Progress, Stage};

/// Epochs done and the training error; indicatif hides it when stderr is not a terminal.
/// The steps after the epochs, which take longer than the epochs at scale, get a line each
/// on any stderr, so a long training shows where it is.
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

    fn on_stage(&self, stage: Stage, seconds: f64) {
        let prefix = self.0.prefix();
        self.0
            .suspend(|| eprintln!("{prefix}: {} in {seconds:.1} s", stage.name()));
    }
}

impl Drop for EpochBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Ratings imported so far: a spinner with the count and rate on a terminal, a log line
/// every million ratings otherwise (a long import under a scheduler still shows life).
pub struct ImportBar {
    bar: ProgressBar,
    terminal: bool,
    logged: AtomicU64,
}

impl ImportBar {
    pub fn new(label: String) -> Self {
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} {spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(label);
        Self {
            bar,
            terminal,
            logged: AtomicU64::new(0),
        }
    }
}

impl crate::services::catalog_import::ImportProgress for ImportBar {
    fn titles(&self, done: u64) {
        self.bar.set_message(format!("{done} titles read"));
        self.bar.tick();
        let millions = done / 1_000_000;
        if !self.terminal && millions > self.logged.swap(millions, Ordering::Relaxed) {
            eprintln!("{done} titles read");
        }
    }

    fn movies(&self, done: u64) {
        self.bar.set_message(format!("{done} movies"));
        self.bar.tick();
    }

    fn ratings(&self, done: u64) {
        let per_second = done as f64 / self.bar.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{done} ratings ({per_second:.0}/s)"));
        self.bar.tick();
        let millions = done / 1_000_000;
        if !self.terminal && millions > self.logged.swap(millions, Ordering::Relaxed) {
            eprintln!("{done} ratings imported");
        }
    }

    fn phase(&self, what: &str, seconds: f64) {
        let line = format!("{what} in {seconds:.1} s");
        if self.terminal {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }
}

impl Drop for ImportBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
