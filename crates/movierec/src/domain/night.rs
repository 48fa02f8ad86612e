use std::fmt;

/// The id of a movie night: a positive integer. Who may see it is checked by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NightId(i64);

impl NightId {
    pub fn new(id: i64) -> Result<Self, String> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(format!("{id} is not a night id."))
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(id)),
            _ => Err(format!(
                "'{}' is not a night id.",
                input.chars().take(20).collect::<String>()
            )),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for NightId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How a night's members' predicted ratings of a film become the group's score (the engine's
/// [`movierec_engine::Strategy`]), by the key the API and the forms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NightStrategy {
    /// The mean, but no film any member is predicted to dislike.
    #[default]
    NoMisery,
    /// The film the least happy member minds least.
    LeastMisery,
    /// The members' mean.
    Average,
}

impl NightStrategy {
    pub const ALL: [NightStrategy; 3] = [
        NightStrategy::NoMisery,
        NightStrategy::LeastMisery,
        NightStrategy::Average,
    ];

    pub fn parse(input: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == input.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a strategy; give no-misery, least-misery or average.",
                    input.chars().take(20).collect::<String>()
                )
            })
    }

    /// The key stored and sent: `no-misery`, `least-misery`, `average`.
    pub fn key(self) -> &'static str {
        match self {
            NightStrategy::NoMisery => "no-misery",
            NightStrategy::LeastMisery => "least-misery",
            NightStrategy::Average => "average",
        }
    }

    /// What the strategy does, for the pages.
    pub fn label(self) -> &'static str {
        match self {
            NightStrategy::NoMisery => "Average, nobody miserable",
            NightStrategy::LeastMisery => "Least misery",
            NightStrategy::Average => "Plain average",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers_and_strategies_their_keys() {
        assert_eq!(NightId::parse("7").unwrap().get(), 7);
        for bad in ["0", "-3", "abc", "", "99999999999999999999"] {
            assert!(NightId::parse(bad).is_err(), "{bad}");
        }
        for strategy in NightStrategy::ALL {
            assert_eq!(NightStrategy::parse(strategy.key()), Ok(strategy));
        }
        assert!(
            NightStrategy::parse("median")
                .unwrap_err()
                .contains("median")
        );
    }
}
