use std::fmt;

/// A new password as typed at registration: at least 8 characters.
///
/// The upper bound keeps a hostile request from making the server hash megabytes.
/// `Debug` never shows the secret, so it cannot leak into logs.
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 1024;

    pub fn parse(input: String) -> Result<Self, String> {
        let len = input.chars().count();
        if len < Self::MIN_LEN {
            return Err(format!(
                "A password has at least {} characters.",
                Self::MIN_LEN
            ));
        }
        if len > Self::MAX_LEN {
            return Err(format!(
                "A password has at most {} characters.",
                Self::MAX_LEN
            ));
        }
        Ok(Self(input))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_minimum_length_in_characters() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        // Eight characters, more than eight bytes.
        assert!(Password::parse("ééééééé".into()).is_err());
        assert!(Password::parse("éééééééé".into()).is_ok());
    }

    #[test]
    fn refuses_huge_input() {
        assert!(Password::parse("x".repeat(1025)).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("hunter2hunter2".into()).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
