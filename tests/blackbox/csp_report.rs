//! `POST /csp-report`.

use rampart_blackbox_tests::TestApp;
use rampart_store::testing::{Faulty, WriteAttempt};
use rampart_store::{CancelReason, ItemExt, Query, StoreError, Table, TxOp, keys};
use serde_json::Value;

fn today(app: &TestApp) -> String {
    use rampart_core::Clock;
    keys::day_of(&rampart_core::clock::rfc3339(app.clock.now_ms())).to_owned()
}

/// Sends a `report-uri` (legacy) report.
async fn legacy_report(app: &TestApp, body: &'static str) -> reqwest::Response {
    app.client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn both_report_formats_are_stored_and_counted() {
    let app = TestApp::spawn().await;
    let legacy = legacy_report(
        &app,
        r#"{"csp-report":{"document-uri":"https://app.example/","violated-directive":"script-src","blocked-uri":"https://evil.example/x.js","disposition":"report"}}"#,
    ).await;
    assert_eq!(legacy.status(), 204);
    assert!(legacy.bytes().await.unwrap().is_empty());
    let modern = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/reports+json")
        .body(r#"[{"type":"csp-violation","age":10,"url":"https://app.example/","body":{"documentURL":"https://app.example/","effectiveDirective":"img-src","blockedURL":"https://cdn.example/a.png","disposition":"report"}},{"type":"csp-violation","body":{"documentURL":"https://app.example/b","effectiveDirective":"style-src"}}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(modern.status(), 204);

    let day = today(&app);
    let stored = app
        .store
        .query(&Query::partition(
            Table::Intel,
            keys::intel::csp_reports(&day),
        ))
        .await
        .unwrap();
    let mut directives: Vec<_> = stored
        .items
        .iter()
        .filter_map(|i| i.str_attr("directive"))
        .collect();
    directives.sort_unstable();
    assert_eq!(directives, ["img-src", "script-src", "style-src"]);
    let count = app
        .store
        .get(Table::Intel, &keys::intel::csp_count(&day))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.i64_attr("n"), Some(3));
    app.stop().await;
}

#[tokio::test]
async fn reports_expire_after_30_days() {
    let app = TestApp::spawn().await;
    let day = today(&app);
    legacy_report(
        &app,
        r#"{"csp-report":{"document-uri":"https://app.example/"}}"#,
    )
    .await;
    app.clock.advance_secs(30 * 86_400 + 1);
    let stored = app
        .store
        .query(&Query::partition(
            Table::Intel,
            keys::intel::csp_reports(&day),
        ))
        .await
        .unwrap();
    assert!(stored.items.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_document_that_is_not_a_report_is_a_validation_failure() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/json")
        .body(r#"{"hello":"world"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "body");
    app.stop().await;
}

#[tokio::test]
async fn a_report_costs_three_store_round_trips() {
    let app = TestApp::spawn().await;
    let before = app.store.round_trips();
    let response = legacy_report(
        &app,
        r#"{"csp-report":{"document-uri":"https://app.example/"}}"#,
    )
    .await;
    assert_eq!(response.status(), 204);
    // One conditional update for the limiter, one write of the reports, one atomic ADD to
    // the day's count (kept out of the reports' transaction, so concurrent reports never
    // conflict on it).
    assert_eq!(app.store.round_trips() - before, 3);
    app.stop().await;
}

#[tokio::test]
async fn reports_are_stored_while_another_request_writes_the_days_counter() {
    let fixture = rampart_store::testing::embedded().await;
    // Another request always holds the day's CSP counter in a transaction of its own, so
    // DynamoDB cancels any transaction of ours that touches it.
    let contended = rampart_store::testing::Fixture {
        store: std::sync::Arc::new(Faulty {
            inner: fixture.store.clone(),
            fault: Box::new(|attempt| {
                let WriteAttempt::Transact(ops) = attempt else {
                    return None;
                };
                let touches_counter = ops.iter().any(
                    |op| matches!(op, TxOp::Update { key, .. } if key.pk.starts_with("csp-count")),
                );
                touches_counter.then(|| StoreError::TransactionCanceled {
                    reasons: ops
                        .iter()
                        .map(|_| CancelReason::Other("TransactionConflict".into()))
                        .collect(),
                })
            }),
        }),
        clock: fixture.clock.clone(),
    };
    let app = TestApp::builder().fixture(contended).spawn().await;
    let response = legacy_report(
        &app,
        r#"{"csp-report":{"document-uri":"https://app.example/","violated-directive":"script-src","blocked-uri":"https://evil.example/x.js","disposition":"report"}}"#,
    ).await;
    assert_eq!(
        response.status(),
        204,
        "a busy counter never costs a report a 503"
    );
    let day = today(&app);
    let stored = fixture
        .store
        .query(&Query::partition(
            Table::Intel,
            keys::intel::csp_reports(&day),
        ))
        .await
        .unwrap();
    assert_eq!(stored.items.len(), 1);
    let count = fixture
        .store
        .get(Table::Intel, &keys::intel::csp_count(&day))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.i64_attr("n"), Some(1));
}

/// Sends `n` Reporting API reports of `directive` from the client `ip`.
async fn batch(app: &TestApp, ip: &str, directive: &str, n: usize) -> u16 {
    let reports: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({"type": "csp-violation", "body": {
                "documentURL": format!("https://app.example/{i}"),
                "effectiveDirective": directive,
                "blockedURL": "https://cdn.example/x",
                "disposition": "report"}})
        })
        .collect();
    app.client
        .post(app.at("/csp-report"))
        .header("content-type", "application/reports+json")
        .header("x-forwarded-for", ip)
        .json(&reports)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn stored_by_directive(items: &[rampart_store::Item]) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for item in items {
        *out.entry(item.str_attr("directive").unwrap_or("").to_owned())
            .or_default() += 1;
    }
    out
}

