//! When and how the server trains by itself.

use std::time::Duration;

use crate::jobs::lease::LeaseConfig;

/// When the server trains by itself, and what it changes in the default model.
#[derive(Debug, Clone)]
pub struct TrainingConfig {
    /// Retrain once this many ratings changed since the last model; 0 = never by itself.
    pub retrain_after: u64,
    /// At least this long between two automatic trainings.
    pub retrain_interval: Duration,
    /// Overrides the default model's epochs.
    pub epochs: Option<usize>,
    /// Overrides the default model's learning rate (tests use one that diverges).
    pub learning_rate: Option<f32>,
    /// How often to look for due retraining and for models stored by other processes.
    pub poll_interval: Duration,
    /// The training lease shared by every process on the database.
    pub lease: LeaseConfig,
}
