//! PR intelligence: ingest signed like GitHub webhooks (real HMACs), read back with an API
//! key or an admin's token.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_core::Feature;
use rampart_ops::signature::sign;
use serde_json::{Value, json};

const SECRET: &str = "pr-intel-test-secret";

async fn app_with(change: impl FnOnce(&mut rampart_core::Config) + 'static) -> TestApp {
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.pr_intel_webhook_secret = Some(SECRET.to_owned().into());
    TestApp::builder()
        .secrets(secrets)
        .config(change)
        .spawn()
        .await
}

async fn app() -> TestApp {
    app_with(|_| {}).await
}

fn body(pr: u64, files: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "pr_number": pr,
        "title": "Rotate signing keys",
        "author": "ada",
        "changed_files": files,
        "additions": 120,
        "deletions": 40,
    }))
    .unwrap()
}

async fn ingest(app: &TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.at("/internal/pr-intel/ingest"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        req = req.header("x-hub-signature-256", signature);
    }
    req.send().await.unwrap()
}

async fn code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// An API key holding `permission`, made by an admin.
async fn api_key(app: &TestApp, permission: &str) -> String {
    let (admin, id) = app
        .signed_in(&format!("admin-{permission}@example.com").replace([':', '*'], "-"))
        .await;
    app.promote_to_admin(&id).await;
    let created: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": [permission]})),
        )
        .await
        .json()
        .await
        .unwrap();
    created["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_signed_pr_is_scored_and_read_back_with_an_api_key() {
    let app = app().await;
    let files = ["shared/auth/src/keyring.rs", "README.md", "Cargo.lock"];
    let payload = body(42, &files);
    let response = ingest(&app, &payload, Some(sign(SECRET.as_bytes(), &payload))).await;
    assert_eq!(response.status(), 200);
    let record: Value = response.json().await.unwrap();
    assert_eq!(record["changed_files_count"], 3);
    assert_eq!(record["sensitive_paths_count"], 2);
    // 3 files + 160 lines / 20 + 2 sensitive × 15
    assert_eq!(record["risk_score"], 3 + 8 + 30);

    let key = api_key(&app, "internal:read").await;
    let read = app
        .client
        .get(app.at("/internal/pr-intel/42"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let stored: Value = read.json().await.unwrap();
    assert_eq!(stored, record);

    // Re-ingesting the PR updates it.
    let smaller = body(42, &["README.md"]);
    let again = ingest(&app, &smaller, Some(sign(SECRET.as_bytes(), &smaller))).await;
    assert_eq!(again.status(), 200);
    let stored: Value = app
        .client
        .get(app.at("/internal/pr-intel/42"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["changed_files_count"], 1);
    assert_eq!(stored["sensitive_paths_count"], 0);
}

#[tokio::test]
async fn a_captured_delivery_replayed_later_does_not_revert_the_record() {
    let app = app().await;
    let key = api_key(&app, "internal:read").await;
    let stored_files = || async {
        let stored: Value = app
            .client
            .get(app.at("/internal/pr-intel/7"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stored["changed_files_count"].clone()
    };
    let first = body(7, &["shared/auth/src/keyring.rs", "infra/x.tf"]);
    let first_signature = sign(SECRET.as_bytes(), &first);
    let later = body(7, &["README.md"]);
    assert_eq!(
        ingest(&app, &first, Some(first_signature.clone()))
            .await
            .status(),
        200
    );
    // A retry of the current delivery changes nothing and answers the record.
    let retry = ingest(&app, &first, Some(first_signature.clone())).await;
    assert_eq!(retry.status(), 200);
    let retried: Value = retry.json().await.unwrap();
    assert_eq!(retried["changed_files_count"], 2);
    assert_eq!(
        ingest(&app, &later, Some(sign(SECRET.as_bytes(), &later)))
            .await
            .status(),
        200
    );
    assert_eq!(stored_files().await, 1);

    // The attacker replays the first delivery, signature and all.
    let replay = ingest(&app, &first, Some(first_signature)).await;
    assert_eq!(code(replay).await, (409, "replayed_delivery".to_owned()));
    assert_eq!(stored_files().await, 1, "the record is not reverted");
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_altered_bodies_are_refused() {
    let app = app().await;
    let payload = body(7, &["src/main.rs"]);
    assert_eq!(
        code(ingest(&app, &payload, None).await).await,
        (401, "unauthenticated".into())
    );
    let wrong = sign(b"another secret", &payload);
    assert_eq!(
        code(ingest(&app, &payload, Some(wrong)).await).await,
        (401, "invalid_signature".into())
    );
    let signature = sign(SECRET.as_bytes(), &payload);
    let mut altered = payload.clone();
    let at = altered.iter().position(|&b| b == b'7').unwrap();
    altered[at] = b'8';
    assert_eq!(
        code(ingest(&app, &altered, Some(signature.clone())).await).await,
        (401, "invalid_signature".into())
    );
    // Signed but malformed or invalid bodies are 400s, never 5xx.
    let junk = b"{not json".to_vec();
    let signed_junk = sign(SECRET.as_bytes(), &junk);
    assert_eq!(
        code(ingest(&app, &junk, Some(signed_junk)).await).await,
        (400, "invalid_json".into())
    );
    let invalid = serde_json::to_vec(&json!({"pr_number": 0, "title": "", "author": "a", "changed_files": [], "additions": 0, "deletions": 0})).unwrap();
    let signed = sign(SECRET.as_bytes(), &invalid);
    assert_eq!(
        code(ingest(&app, &invalid, Some(signed)).await).await,
        (400, "validation_failed".into())
    );
}

#[tokio::test]
async fn a_short_webhook_secret_is_not_used() {
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.pr_intel_webhook_secret = Some("short".to_owned().into());
    let app = TestApp::builder().secrets(secrets).spawn().await;
    let payload = body(3, &["src/main.rs"]);
    // Whoever guessed the five bytes could sign; the route refuses to run on such a key.
    let signed = sign(b"short", &payload);
    assert_eq!(
        code(ingest(&app, &payload, Some(signed)).await).await,
        (503, "service_unavailable".into())
    );
}

#[tokio::test]
async fn reading_needs_an_internal_key_or_an_admin() {
    let app = app().await;
    let payload = body(9, &["src/lib.rs"]);
    ingest(&app, &payload, Some(sign(SECRET.as_bytes(), &payload))).await;
    let anonymous = app
        .client
        .get(app.at("/internal/pr-intel/9"))
        .send()
        .await
        .unwrap();
    assert_eq!(code(anonymous).await, (401, "unauthenticated".into()));
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let response = viewer.send(Method::GET, "/internal/pr-intel/9", None).await;
    assert_eq!(code(response).await, (403, "forbidden".into()));
    let (admin, id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&id).await;
    assert_eq!(admin.status(Method::GET, "/internal/pr-intel/9").await, 200);
    let missing = admin.send(Method::GET, "/internal/pr-intel/10", None).await;
    assert_eq!(code(missing).await, (404, "not_found".into()));
    let bad = admin
        .send(Method::GET, "/internal/pr-intel/abc", None)
        .await;
    assert_eq!(code(bad).await, (400, "validation_failed".into()));
}

#[tokio::test]
async fn with_the_flag_off_both_routes_are_gone() {
    let app = app_with(|c| c.set_enabled(Feature::PrIntel, false)).await;
    let payload = body(1, &["a"]);
    let response = ingest(&app, &payload, Some(sign(SECRET.as_bytes(), &payload))).await;
    assert_eq!(code(response).await, (404, "feature_disabled".into()));
    let get = app
        .client
        .get(app.at("/internal/pr-intel/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(code(get).await, (404, "feature_disabled".into()));
}

#[tokio::test]
async fn the_sensitive_path_list_is_configuration() {
    let app = app_with(|c| c.pr_intel_sensitive_paths = Some(vec!["docs/**".into()])).await;
    let payload = body(3, &["docs/intro.md", "shared/auth/src/lib.rs"]);
    let record: Value = ingest(&app, &payload, Some(sign(SECRET.as_bytes(), &payload)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["sensitive_paths"], json!(["docs/intro.md"]));
}

#[tokio::test]
async fn integers_written_with_a_decimal_point_are_read_as_integers() {
    let app = app().await;
    let payload = serde_json::to_vec(&json!({
        "pr_number": 77.0, "title": "Float-shaped numbers", "author": "ada",
        "changed_files": ["src/lib.rs"], "additions": 3.0, "deletions": 1e1,
    }))
    .unwrap();
    let response = ingest(&app, &payload, Some(sign(SECRET.as_bytes(), &payload))).await;
    assert_eq!(response.status(), 200);
    let record: Value = response.json().await.unwrap();
    assert_eq!(
        (
            &record["pr_number"],
            &record["additions"],
            &record["deletions"]
        ),
        (&json!(77), &json!(3), &json!(10))
    );
    let fraction = serde_json::to_vec(&json!({
        "pr_number": 77.5, "title": "t", "author": "a", "changed_files": [],
        "additions": 0, "deletions": 0,
    }))
    .unwrap();
    let refused = ingest(&app, &fraction, Some(sign(SECRET.as_bytes(), &fraction))).await;
    assert_eq!(code(refused).await, (400, "validation_failed".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn get_on_the_ingest_path_is_405_not_a_read_of_pr_ingest() {
    let app = app().await;
    let response = app
        .client
        .get(app.at("/internal/pr-intel/ingest"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    app.stop().await;
}
