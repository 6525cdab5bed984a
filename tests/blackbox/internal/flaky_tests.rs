//! Flaky-test detection over HTTP: JSON and JUnit XML reports in, candidates out.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_core::Feature;
use serde_json::{Value, json};

/// An admin's browser (admins hold every `internal:*` permission).
async fn admin(app: &TestApp) -> Browser {
    let (browser, id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&id).await;
    browser
}

async fn ingest_json(app: &TestApp, browser: &Browser, pattern: &str, name: &str) {
    let runs: Vec<Value> = pattern
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let status = match c {
                'p' => "passed",
                'f' => "failed",
                _ => "skipped",
            };
            json!({"test_name": name, "status": status, "duration_ms": 12,
                   "run_at": format!("2026-11-22T09:{:02}:00Z", i)})
        })
        .collect();
    let response = browser
        .send(
            Method::POST,
            "/internal/tests/ingest",
            Some(json!({"suite": "api", "runs": runs})),
        )
        .await;
    assert_eq!(response.status(), 200, "{name}");
    let _ = app;
}

async fn candidates(browser: &Browser, query: &str) -> (u16, Value) {
    let response = browser
        .send(
            Method::GET,
            &format!("/internal/tests/flaky-candidates{query}"),
            None,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_flaky_pattern_is_found_and_steady_or_thin_tests_are_not() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    ingest_json(&app, &browser, "pfpfpppfpp", "flips").await;
    ingest_json(&app, &browser, "ffffffffff", "always_fails").await;
    ingest_json(&app, &browser, "pppppppppf", "rarely_fails").await;
    ingest_json(&app, &browser, "pfpf", "too_few").await;
    let (status, body) = candidates(&browser, "?min_runs=10").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().unwrap();
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["test_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["flips"]);
    assert_eq!(items[0]["suite"], "api");
    assert_eq!(items[0]["runs"], 10);
    assert_eq!(items[0]["failures"], 3);
    assert_eq!(items[0]["failure_rate"], 0.3);
    assert_eq!(items[0]["flip_rate"], 0.667);
    assert_eq!(items[0]["last_failed_at"], "2026-11-22T09:07:00Z");
    let (_, lower) = candidates(&browser, "?min_runs=4").await;
    assert_eq!(
        lower["items"].as_array().unwrap().len(),
        2,
        "too_few now counts"
    );
    // Paged like every list.
    assert_eq!(
        (
            lower["total"].as_u64(),
            lower["pages"].as_u64(),
            lower["page_size"].as_u64()
        ),
        (Some(2), Some(1), Some(20))
    );
    let (_, second) = candidates(&browser, "?min_runs=4&page=2&page_size=1").await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (second["page"].as_u64(), second["pages"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(second["next_cursor"].is_null());
    // No test holds more than FLAKY_RUNS_KEPT (50) runs, so a larger minimum is refused.
    for bad in [
        "?min_runs=0",
        "?min_runs=abc",
        "?min_runs=51",
        "?page_size=101",
        "?page=0",
        "?cursor=abc",
    ] {
        let (status, body) = candidates(&browser, bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation_failed")),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn every_junit_fixture_ingests() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/ops/tests/fixtures/junit"
    );
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let xml = std::fs::read(&path).unwrap();
        let response = app
            .client
            .post(app.at("/internal/tests/ingest"))
            .header("content-type", "application/xml")
            .bearer_auth(browser.cookie("access_token").unwrap())
            .body(xml)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", path.display());
        let body: Value = response.json().await.unwrap();
        assert!(body["runs"].as_u64().unwrap() > 0, "{}", path.display());
        // Node's built-in reporter writes top-level tests straight under <testsuites>: all
        // eight of its tests count, not only the three inside describe blocks.
        if path.ends_with("node_test-reporter.xml") {
            assert_eq!(body["runs"], 8, "{body}");
        }
        count += 1;
    }
    assert_eq!(count, 16);
}

#[tokio::test]
async fn malformed_reports_are_400s_and_callers_are_checked() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let token = browser.cookie("access_token").unwrap();
    let post = |ct: &'static str, body: &'static str| {
        app.client
            .post(app.at("/internal/tests/ingest"))
            .header("content-type", ct)
            .bearer_auth(&token)
            .body(body)
            .send()
    };
    let code = |r: reqwest::Response| async move {
        let s = r.status().as_u16();
        let b: Value = r.json().await.unwrap_or(Value::Null);
        (s, b["code"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(
        code(
            post("application/xml", "<testsuites><testsuite")
                .await
                .unwrap()
        )
        .await,
        (400, "invalid_xml".into())
    );
    // Thousands of nested suites: refused before the parser recurses into them.
    let deep: &'static str = format!(
        "<testsuites>{}<testcase name=\"t\"/>{}</testsuites>",
        "<testsuite name=\"s\">".repeat(20_000),
        "</testsuite>".repeat(20_000)
    )
    .leak();
    assert_eq!(
        code(post("application/xml", deep).await.unwrap()).await,
        (400, "invalid_xml".into())
    );
    assert_eq!(
        code(
            post(
                "application/json",
                "{\"suite\":\"s\",\"runs\":[{\"test_name\":\"t\",\"status\":\"maybe\"}]}"
            )
            .await
            .unwrap()
        )
        .await,
        (400, "validation_failed".into())
    );
    assert_eq!(
        code(post("application/json", "{nope").await.unwrap()).await,
        (400, "invalid_json".into())
    );
    // Runs dated before the retention window would be stored already expired.
    assert_eq!(
        code(
            post(
                "application/json",
                "{\"suite\":\"s\",\"runs\":[{\"test_name\":\"t\",\"status\":\"passed\",\"run_at\":\"2020-01-01T00:00:00Z\"}]}"
            )
            .await
            .unwrap()
        )
        .await,
        (400, "validation_failed".into())
    );
    // Well-formed XML with a value we do not take is a validation failure, not an XML one.
    let long_name: &'static str = format!(
        "<testsuite name=\"s\"><testcase name=\"{}\"/></testsuite>",
        "n".repeat(1_001)
    )
    .leak();
    assert_eq!(
        code(post("application/xml", long_name).await.unwrap()).await,
        (400, "validation_failed".into())
    );
    // A job that ran no tests sends an empty report: nothing to record, not an error.
    let empty = post("application/xml", "<testsuites/>").await.unwrap();
    assert_eq!(empty.status(), 200);
    let body: Value = empty.json().await.unwrap();
    assert_eq!(
        (body["tests"].as_u64(), body["runs"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        code(post("text/plain", "x").await.unwrap()).await,
        (415, "unsupported_media_type".into())
    );
    let anonymous = app
        .client
        .get(app.at("/internal/tests/flaky-candidates"))
        .send()
        .await
        .unwrap();
    assert_eq!(code(anonymous).await, (401, "unauthenticated".into()));
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    assert_eq!(
        viewer
            .status(Method::GET, "/internal/tests/flaky-candidates")
            .await,
        403
    );
}

#[tokio::test]
async fn a_retried_report_with_its_idempotency_key_counts_once() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let token = browser.cookie("access_token").unwrap();
    let report = include_str!("../../../shared/ops/tests/fixtures/junit/gotestsum_gotestsum.xml");
    let send = |key: &'static str| {
        app.client
            .post(app.at("/internal/tests/ingest"))
            .header("content-type", "application/xml")
            .header("idempotency-key", key)
            .bearer_auth(&token)
            .body(report)
            .send()
    };
    let first: Value = send("run-41-1").await.unwrap().json().await.unwrap();
    let tests = first["tests"].as_u64().unwrap();
    assert!(tests > 0, "{first}");
    assert_eq!(first["already_recorded"], 0);
    // The retry gets the first answer again, and records nothing.
    let retry = send("run-41-1").await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry, first);
    // The same key with another report is refused.
    let other = app
        .client
        .post(app.at("/internal/tests/ingest"))
        .header("content-type", "application/json")
        .header("idempotency-key", "run-41-1")
        .bearer_auth(&token)
        .body(r#"{"suite": "s", "runs": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 422);
    let problem: Value = other.json().await.unwrap();
    assert_eq!(problem["code"], "idempotency_key_reused");
    let next: Value = send("run-42-1").await.unwrap().json().await.unwrap();
    assert_eq!(next["tests"].as_u64(), Some(tests));
    let bad = send("has space").await.unwrap();
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["code"], "validation_failed");
}

#[tokio::test]
async fn with_the_flag_off_the_routes_are_gone() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::FlakyDetector, false))
        .spawn()
        .await;
    let browser = admin(&app).await;
    assert_eq!(
        browser
            .status(Method::GET, "/internal/tests/flaky-candidates")
            .await,
        404
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A pytest run of 6,000 tests with captured output: 2.7 MB of XML, over the 1 MiB body limit
/// as it is and well under it gzipped.
fn big_report() -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="6000" time="61.2" timestamp="2026-11-22T09:00:00.000000+00:00" hostname="ci">"#,
    );
    for n in 0..6_000 {
        xml.push_str(&format!(
            r#"<testcase classname="tests.test_api.TestRoutes" name="test_route_{n}" time="0.010"><system-out>GET /api/v1/projects?page={n} -> 200 in 4 ms; {}</system-out></testcase>"#,
            "log line ".repeat(30)
        ));
    }
    xml.push_str("</testsuite></testsuites>");
    xml
}

