//! Graceful stop: in-flight requests finish, new connections are refused; a request still
//! running when the drain time is up has its connection closed, and the server ends.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use rampart_api::state::HandlerFuture;
use rampart_api::{Access, AppState, RequestContext};
use rampart_blackbox_tests::TestApp;

use crate::test_routes::{ENTERED, RELEASE, route};

#[tokio::test]
async fn stopping_lets_in_flight_requests_finish() {
    let mut slow = route(Method::GET, "/slow", Access::Public, None, false);
    slow.handler = crate::test_routes::slow;
    let app = TestApp::builder().routes(vec![slow]).spawn().await;
    let url = app.at("/slow");
    let base = app.url.clone();
    let client = app.client.clone();
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    ENTERED.notified().await;

    let stopping = tokio::spawn(app.stop());
    RELEASE.notify_one();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request completes");
    assert_eq!(response.status(), 200);
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("the server stops once drained")
        .unwrap();
    let refused = reqwest::Client::new()
        .get(format!("{base}/slow"))
        .send()
        .await;
    assert!(refused.is_err(), "no longer accepting connections");
}

/// Signalled when the `stuck` handler starts.
static STUCK: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Never answers.
fn stuck<'a>(
    _state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        STUCK.notify_one();
        std::future::pending().await
    })
}

#[test]
fn the_local_stack_drains_for_thirty_seconds() {
    assert_eq!(rampart_local::DRAIN_TIMEOUT, Duration::from_secs(30));
}

#[tokio::test]
async fn a_request_still_running_after_the_drain_is_cut_off_and_the_server_ends() {
    let mut never = route(Method::GET, "/stuck", Access::Public, None, false);
    never.handler = stuck;
    // The drain is injected: a short one here, the stack's 30 seconds otherwise.
    let app = TestApp::builder()
        .routes(vec![never])
        .drain(Duration::from_millis(200))
        .spawn()
        .await;
    let url = app.at("/stuck");
    let client = app.client.clone();
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    STUCK.notified().await;
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server ends once the drain time is up");
    let cut = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the client is not left waiting")
        .unwrap();
    assert!(cut.is_err(), "the connection was closed: {cut:?}");
}
