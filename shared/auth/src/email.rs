//! `Email`: an address as the account system stores it, and the identity it is known by.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Why an address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email must not be empty")]
    Empty,
    #[error("email must be at most 254 characters")]
    TooLong,
    #[error("email must look like name@example.com")]
    Malformed,
    /// Zero-width and bidirectional formatting characters: invisible, they would make two
    /// addresses that read alike.
    #[error("email must not contain invisible or text-direction characters")]
    Invisible,
    /// Compatibility characters (fullwidth letters, ligatures, the Kelvin sign): a second
    /// spelling of another address.
    #[error("email must not contain compatibility characters such as fullwidth letters")]
    Compatibility,
}

/// An address as given (trimmed), and its identity: the address in Unicode normalisation
/// form C, case-folded, so two spellings of one address (`JOSÉ@` and `jose\u{301}@`) are
/// one identity. Equality, ordering and hashing are by identity, which is what makes an
/// address unique across accounts; mail goes to the address as given.
#[derive(Clone, Debug)]
pub struct Email {
    given: String,
    identity: String,
}

/// Zero-width characters, the bidirectional marks, embeddings, overrides and isolates, and
/// the other invisible format characters an address has no use for.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Full case folding for identity: lower case, with the folds lower-casing does not make
/// (`ß` to `ss`, the final sigma to `σ`), composed again.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .flat_map(|c| match c {
            'ß' => vec!['s', 's'],
            'ς' => vec!['σ'],
            other => vec![other],
        })
        .nfc()
        .collect()
}

impl Email {
    /// Parses an address: trimmed, then refused when it holds invisible or compatibility
    /// characters or does not look like `name@example.com`.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let given = raw.trim();
        if given.is_empty() {
            return Err(EmailError::Empty);
        }
        // ASCII is its own NFC and NFKC form and lower-cases into ASCII: the Unicode checks
        // below can only pass, so most addresses (and every stored one read back) skip them.
        let identity = if given.is_ascii() {
            given.to_ascii_lowercase()
        } else {
            if given.chars().any(invisible) {
                return Err(EmailError::Invisible);
            }
            let composed: String = given.nfc().collect();
            if composed.nfkc().ne(composed.chars()) {
                return Err(EmailError::Compatibility);
            }
            // A non-ASCII character that Unicode lower-cases into ASCII (the dotted capital I
            // into `i` and a dot) would make a second spelling of someone else's address.
            if given
                .chars()
                .any(|c| !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()))
            {
                return Err(EmailError::Malformed);
            }
            fold(&composed)
        };
        if identity.chars().count() > 254 || given.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = identity.split_once('@').ok_or(EmailError::Malformed)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>');
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty()
            || local.chars().count() > 64
            || !domain_ok
            || identity.contains(bad_char)
        {
            return Err(EmailError::Malformed);
        }
        Ok(Self {
            given: given.to_owned(),
            identity,
        })
    }

    /// The identity: normalised and case-folded, what accounts are found and kept unique by.
    pub fn as_str(&self) -> &str {
        &self.identity
    }

    /// The address as given (trimmed): what the account shows and where mail goes.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The mailbox the address delivers to, for limits on mail and attempts: a `+tag` and the
    /// dots of the local part are dropped, and `googlemail.com` is `gmail.com`. Many providers
    /// ignore both, so `a.da+1@` and `ada+2@` count as one mailbox; merging two real mailboxes
    /// only makes a limit stricter. Never the address an account is stored or found by.
    pub fn mailbox(&self) -> String {
        let (local, domain) = self
            .identity
            .split_once('@')
            .unwrap_or((&self.identity, ""));
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

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
    }
}

impl Eq for Email {}

impl std::hash::Hash for Email {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity.hash(state);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity.cmp(&other.identity)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_spelt_in_two_normal_forms_or_cases_is_one_identity() {
        let composed = Email::parse("josé@example.com").unwrap();
        let decomposed = Email::parse("jose\u{301}@example.com").unwrap();
        let shouted = Email::parse("JOSÉ@EXAMPLE.COM").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(composed, shouted);
        assert_eq!(shouted.as_str(), "josé@example.com");
        assert_eq!(shouted.given(), "JOSÉ@EXAMPLE.COM", "stored as given");
        assert_eq!(
            Email::parse("STRAẞE@example.com").unwrap(),
            Email::parse("strasse@example.com").unwrap()
        );
    }

    #[test]
    fn invisible_and_compatibility_characters_are_refused() {
        for raw in [
            "ada\u{200B}@example.com",
            "ada@exa\u{200D}mple.com",
            "\u{202E}moc.elpmaxe@ada",
            "ada\u{2066}@example.com",
            "\u{FEFF}ada@example.com",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Invisible), "{raw:?}");
        }
        for raw in ["ａｄａ@example.com", "ﬁle@example.com"] {
            assert_eq!(Email::parse(raw), Err(EmailError::Compatibility), "{raw:?}");
        }
    }

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

    #[test]
    fn an_ascii_address_folds_as_the_full_unicode_path_would() {
        // Every printable ASCII character in a local part, in both cases.
        let all: String = (0x21u8..0x7f)
            .map(char::from)
            .filter(|c| !matches!(c, '@' | '<' | '>'))
            .collect();
        for raw in [
            "Ada.Lovelace+Tag@Example.COM".to_owned(),
            format!("{}@example.com", &all[..60]),
            format!("{}@EXAMPLE.org", &all[30..]),
        ] {
            let parsed = Email::parse(&raw).unwrap();
            assert_eq!(
                parsed.as_str(),
                fold(&raw.nfc().collect::<String>()),
                "{raw}"
            );
            assert_eq!(parsed.given(), raw);
        }
    }
}
