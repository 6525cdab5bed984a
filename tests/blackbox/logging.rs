//! Every log line of a request carries its correlation id, at the top level.

use bytes::Bytes;
use rampart_blackbox_tests::{Captured, TestApp};

#[tokio::test(flavor = "current_thread")]
async fn every_log_line_of_a_request_carries_its_correlation_id() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = rampart_core::telemetry::json_subscriber(move || writer.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn().await;
    // Call the pipeline directly so the request runs on this thread's subscriber.
    let requests = [
        ("GET", "/health"),
        ("DELETE", "/health"),
        ("GET", "/missing"),
    ];
    for (n, (method, path)) in requests.iter().enumerate() {
        let request = http::Request::builder()
            .method(*method)
            .uri(*path)
            .header("x-request-id", format!("corr-{n}"))
            .body(Bytes::new())
            .unwrap();
        app.app.handle(request).await;
    }
    app.stop().await;

    let text = captured.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let request_lines: Vec<_> = lines.iter().filter(|l| l.get("path").is_some()).collect();
    assert!(request_lines.len() >= 3, "{text}");
    for line in request_lines {
        let id = line["correlation_id"].as_str().unwrap_or_default();
        assert!(id.starts_with("corr-"), "{line}");
    }
}
