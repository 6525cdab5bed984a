//! The EventBridge adapter against moto's server mode: an event reaches an existing bus, and
//! a bus that does not exist is an error, never a silent success.

use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_core::events::{Event, EventBridgeBus, EventBus};

fn endpoint() -> String {
    std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_AWS_ENDPOINT is not set: run scripts/test.sh, which starts moto")
    })
}

#[tokio::test]
async fn an_event_is_published_to_an_existing_bus() {
    let sdk = load_sdk_config(&AwsSettings::emulator(endpoint())).await;
    let name = format!("rampart-test-{}", rampart_core::ids::new_id());
    aws_sdk_eventbridge::Client::new(&sdk)
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("create the bus on moto");
    let bus = EventBridgeBus::new(&sdk, &name);
    bus.publish(Event::new(
        "mail.requested",
        serde_json::json!({"kind": "password_reset", "to": "a@example.com"}),
    ))
    .await
    .expect("published");
}

#[tokio::test]
async fn a_missing_bus_is_an_error() {
    let sdk = load_sdk_config(&AwsSettings::emulator(endpoint())).await;
    let bus = EventBridgeBus::new(&sdk, "rampart-no-such-bus");
    let outcome = bus
        .publish(Event::new("mail.requested", serde_json::json!({})))
        .await;
    assert!(outcome.is_err(), "{outcome:?}");
}