#[tokio::test]
async fn reports_may_come_gzipped_up_to_twenty_megabytes_expanded() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let token = browser.cookie("access_token").unwrap();
    let post = |encoding: Option<&'static str>, body: Vec<u8>| {
        let mut request = app
            .client
            .post(app.at("/internal/tests/ingest"))
            .header("content-type", "application/xml")
            .bearer_auth(&token)
            .body(body);
        if let Some(encoding) = encoding {
            request = request.header("content-encoding", encoding);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let report = big_report();
    assert!(report.len() > 2_500_000, "{}", report.len());
    // As it is: over the body limit.
    let (status, body) = post(None, report.clone().into_bytes()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // Gzipped: read whole.
    let compressed = gzip(report.as_bytes());
    assert!(compressed.len() < 1_048_576, "{}", compressed.len());
    let (status, body) = post(Some("gzip"), compressed).await;
    assert_eq!(
        (status, body["runs"].as_u64()),
        (200, Some(6_000)),
        "{body}"
    );
    // A small body that expands past 20 MB is refused before it is held.
    let bomb = gzip(&vec![b' '; 21 * 1024 * 1024]);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let (status, body) = post(Some("gzip"), bomb).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    // Not gzip at all, though it says so.
    let (status, body) = post(Some("gzip"), b"<testsuites/>".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed")),
        "{body}"
    );
    assert_eq!(body["errors"][0]["field"], "Content-Encoding");
    // An encoding the API does not read.
    let (status, body) = post(Some("br"), b"<testsuites/>".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{body}"
    );
    // Compressed but unlabelled: the problem says what to do.
    let (status, body) = post(None, gzip(b"<testsuites/>")).await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Content-Encoding: gzip"),
        "{body}"
    );
}

