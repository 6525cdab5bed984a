//! The state store: values with a TTL and a consume-once read, on both store adapters.

use std::sync::Arc;

use rampart_discord::state::StateStore;
use rampart_store::testing::Fixture;
use serde_json::json;

fn states(f: &Fixture) -> StateStore {
    StateStore::new(f.store.clone(), f.clock.clone())
}

async fn values_live_until_their_ttl(f: Fixture) {
    let s = states(&f);
    s.put("ship#r1", &json!({"env": "prod"}), 60).await.unwrap();
    assert_eq!(
        s.get("ship#r1").await.unwrap(),
        Some(json!({"env": "prod"}))
    );
    f.clock.advance_secs(61);
    assert_eq!(s.get("ship#r1").await.unwrap(), None);
    s.put("ship#r2", &json!(1), 60).await.unwrap();
    s.delete("ship#r2").await.unwrap();
    assert_eq!(s.get("ship#r2").await.unwrap(), None);
}

async fn a_decision_is_consumed_exactly_once(f: Fixture) {
    let s = Arc::new(states(&f));
    s.put("ship#decide", &json!({"release": "01J"}), 3600)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.consume("ship#decide").await }));
    }
    let mut winners = 0;
    for task in tasks {
        if let Some(value) = task.await.unwrap().unwrap() {
            assert_eq!(value, json!({"release": "01J"}));
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "two clicks can never both apply");
    assert_eq!(s.consume("ship#decide").await.unwrap(), None);
}

async fn an_expired_decision_cannot_be_consumed(f: Fixture) {
    let s = states(&f);
    s.put("ship#late", &json!(true), 10).await.unwrap();
    f.clock.advance_secs(11);
    assert_eq!(s.consume("ship#late").await.unwrap(), None);
}

rampart_store::both_adapters!(
    values_live_until_their_ttl,
    a_decision_is_consumed_exactly_once,
    an_expired_decision_cannot_be_consumed,
);
