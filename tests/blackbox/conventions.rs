//! Contract section 1 conventions that hold on every route: problem documents, request ids,
//! security headers.

use rampart_blackbox_tests::TestApp;
use serde_json::Value;

async fn problem(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "status {status}"
    );
    (status, headers, response.json().await.unwrap())
}

#[tokio::test]
async fn errors_are_problem_documents_with_contract_codes() {
    let app = TestApp::spawn().await;
    let c = &app.client;
    let cases = [
        (c.get(app.at("/no/such/route")), 404, "not_found"),
        (c.delete(app.at("/health")), 405, "method_not_allowed"),
        (
            c.post(app.at("/csp-report"))
                .header("content-type", "text/plain")
                .body("{}"),
            415,
            "unsupported_media_type",
        ),
        (
            c.post(app.at("/csp-report"))
                .header("content-type", "application/json")
                .body("{\"csp-report\":"),
            400,
            "invalid_json",
        ),
        (
            c.post(app.at("/csp-report"))
                .header("content-type", "application/json")
                .body(vec![b' '; 1024 * 1024 + 1]),
            413,
            "payload_too_large",
        ),
    ];
    for (request, status, code) in cases {
        let (got, _, body) = problem(request.send().await.unwrap()).await;
        assert_eq!(got, status, "{code}");
        assert_eq!(body["code"], code);
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], format!("/problems/{code}"));
        assert!(body["title"].is_string() && body["detail"].is_string());
        assert!(
            body.get("request_id").is_none(),
            "4xx carries no request_id"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn method_not_allowed_lists_the_allowed_methods() {
    let app = TestApp::spawn().await;
    let response = app.client.put(app.at("/health")).send().await.unwrap();
    let (status, headers, _) = problem(response).await;
    assert_eq!(status, 405);
    assert_eq!(headers["allow"], "GET");
    app.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_when_sane_and_generated_otherwise() {
    let app = TestApp::spawn().await;
    let echoed = app
        .client
        .get(app.at("/health"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");
    let replaced = app
        .client
        .get(app.at("/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = replaced.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 26, "a ULID: {generated}");
    let error = app.client.get(app.at("/missing")).send().await.unwrap();
    assert!(
        error.headers().contains_key("x-request-id"),
        "errors carry it too"
    );
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_csp_outside_prod() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/missing"] {
        let response = app.client.get(app.at(path)).send().await.unwrap();
        let h = response.headers();
        assert_eq!(
            h["strict-transport-security"],
            "max-age=63072000; includeSubDomains"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        let csp = h["content-security-policy-report-only"].to_str().unwrap();
        assert!(csp.contains("report-uri /csp-report"), "{csp}");
        assert!(
            h["reporting-endpoints"]
                .to_str()
                .unwrap()
                .contains("/csp-report")
        );
        // Browsers that predate `Reporting-Endpoints` read the group from `Report-To`.
        let report_to: serde_json::Value =
            serde_json::from_str(h["report-to"].to_str().unwrap()).unwrap();
        assert_eq!(report_to["group"], "csp-endpoint", "{report_to}");
        assert!(report_to["max_age"].as_u64().is_some_and(|age| age > 0));
        assert_eq!(
            report_to["endpoints"][0]["url"], "/csp-report",
            "{report_to}"
        );
    }
    app.stop().await;
    let prod = TestApp::builder()
        .config(|c| c.stage = rampart_core::Stage::Prod)
        .spawn()
        .await;
    let response = prod.client.get(prod.at("/health")).send().await.unwrap();
    assert!(
        !response
            .headers()
            .contains_key("content-security-policy-report-only")
    );
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    prod.stop().await;
}

#[tokio::test]
async fn a_server_error_carries_the_request_id_and_no_internals() {
    let clock = std::sync::Arc::new(rampart_core::ManualClock::at_ms(
        rampart_store::testing::START_MS,
    ));
    let app = TestApp::builder()
        .fixture(rampart_blackbox_tests::unreachable_store(clock).await)
        .spawn()
        .await;
    let response = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .header("x-request-id", "req-5xx")
        .body(r#"{"csp-report":{"document-uri":"https://app.example/"}}"#)
        .send()
        .await
        .unwrap();
    let (status, _, body) = problem(response).await;
    assert_eq!(status, 503);
    assert_eq!(body["request_id"], "req-5xx");
    let text = body.to_string();
    for leak in ["dispatch", "connect", "DynamoDB", "127.0.0.1", "error"] {
        assert!(!text.contains(leak), "problem leaks {leak:?}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn gets_carry_strong_etags_and_a_held_tag_is_a_304() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("etag@example.com").await;
    app.promote_to_admin(&id).await;
    let token = browser.cookie("access_token").unwrap();
    let get = |path: &'static str, tag: Option<String>| {
        let mut req = app.client.get(app.at(path)).bearer_auth(&token);
        if let Some(tag) = tag {
            req = req.header("if-none-match", tag);
        }
        req.send()
    };
    for path in ["/api/v1/account", "/internal/tests/flaky-candidates"] {
        let first = get(path, None).await.unwrap();
        assert_eq!(first.status(), 200, "{path}");
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(
            tag.starts_with('"') && !tag.starts_with("W/"),
            "strong: {tag}"
        );
        let held = get(path, Some(tag.clone())).await.unwrap();
        assert_eq!(held.status(), 304, "{path}");
        assert_eq!(held.headers()["etag"].to_str().unwrap(), tag);
        assert!(held.headers().get("x-request-id").is_some());
        assert!(held.bytes().await.unwrap().is_empty());
        let stale = get(path, Some("\"0000\"".into())).await.unwrap();
        assert_eq!(stale.status(), 200, "{path}");
    }
    // The list changes: the old tag no longer matches.
    let list = get("/internal/tests/flaky-candidates?min_runs=1", None)
        .await
        .unwrap();
    let tag = list.headers()["etag"].to_str().unwrap().to_owned();
    let report = serde_json::json!({"suite": "s", "runs": [
        {"test_name": "t", "status": "passed"}, {"test_name": "t", "status": "failed"}]});
    let ingested = app
        .client
        .post(app.at("/internal/tests/ingest"))
        .bearer_auth(&token)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(ingested.status(), 200);
    let after = get(
        "/internal/tests/flaky-candidates?min_runs=1",
        Some(tag.clone()),
    )
    .await
    .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), tag);
}

#[tokio::test]
async fn ids_longer_than_any_issued_are_404s_not_store_errors() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("long@example.com").await;
    app.promote_to_admin(&id).await;
    // Long enough that a store key built from it breaks DynamoDB's key limits, which the
    // embedded store enforces too: without the router's bound this would be a 500.
    let long = "x".repeat(3_000);
    for (method, path) in [
        (
            http::Method::POST,
            format!("/api/v1/auth/sessions/{long}/revoke"),
        ),
        (http::Method::GET, format!("/api/v1/account/export/{long}")),
        (
            http::Method::DELETE,
            format!("/api/v1/admin/api-keys/{long}"),
        ),
        (http::Method::GET, format!("/internal/pr-intel/{long}")),
    ] {
        let response = browser.send(method.clone(), &path, None).await;
        let (status, _, body) = problem(response).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{method} {path:.60}"
        );
    }
}
