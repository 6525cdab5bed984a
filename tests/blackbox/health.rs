//! `GET /health`.

use std::sync::Arc;

use rampart_blackbox_tests::{TestApp, unreachable_store};
use rampart_core::ManualClock;
use rampart_store::testing::{self, START_MS};
use serde_json::Value;

#[tokio::test]
async fn health_answers_200_with_version_and_store_ok() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.at("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["store"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    app.stop().await;
}

#[tokio::test]
async fn health_costs_one_store_round_trip() {
    let app = TestApp::spawn().await;
    let before = app.store.round_trips();
    app.client.get(app.at("/health")).send().await.unwrap();
    assert_eq!(app.store.round_trips() - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn health_answers_503_when_the_store_is_unreachable() {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    let app = TestApp::builder()
        .fixture(unreachable_store(clock).await)
        .spawn()
        .await;
    let response = app.client.get(app.at("/health")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["store"], "unreachable");
    app.stop().await;
}

#[tokio::test]
async fn health_works_against_dynamodb_on_moto() {
    let app = TestApp::builder()
        .fixture(testing::dynamo().await)
        .spawn()
        .await;
    let response = app.client.get(app.at("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}
