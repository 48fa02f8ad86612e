/// A page of a paged list: a whole number from 1 to [`PageNumber::MAX`].
///
/// The upper bound keeps offsets far from overflowing; no list here is that long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageNumber(i64);

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);
    pub const MAX: i64 = 10_000;

    pub fn parse(input: &str) -> Result<Self, String> {
        input
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=Self::MAX).contains(n))
            .map(Self)
            .ok_or_else(|| format!("A page number is a whole number from 1 to {}.", Self::MAX))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many items the pages before this one hold.
    pub fn offset(self, per_page: i64) -> i64 {
        (self.0 - 1) * per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_whole_numbers_in_range() {
        assert_eq!(PageNumber::parse(" 3 ").unwrap().get(), 3);
        assert_eq!(PageNumber::parse("3").unwrap().offset(20), 40);
        assert_eq!(PageNumber::FIRST.offset(20), 0);
        assert!(PageNumber::parse("10000").is_ok());
        for bad in ["0", "-1", "1.5", "two", "", "10001", "99999999999999999999"] {
            assert!(PageNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
