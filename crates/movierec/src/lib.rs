//! movierec: the web app, storage, jobs and CLI around the `mf` engine.

pub mod admin;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http_server;
pub mod importers;
pub mod jobs;
pub mod offline;
pub mod recommend;
pub mod search;
pub mod seed;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
