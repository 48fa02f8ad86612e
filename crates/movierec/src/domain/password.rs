use std::fmt;

/// A new password as typed at registration or when changing it: at least 8 characters
/// and not easy to guess.
///
/// Strength is judged by zxcvbn (Dropbox's estimator: dictionaries of common passwords,
/// names and words, keyboard patterns, repeats, dates), as NIST SP 800-63B asks: refuse
/// common and predictable passwords rather than impose composition rules. The upper bound
/// keeps a hostile request from making the server hash megabytes. `Debug` never shows the
/// secret, so it cannot leak into logs.
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 1024;
    /// zxcvbn's score runs 0–4; 2 means it needs about 10⁸ guesses, out of reach of an
    /// online attacker held to a few attempts per quarter hour.
    const MIN_SCORE: u8 = 2;

    /// `context` holds words the password must not lean on, such as the username.
    pub fn parse(input: String, context: &[&str]) -> Result<Self, String> {
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
        let entropy = zxcvbn::zxcvbn(&input, context);
        if u8::from(entropy.score()) < Self::MIN_SCORE {
            let mut message = String::from("This password is too easy to guess.");
            if let Some(feedback) = entropy.feedback() {
                if let Some(warning) = feedback.warning() {
                    message.push(' ');
                    message.push_str(&warning.to_string());
                }
                if let Some(suggestion) = feedback.suggestions().first() {
                    message.push(' ');
                    message.push_str(&suggestion.to_string());
                }
            }
            if !message.ends_with('.') {
                message.push('.');
            }
            return Err(message);
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
        assert!(Password::parse("kq7#vu!".into(), &[]).is_err());
        assert!(Password::parse("kq7#vu!x".into(), &[]).is_ok());
        // Eight characters, more than eight bytes.
        assert!(Password::parse("éàüçøñßë"[..14].into(), &[]).is_err());
        assert!(Password::parse("éàüçøñßë".into(), &[]).is_ok());
    }

    #[test]
    fn refuses_huge_input() {
        assert!(Password::parse("x".repeat(1025), &[]).is_err());
    }

    #[test]
    fn refuses_common_and_predictable_passwords() {
        for weak in [
            "password",
            "12345678",
            "        ",
            "qwertyuiop",
            "iloveyou1",
        ] {
            let err = Password::parse(weak.into(), &[]).expect_err(weak);
            assert!(
                err.starts_with("This password is too easy to guess."),
                "{err}"
            );
        }
        assert!(Password::parse("correct horse battery".into(), &[]).is_ok());
    }

    #[test]
    fn refuses_a_password_built_on_the_username() {
        assert!(Password::parse("zebulon1999".into(), &[]).is_ok());
        assert!(Password::parse("zebulon1999".into(), &["zebulon"]).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("tiramisu-moped".into(), &[]).unwrap();
        assert!(!format!("{p:?}").contains("tiramisu"));
    }
}
