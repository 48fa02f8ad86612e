use std::fmt;
use std::str::FromStr;

/// Whether visitors may create accounts. A site with no account yet always lets the first
/// one register, whatever this says, so it can get its administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Registration {
    Open,
    Closed,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

impl FromStr for Registration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            _ => Err("Registration is either open or closed.".into()),
        }
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text() {
        for r in [Registration::Open, Registration::Closed] {
            assert_eq!(r.as_str().parse::<Registration>(), Ok(r));
        }
        assert!("Open".parse::<Registration>().is_err());
        assert!("".parse::<Registration>().is_err());
    }
}
