//! Background work: the model currently serving and the training job that replaces it.

pub mod slot;
pub mod training;

pub use slot::{ModelSlot, ServingModel};
pub use training::{Trainer, TrainingConfig, TrainingStatus};
