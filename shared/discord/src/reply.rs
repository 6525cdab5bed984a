//! What the bot answers: interaction responses and embeds kept within Discord's limits.

use serde_json::{Value, json};

/// Discord's flag for a message only the invoking member sees.
pub const EPHEMERAL: u64 = 64;

/// Embed limits (Discord's documented maxima).
pub mod limits {
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const TOTAL: usize = 6000;
}

/// An embed; [`Embed::to_json`] enforces the limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Embed {
    pub title: String,
    pub description: String,
    pub fields: Vec<(String, String, bool)>,
    pub footer: Option<String>,
    pub color: Option<u32>,
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Embed {
    /// The embed as Discord JSON, truncated to fit every limit (fields past the total are dropped).
    pub fn to_json(&self) -> Value {
        let title = cut(&self.title, limits::TITLE);
        let mut total = title.chars().count();
        let description = cut(
            &self.description,
            limits::DESCRIPTION.min(limits::TOTAL - total),
        );
        total += description.chars().count();
        let footer = self
            .footer
            .as_deref()
            .map(|f| cut(f, limits::FOOTER.min(limits::TOTAL - total)))
            .filter(|f| !f.is_empty());
        total += footer.as_ref().map_or(0, |f| f.chars().count());
        let mut fields = Vec::new();
        for (name, value, inline) in self.fields.iter().take(limits::FIELDS) {
            let name = cut(name, limits::FIELD_NAME);
            let value = cut(value, limits::FIELD_VALUE);
            let size = name.chars().count() + value.chars().count();
            if total + size > limits::TOTAL {
                break;
            }
            total += size;
            fields.push(json!({"name": name, "value": value, "inline": inline}));
        }
        let mut embed = json!({"title": title, "description": description, "fields": fields});
        if let Some(footer) = footer {
            embed["footer"] = json!({"text": footer});
        }
        if let Some(color) = self.color {
            embed["color"] = json!(color);
        }
        embed
    }
}

/// A button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    /// `<command>:<action>:<id>`, at most 100 characters.
    pub custom_id: String,
}

/// An interaction response.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Type 4: a new message.
    Message {
        content: Option<String>,
        embeds: Vec<Embed>,
        buttons: Vec<Button>,
        ephemeral: bool,
    },
    /// Type 7: replaces the message the clicked component belongs to.
    Update {
        content: Option<String>,
        embeds: Vec<Embed>,
        buttons: Vec<Button>,
    },
    /// Type 5: "thinking…"; the real answer follows through the interaction webhook.
    Deferred { ephemeral: bool },
}

impl Reply {
    /// A plain message only the invoking member sees.
    pub fn ephemeral(content: impl Into<String>) -> Self {
        Self::Message {
            content: Some(content.into()),
            embeds: Vec::new(),
            buttons: Vec::new(),
            ephemeral: true,
        }
    }

    /// The response body Discord expects.
    pub fn to_json(&self) -> Value {
        let message = message_json;
        match self {
            Self::Message {
                content,
                embeds,
                buttons,
                ephemeral,
            } => {
                let mut data = message(content, embeds, buttons);
                if *ephemeral {
                    data["flags"] = json!(EPHEMERAL);
                }
                json!({"type": 4, "data": data})
            }
            Self::Update {
                content,
                embeds,
                buttons,
            } => {
                json!({"type": 7, "data": message(content, embeds, buttons)})
            }
            Self::Deferred { ephemeral } => {
                if *ephemeral {
                    json!({"type": 5, "data": {"flags": EPHEMERAL}})
                } else {
                    json!({"type": 5})
                }
            }
        }
    }
}

/// A message's body (content, embeds, one row of buttons), as a response's `data`, a webhook
/// edit or a channel message take it.
pub fn message_json(content: &Option<String>, embeds: &[Embed], buttons: &[Button]) -> Value {
    let mut data = json!({
        "embeds": embeds.iter().map(Embed::to_json).collect::<Vec<_>>(),
        "components": components(buttons),
    });
    if let Some(content) = content {
        data["content"] = json!(cut(content, 2000));
    }
    data
}

fn components(buttons: &[Button]) -> Value {
    if buttons.is_empty() {
        return json!([]);
    }
    let row: Vec<Value> = buttons
        .iter()
        .take(5)
        .map(|b| json!({"type": 2, "style": 2, "label": cut(&b.label, 80), "custom_id": b.custom_id}))
        .collect();
    json!([{"type": 1, "components": row}])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_are_cut_to_discords_limits() {
        let embed = Embed {
            title: "t".repeat(300),
            description: "d".repeat(5000),
            fields: (0..40)
                .map(|i| (format!("f{i}"), "v".repeat(1500), false))
                .collect(),
            footer: Some("f".repeat(3000)),
            color: None,
        };
        let json = embed.to_json();
        assert_eq!(json["title"].as_str().unwrap().chars().count(), 256);
        assert_eq!(json["description"].as_str().unwrap().chars().count(), 4096);
        let fields = json["fields"].as_array().unwrap();
        assert!(fields.len() <= 25);
        let total: usize = ["title", "description"]
            .iter()
            .map(|k| json[k].as_str().unwrap().chars().count())
            .sum::<usize>()
            + json["footer"]["text"]
                .as_str()
                .map_or(0, |t| t.chars().count())
            + fields
                .iter()
                .map(|f| {
                    f["name"].as_str().unwrap().chars().count()
                        + f["value"].as_str().unwrap().chars().count()
                })
                .sum::<usize>();
        assert!(total <= 6000, "{total}");
        assert!(
            fields
                .iter()
                .all(|f| f["value"].as_str().unwrap().chars().count() <= 1024)
        );
    }

    #[test]
    fn replies_have_discords_shapes() {
        assert_eq!(Reply::ephemeral("hi").to_json()["data"]["flags"], 64);
        assert_eq!(Reply::ephemeral("hi").to_json()["type"], 4);
        assert_eq!(
            Reply::Deferred { ephemeral: false }.to_json(),
            json!({"type": 5})
        );
        let update = Reply::Update {
            content: None,
            embeds: vec![],
            buttons: vec![],
        }
        .to_json();
        assert_eq!(update["type"], 7);
        assert_eq!(
            update["data"]["components"],
            json!([]),
            "an update without buttons removes them"
        );
    }
}
