use std::fmt;

/// A login name: 3–32 ASCII letters, digits, `_`, `-` or `.`.
///
/// ASCII only so that two names can never look alike yet differ; uniqueness is
/// case-insensitive and uses [`Username::lower`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Enter a username.".into());
        }
        let len = name.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(format!(
                "A username has {} to {} characters.",
                Self::MIN_LEN,
                Self::MAX_LEN
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err("Use only letters, digits, '_', '-' and '.'.".into());
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes names unique regardless of case.
    pub fn lower(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_allowed_characters_and_trims() {
        let name = Username::parse("  Ann_b-c.9 ").unwrap();
        assert_eq!(name.as_str(), "Ann_b-c.9");
        assert_eq!(name.lower(), "ann_b-c.9");
    }

    #[test]
    fn enforces_length_bounds() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("   ").is_err());
    }

    #[test]
    fn rejects_other_characters() {
        for bad in [
            "has space",
            "<script>",
            "ünï",
            "a'b--",
            "semi;colon",
            "Rotten Tomatoes",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
