//! One training from the database to a stored model: all ratings in the database → the engine
//! on a blocking thread → a stored model, and the stored model read back to serve.
//!
//! The model that serves is the one trained without its held-out sample, and the RMSE shown is
//! that model's error on the sample. Training again on everything would serve a slightly better
//! model whose error nobody measured; with a 5 % sample the difference is small and the figure
//! stays honest.
//!
//! - [`pipeline`]: read, split, fit, store (what `movierec train --database-url` and the
//!   trainer job run);
//! - [`holdout`]: the held-out sample.

pub mod holdout;
pub mod pipeline;

pub use holdout::HOLDOUT_FRACTION;
pub use pipeline::{
    EpochRecord, RunOptions, Trained, content_features, load_newest, train_and_store,
};