/// CI keys get a tier of their own on the CI routes: 600 a minute per key whatever its
/// creator's role (a viewer-equivalent key had 30 writes a minute), each key its own budget.
#[tokio::test]
async fn a_ci_key_posts_a_fleets_reports_on_its_own_budget() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let key = |name: &'static str| {
        let browser = &browser;
        async move {
            let created: Value = browser
                .send(
                    http::Method::POST,
                    "/api/v1/admin/api-keys",
                    Some(serde_json::json!({"name": name, "permissions": ["internal:write"]})),
                )
                .await
                .json()
                .await
                .unwrap();
            created["key"].as_str().unwrap().to_owned()
        }
    };
    let (fleet, other) = (key("ci-fleet").await, key("ci-other").await);
    let report = r#"<testsuites><testcase name="t" classname="c"/></testsuites>"#;
    // A fleet's runners send from many addresses (each address also has the per-address
    // limit before authentication, 600 a minute, which one runner never reaches).
    let post = |secret: &str, n: usize| {
        app.client
            .post(app.at("/internal/tests/ingest"))
            .header("content-type", "application/xml")
            .header("x-forwarded-for", format!("198.51.100.{}", n % 20))
            .bearer_auth(secret)
            .body(report)
            .send()
    };
    let first = post(&fleet, 0).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-ratelimit-limit"], "600");
    for n in 1..600 {
        assert_eq!(post(&fleet, n).await.unwrap().status(), 200, "report {n}");
    }
    let refused = post(&fleet, 600).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        post(&other, 601).await.unwrap().status(),
        200,
        "another key"
    );
}

#[tokio::test]
async fn a_json_report_may_write_its_durations_with_a_decimal_point() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let response = root
        .send(
            Method::POST,
            "/internal/tests/ingest",
            Some(json!({"suite": "api", "runs": [
                {"test_name": "t", "status": "passed", "duration_ms": 12.0},
            ]})),
        )
        .await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}
