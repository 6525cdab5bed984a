//! Button ids: `<command>:<action>:<id>`, at most 100 characters.

/// A parsed `custom_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomId {
    pub command: String,
    pub action: String,
    pub id: String,
}

impl CustomId {
    /// Discord's limit on `custom_id`.
    pub const MAX_LEN: usize = 100;

    /// Builds an id; `None` when it would not fit or a part holds `:`.
    pub fn new(command: &str, action: &str, id: &str) -> Option<Self> {
        let parts_ok = [command, action, id]
            .iter()
            .all(|p| !p.is_empty() && !p.contains(':'));
        let fits = command.len() + action.len() + id.len() + 2 <= Self::MAX_LEN;
        (parts_ok && fits).then(|| Self {
            command: command.to_owned(),
            action: action.to_owned(),
            id: id.to_owned(),
        })
    }

    /// Parses `<command>:<action>:<id>`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ':');
        let (command, action, id) = (parts.next()?, parts.next()?, parts.next()?);
        Self::new(command, action, id)
    }
}

impl std::fmt::Display for CustomId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.command, self.action, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::CustomId;

    #[test]
    fn ids_round_trip_and_bad_ones_are_refused() {
        let id = CustomId::parse("ship:promote:01JABCDEF").unwrap();
        assert_eq!(
            (id.command.as_str(), id.action.as_str(), id.id.as_str()),
            ("ship", "promote", "01JABCDEF")
        );
        assert_eq!(id.to_string(), "ship:promote:01JABCDEF");
        for bad in ["hello", "a:b", "a::c", ":b:c", "a:b:c:d"] {
            assert!(CustomId::parse(bad).is_none(), "{bad}");
        }
        assert!(CustomId::new("ship", "promote", &"x".repeat(90)).is_none());
    }
}
