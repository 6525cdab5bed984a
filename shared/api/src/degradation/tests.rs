use std::sync::Arc;

use rampart_audit::AuditLog;

use super::*;

fn policy() -> DegradationPolicy {
    DegradationPolicy {
        error_pct: 50,
        min_requests: 10,
        window_secs: 60,
        retry_after_secs: 30,
    }
}

#[test]
fn names_are_the_flags_without_their_suffix() {
    assert_eq!(name(Feature::PrIntel), "pr_intel");
    assert_eq!(name(Feature::SyntheticJourney), "synthetic_journey");
    assert_eq!(by_name("schema_diff"), Some(Feature::SchemaDiff));
    assert_eq!(
        by_name("two_factor"),
        None,
        "security features never degrade"
    );
    assert!(!degradable(Feature::TwoFactor));
}

#[tokio::test]
async fn a_feature_switches_off_once_its_window_crosses_the_policy_and_back_on_when_restored() {
    let fixture = rampart_store::testing::embedded().await;
    let audit = AuditLog::new(fixture.store.clone(), fixture.clock.clone(), 30);
    let monitor = Degradation::new(policy());
    let clock: Arc<dyn Clock> = fixture.clock.clone();
    let observe = |failed: bool| {
        monitor.observe(
            &fixture.store,
            &*clock,
            &audit,
            "req-1",
            Feature::FlakyDetector,
            failed,
        )
    };
    // Failures below the minimum count of answers judge nothing.
    for _ in 0..9 {
        assert_eq!(observe(true).await, Verdict::Healthy);
    }
    // Answers older than the window no longer count.
    fixture.clock.advance_secs(61);
    for _ in 0..5 {
        assert_eq!(observe(false).await, Verdict::Healthy);
    }
    for _ in 0..4 {
        assert_eq!(observe(true).await, Verdict::Healthy);
    }
    // The tenth answer in the window, the fifth failure: half failed.
    let Verdict::SwitchedOff(degraded) = observe(true).await else {
        panic!("switched off at 5 of 10");
    };
    assert_eq!((degraded.requests, degraded.errors), (10, 5));
    let stored = read(&fixture.store, Feature::FlakyDetector).await.unwrap();
    assert_eq!(stored, Some(degraded.clone()));
    assert_eq!(
        monitor
            .switched_off(&fixture.store, &*clock, Feature::FlakyDetector)
            .await,
        Some(degraded)
    );
    // Other features are unaffected.
    assert_eq!(
        monitor
            .switched_off(&fixture.store, &*clock, Feature::PrIntel)
            .await,
        None
    );
    // Restored: gone from the store at once, from an instance's view within the cache time.
    assert!(
        restore(&fixture.store, Feature::FlakyDetector)
            .await
            .unwrap()
    );
    assert!(
        !restore(&fixture.store, Feature::FlakyDetector)
            .await
            .unwrap()
    );
    assert!(
        monitor
            .switched_off(&fixture.store, &*clock, Feature::FlakyDetector)
            .await
            .is_some()
    );
    fixture.clock.advance_ms(CACHE_MS);
    assert_eq!(
        monitor
            .switched_off(&fixture.store, &*clock, Feature::FlakyDetector)
            .await,
        None
    );
}

#[tokio::test]
async fn a_second_instance_tripping_at_once_leaves_the_first_ones_record() {
    let fixture = rampart_store::testing::embedded().await;
    let audit = AuditLog::new(fixture.store.clone(), fixture.clock.clone(), 30);
    let clock: Arc<dyn Clock> = fixture.clock.clone();
    let (first, second) = (Degradation::new(policy()), Degradation::new(policy()));
    let mut verdicts = Vec::new();
    for monitor in [&first, &second] {
        for _ in 0..9 {
            monitor
                .observe(&fixture.store, &*clock, &audit, "r", Feature::PrIntel, true)
                .await;
        }
        verdicts.push(
            monitor
                .observe(&fixture.store, &*clock, &audit, "r", Feature::PrIntel, true)
                .await,
        );
    }
    assert!(matches!(verdicts[0], Verdict::SwitchedOff(_)));
    assert_eq!(verdicts[1], Verdict::Healthy);
    // The loser learnt the state from the refused write: it answers 503 at once too.
    assert!(
        second
            .switched_off(&fixture.store, &*clock, Feature::PrIntel)
            .await
            .is_some()
    );
    // Switched off with automatic degradation off: never.
    let off = Degradation::new(DegradationPolicy {
        error_pct: 0,
        ..policy()
    });
    for _ in 0..50 {
        assert_eq!(
            off.observe(
                &fixture.store,
                &*clock,
                &audit,
                "r",
                Feature::SchemaDiff,
                true
            )
            .await,
            Verdict::Healthy
        );
    }
}

#[test]
fn discord_offers_exactly_the_features_that_degrade() {
    let offered: Vec<&str> = rampart_discord::registry::FEATURES
        .iter()
        .map(|c| c.value)
        .collect();
    let degrading: Vec<String> = DEGRADABLE.iter().map(|f| name(*f)).collect();
    assert_eq!(offered, degrading);
}
