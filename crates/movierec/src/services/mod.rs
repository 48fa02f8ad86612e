//! What a request or a command does, without HTTP: the rules that span several store calls.

pub mod accounts;
pub mod any_movie;
pub mod artwork;
pub mod catalog;
pub mod enrichment;
pub mod history;
pub mod imports;
pub mod membership;
pub mod model_report;
pub mod movie_page;
pub mod rating;
pub mod search;
pub mod spark;
