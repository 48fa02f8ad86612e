//! What a request or a command does, without HTTP: the rules that span several store calls.

pub mod accounts;
pub(crate) mod any_movie;
pub(crate) mod artwork;
pub mod catalog;
pub(crate) mod catalog_import;
pub(crate) mod enrichment;
pub(crate) mod history;
pub(crate) mod media_servers;
pub mod membership;
pub(crate) mod model_report;
pub mod movie_page;
pub mod nights;
pub(crate) mod rating;
pub mod recommendations;
pub mod requests;
pub(crate) mod search;
pub(crate) mod spark;
pub mod training;
