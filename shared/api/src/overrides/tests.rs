use std::sync::Arc;

use rampart_audit::{AuditFilter, AuditLog, StoredEvent};
use rampart_store::testing::Fixture;

use super::*;

fn overrides(off: &[&str], limits: Option<&str>) -> Overrides {
    Overrides {
        features_off: off.iter().map(|f| (*f).to_owned()).collect(),
        rate_limits: limits.map(str::to_owned),
    }
}

/// A cold start of `function` with `overrides`: the warm-up read, then the note.
async fn start(fixture: &Fixture, function: &str, with: &Overrides) -> Option<Change> {
    let audit = AuditLog::new(fixture.store.clone(), fixture.clock.clone(), 30);
    let seen = Seen::read(&fixture.store).await.unwrap();
    note(
        &fixture.store,
        &audit,
        &*fixture.clock,
        function,
        with,
        seen,
        true,
    )
    .await
    .unwrap()
}

async fn recorded(fixture: &Fixture) -> Vec<StoredEvent> {
    let filter = AuditFilter {
        event: Some(CHANGED.to_owned()),
        ..AuditFilter::default()
    };
    rampart_audit::query::query(&fixture.store, &filter, 50, None)
        .await
        .unwrap()
        .0
}

#[test]
fn overrides_come_from_the_flags_and_the_limits_whatever_their_spacing() {
    let mut config = Config::local();
    config.set_enabled(Feature::Rbac, false);
    config.set_enabled(Feature::PrIntel, false);
    config.rate_limit_overrides =
        Some(r#" { "writes:viewer": {"max": 60, "window_secs": 60} } "#.into());
    let read = Overrides::of(&config);
    assert_eq!(read.features_off, ["pr_intel", "rbac"]);
    config.rate_limit_overrides = Some(r#"{"writes:viewer":{"window_secs":60,"max":60}}"#.into());
    assert_eq!(Overrides::of(&config).digest(), read.digest());
    // No overrides at all, or an empty object, are the defaults.
    let mut plain = Config::local();
    assert_eq!(Overrides::of(&plain), Overrides::default());
    plain.rate_limit_overrides = Some(" {} ".into());
    assert_eq!(Overrides::of(&plain), Overrides::default());
}

#[tokio::test]
async fn a_stack_update_is_recorded_once_by_the_first_function_to_start_with_it() {
    let fixture = rampart_store::testing::embedded().await;
    // The first deployment, with the defaults: nothing to report.
    for function in ["auth-login", "account-get"] {
        assert_eq!(start(&fixture, function, &Overrides::default()).await, None);
    }
    assert!(recorded(&fixture).await.is_empty());
    // The stack is updated: RBAC off, the viewers' writes limited differently.
    fixture.clock.advance_secs(3_600);
    let updated = overrides(&["rbac"], Some(r#"{"writes:viewer":{"max":60}}"#));
    let change = start(&fixture, "account-get", &updated).await.unwrap();
    assert_eq!(change.before, Overrides::default());
    assert_eq!(change.after, updated);
    // The other functions note theirs and report nothing.
    assert_eq!(start(&fixture, "auth-login", &updated).await, None);
    assert_eq!(start(&fixture, "projects-list", &updated).await, None);
    let events = recorded(&fixture).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(event.category, "configuration");
    assert_eq!(event.actor.as_deref(), Some("system:deployment"));
    assert_eq!(event.target.as_deref(), Some("function:account-get"));
    assert_eq!(event.details["features_switched_off"], "rbac");
    assert_eq!(event.details["features_switched_on"], "");
    assert_eq!(event.details["rate_limits_before"], "none");
    assert_eq!(
        event.details["rate_limits_after"],
        r#"{"writes:viewer":{"max":60}}"#
    );
    // Switched back on: recorded again, the other way round; the limits unchanged are not named.
    let back = overrides(&[], Some(r#"{"writes:viewer":{"max":60}}"#));
    let change = start(&fixture, "auth-login", &back).await.unwrap();
    assert_eq!(change.before, updated);
    let events = recorded(&fixture).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].details["features_switched_on"], "rbac");
    assert!(!events[0].details.contains_key("rate_limits_after"));
}

#[tokio::test]
async fn a_start_with_the_same_overrides_writes_nothing() {
    let fixture = rampart_store::testing::embedded().await;
    let with = overrides(&["schema_diff"], None);
    // A new deployment with a flag off differs from the defaults: recorded.
    assert!(start(&fixture, "health", &with).await.is_some());
    let before = fixture.store.round_trips();
    assert_eq!(start(&fixture, "health", &with).await, None);
    // The warm-up read, and no write.
    assert_eq!(fixture.store.round_trips() - before, 1);
    assert_eq!(recorded(&fixture).await.len(), 1);
}

#[tokio::test]
async fn one_function_changed_by_hand_is_recorded_at_its_first_start_not_at_each() {
    let fixture = rampart_store::testing::embedded().await;
    let fleet = Overrides::default();
    for function in ["auth-login", "account-get"] {
        start(&fixture, function, &fleet).await;
    }
    let by_hand = overrides(&["csrf"], None);
    assert!(start(&fixture, "auth-login", &by_hand).await.is_some());
    // Its next starts, and the other functions' starts, change nothing.
    assert_eq!(start(&fixture, "auth-login", &by_hand).await, None);
    assert_eq!(start(&fixture, "account-get", &fleet).await, None);
    assert_eq!(start(&fixture, "auth-login", &by_hand).await, None);
    assert_eq!(recorded(&fixture).await.len(), 1);
}

#[tokio::test]
async fn two_functions_starting_at_once_with_an_update_record_it_once() {
    let fixture = rampart_store::testing::embedded().await;
    let audit = AuditLog::new(fixture.store.clone(), fixture.clock.clone(), 30);
    let updated = overrides(&["two_factor"], None);
    // Both read before either wrote.
    let first = Seen::read(&fixture.store).await.unwrap();
    let second = first.clone();
    let clock: Arc<dyn Clock> = fixture.clock.clone();
    let a = note(
        &fixture.store,
        &audit,
        &*clock,
        "auth-login",
        &updated,
        first,
        true,
    )
    .await
    .unwrap();
    let b = note(
        &fixture.store,
        &audit,
        &*clock,
        "account-get",
        &updated,
        second,
        true,
    )
    .await
    .unwrap();
    assert!(a.is_some());
    // The second found the item changed, read it again and saw the update recorded.
    assert_eq!(b, None);
    assert_eq!(recorded(&fixture).await.len(), 1);
    let seen = Seen::read(&fixture.store).await.unwrap();
    assert!(seen.unchanged("account-get", &updated));
    assert!(seen.unchanged("auth-login", &updated));
}
