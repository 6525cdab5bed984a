use super::*;

fn measured(p95_ms: f64, error_rate_pct: f64) -> Measured {
    Measured {
        probes: 5,
        p50_ms: p95_ms / 2.0,
        p95_ms,
        error_rate_pct,
    }
}

#[test]
fn a_verification_over_a_threshold_or_with_a_failed_journey_recommends_rollback() {
    let limits = Thresholds::default();
    let good = Verification::judge(measured(200.0, 0.0), Some((true, 90, None)), &limits);
    assert!(good.passed());
    let slow = Verification::judge(measured(2_000.0, 0.0), None, &limits);
    assert_eq!(slow.failures, ["p95 2000 ms is over 1500 ms"]);
    let failing = Verification::judge(measured(100.0, 20.0), None, &limits);
    assert_eq!(failing.failures, ["error rate 20.0 % is over 1.0 %"]);
    let journey = Verification::judge(
        measured(100.0, 0.0),
        Some((false, 50, Some("upload media".into()))),
        &limits,
    );
    assert_eq!(
        journey.failures,
        ["the synthetic journey failed at upload media"]
    );
    let mut release = Release {
        id: "R".into(),
        env: "prod".into(),
        strategy: "canary".into(),
        requested_by: "1".into(),
        status: Status::AwaitingDecision,
        deployed: None,
        versions: BTreeMap::new(),
        verification: Some(journey),
        history: Vec::new(),
    };
    let shown = embed(&release).to_json().to_string();
    assert!(
        shown.contains("Roll back: the synthetic journey failed at upload media."),
        "{shown}"
    );
    release.verification = Some(good);
    assert!(
        embed(&release)
            .to_json()
            .to_string()
            .contains("Promote: the verification passed.")
    );
    let ids: Vec<String> = decision_buttons("R")
        .into_iter()
        .map(|b| b.custom_id)
        .collect();
    assert_eq!(ids, ["ship:promote:R", "ship:rollback:R", "ship:details:R"]);
}
