use std::fmt;

/// An IMDb title id such as `tt0114709`, held as its number.
///
/// MovieLens's `links.csv` writes the same id without the `tt` and sometimes without the
/// leading zeros (`0114709`, `114709`); both parse to the same value. Displayed the way IMDb
/// writes it: `tt` and at least 7 digits (newer titles have 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImdbId(u32);

impl ImdbId {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        let digits = text.strip_prefix("tt").unwrap_or(text);
        // Digits only (no sign, no spaces), and few enough to fit: IMDb is at 8 digits today.
        let number = (!digits.is_empty()
            && digits.len() <= 10
            && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse::<u32>().ok())
        .flatten();
        match number {
            Some(n) => Self::new(n),
            None => Err(format!("'{}' is not an IMDb id.", truncate(text))),
        }
    }

    /// The id exactly as IMDb writes it, `tt` and 7 to 9 digits: for ids from answers of
    /// outside services, which must not be read generously (they end up in URLs).
    pub fn parse_exact(input: &str) -> Result<Self, String> {
        let digits = input.strip_prefix("tt").unwrap_or_default();
        if (7..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Self::parse(digits)
        } else {
            Err(format!("'{}' is not an IMDb id.", truncate(input)))
        }
    }

    pub fn new(number: u32) -> Result<Self, String> {
        if number > 0 {
            Ok(Self(number))
        } else {
            Err("'tt0000000' is not an IMDb id.".into())
        }
    }

    pub fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ImdbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tt{:07}", self.0)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_ids_are_tt_and_seven_to_nine_digits() {
        for good in ["tt0114709", "tt12345678", "tt123456789"] {
            assert_eq!(ImdbId::parse_exact(good).unwrap().to_string(), good);
        }
        for bad in [
            "0114709",
            " tt0114709",
            "tt011470",
            "tt1234567890",
            "../3/account?injected=1",
            "tt0114709/../x",
            "tt",
        ] {
            assert!(ImdbId::parse_exact(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn imdb_and_movielens_spellings_are_the_same_id() {
        let ids: Vec<ImdbId> = ["tt0114709", "0114709", "114709", " tt0114709 "]
            .iter()
            .map(|s| ImdbId::parse(s).unwrap())
            .collect();
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert_eq!(ids[0].number(), 114_709);
        assert_eq!(ids[0].to_string(), "tt0114709");
    }

    #[test]
    fn pads_to_seven_digits_and_keeps_eight() {
        assert_eq!(ImdbId::parse("1").unwrap().to_string(), "tt0000001");
        assert_eq!(
            ImdbId::parse("tt15239678").unwrap().to_string(),
            "tt15239678"
        );
    }

    #[test]
    fn refuses_what_is_not_an_id() {
        for bad in [
            "",
            "tt",
            "tt0",
            "0",
            "nm0000001",
            "tt-114709",
            "tt+114709",
            "tt11 4709",
            "abc",
            "tt99999999999",
            "TT0114709",
            "1.5",
        ] {
            assert!(ImdbId::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
