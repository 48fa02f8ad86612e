//! The app over real HTTP (each test starts its own server on port 0 with its own
//! temporary database) and the command line run as the real binary. One binary, so the
//! suite links once.

mod accounts;
mod api_v1;
mod browser;
mod browser_import;
mod browser_layout;
mod browser_nights;
mod browser_posters;
mod catalog;
mod copy;
mod covers;
mod heavy_users;
mod helpers;
mod history;
mod history_limits;
mod history_preview;
mod home;
mod hooks;
mod identity;
mod import;
mod import_imdb;
mod import_similar;
mod in_place;
mod in_process;
mod instances;
mod media_pull;
mod merge;
mod nights;
mod offline;
mod path_ids;
mod postgres;
mod process;
mod provider_stub;
mod providers;
mod radarr;
mod ratings;
mod recommendations;
mod roles;
mod search;
mod security;
mod spark;
mod training;
mod votes;
