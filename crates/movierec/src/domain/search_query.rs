/// What a person typed into the search box: trimmed, not empty, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    pub const MAX_LEN: usize = 100;

    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text.is_empty() {
            return Err("Type part of a title to search.".into());
        }
        if text.chars().count() > Self::MAX_LEN {
            return Err(format!(
                "A search has at most {} characters.",
                Self::MAX_LEN
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(SearchQuery::parse("  alien ").unwrap().as_str(), "alien");
        assert!(SearchQuery::parse("   ").is_err());
        assert!(SearchQuery::parse(&"x".repeat(100)).is_ok());
        assert!(SearchQuery::parse(&"x".repeat(101)).is_err());
    }
}
