//! The training job: one training at a time in the background (the pipeline itself is
//! [`crate::services::training`]), its progress published, and its model swapped into the
//! serving slot.
//!
//! - [`trainer`]: one training at a time in the background, and its published status;
//! - [`watcher`]: picks up models stored elsewhere and retrains when enough ratings changed.

mod config;
mod status;
pub mod trainer;
mod watcher;

pub use config::TrainingConfig;
pub use status::TrainingStatus;
pub use trainer::{AlreadyRunning, Trainer};
