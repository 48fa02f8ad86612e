//! The app over real HTTP: each test starts its own server on port 0 with its own
//! temporary database.

mod accounts;
mod api_v1;
mod browser;
mod catalog;
mod helpers;
mod home;
mod process;
mod ratings;
mod recommendations;
mod search;
mod training;
