use std::fmt;

/// The id of a viewer's uploaded history file (a kept preview or an applied import): a
/// positive integer. Whose it is, and whether it exists, is checked by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UploadId(i64);

impl UploadId {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(id)),
            _ => Err(format!(
                "'{}' is not an import id.",
                input.chars().take(20).collect::<String>()
            )),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_integers_only() {
        assert_eq!(UploadId::parse("7").unwrap().get(), 7);
        for bad in ["0", "-3", "abc", "1.5", "", "99999999999999999999"] {
            assert!(UploadId::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
