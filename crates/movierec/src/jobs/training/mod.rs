//! The training job: all ratings in the database → the engine on a blocking thread → a stored
//! model → the serving slot.
//!
//! The model that serves is the one trained without its held-out sample, and the RMSE shown is
//! that model's error on the sample. Training again on everything would serve a slightly better
//! model whose error nobody measured; with a 5 % sample the difference is small and the figure
//! stays honest.
//!
//! - [`pipeline`]: read, split, fit, store (what `movierec train --database-url` runs too);
//! - [`holdout`]: the held-out sample;
//! - [`trainer`]: one training at a time in the background, and its published status;
//! - [`watcher`]: picks up models stored elsewhere and retrains when enough ratings changed.

mod config;
pub mod holdout;
pub mod pipeline;
mod status;
pub mod trainer;
mod watcher;

pub use config::TrainingConfig;
pub use holdout::HOLDOUT_FRACTION;
pub use pipeline::{EpochRecord, RunOptions, Trained, load_newest, train_and_store};
pub use status::TrainingStatus;
pub use trainer::{AlreadyRunning, Trainer};
