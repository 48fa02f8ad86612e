//! movierec: the web app, storage, jobs and CLI around the `movierec-engine` crate.

pub mod admin;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod http_server;
pub mod importers;
pub mod jobs;
pub mod providers;
pub mod recommend;
pub mod search;
pub mod seed;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod web;
