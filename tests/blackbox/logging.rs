//! Every log line of a request carries its correlation id.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use rampart_blackbox_tests::TestApp;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_log_line_of_a_request_carries_its_correlation_id() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn().await;
    // Call the pipeline directly so the request runs on this thread's subscriber.
    for (method, path) in [
        ("GET", "/health"),
        ("DELETE", "/health"),
        ("GET", "/missing"),
    ] {
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header("x-request-id", format!("corr-{method}-{}", path.len()))
            .body(Bytes::new())
            .unwrap();
        app.app.handle(request).await;
    }
    app.stop().await;

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let request_lines: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["span"]["name"] == "request")
        .collect();
    assert!(request_lines.len() >= 3, "{text}");
    for line in &request_lines {
        let id = line["span"]["correlation_id"].as_str().unwrap_or_default();
        assert!(id.starts_with("corr-"), "{line}");
    }
}
