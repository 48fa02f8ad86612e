//! Background work: the model currently serving and the training job that replaces it.

pub mod slot;

pub use slot::{ModelSlot, ServingModel};
