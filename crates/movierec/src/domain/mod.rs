//! Values that are parsed once at the edge and trusted everywhere after.
//!
//! Each `parse` returns a message fit to show next to the form field or in a JSON error.

mod movie_id;
mod page_number;
mod password;
mod rating_sort;
mod search_query;
mod stars;
mod username;

pub use movie_id::MovieId;
pub use page_number::PageNumber;
pub use password::Password;
pub use rating_sort::RatingSort;
pub use search_query::SearchQuery;
pub use stars::Stars;
pub use username::Username;
