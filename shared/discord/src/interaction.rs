//! What we read of an interaction, with serde types of our own: `type` first, unknown fields
//! ignored, so a PING is answered even when the rest of the payload is new to us.

use serde::Deserialize;
use serde_json::Value;

/// The interaction types we act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InteractionKind {
    Ping,
    ApplicationCommand,
    MessageComponent,
    Autocomplete,
    ModalSubmit,
    /// A type Discord added after this code was written.
    Unknown(u64),
}

impl InteractionKind {
    fn from_code(code: u64) -> Self {
        match code {
            1 => Self::Ping,
            2 => Self::ApplicationCommand,
            3 => Self::MessageComponent,
            4 => Self::Autocomplete,
            5 => Self::ModalSubmit,
            other => Self::Unknown(other),
        }
    }
}

/// A Discord user, as far as we read it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
}

/// A guild member: the roles and permissions that role checks read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Member {
    #[serde(default)]
    pub roles: Vec<String>,
    /// The member's permissions in the channel, as a decimal bit set.
    #[serde(default)]
    pub permissions: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
}

impl Member {
    /// Whether the member has the Manage Guild permission (bit 5).
    pub fn can_manage_guild(&self) -> bool {
        const MANAGE_GUILD: u64 = 1 << 5;
        self.permissions
            .as_deref()
            .and_then(|p| p.parse::<u64>().ok())
            .is_some_and(|bits| bits & MANAGE_GUILD != 0)
    }
}

/// One option of a slash command.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CommandOption {
    pub name: String,
    #[serde(default)]
    pub value: Option<Value>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: u64,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    application_id: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    guild_id: Option<String>,
    #[serde(default)]
    channel_id: Option<String>,
    #[serde(default)]
    member: Option<Member>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    data: Option<Value>,
}

/// A parsed interaction.
#[derive(Clone, Debug)]
pub struct Interaction {
    pub kind: InteractionKind,
    pub id: String,
    pub application_id: String,
    /// The interaction token (a credential for the follow-up webhook); never logged.
    pub token: rampart_core::Masked<String>,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    /// Present in guilds; absent in DMs.
    pub member: Option<Member>,
    /// The invoking user: `member.user` in guilds, `user` in DMs.
    pub user: Option<User>,
    pub data: Value,
}

/// A signed body we cannot read (400, never 5xx).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not a JSON object with a numeric type: {0}")]
    NoType(String),
    #[error("the {kind:?} interaction lacks {field}")]
    Missing {
        kind: InteractionKind,
        field: &'static str,
    },
    #[error("the interaction is malformed: {0}")]
    Malformed(String),
}

/// A body as `T`, integral floats (`2.0`) read as the integers they are.
fn read<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    let mut document: Value = serde_json::from_slice(body)?;
    rampart_core::json::integral_numbers(&mut document);
    serde_json::from_value(document)
}

/// Reads the interaction type alone, so a PING is recognised whatever else the body holds.
pub fn kind_of(body: &[u8]) -> Result<InteractionKind, ParseError> {
    #[derive(Deserialize)]
    struct KindOnly {
        #[serde(rename = "type")]
        kind: u64,
    }
    read::<KindOnly>(body)
        .map(|k| InteractionKind::from_code(k.kind))
        .map_err(|e| ParseError::NoType(e.to_string()))
}

impl Interaction {
    /// Parses a body whose type is not PING.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let raw: Raw = read(body).map_err(|e| ParseError::Malformed(e.to_string()))?;
        let kind = InteractionKind::from_code(raw.kind);
        let require =
            |value: Option<String>, field| value.ok_or(ParseError::Missing { kind, field });
        let user = raw
            .member
            .as_ref()
            .and_then(|m| m.user.clone())
            .or(raw.user);
        Ok(Self {
            kind,
            id: require(raw.id, "id")?,
            application_id: raw.application_id.unwrap_or_default(),
            token: rampart_core::Masked::new(require(raw.token, "token")?),
            guild_id: raw.guild_id,
            channel_id: raw.channel_id,
            member: raw.member,
            user,
            data: raw.data.unwrap_or(Value::Null),
        })
    }

    /// The command name of an application command.
    pub fn command_name(&self) -> Option<&str> {
        self.data.get("name").and_then(Value::as_str)
    }

    /// The `custom_id` of a component interaction.
    pub fn custom_id(&self) -> Option<&str> {
        self.data.get("custom_id").and_then(Value::as_str)
    }

    /// The options of an application command.
    pub fn options(&self) -> Vec<CommandOption> {
        self.data
            .get("options")
            .cloned()
            .and_then(|o| serde_json::from_value(o).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: &[u8] = include_bytes!("../tests/fixtures/ping_captured.json");
    const COMMAND: &[u8] = include_bytes!("../tests/fixtures/slash_command_docs_sample.json");
    const BUTTON: &[u8] = include_bytes!("../tests/fixtures/button_click_captured.json");

    #[test]
    fn the_captured_fixtures_parse() {
        assert_eq!(kind_of(PING).unwrap(), InteractionKind::Ping);

        let command = Interaction::parse(COMMAND).unwrap();
        assert_eq!(command.kind, InteractionKind::ApplicationCommand);
        assert_eq!(command.command_name(), Some("cardsearch"));
        assert_eq!(
            command.member.as_ref().unwrap().roles,
            ["539082325061836999"]
        );
        assert_eq!(command.user.as_ref().unwrap().id, "53908232506183680");
        assert_eq!(command.options()[0].name, "cardname");
        assert!(command.member.as_ref().unwrap().can_manage_guild());

        let button = Interaction::parse(BUTTON).unwrap();
        assert_eq!(button.kind, InteractionKind::MessageComponent);
        assert_eq!(button.custom_id(), Some("hello"));
        assert_eq!(button.guild_id.as_deref(), Some("1457468924290662599"));
        assert!(button.member.as_ref().unwrap().roles.is_empty());
    }

    #[test]
    fn tolerance_has_limits_that_are_errors_not_panics() {
        assert_eq!(
            kind_of(br#"{"type":1,"brand_new_field":{"x":[1,2]}}"#).unwrap(),
            InteractionKind::Ping
        );
        assert_eq!(
            kind_of(br#"{"type":99}"#).unwrap(),
            InteractionKind::Unknown(99)
        );
        assert!(kind_of(b"[]").is_err());
        assert!(kind_of(br#"{"type":"1"}"#).is_err());
        assert!(matches!(
            Interaction::parse(br#"{"type":2}"#),
            Err(ParseError::Missing { .. })
        ));
        assert!(Interaction::parse(b"not json").is_err());
    }

    #[test]
    fn the_token_never_prints() {
        let command = Interaction::parse(COMMAND).unwrap();
        assert!(!format!("{command:?}").contains("A_UNIQUE_TOKEN"));
    }
}
