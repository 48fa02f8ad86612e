//! movierec: the web app, storage, jobs and CLI around the `movierec-engine` crate.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod http_server;
pub mod importers;
pub mod jobs;
pub mod providers;
pub mod search;
pub mod services;
pub mod serving;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod web;

/// The async runtime a command's database and network work runs on; `main` and every command
/// are synchronous at the top.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    anyhow::Context::context(
        tokio::runtime::Runtime::new(),
        "cannot start the async runtime",
    )
}
