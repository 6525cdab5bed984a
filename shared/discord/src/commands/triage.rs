//! `/triage`: what needs someone now, in one embed within Discord's limits: open urgent and
//! high tickets, firing alerts, flaky-test candidates and the riskiest open PRs (a delivery
//! that closes or merges a PR takes it off the list).

use rampart_content::tickets::Tickets;

use crate::bot::{Bot, BotError};
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::reply::{Embed, Reply};

/// Lines per section (fields hold 1,024 characters).
const SHOWN: usize = 5;

fn section(lines: Vec<String>, total: usize, none: &str) -> String {
    if lines.is_empty() {
        return none.to_owned();
    }
    let mut text = lines.join("\n");
    if total > lines.len() {
        text.push_str(&format!("\n… and {} more", total - lines.len()));
    }
    text
}

pub fn run<'a>(bot: &'a Bot, _interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        // Open urgent tickets, then high ones, oldest first: bounded queries of the ticket
        // index and one counter read, however many tickets there are.
        let pressing = Tickets::new(bot.store.clone())
            .pressing(SHOWN as u32)
            .await
            .map_err(|e| BotError::Handoff(format!("tickets: {e}")))?;
        let ticket_lines = pressing
            .tickets
            .iter()
            .take(SHOWN)
            .map(|t| {
                format!(
                    "**{:?}** {} (since {})",
                    t.priority,
                    t.subject,
                    &t.created_at[..10.min(t.created_at.len())]
                )
            })
            .collect();
        let (firing, _) = rampart_ops::alerts::history(&bot.store, "firing", 50, None).await?;
        let alert_lines = firing
            .iter()
            .take(SHOWN)
            .map(|a| {
                let name = a.labels.get("alertname").map_or("alert", String::as_str);
                let severity = a.labels.get("severity").map_or("-", String::as_str);
                format!("**{name}** ({severity}) since {}", a.starts_at)
            })
            .collect();
        let mut flaky = rampart_ops::flaky::history::candidates(&bot.store, 10).await?;
        flaky.sort_by(|a, b| b.flip_rate.total_cmp(&a.flip_rate));
        let flaky_lines = flaky
            .iter()
            .take(SHOWN)
            .map(|c| {
                format!(
                    "`{}` {:.0} % failing, {:.0} % flips over {} runs",
                    c.test_name,
                    c.failure_rate * 100.0,
                    c.flip_rate * 100.0,
                    c.runs
                )
            })
            .collect();
        let prs = rampart_ops::pr_intel::riskiest(&bot.store, SHOWN as u32).await?;
        let pr_lines = prs
            .iter()
            .map(|p| {
                format!(
                    "#{} **{}** risk {} ({} file{}, {} sensitive) by {}",
                    p.pr_number,
                    p.title,
                    p.risk_score,
                    p.changed_files_count,
                    if p.changed_files_count == 1 { "" } else { "s" },
                    p.sensitive_paths_count,
                    p.author
                )
            })
            .collect();
        let embed = Embed {
            title: "Triage".to_owned(),
            description: "What needs someone now.".to_owned(),
            fields: vec![
                (
                    format!("Open urgent and high tickets ({})", pressing.total),
                    section(
                        ticket_lines,
                        usize::try_from(pressing.total).unwrap_or(usize::MAX),
                        "None.",
                    ),
                    false,
                ),
                (
                    format!("Firing alerts ({})", firing.len()),
                    section(alert_lines, firing.len(), "None."),
                    false,
                ),
                (
                    format!("Flaky-test candidates ({})", flaky.len()),
                    section(flaky_lines, flaky.len(), "None."),
                    false,
                ),
                (
                    "Riskiest open PRs".to_owned(),
                    section(pr_lines, prs.len(), "None open."),
                    false,
                ),
            ],
            footer: None,
            color: None,
        };
        Ok(Reply::Message {
            content: None,
            embeds: vec![embed],
            buttons: Vec::new(),
            ephemeral: true,
        })
    })
}
