//! Background work: the model currently serving and the training job that replaces it.

pub mod enrichment;
pub mod lease;
pub mod slot;
pub mod training;

pub use slot::{ModelSlot, ServingModel};
pub use training::{Trainer, TrainingConfig, TrainingStatus};

use crate::domain::Stars;

/// Our stars as the engine's rating scale: what a model trained on our ratings predicts in.
pub const STAR_SCALE: movierec_engine::Scale = movierec_engine::Scale {
    min: Stars::MIN.value() as f32,
    max: Stars::MAX.value() as f32,
};
