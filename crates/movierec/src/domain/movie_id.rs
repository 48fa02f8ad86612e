use std::fmt;

/// The id of a catalog movie: a positive integer. Existence is checked by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MovieId(i64);

impl MovieId {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().parse::<i64>() {
            Ok(id) => Self::new(id),
            Err(_) => Err(format!(
                "'{}' is not a movie id.",
                input.chars().take(20).collect::<String>()
            )),
        }
    }

    pub fn new(id: i64) -> Result<Self, String> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(format!("'{id}' is not a movie id."))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for MovieId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_integers_only() {
        assert_eq!(MovieId::parse("42").unwrap().get(), 42);
        for bad in ["0", "-3", "abc", "1.5", "", "99999999999999999999"] {
            assert!(MovieId::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
