/// A page of a paged list: a whole number from 1 to [`PageNumber::MAX`].
///
/// The upper bound keeps offsets far from overflowing; no list here is that long. Every paged
/// list (search results, a user's ratings) has [`PageNumber::PER_PAGE`] items a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageNumber(i64);

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);
    pub const MAX: i64 = 10_000;
    /// Items on a full page.
    pub const PER_PAGE: i64 = 20;

    pub fn parse(input: &str) -> Result<Self, String> {
        input
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=Self::MAX).contains(n))
            .map(Self)
            .ok_or_else(|| format!("A page number is a whole number from 1 to {}.", Self::MAX))
    }

    /// A page given in a link: anything unreadable is the first page.
    pub fn parse_or_first(input: Option<&str>) -> Self {
        input
            .and_then(|raw| Self::parse(raw).ok())
            .unwrap_or(Self::FIRST)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many items the pages before this one hold.
    pub fn offset(self) -> i64 {
        (self.0 - 1) * Self::PER_PAGE
    }

    /// How many pages `total` items fill; an empty list still has its one (empty) page.
    pub fn count(total: i64) -> i64 {
        ((total + Self::PER_PAGE - 1) / Self::PER_PAGE).clamp(1, Self::MAX)
    }

    /// This page, or the last of `pages` when it lies beyond.
    pub fn at_most(self, pages: i64) -> Self {
        Self(self.0.min(pages.clamp(1, Self::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_whole_numbers_in_range() {
        assert_eq!(PageNumber::parse(" 3 ").unwrap().get(), 3);
        assert_eq!(
            PageNumber::parse("3").unwrap().offset(),
            2 * PageNumber::PER_PAGE
        );
        assert_eq!(PageNumber::FIRST.offset(), 0);
        assert!(PageNumber::parse("10000").is_ok());
        for bad in ["0", "-1", "1.5", "two", "", "10001", "99999999999999999999"] {
            assert!(PageNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn links_fall_back_to_the_first_page() {
        assert_eq!(PageNumber::parse_or_first(Some("4")).get(), 4);
        for bad in [None, Some(""), Some("x"), Some("0")] {
            assert_eq!(
                PageNumber::parse_or_first(bad),
                PageNumber::FIRST,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn counts_pages_and_keeps_within_them() {
        let per = PageNumber::PER_PAGE;
        assert_eq!(PageNumber::count(0), 1);
        assert_eq!(PageNumber::count(1), 1);
        assert_eq!(PageNumber::count(per), 1);
        assert_eq!(PageNumber::count(per + 1), 2);
        assert_eq!(PageNumber::parse("7").unwrap().at_most(3).get(), 3);
        assert_eq!(PageNumber::parse("2").unwrap().at_most(3).get(), 2);
        assert_eq!(PageNumber::FIRST.at_most(0), PageNumber::FIRST);
    }
}
