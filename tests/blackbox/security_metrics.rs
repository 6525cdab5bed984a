//! Security metrics in CloudWatch's embedded metric format: failed sign-ins, refresh reuse and
//! 401 / 403 / 429 / 5xx answers, each counted by the route's function.

use http::Method;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use rampart_core::metrics;
use serde_json::{Value, json};

/// How many kept lines count `metric` for `route`.
fn counted(lines: &[String], metric: &str, route: &str) -> usize {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|doc| doc["route"] == route && doc[metric] == 1)
        .filter(|doc| doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] == metric)
        .count()
}

// One thread: the server's tasks count on the thread that captures.
#[tokio::test(flavor = "current_thread")]
async fn refusals_failed_sign_ins_and_refresh_reuse_are_counted_by_route() {
    metrics::capture();
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let wrong = json!({"email": "ada@example.com", "password": "not the password"});
    for _ in 0..2 {
        let response = app.post_json("/api/v1/auth/login", &wrong).await;
        assert_eq!(response.status(), 401);
    }
    let first = browser.cookie("refresh_token").unwrap();
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    app.clock.advance_secs(60);
    let replay = app
        .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": first }))
        .await;
    assert_eq!(replay.status(), 401);
    assert_eq!(
        app.client
            .get(app.at("/api/v1/account"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let (viewer, _) = app.signed_in("bob@example.com").await;
    assert_eq!(
        viewer
            .status(Method::GET, "/api/v1/admin/audit?event=auth.login")
            .await,
        403
    );
    let mut refused = 0;
    for _ in 0..7 {
        let forgot = app
            .post_json(
                "/api/v1/auth/password/forgot",
                &json!({"email": "carol@example.com"}),
            )
            .await;
        refused += usize::from(forgot.status() == 429);
    }
    assert!(refused >= 1);
    let ok = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    app.stop().await;

    let lines = metrics::capture();
    assert_eq!(counted(&lines, metrics::SIGN_IN_FAILURES, "auth-login"), 2);
    assert_eq!(counted(&lines, metrics::HTTP_401, "auth-login"), 2);
    assert_eq!(counted(&lines, metrics::REFRESH_REUSE, "auth-refresh"), 1);
    assert_eq!(counted(&lines, metrics::HTTP_401, "auth-refresh"), 1);
    assert_eq!(counted(&lines, metrics::HTTP_401, "account-get"), 1);
    assert_eq!(counted(&lines, metrics::HTTP_403, "admin-audit-list"), 1);
    assert_eq!(
        counted(&lines, metrics::HTTP_429, "auth-password-forgot"),
        refused
    );
    // Successes count nothing; no line carries an address or an id.
    assert_eq!(lines.len(), 2 + 2 + 2 + 1 + 1 + refused, "{lines:#?}");
    for line in &lines {
        assert!(
            !line.contains("example.com") && !line.contains("127.0.0"),
            "{line}"
        );
    }
}

// One thread: the server's tasks count on the thread that captures.
#[tokio::test(flavor = "current_thread")]
async fn a_5xx_answer_is_counted_by_route_for_the_digests_worst_route() {
    use std::sync::atomic::Ordering;
    metrics::capture();
    // The intel table throttles while `failing` is set: test-run ingests answer 503.
    let (fixture, failing) = rampart_blackbox_tests::intel_throttled().await;
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (browser, id) = app.signed_in("ada@example.com").await;
    app.promote_to_admin(&id).await;
    let runs = json!({"suite": "api", "runs": [
        {"test_name": "a", "status": "passed", "run_at": "2026-11-22T08:00:00Z"}
    ]});
    let before = metrics::capture().len();
    failing.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let failed = browser
            .send(Method::POST, "/internal/tests/ingest", Some(runs.clone()))
            .await;
        assert_eq!(failed.status(), 503);
    }
    failing.store(false, Ordering::SeqCst);
    let stored = browser
        .send(Method::POST, "/internal/tests/ingest", Some(runs))
        .await;
    assert!(stored.status().is_success(), "{}", stored.status());
    app.stop().await;

    let lines = metrics::capture().split_off(before);
    assert_eq!(
        counted(&lines, metrics::HTTP_5XX, "internal-tests-ingest"),
        2
    );
    // The answer that went through counts nothing.
    assert_eq!(lines.len(), 2, "{lines:#?}");
}
