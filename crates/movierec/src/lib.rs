//! movierec: the web app, storage, jobs and CLI around the `mf` engine.

pub mod catalog;
pub mod cli;
pub mod offline;
