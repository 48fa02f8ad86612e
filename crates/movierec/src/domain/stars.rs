use std::fmt;

/// A rating from 0.5 to 5 stars in half steps, held as a count of half stars so it is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stars(u8);

impl Stars {
    pub const MIN: Stars = Stars(1);
    pub const MAX: Stars = Stars(10);

    /// Parses a decimal such as `"4"` or `"3.5"`. A decimal comma is refused rather
    /// than guessed at, so the API and the forms accept exactly the same text.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err("Choose a rating.".into());
        }
        let value: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("'{}' is not a number.", truncate(text)))?;
        Self::from_f64(value)
    }

    pub fn from_f64(value: f64) -> Result<Self, String> {
        if !(Self::MIN.value()..=Self::MAX.value()).contains(&value) {
            return Err(format!(
                "A rating is between {} and {} stars.",
                Self::MIN,
                Self::MAX
            ));
        }
        let halves = value * 2.0;
        if halves.fract() != 0.0 {
            return Err(format!(
                "A rating is in half stars: {}, {}, {} … {}.",
                Self::MIN,
                Stars(2),
                Stars(3),
                Self::MAX
            ));
        }
        // In range 1..=10 after the checks above.
        Ok(Self(halves as u8))
    }

    /// Every allowed value, lowest first.
    pub fn all() -> impl DoubleEndedIterator<Item = Stars> {
        (Self::MIN.0..=Self::MAX.0).map(Stars)
    }

    /// The rating as a number of stars; `const` so that other scales can be written in terms
    /// of [`Stars::MIN`] and [`Stars::MAX`].
    pub const fn value(self) -> f64 {
        self.0 as f64 / 2.0
    }

    pub fn half_steps(self) -> u8 {
        self.0
    }

    /// The rating as written: "3", "3.5". A page with rating strips writes it thousands of
    /// times, so it is a constant rather than formatted each time.
    pub fn as_str(self) -> &'static str {
        const TEXT: [&str; 11] = [
            "0", "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5",
        ];
        TEXT[usize::from(self.0)]
    }
}

impl fmt::Display for Stars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_half_step() {
        let parsed: Vec<f64> = Stars::all()
            .map(|s| Stars::parse(&s.to_string()).unwrap().value())
            .collect();
        assert_eq!(parsed, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]);
        assert_eq!(Stars::parse(" 4.0 ").unwrap().to_string(), "4");
    }

    #[test]
    fn messages_name_the_scale() {
        assert_eq!(
            Stars::from_f64(9.0).unwrap_err(),
            "A rating is between 0.5 and 5 stars."
        );
        assert_eq!(
            Stars::from_f64(3.2).unwrap_err(),
            "A rating is in half stars: 0.5, 1, 1.5 … 5."
        );
    }

    #[test]
    fn refuses_out_of_range() {
        for bad in ["0", "0.0", "-1", "5.5", "10", "1e3"] {
            assert!(Stars::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn refuses_non_half_steps() {
        for bad in ["3.2", "4.75", "0.51"] {
            let err = Stars::parse(bad).unwrap_err();
            assert!(err.contains("half"), "{bad}: {err}");
        }
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in ["", "abc", "3,5", "NaN", "inf", "four"] {
            assert!(Stars::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
