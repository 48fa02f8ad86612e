//! Background work, scheduled: the trainer and its watcher, enrichment, leases across
//! instances. Each calls services; the model serving requests is [`crate::serving`].

pub mod enrichment;
pub mod lease;
pub mod media_sync;
pub mod training;

pub use training::{Trainer, TrainingConfig, TrainingStatus};
