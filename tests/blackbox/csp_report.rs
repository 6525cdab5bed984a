//! `POST /csp-report`.

use rampart_blackbox_tests::TestApp;
use rampart_store::{ItemExt, Query, Table, keys};
use serde_json::Value;

fn today(app: &TestApp) -> String {
    use rampart_core::Clock;
    keys::day_of(&rampart_core::clock::rfc3339(app.clock.now_ms())).to_owned()
}

#[tokio::test]
async fn both_report_formats_are_stored_and_counted() {
    let app = TestApp::spawn().await;
    let legacy = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(r#"{"csp-report":{"document-uri":"https://app.example/","violated-directive":"script-src","blocked-uri":"https://evil.example/x.js","disposition":"report"}}"#)
        .send()
        .await
        .unwrap();
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
    app.client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(r#"{"csp-report":{"document-uri":"https://app.example/"}}"#)
        .send()
        .await
        .unwrap();
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
    let response = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(r#"{"csp-report":{"document-uri":"https://app.example/"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    // One conditional update for the limiter, one write of the reports, one atomic ADD to
    // the day's count (kept out of the reports' transaction, so concurrent reports never
    // conflict on it).
    assert_eq!(app.store.round_trips() - before, 3);
    app.stop().await;
}

/// A store on which another request always holds the day's CSP counter in a transaction of
/// its own, so DynamoDB cancels any transaction of ours that touches it.
struct CounterContended(rampart_store::SharedStore);

#[async_trait::async_trait]
impl rampart_store::Store for CounterContended {
    async fn get(
        &self,
        table: Table,
        key: &rampart_store::Key,
    ) -> Result<Option<rampart_store::Item>, rampart_store::StoreError> {
        self.0.get(table, key).await
    }
    async fn put(
        &self,
        table: Table,
        item: rampart_store::Item,
        cond: Option<rampart_store::Cond>,
    ) -> Result<(), rampart_store::StoreError> {
        self.0.put(table, item, cond).await
    }
    async fn update(
        &self,
        table: Table,
        key: &rampart_store::Key,
        update: &rampart_store::Update,
        cond: Option<rampart_store::Cond>,
        returns: rampart_store::ReturnValues,
    ) -> Result<Option<rampart_store::Item>, rampart_store::StoreError> {
        self.0.update(table, key, update, cond, returns).await
    }
    async fn delete(
        &self,
        table: Table,
        key: &rampart_store::Key,
        cond: Option<rampart_store::Cond>,
    ) -> Result<Option<rampart_store::Item>, rampart_store::StoreError> {
        self.0.delete(table, key, cond).await
    }
    async fn transact(
        &self,
        ops: Vec<rampart_store::TxOp>,
    ) -> Result<(), rampart_store::StoreError> {
        let touches_counter = ops.iter().any(|op| {
            matches!(op, rampart_store::TxOp::Update { key, .. } if key.pk.starts_with("csp-count"))
        });
        if touches_counter {
            let reasons = ops
                .iter()
                .map(|_| rampart_store::CancelReason::Other("TransactionConflict".into()))
                .collect();
            return Err(rampart_store::StoreError::TransactionCanceled { reasons });
        }
        self.0.transact(ops).await
    }
    async fn query(&self, query: &Query) -> Result<rampart_store::Page, rampart_store::StoreError> {
        self.0.query(query).await
    }
    fn round_trips(&self) -> u64 {
        self.0.round_trips()
    }
}

#[tokio::test]
async fn reports_are_stored_while_another_request_writes_the_days_counter() {
    let fixture = rampart_store::testing::embedded().await;
    let contended = rampart_store::testing::Fixture {
        store: std::sync::Arc::new(CounterContended(fixture.store.clone())),
        clock: fixture.clock.clone(),
    };
    let app = TestApp::builder().fixture(contended).spawn().await;
    let response = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .body(r#"{"csp-report":{"document-uri":"https://app.example/","violated-directive":"script-src","blocked-uri":"https://evil.example/x.js","disposition":"report"}}"#)
        .send()
        .await
        .unwrap();
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
