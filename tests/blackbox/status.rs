//! The status page over HTTP, on both store adapters: admins post, everyone reads; the overall
//! status is the worst service's; the page may be cached briefly.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn post(admin: &Browser, service: &str, status: &str, message: &str) -> u16 {
    admin
        .send(
            Method::POST,
            "/api/v1/status/events",
            Some(json!({"service": service, "status": status, "message": message})),
        )
        .await
        .status()
        .as_u16()
}

async fn get(app: &TestApp, path: &str) -> (u16, Option<String>, Value) {
    let response = app.client.get(app.at(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, response.json().await.unwrap_or(Value::Null))
}

async fn admins_post_and_everyone_reads(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    assert_eq!(post(&viewer, "api", "major_outage", "no").await, 403);

    let (status, cache, empty) = get(&app, "/api/v1/status").await;
    assert_eq!(
        (status, empty["overall"].as_str()),
        (200, Some("operational"))
    );
    assert_eq!(cache.as_deref(), Some("public, max-age=30"));

    assert_eq!(
        post(&admin, "api", "degraded_performance", "slow writes").await,
        201
    );
    assert_eq!(post(&admin, "web", "operational", "fine").await, 201);
    assert_eq!(
        post(&admin, "api", "partial_outage", "writes failing").await,
        201
    );
    let (_, _, page) = get(&app, "/api/v1/status").await;
    assert_eq!(page["overall"], "partial_outage", "the worst service");
    let api = page["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "api")
        .unwrap();
    assert_eq!(api["last_message"], "writes failing");

    let (status, cache, events) = get(&app, "/api/v1/status/events?service=api").await;
    assert_eq!((status, events["total"].as_u64()), (200, Some(2)));
    assert_eq!(
        events["items"][0]["message"], "writes failing",
        "newest first"
    );
    assert_eq!(cache.as_deref(), Some("public, max-age=30"));
    let (_, _, all) = get(&app, "/api/v1/status/events").await;
    assert_eq!(all["total"], 3);
    let (status, _, problem) = get(&app, "/api/v1/status/events?service=Not%20valid").await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("service"))
    );
    let bad = admin
        .send(
            Method::POST,
            "/api/v1/status/events",
            Some(json!({"service": "api", "status": "on_fire", "message": "x"})),
        )
        .await;
    assert_eq!(bad.status(), 400);

    // The admin export holds the status page, its events and the knowledge base.
    let entry = admin
        .send(
            Method::POST,
            "/api/v1/knowledge/entries",
            Some(json!({"title": "Runbook", "body": "Restart the writer."})),
        )
        .await;
    assert_eq!(entry.status(), 201);
    assert_eq!(
        viewer.status(Method::GET, "/api/v1/admin/export").await,
        403
    );
    let export: Value = admin
        .send(Method::GET, "/api/v1/admin/export", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(export["status"]["overall"], "partial_outage");
    assert_eq!(export["status_events"].as_array().unwrap().len(), 3);
    assert_eq!(export["knowledge"][0]["title"], "Runbook");
    assert!(export["alerts"].as_array().unwrap().is_empty());
}

rampart_store::both_adapters!(admins_post_and_everyone_reads);
