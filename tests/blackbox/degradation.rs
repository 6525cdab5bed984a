//! Automatic degradation: a feature whose dependency fails is switched off after the policy's
//! share of failures (its routes then answer `503 feature_disabled` with `Retry-After` at
//! once, without touching the dependency), the switch is audited, and an admin switches it
//! back on from Discord or the API.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_core::Clock;
use rampart_discord::TestKeyPair;
use serde_json::{Value, json};

const ADMIN_ROLE: &str = "999999999999999999";

async fn ingest(admin: &Browser) -> reqwest::Response {
    let runs = json!({"suite": "api", "runs": [
        {"test_name": "checkout", "status": "passed", "run_at": "2026-11-22T08:00:00Z"}
    ]});
    admin
        .send(Method::POST, "/internal/tests/ingest", Some(runs))
        .await
}

async fn restore_from_discord(app: &TestApp, keys: &TestKeyPair) -> Value {
    let body = json!({
        "type": 2,
        "id": rampart_core::ids::new_id(),
        "application_id": "1457469483726668048",
        "token": "interaction-token",
        "version": 1,
        "guild_id": "1457468924290662599",
        "member": {"user": {"id": "1033044521375764530"}, "roles": [ADMIN_ROLE], "permissions": "0"},
        "data": {"name": "restore-feature", "type": 1, "options": [
            {"name": "feature", "type": 3, "value": "flaky_detector"}
        ]},
    })
    .to_string();
    let ts = app.clock.now_secs().to_string();
    let request = http::Request::builder()
        .method("POST")
        .uri("/discord/interactions")
        .header("content-type", "application/json")
        .header("x-signature-timestamp", &ts)
        .header("x-signature-ed25519", keys.sign(&ts, body.as_bytes()))
        .body(Bytes::from(body))
        .unwrap();
    let response = app.app.handle(request).await;
    assert_eq!(response.status(), 200);
    serde_json::from_slice(response.body()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_dependency_switches_its_feature_off_until_an_admin_switches_it_back() {
    let (fixture, failing) = rampart_blackbox_tests::intel_throttled().await;
    let keys = TestKeyPair::generate().unwrap();
    let public = keys.public_key().to_hex();
    let app = TestApp::builder()
        .fixture(fixture)
        .config(|c| {
            c.discord_public_key = Some(public);
            c.admin_role_ids = vec![ADMIN_ROLE.to_owned()];
        })
        .spawn()
        .await;
    let (admin, admin_id) = app.signed_in("degradation-admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    assert_eq!(ingest(&admin).await.status(), 200);

    for round in 0..2 {
        // The intel table throttles every write: each ingest fails, slowly, with a 503. (The
        // successes before are out of the window by then.)
        let policy = rampart_core::DegradationPolicy::default();
        app.clock.advance_secs(policy.window_secs as i64);
        failing.store(true, Ordering::SeqCst);
        for _ in 0..policy.min_requests {
            let failed = ingest(&admin).await;
            assert_eq!(failed.status(), 503);
            let problem: Value = failed.json().await.unwrap();
            assert_eq!(problem["code"], "service_unavailable");
        }
        // Switched off: answered at once, without the dependency, until an admin says so.
        let off = ingest(&admin).await;
        assert_eq!(off.status(), 503);
        assert_eq!(
            off.headers()["retry-after"],
            policy.retry_after_secs.to_string().as_str()
        );
        let problem: Value = off.json().await.unwrap();
        assert_eq!(problem["code"], "feature_disabled");
        failing.store(false, Ordering::SeqCst);
        assert_eq!(ingest(&admin).await.status(), 503, "still off");
        let listed: Value = admin
            .send(Method::GET, "/api/v1/admin/features", None)
            .await
            .json()
            .await
            .unwrap();
        let flaky = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["feature"] == "flaky_detector")
            .unwrap()
            .clone();
        assert_eq!(flaky["enabled"], true);
        assert_eq!(flaky["degraded"]["errors"], policy.min_requests);
        // Audited as a configuration change made by the monitor itself.
        let switched = app.audited("configuration.feature_auto_disabled").await;
        assert_eq!(switched.len(), round + 1);

        // Switched back on: from Discord the first time, through the API the second.
        if round == 0 {
            let answer = restore_from_discord(&app, &keys).await;
            assert!(
                answer["data"]["content"]
                    .as_str()
                    .unwrap()
                    .contains("is back on"),
                "{answer}"
            );
        } else {
            let path = "/api/v1/admin/features/flaky_detector/degradation";
            assert_eq!(admin.status(Method::DELETE, path).await, 204);
            assert_eq!(admin.status(Method::DELETE, path).await, 204, "already on");
            let unknown = "/api/v1/admin/features/two_factor/degradation";
            assert_eq!(admin.status(Method::DELETE, unknown).await, 404);
        }
        assert_eq!(
            app.audited("configuration.feature_restored").await.len(),
            round + 1,
            "only a change is recorded"
        );
        // Every function instance sees it within its 30-second cache.
        app.clock.advance_ms(rampart_api::degradation::CACHE_MS);
        assert_eq!(ingest(&admin).await.status(), 200);
    }
    app.stop().await;
}
