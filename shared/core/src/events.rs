//! The `EventBus` port: work that must not run on the request path that caused it (account
//! mail) leaves that path as an event, and a worker does it. Adapters: Amazon EventBridge, and
//! an in-process queue for the local stack and the tests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::SdkConfig;

/// The `source` of Rampart's own events (account mail requests).
pub const SOURCE: &str = "rampart";
/// The `source` of the release conductor's requests to its worker (contract section 7).
pub const RELEASE_SOURCE: &str = "rampart.release";
/// The `source` of the deploy requests the team's pipeline consumes.
pub const DEPLOY_SOURCE: &str = "rampart.deploy";

/// The most an event's detail may weigh: EventBridge takes 256 KiB per entry, headers
/// included.
pub const MAX_DETAIL_BYTES: usize = 200 * 1024;

/// One event: what happened (`detail_type`) and its JSON detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Who publishes it ([`SOURCE`], [`RELEASE_SOURCE`], [`DEPLOY_SOURCE`]).
    #[serde(default = "default_source")]
    pub source: String,
    pub detail_type: String,
    pub detail: serde_json::Value,
}

fn default_source() -> String {
    SOURCE.to_owned()
}

impl Event {
    /// An event of `detail_type` carrying `detail`, from [`SOURCE`].
    pub fn new(detail_type: impl Into<String>, detail: serde_json::Value) -> Self {
        Self {
            source: SOURCE.to_owned(),
            detail_type: detail_type.into(),
            detail,
        }
    }

    /// The same event from another source.
    pub fn from_source(self, source: &str) -> Self {
        Self {
            source: source.to_owned(),
            ..self
        }
    }
}

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The bus cannot be reached or is throttling; worth retrying later.
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
    /// The bus refused the event (too large, malformed, no such bus).
    #[error("event refused: {0}")]
    Refused(String),
}

/// Publishes events.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes one event; `Ok` means the bus holds it.
    async fn publish(&self, event: Event) -> Result<(), EventError>;
}

/// A shared event bus.
pub type SharedEventBus = Arc<dyn EventBus>;

fn detail_json(event: &Event) -> Result<String, EventError> {
    let detail = serde_json::to_string(&event.detail)
        .map_err(|e| EventError::Refused(format!("detail is not JSON: {e}")))?;
    if detail.len() > MAX_DETAIL_BYTES {
        return Err(EventError::Refused(format!(
            "detail of {} bytes is over {MAX_DETAIL_BYTES}",
            detail.len()
        )));
    }
    Ok(detail)
}

/// Amazon EventBridge: `PutEvents` to one bus (`EVENT_BUS_NAME`).
#[derive(Clone, Debug)]
pub struct EventBridgeBus {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgeBus {
    /// The adapter publishing to `bus` (a name or an ARN).
    pub fn new(sdk: &SdkConfig, bus: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_eventbridge::Client::new(sdk),
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn publish(&self, event: Event) -> Result<(), EventError> {
        let detail = detail_json(&event)?;
        let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&event.source)
            .detail_type(&event.detail_type)
            .detail(detail)
            .build();
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| {
                EventError::Unavailable(
                    aws_sdk_eventbridge::error::DisplayErrorContext(e).to_string(),
                )
            })?;
        // PutEvents answers 200 even when an entry fails; the entry says why.
        if output.failed_entry_count() > 0 {
            let why = output
                .entries()
                .iter()
                .find_map(|e| {
                    e.error_code()
                        .map(|code| format!("{code}: {}", e.error_message().unwrap_or_default()))
                })
                .unwrap_or_else(|| "an entry failed".to_owned());
            return Err(
                if why.contains("Throttl") || why.contains("InternalFailure") {
                    EventError::Unavailable(why)
                } else {
                    EventError::Refused(why)
                },
            );
        }
        Ok(())
    }
}

/// The in-process bus of the local stack and the tests: events wait in a queue until a worker
/// takes them ([`LocalBus::take`]), and [`LocalBus::published`] wakes a worker that waits.
#[derive(Debug, Default)]
pub struct LocalBus {
    queue: Mutex<VecDeque<Event>>,
    notify: tokio::sync::Notify,
}

impl LocalBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event published and not yet taken, oldest first.
    pub fn take(&self) -> Vec<Event> {
        self.queue
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// How many events wait.
    pub fn pending(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or_default()
    }

    /// Resolves when an event is published (at once if one was published since the last
    /// wait).
    pub async fn published(&self) {
        self.notify.notified().await;
    }
}

#[async_trait]
impl EventBus for LocalBus {
    async fn publish(&self, event: Event) -> Result<(), EventError> {
        detail_json(&event)?;
        self.queue
            .lock()
            .map_err(|_| EventError::Unavailable("the local queue is poisoned".into()))?
            .push_back(event);
        self.notify.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_local_bus_queues_events_in_order_until_taken() {
        let bus = LocalBus::new();
        bus.publish(Event::new("a", serde_json::json!({"n": 1})))
            .await
            .unwrap();
        bus.publish(Event::new("b", serde_json::json!({"n": 2})))
            .await
            .unwrap();
        // A worker that starts waiting after the publish still wakes.
        bus.published().await;
        assert_eq!(bus.pending(), 2);
        let taken = bus.take();
        assert_eq!(
            taken
                .iter()
                .map(|e| e.detail_type.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(bus.take().is_empty());
    }

    #[tokio::test]
    async fn an_oversized_detail_is_refused_before_it_is_sent() {
        let bus = LocalBus::new();
        let big = "x".repeat(MAX_DETAIL_BYTES + 1);
        let error = bus
            .publish(Event::new("a", serde_json::json!({ "big": big })))
            .await
            .unwrap_err();
        assert!(matches!(error, EventError::Refused(_)), "{error}");
        assert_eq!(bus.pending(), 0);
    }
}
