use super::*;
use crate::jobs::from_eventbridge;

#[test]
fn api_gateway_events_become_requests_with_their_source_ip() {
    let raw = include_str!("../tests/fixtures/apigw_v2_request.json");
    let event = lambda_http::request::from_str(raw).expect("fixture parses");
    let req = from_lambda(event);
    assert_eq!(
        req.extensions().get::<SourceIp>(),
        Some(&SourceIp("203.0.113.17".parse().unwrap()))
    );
    assert_eq!(req.uri().path(), "/health");
}

#[test]
fn a_base64_body_arrives_as_the_exact_bytes_that_were_signed() {
    let raw = include_str!("../tests/fixtures/apigw_v2_base64_body.json");
    let event = lambda_http::request::from_str(raw).expect("fixture parses");
    let req = from_lambda(event);
    let expected = r#"{"type":1,  "id":"1","note":"spacing and \u00e9 kept as sent"}"#;
    assert_eq!(req.body().as_ref(), expected.as_bytes());
    assert_eq!(
        req.headers()["X-Signature-Timestamp"],
        "1795338000",
        "header names match in any case"
    );
}

#[test]
fn an_eventbridge_invocation_becomes_the_event_it_carries() {
    let payload: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/fixtures/eventbridge_mail_requested.json"
    ))
    .unwrap();
    let event = from_eventbridge(&payload).unwrap();
    assert_eq!(event.detail_type, "mail.requested");
    assert_eq!(event.detail["kind"], "password_reset");
    assert_eq!(event.detail["to"], "ada@example.com");
    assert!(from_eventbridge(&serde_json::json!({"Records": []})).is_err());
}

#[test]
fn responses_keep_text_as_text_and_binary_as_binary() {
    let text = to_lambda(http::Response::new(Bytes::from_static(b"{\"a\":1}")));
    assert!(matches!(text.body(), Body::Text(t) if t == "{\"a\":1}"));
    let binary = to_lambda(http::Response::new(Bytes::from_static(&[0xff, 0xfe])));
    assert!(matches!(binary.body(), Body::Binary(_)));
    let empty = to_lambda(http::Response::new(Bytes::new()));
    assert!(matches!(empty.body(), Body::Empty));
}
