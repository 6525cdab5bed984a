//! Graceful stop: in-flight requests finish, new connections are refused.

use std::time::Duration;

use http::Method;
use rampart_api::Access;
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
