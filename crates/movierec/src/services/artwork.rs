//! The image a movie's card shows: its stored poster, else a cover drawn from its facts.

use crate::domain::MovieId;
use crate::domain::PosterSize;
use crate::store;
use crate::store::Db;
use crate::store::details::PosterRef;
use crate::store::movies::Label;

/// What stands for a movie on a card.
#[derive(Debug, Clone)]
pub enum CardImage {
    Poster(PosterRef),
    /// No poster is known (yet): the cover is drawn from these.
    Cover(Label),
    /// No such movie.
    Unknown,
}

/// The card-size poster when one is stored, else what the movie's cover shows.
pub async fn card(pool: &Db, id: MovieId) -> sqlx::Result<CardImage> {
    if let Some(poster) = store::details::poster(pool, id, PosterSize::Card).await? {
        return Ok(CardImage::Poster(poster));
    }
    Ok(match store::movies::label(pool, id).await? {
        Some(label) => CardImage::Cover(label),
        None => CardImage::Unknown,
    })
}

/// What the movie's cover shows, whether or not it has a poster; `None` for no such movie.
pub async fn cover(pool: &Db, id: MovieId) -> sqlx::Result<Option<Label>> {
    store::movies::label(pool, id).await
}
