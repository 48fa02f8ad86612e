/// Orders of search results, named as the search form and the API's `sort` name them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchSort {
    /// Best title match first; without a title, most voted first.
    #[default]
    Relevance,
    /// Newest first.
    Year,
    /// Highest IMDb rating first.
    Rating,
    /// Most voted first: IMDb votes, else community raters, else the site's own.
    Votes,
}

impl SearchSort {
    /// Every order, the default first.
    pub const ALL: [SearchSort; 4] = [
        SearchSort::Relevance,
        SearchSort::Year,
        SearchSort::Rating,
        SearchSort::Votes,
    ];

    pub fn parse(key: &str) -> Result<Self, String> {
        super::parse_key(&Self::ALL, Self::key, key)
    }

    /// The name in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Year => "year",
            Self::Rating => "rating",
            Self::Votes => "votes",
        }
    }

    /// The name on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Relevance => "Best match",
            Self::Year => "Newest",
            Self::Rating => "IMDb rating",
            Self::Votes => "Most votes",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_others_are_refused_with_the_choices() {
        for sort in SearchSort::ALL {
            assert_eq!(SearchSort::parse(sort.key()), Ok(sort));
        }
        assert_eq!(SearchSort::ALL[0], SearchSort::default());
        assert_eq!(
            SearchSort::parse("title").unwrap_err(),
            "Sort by one of relevance, year, rating, votes."
        );
    }
}
