/// Orders of a user's list of ratings, named as the page's links and the API's `sort` name them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RatingSort {
    /// Most recently rated first.
    #[default]
    Recent,
    /// Highest rating first, then most recent.
    Rating,
    /// Alphabetical by title, leading "The", "A" or "An" aside.
    Title,
}

impl RatingSort {
    /// Every order, the default first.
    pub const ALL: [RatingSort; 3] = [RatingSort::Recent, RatingSort::Rating, RatingSort::Title];

    pub fn parse(key: &str) -> Result<Self, String> {
        super::parse_key(&Self::ALL, Self::key, key)
    }

    /// The name in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Recent => "recent",
            Self::Rating => "rating",
            Self::Title => "title",
        }
    }

    /// The name on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Recent => "Date rated",
            Self::Rating => "Rating",
            Self::Title => "Title",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_others_are_refused_with_the_choices() {
        for sort in RatingSort::ALL {
            assert_eq!(RatingSort::parse(sort.key()), Ok(sort));
        }
        assert_eq!(RatingSort::ALL[0], RatingSort::default());
        assert_eq!(
            RatingSort::parse("stars").unwrap_err(),
            "Sort by one of recent, rating, title."
        );
    }
}