#[tokio::test]
async fn a_flood_of_reports_stores_a_handful_per_request_and_counts_past_a_daily_cap() {
    let app = TestApp::spawn().await;
    let day = today(&app);
    // Fifty in one request: five kept, all fifty counted.
    assert_eq!(batch(&app, "203.0.113.1", "script-src-elem", 50).await, 204);
    // Fields are bounded and directives are the known ones.
    let long = "a".repeat(10_000);
    let odd = serde_json::json!({"csp-report": {
        "document-uri": format!("https://app.example/{long}"),
        "violated-directive": format!("x-{long}"),
        "blocked-uri": format!("https://evil.example/{long}"),
        "disposition": long}});
    let response = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(odd.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    // Then 210 requests of five img-src reports from as many clients: 1,050 reports, of
    // which the day keeps 1,000; another directive is still kept afterwards.
    for n in 0..210 {
        let ip = format!("198.51.{}.{}", n / 200, n % 200);
        assert_eq!(batch(&app, &ip, "img-src", 5).await, 204, "{ip}");
    }
    assert_eq!(batch(&app, "203.0.113.2", "style-src", 1).await, 204);

    let items = rampart_store::query_all(
        &*app.store,
        Query::partition(Table::Intel, keys::intel::csp_reports(&day)),
    )
    .await
    .unwrap();
    let by_directive = stored_by_directive(&items);
    assert_eq!(by_directive["script-src-elem"], 5);
    assert_eq!(by_directive["img-src"], 1_000);
    assert_eq!(by_directive["style-src"], 1);
    assert_eq!(by_directive["other"], 1);
    assert!(
        items.iter().all(
            |i| ["document_uri", "blocked_uri", "disposition", "directive"]
                .iter()
                .all(|f| i.str_attr(f).unwrap_or("").chars().count() <= 512)
        ),
        "every stored field is bounded"
    );
    let count = app
        .store
        .get(Table::Intel, &keys::intel::csp_count(&day))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.i64_attr("n"), Some(50 + 1 + 1_050 + 1));
    app.stop().await;
}
