//! Rate limiting over HTTP: headers, 429, identifiers, trusted proxies, audit, the flag and
//! what happens when the limiter's store is down.

use std::sync::Arc;

use http::Method;
use rampart_api::Access;
use rampart_blackbox_tests::{TestApp, unreachable_store};
use rampart_core::{Feature, ManualClock};
use rampart_ratelimit::Policy;
use rampart_store::ItemExt;
use rampart_store::testing::{self, START_MS};
use serde_json::Value;

use crate::test_routes::route;

async fn report(app: &TestApp, forwarded_for: &str) -> reqwest::Response {
    app.client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .header("x-forwarded-for", forwarded_for)
        .body(r#"{"csp-report":{"document-uri":"https://app.example/"}}"#)
        .send()
        .await
        .unwrap()
}

async fn limited_routes_answer_429_after_their_limit(app: TestApp) {
    // Anonymous writes: 30 / min per client IP.
    for n in 0..30 {
        let response = report(&app, "198.51.100.20").await;
        assert_eq!(response.status(), 204, "request {n}");
        assert_eq!(response.headers()["x-ratelimit-limit"], "30");
        assert_eq!(
            response.headers()["x-ratelimit-remaining"],
            (29 - n).to_string().as_str()
        );
        assert_eq!(
            response.headers()["ratelimit-policy"],
            "\"writes\";q=30;w=60"
        );
    }
    let refused = report(&app, "198.51.100.20").await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
    assert!(refused.headers().contains_key("x-ratelimit-reset"));
    assert!(refused.headers().contains_key("ratelimit"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");

    let other_client = report(&app, "198.51.100.21").await;
    assert_eq!(other_client.status(), 204, "limits are per client");

    // The violation is audited once, however many refusals follow.
    report(&app, "198.51.100.20").await;
    let audited = app.audited("ratelimit.violation").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].str_attr("ip"), Some("198.51.100.0"));

    app.clock.advance_secs(60);
    assert_eq!(
        report(&app, "198.51.100.20").await.status(),
        204,
        "the next window admits"
    );
    app.stop().await;
}

#[tokio::test]
async fn limits_hold_over_http_on_the_embedded_store() {
    limited_routes_answer_429_after_their_limit(TestApp::spawn().await).await;
}

#[tokio::test]
async fn limits_hold_over_http_on_dynamodb() {
    let app = TestApp::builder()
        .fixture(testing::dynamo().await)
        .spawn()
        .await;
    limited_routes_answer_429_after_their_limit(app).await;
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_untrusted_sources() {
    let app = TestApp::builder()
        .config(|c| c.trusted_proxies.clear())
        .spawn()
        .await;
    for n in 0..30 {
        // Each request claims another address; without trust they all count as 127.0.0.1.
        assert_eq!(report(&app, &format!("203.0.113.{n}")).await.status(), 204);
    }
    assert_eq!(report(&app, "203.0.113.200").await.status(), 429);
    app.stop().await;
}

#[tokio::test]
async fn authenticated_callers_are_limited_by_user_and_role() {
    let routes = vec![route(
        Method::POST,
        "/w",
        Access::Permission("projects:write"),
        Some(Policy::Standard),
        false,
    )];
    let app = TestApp::builder()
        .routes(routes)
        .with_test_tokens()
        .spawn()
        .await;
    let send = |token: &'static str, ip: &'static str| {
        app.client
            .post(app.at("/w"))
            .bearer_auth(token)
            .header("x-forwarded-for", ip)
            .send()
    };
    for n in 0..30 {
        // The same user from many addresses is one identifier.
        let ip: &'static str = if n % 2 == 0 { "192.0.2.1" } else { "192.0.2.2" };
        assert_eq!(send("test:viewer", ip).await.unwrap().status(), 200);
    }
    assert_eq!(
        send("test:viewer", "192.0.2.3").await.unwrap().status(),
        429
    );
    let reviewer = send("test:reviewer", "192.0.2.1").await.unwrap();
    assert_eq!(reviewer.headers()["x-ratelimit-limit"], "100");
    app.stop().await;
}

#[tokio::test]
async fn the_flag_turns_limiting_off() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::RateLimiting, false))
        .spawn()
        .await;
    for _ in 0..40 {
        let response = report(&app, "198.51.100.30").await;
        assert_eq!(response.status(), 204);
        assert!(!response.headers().contains_key("x-ratelimit-limit"));
    }
    app.stop().await;
}

#[tokio::test]
async fn credential_routes_fail_closed_and_others_open_when_the_store_is_down() {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    let routes = vec![
        route(
            Method::POST,
            "/login-like",
            Access::Public,
            Some(Policy::AuthCredentials),
            false,
        ),
        route(
            Method::GET,
            "/read-like",
            Access::Public,
            Some(Policy::Standard),
            false,
        ),
    ];
    let app = TestApp::builder()
        .routes(routes)
        .fixture(unreachable_store(clock).await)
        .spawn()
        .await;
    let closed = app.client.post(app.at("/login-like")).send().await.unwrap();
    assert_eq!(closed.status(), 503);
    let body: Value = closed.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");
    let open = app.client.get(app.at("/read-like")).send().await.unwrap();
    assert_eq!(open.status(), 200, "the limiter fails open here");
    assert!(!open.headers().contains_key("x-ratelimit-limit"));
    app.stop().await;
}

/// A signed-in caller's route count goes out with the reads that authenticate it, before its
/// role is known: the role's limit still holds exactly, and a request that authentication or
/// CSRF then refuses gives its count back.
#[tokio::test]
async fn counts_made_before_authentication_answers_are_exact_and_refunded_on_refusal() {
    let app = TestApp::spawn().await;
    let (ended, _) = app.signed_in("ada@example.com").await;
    let stale = ended.cookie("access_token").expect("an access token");
    let browser = app.new_session("ada@example.com").await;
    let logout = ended.send(Method::POST, "/api/v1/auth/logout", None).await;
    assert!(logout.status().is_success(), "{}", logout.status());
    for _ in 0..20 {
        // A token that still verifies, of a session that has ended.
        let refused = app
            .client
            .get(app.at("/api/v1/account"))
            .bearer_auth(&stale)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
    let remaining = |response: &reqwest::Response| {
        response.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // A viewer reads 100 times a minute; the 20 refusals cost nothing.
    for n in 1..=100 {
        let read = browser.send(Method::GET, "/api/v1/account", None).await;
        assert_eq!(read.status(), 200, "read {n}");
        assert_eq!(remaining(&read), (100 - n).to_string(), "read {n}");
    }
    let over = browser.send(Method::GET, "/api/v1/account", None).await;
    assert_eq!(over.status(), 429);

    // Writes refused for a missing CSRF header do not spend the export budget (5 a minute).
    let (mut writer, _) = app.signed_in("grace@example.com").await;
    writer.send_csrf = false;
    for _ in 0..8 {
        let refused = writer
            .send(Method::POST, "/api/v1/account/export", None)
            .await;
        assert_eq!(refused.status(), 403);
    }
    writer.send_csrf = true;
    let export = writer
        .send(Method::POST, "/api/v1/account/export", None)
        .await;
    assert!(export.status().is_success(), "{}", export.status());
    assert_eq!(remaining(&export), "4");
    app.stop().await;
}
