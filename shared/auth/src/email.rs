//! `Email`: an address as the account system stores it.

use std::fmt;

/// Why an address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email must not be empty")]
    Empty,
    #[error("email must be at most 254 characters")]
    TooLong,
    #[error("email must look like name@example.com")]
    Malformed,
}

/// A normalised email address: trimmed and lower-cased, one `@`, a dotted domain, no spaces
/// or control characters. Two spellings of one address parse to equal values, which is what
/// makes the address unique across accounts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        // Only ASCII is case-folded. A non-ASCII character that Unicode lower-cases into
        // ASCII (the Kelvin sign into `k`, the dotted capital I into `i` and a dot) would make
        // a second spelling of someone else's address: refused.
        if trimmed
            .chars()
            .any(|c| !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()))
        {
            return Err(EmailError::Malformed);
        }
        let email = trimmed.to_ascii_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = email.split_once('@').ok_or(EmailError::Malformed)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>');
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.chars().count() > 64 || !domain_ok || email.contains(bad_char)
        {
            return Err(EmailError::Malformed);
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mailbox the address delivers to, for limits on mail and attempts: a `+tag` and the
    /// dots of the local part are dropped, and `googlemail.com` is `gmail.com`. Many providers
    /// ignore both, so `a.da+1@` and `ada+2@` count as one mailbox; merging two real mailboxes
    /// only makes a limit stricter. Never the address an account is stored or found by.
    pub fn mailbox(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let untagged = local.split('+').next().unwrap_or(local);
        let undotted: String = untagged.chars().filter(|c| *c != '.').collect();
        let local = if undotted.is_empty() {
            local
        } else {
            &undotted
        };
        let domain = if domain == "googlemail.com" {
            "gmail.com"
        } else {
            domain
        };
        format!("{local}@{domain}")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada.Lovelace@Example.COM ")
                .unwrap()
                .as_str(),
            "ada.lovelace@example.com"
        );
    }

    #[test]
    fn unicode_that_folds_into_ascii_is_refused_and_other_letters_are_kept() {
        assert_eq!(
            Email::parse("\u{212A}ate@example.com"),
            Err(EmailError::Malformed),
            "the Kelvin sign is not a second spelling of k"
        );
        assert_eq!(
            Email::parse("\u{130}da@example.com"),
            Err(EmailError::Malformed)
        );
        assert_eq!(
            Email::parse("José@Example.com").unwrap().as_str(),
            "josé@example.com"
        );
    }

    #[test]
    fn plus_tags_and_dots_share_a_mailbox() {
        let mailbox = |raw| Email::parse(raw).unwrap().mailbox();
        for raw in [
            "ada@gmail.com",
            "a.da@gmail.com",
            "Ada+news@gmail.com",
            "a.d.a+x+y@googlemail.com",
        ] {
            assert_eq!(mailbox(raw), "ada@gmail.com", "{raw}");
        }
        assert_eq!(mailbox("+tag@example.com"), "+tag@example.com");
        assert_ne!(mailbox("ada@example.com"), mailbox("ada@example.org"));
    }

    #[test]
    fn malformed_addresses_are_refused() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("no-at-sign", EmailError::Malformed),
            ("@example.com", EmailError::Malformed),
            ("a@localhost", EmailError::Malformed),
            ("a@b@example.com", EmailError::Malformed),
            ("a b@example.com", EmailError::Malformed),
            ("a@example..com", EmailError::Malformed),
            ("a@.example.com", EmailError::Malformed),
        ];
        for (raw, expected) in cases {
            assert_eq!(Email::parse(raw), Err(expected), "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
