//! Request ids: the caller's `X-Request-Id` when it is sane, else a new ULID.

use std::fmt;

/// The id that names one request in responses and in every log line (`correlation_id`), and
/// the id the service gave it, which audit records carry: a caller choosing `X-Request-Id`
/// (to collide with another request's, say) cannot choose how its actions are filed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId {
    echoed: String,
    own: String,
}

impl RequestId {
    /// The longest caller-supplied id we echo.
    pub const MAX_LEN: usize = 128;

    /// Accepts a caller's id if it is 1..=128 characters of `[A-Za-z0-9._:-]`.
    pub fn parse(value: &str) -> Option<Self> {
        let sane = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        sane.then(|| Self {
            echoed: value.to_owned(),
            own: crate::ids::new_id(),
        })
    }

    /// The caller's id when sane, else a fresh ULID.
    pub fn from_header(value: Option<&str>) -> Self {
        value.and_then(Self::parse).unwrap_or_else(|| {
            let own = crate::ids::new_id();
            Self {
                echoed: own.clone(),
                own,
            }
        })
    }

    /// The id as text: the caller's when it sent a sane one, else ours.
    pub fn as_str(&self) -> &str {
        &self.echoed
    }

    /// The id the service gave the request (a ULID), whatever the caller sent.
    pub fn own(&self) -> &str {
        &self.own
    }

    /// The caller's `X-Request-Id`, when it sent one that is echoed.
    pub fn caller_supplied(&self) -> Option<&str> {
        (self.echoed != self.own).then_some(self.echoed.as_str())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.echoed)
    }
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn sane_caller_ids_are_kept_and_others_replaced() {
        let cases = [
            ("abc-123", true),
            ("trace:01J.x_y", true),
            ("", false),
            ("has space", false),
            ("<script>", false),
            ("ü", false),
        ];
        for (input, kept) in cases {
            let id = RequestId::from_header(Some(input));
            assert_eq!(id.as_str() == input, kept, "input {input:?}");
        }
        let long = "a".repeat(129);
        assert_ne!(RequestId::from_header(Some(&long)).as_str(), long);
        assert_eq!(RequestId::from_header(None).as_str().len(), 26);
    }
}
