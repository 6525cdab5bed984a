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

/// The digest embed: each figure with an arrow against its 7-day average. With the API's own
/// figures, they lead (requests, 5xx, latency, the worst route) and the probes are one line
/// "from outside"; without, the probes' figures are the digest.
pub fn render(latest: &HealthSnapshot, history: &[HealthSnapshot]) -> Embed {
    let average = |f: &dyn Fn(&HealthSnapshot) -> Option<f64>| {
        let values: Vec<f64> = history.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let line =
        |value: Option<f64>, avg: Option<f64>, unit: &str, decimals: usize| match (value, avg) {
            (None, _) => "no data".to_owned(),
            (Some(v), None) => format!("{v:.decimals$}{unit} (no 7-day history yet)"),
            (Some(v), Some(a)) => format!(
                "{v:.decimals$}{unit} {} (7-day avg {a:.decimals$}{unit})",
                arrow(v, a)
            ),
        };
    let mut fields = Vec::new();
    let probes = [
        ("Latency p50", latest.latency_p50_ms, " ms", {
            average(&|s| Some(s.latency_p50_ms))
        }),
        ("Latency p95", latest.latency_p95_ms, " ms", {
            average(&|s| Some(s.latency_p95_ms))
        }),
        ("Error rate", latest.error_rate_pct, " %", {
            average(&|s| Some(s.error_rate_pct))
        }),
    ];
    match &latest.traffic {
        Some(traffic) => {
            let of = |f: fn(&crate::snapshot::Traffic) -> f64| {
                average(&move |s: &HealthSnapshot| s.traffic.as_ref().map(f))
            };
            let figures = [
                (
                    "Requests",
                    traffic.requests as f64,
                    "",
                    of(|t| t.requests as f64),
                    0,
                ),
                (
                    "5xx",
                    traffic.server_error_pct,
                    " %",
                    of(|t| t.server_error_pct),
                    1,
                ),
                ("API p50", traffic.p50_ms, " ms", of(|t| t.p50_ms), 1),
                ("API p95", traffic.p95_ms, " ms", of(|t| t.p95_ms), 1),
            ];
            for (name, value, unit, avg, decimals) in figures {
                fields.push((
                    name.to_owned(),
                    line(Some(value), avg, unit, decimals),
                    true,
                ));
            }
            fields.push((
                "Worst route".to_owned(),
                traffic
                    .worst_route
                    .clone()
                    .unwrap_or_else(|| "none (no requests)".to_owned()),
                true,
            ));
            let outside: Vec<String> = probes
                .iter()
                .map(|(name, value, unit, _)| format!("{name} {value:.1}{unit}"))
                .collect();
            fields.push((
                "From outside (probes)".to_owned(),
                outside.join(", "),
                false,
            ));
        }
        None => {
            for (name, value, unit, avg) in probes {
                fields.push((name.to_owned(), line(Some(value), avg, unit, 1), true));
            }
        }
    }
    fields.push((
        "Test pass rate".into(),
        line(
            latest.test_pass_rate_pct,
            average(&|s| s.test_pass_rate_pct),
            " %",
            1,
        ),
        true,
    ));
    Embed {
        title: "Status digest".to_owned(),
        description: format!(
            "Snapshot of {} against the average of {} snapshot(s) from the previous 7 days.",
            rfc3339(latest.taken_at_ms),
            history.len()
        ),
        fields,
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
            traffic: None,
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

    #[test]
    fn with_the_apis_figures_they_lead_and_the_probes_are_one_line() {
        let traffic = |requests: u64, errors: f64| crate::snapshot::Traffic {
            requests,
            server_error_pct: errors,
            p50_ms: 12.0,
            p95_ms: 80.0,
            worst_route: Some("internal-tests-ingest".to_owned()),
        };
        let mut earlier = snap(-1, 100.0, None);
        earlier.traffic = Some(traffic(1_000, 0.5));
        let mut today = snap(0, 150.0, Some(90.0));
        today.traffic = Some(traffic(1_500, 2.0));
        let embed = render(&today, &[earlier]);
        let names: Vec<&str> = embed.fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "Requests",
                "5xx",
                "API p50",
                "API p95",
                "Worst route",
                "From outside (probes)",
                "Test pass rate"
            ]
        );
        assert_eq!(embed.fields[0].1, "1500 ↑ (7-day avg 1000)");
        assert_eq!(embed.fields[1].1, "2.0 % ↑ (7-day avg 0.5 %)");
        assert_eq!(embed.fields[4].1, "internal-tests-ingest");
        assert_eq!(
            embed.fields[5].1,
            "Latency p50 150.0 ms, Latency p95 450.0 ms, Error rate 0.5 %"
        );
    }
}
