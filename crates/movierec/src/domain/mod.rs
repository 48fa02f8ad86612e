//! Values that are parsed once at the edge and trusted everywhere after.
//!
//! Each `parse` returns a message fit to show next to the form field or in a JSON error.

mod film_bounds;
mod imdb_id;
pub(crate) mod ip_net;
mod movie_id;
mod night;
mod page_number;
mod password;
mod poster;
mod rating_sort;
mod registration;
mod search_query;
mod search_sort;
mod stars;
pub mod title;
mod upload_id;
mod user_id;
mod username;

pub use film_bounds::{
    FIRST_FILM_YEAR, LAST_FILM_YEAR, MAX_TITLE_CHARS, check_title_length, is_film_year,
};
pub use imdb_id::ImdbId;
pub use ip_net::IpNet;
pub use movie_id::MovieId;
pub use night::{NightId, NightStrategy};
pub use page_number::PageNumber;
pub use password::Password;
pub use poster::{PosterImage, PosterSize};
pub use rating_sort::RatingSort;
pub use registration::Registration;
pub use search_query::SearchQuery;
pub use search_sort::SearchSort;
pub use stars::Stars;
pub use upload_id::UploadId;
pub use user_id::UserId;
pub use username::Username;

/// The member of `all` whose URL key is `key`; otherwise a message listing the keys, for
/// the `sort` choices of pages and the API.
fn parse_key<T: Copy>(all: &[T], key_of: fn(T) -> &'static str, key: &str) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&item| key_of(item) == key)
        .ok_or_else(|| {
            let keys: Vec<&str> = all.iter().map(|&item| key_of(item)).collect();
            format!("Sort by one of {}.", keys.join(", "))
        })
}
