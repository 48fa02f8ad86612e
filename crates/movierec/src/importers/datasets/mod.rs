//! Readers of the public movie data sets a catalog import loads, and of the factors a Spark
//! job trains on an export of our ratings.
//!
//! - [`imdb`]: IMDb's non-commercial TSV dumps (`title.basics`, `title.ratings`, `title.crew`,
//!   `name.basics`), plain or gzip;
//! - [`movielens`]: GroupLens's MovieLens sets (ml-100k, ml-1m, ml-latest(-small), ml-25m,
//!   ml-32m) from a folder or the published `.zip`;
//! - [`spark_factors`]: the factors a Spark ALS job wrote for an export of our ratings.

pub mod imdb;
pub mod movielens;
pub(crate) mod spark_factors;
