//! The domain's ids as the engine keeps them: a model trained here names its users by
//! [`UserId`] and its items by [`MovieId`], and answers in them, so nothing is parsed back.
//! The model file holds each id in decimal, as it always has.

use std::borrow::Cow;

use movierec_engine::ExternalId;

use crate::domain::{MovieId, UserId};

/// The engine's model as the app trains, stores and serves it.
pub type Model = movierec_engine::Model<UserId, MovieId>;

/// The ratings a model is trained on, by account and movie.
pub type Dataset = movierec_engine::Dataset<UserId, MovieId>;

impl ExternalId for MovieId {
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.get().to_string())
    }

    fn from_text(text: &str) -> Option<Self> {
        MovieId::new(text.parse().ok()?).ok()
    }
}

impl ExternalId for UserId {
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.get().to_string())
    }

    fn from_text(text: &str) -> Option<Self> {
        Some(UserId::new(text.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_what_they_write_and_refuse_what_no_id_is() {
        let movie = MovieId::new(949).unwrap();
        assert_eq!(MovieId::from_text(&movie.to_text()), Some(movie));
        let user = UserId::new(7);
        assert_eq!(UserId::from_text(&user.to_text()), Some(user));
        // A string-keyed model's ids, or a movie id the catalog never issues.
        for text in ["u7", "", "0", "-3", "1.5"] {
            assert_eq!(MovieId::from_text(text), None, "{text:?}");
        }
        assert_eq!(UserId::from_text("u7"), None);
    }
}
