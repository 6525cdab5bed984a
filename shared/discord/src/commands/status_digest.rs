//! `/status-digest`: the latest health snapshot against the 7-day average, with a Refresh
//! button whose state lives in the state store for 24 hours.

use rampart_core::clock::rfc3339;
use serde_json::json;

use crate::bot::{Bot, BotError};
use crate::custom_id::CustomId;
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::reply::{Button, Embed, Reply};
use crate::snapshot::{self, HealthSnapshot};

const NAME: &str = "status-digest";
const STATE_TTL_SECS: i64 = 24 * 3600;
const WEEK_MS: i64 = 7 * 86_400_000;

/// Posts the digest with a Refresh button.
pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        let state_id = rampart_core::ids::new_id();
        let requested_by = interaction.user.as_ref().map(|u| u.id.clone());
        bot.state
            .put(
                &format!("{NAME}#{state_id}"),
                &json!({"requested_by": requested_by}),
                STATE_TTL_SECS,
            )
            .await?;
        let refresh = CustomId::new(NAME, "refresh", &state_id).map(|id| Button {
            label: "Refresh".to_owned(),
            custom_id: id.to_string(),
        });
        let (content, embeds) = digest(bot).await?;
        Ok(Reply::Message {
            content,
            embeds,
            buttons: refresh.into_iter().collect(),
            ephemeral: false,
        })
    })
}

/// Refresh: re-renders the digest in place while its state lives.
pub fn click<'a>(
    bot: &'a Bot,
    _interaction: &'a Interaction,
    id: &'a CustomId,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        if id.action != "refresh" || bot.state.get(&format!("{NAME}#{}", id.id)).await?.is_none() {
            return Ok(Reply::ephemeral(
                "This digest has expired; run `/status-digest` again.",
            ));
        }
        let (content, embeds) = digest(bot).await?;
        Ok(Reply::Update {
            content,
            embeds,
            buttons: vec![Button {
                label: "Refresh".to_owned(),
                custom_id: id.to_string(),
            }],
        })
    })
}

async fn digest(bot: &Bot) -> Result<(Option<String>, Vec<Embed>), BotError> {
    let Some(latest) = snapshot::latest(&bot.store).await? else {
        return Ok((
            Some("No health snapshot has been taken yet; the first is taken by the daily schedule at 09:00 UTC.".to_owned()),
            Vec::new(),
        ));
    };
    Ok((None, vec![digest_embed(&bot.store, &latest).await?]))
}

/// The digest of `latest` against the snapshots of the 7 days before its day.
pub async fn digest_embed(
    store: &rampart_store::SharedStore,
    latest: &HealthSnapshot,
) -> Result<Embed, rampart_store::StoreError> {
    let day = latest.taken_at_ms - latest.taken_at_ms.rem_euclid(86_400_000);
    let history = snapshot::between(store, day - WEEK_MS, day).await?;
    Ok(render(latest, &history))
}

/// The digest embed: each figure with an arrow against its 7-day average.
pub fn render(latest: &HealthSnapshot, history: &[HealthSnapshot]) -> Embed {
    let average = |f: fn(&HealthSnapshot) -> Option<f64>| {
        let values: Vec<f64> = history.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let line = |value: Option<f64>, avg: Option<f64>, unit: &str| match (value, avg) {
        (None, _) => "no data".to_owned(),
        (Some(v), None) => format!("{v:.1}{unit} (no 7-day history yet)"),
        (Some(v), Some(a)) => format!("{v:.1}{unit} {} (7-day avg {a:.1}{unit})", arrow(v, a)),
    };
    Embed {
        title: "Status digest".to_owned(),
        description: format!(
            "Snapshot of {} against the average of {} snapshot(s) from the previous 7 days.",
            rfc3339(latest.taken_at_ms),
            history.len()
        ),
        fields: vec![
            (
                "Latency p50".into(),
                line(
                    Some(latest.latency_p50_ms),
                    average(|s| Some(s.latency_p50_ms)),
                    " ms",
                ),
                true,
            ),
            (
                "Latency p95".into(),
                line(
                    Some(latest.latency_p95_ms),
                    average(|s| Some(s.latency_p95_ms)),
                    " ms",
                ),
                true,
            ),
            (
                "Error rate".into(),
                line(
                    Some(latest.error_rate_pct),
                    average(|s| Some(s.error_rate_pct)),
                    " %",
                ),
                true,
            ),
            (
                "Test pass rate".into(),
                line(
                    latest.test_pass_rate_pct,
                    average(|s| s.test_pass_rate_pct),
                    " %",
                ),
                true,
            ),
        ],
        footer: Some("↑ above, ↓ below, → within 5 % of the 7-day average".to_owned()),
        color: None,
    }
}

/// ↑ more than 5 % above the average, ↓ more than 5 % below, → otherwise.
pub fn arrow(value: f64, average: f64) -> &'static str {
    let tolerance = average.abs() * 0.05;
    if value > average + tolerance {
        "↑"
    } else if value < average - tolerance {
        "↓"
    } else {
        "→"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(day: i64, p50: f64, pass: Option<f64>) -> HealthSnapshot {
        HealthSnapshot {
            taken_at_ms: 1_795_338_000_000 + day * 86_400_000,
            latency_p50_ms: p50,
            latency_p95_ms: p50 * 3.0,
            error_rate_pct: 0.5,
            test_pass_rate_pct: pass,
        }
    }

    #[test]
    fn arrows_compare_with_a_5_percent_band() {
        assert_eq!(arrow(106.0, 100.0), "↑");
        assert_eq!(arrow(94.0, 100.0), "↓");
        assert_eq!(arrow(104.0, 100.0), "→");
        assert_eq!(arrow(0.0, 0.0), "→");
    }

    #[test]
    fn the_embed_shows_each_figure_against_the_average() {
        let history = [snap(-2, 100.0, Some(98.0)), snap(-1, 100.0, None)];
        let embed = render(&snap(0, 150.0, Some(90.0)), &history);
        let value = |name: &str| embed.fields.iter().find(|f| f.0 == name).unwrap().1.clone();
        assert_eq!(value("Latency p50"), "150.0 ms ↑ (7-day avg 100.0 ms)");
        assert_eq!(value("Error rate"), "0.5 % → (7-day avg 0.5 %)");
        assert_eq!(value("Test pass rate"), "90.0 % ↓ (7-day avg 98.0 %)");
        let lonely = render(&snap(0, 150.0, None), &[]);
        assert!(lonely.fields[0].1.contains("no 7-day history yet"));
        assert_eq!(lonely.fields[3].1, "no data");
    }
}
