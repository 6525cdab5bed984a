//! How a release looks in Discord: its embed and the buttons of a pending decision.

use super::*;

/// The release embed: deploy, verification, recommendation, and the decision when taken.
pub fn embed(release: &Release) -> Embed {
    let mut fields = vec![(
        "Deploy".to_owned(),
        release.deployed.clone().unwrap_or_else(|| "-".to_owned()),
        false,
    )];
    if let Some(v) = &release.verification {
        fields.push((
            "Latency".to_owned(),
            format!("p50 {:.0} ms, p95 {:.0} ms", v.p50_ms, v.p95_ms),
            true,
        ));
        fields.push((
            "Error rate".to_owned(),
            format!("{:.1} % of {} probes", v.error_rate_pct, v.probes),
            true,
        ));
        fields.push((
            "Synthetic journey".to_owned(),
            match (v.journey_passed, &v.journey_failed_step) {
                (Some(true), _) => format!("passed in {} ms", v.journey_ms.unwrap_or(0)),
                (Some(false), step) => {
                    format!("failed at {}", step.as_deref().unwrap_or("a step"))
                }
                (None, _) => "not run".to_owned(),
            },
            true,
        ));
        fields.push((
            "Recommendation".to_owned(),
            if v.passed() {
                "Promote: the verification passed.".to_owned()
            } else {
                format!("Roll back: {}.", v.failures.join("; "))
            },
            false,
        ));
    }
    Embed {
        title: format!(
            "Release {} → {} ({})",
            release.id, release.env, release.strategy
        ),
        description: format!(
            "{:?} · asked by <@{}>",
            release.status, release.requested_by
        )
        .replace("AwaitingDecision", "Awaiting a decision"),
        fields,
        footer: Some(format!("correlation id {}", release.id)),
        color: Some(
            match release.verification.as_ref().map(Verification::passed) {
                Some(true) => 0x2e_cc71,
                Some(false) => 0xe7_4c3c,
                None => 0x95_a5a6,
            },
        ),
    }
}

/// The buttons of a release awaiting its decision.
pub fn decision_buttons(release_id: &str) -> Vec<Button> {
    [
        ("Promote", "promote"),
        ("Rollback", "rollback"),
        ("Details", "details"),
    ]
    .into_iter()
    .filter_map(|(label, action)| {
        crate::CustomId::new("ship", action, release_id).map(|id| Button {
            label: label.to_owned(),
            custom_id: id.to_string(),
        })
    })
    .collect()
}
