//! The status page: admins post events per service; everyone reads the events (newest first)
//! and each service's current status, the overall status being the worst of them.

use rampart_core::FieldError;
use rampart_store::{
    Cond, Index, Item, ItemExt, Query, SharedStore, StoreError, Table, TxOp, keys,
};
use serde::{Deserialize, Serialize};

use crate::listing::Deltas;

/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
const WRITE_ATTEMPTS: usize = 3;

/// A service's health, from best to worst.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

/// One status event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusEvent {
    pub id: String,
    pub service: String,
    pub status: ServiceStatus,
    pub message: String,
    pub created_at: String,
}

/// `POST /status/events`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatusEvent {
    /// 1 to 64 characters of `a-z`, `0-9` and `-`.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"^[a-z0-9-]+$"))]
    pub service: String,
    pub status: ServiceStatus,
    #[schemars(length(min = 1, max = 2000), pattern(rampart_core::text::NOT_BLANK))]
    pub message: String,
}

/// One service on the status page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServiceState {
    pub service: String,
    pub status: ServiceStatus,
    /// When the service entered this status.
    pub since: String,
    pub last_message: String,
}

/// `GET /status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusPage {
    /// The worst status of any service (`operational` when none is known).
    pub overall: ServiceStatus,
    pub services: Vec<ServiceState>,
}

impl NewStatusEvent {
    /// Field errors, all at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let service_ok = (1..=64).contains(&self.service.len())
            && self
                .service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !service_ok {
            errors.push(FieldError::new(
                "service",
                "must be 1 to 64 characters of a-z, 0-9 and -",
            ));
        }
        if self.message.trim().is_empty() || self.message.chars().count() > MAX_MESSAGE_CHARS {
            errors.push(FieldError::new(
                "message",
                format!("must be 1 to {MAX_MESSAGE_CHARS} characters, not only spaces"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Why a status operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("invalid status event")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StatusError> for rampart_core::ApiError {
    fn from(error: StatusError) -> Self {
        match error {
            StatusError::Validation(errors) => Self::Validation(errors),
            StatusError::Store(error) => error.into(),
        }
    }
}

fn json_attr<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> Result<T, StoreError> {
    item.str_attr(name)
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| StoreError::Internal(format!("a stored status {name} is unreadable")))
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

/// The counter list of status events: `n` in all, `s_<service>` per service.
const EVENTS_COUNT: &str = "status_events";

fn service_count(service: &str) -> String {
    format!("s_{service}")
}

/// The index partition of `service`'s events, or of every event, newest first.
fn events_of(service: Option<&str>) -> Query {
    let query = match service {
        Some(service) => Query::index(
            Table::Content,
            Index::Gsi1,
            keys::content::status_events_of(service),
        ),
        None => Query::index(
            Table::Content,
            Index::Gsi2,
            keys::content::ALL_STATUS_EVENTS,
        ),
    };
    query.backward()
}

/// The status page's store.
#[derive(Clone)]
pub struct Status {
    store: SharedStore,
}

impl Status {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Records an event and moves the service to its status, in one transaction: the page
    /// never shows a status without its event. `since` moves only when the status changes.
    pub async fn post(&self, new: NewStatusEvent, now: &str) -> Result<StatusEvent, StatusError> {
        new.validate().map_err(StatusError::Validation)?;
        let event = StatusEvent {
            id: rampart_core::ids::new_id(),
            service: new.service,
            status: new.status,
            message: new.message,
            created_at: now.to_owned(),
        };
        let order = format!("{}#{}", event.created_at, event.id);
        let mut event_item = keys::content::status_event(&event.id).to_item();
        event_item.insert("event".into(), to_json(&event)?.into());
        event_item.insert(
            "gsi1pk".into(),
            keys::content::status_events_of(&event.service).into(),
        );
        event_item.insert("gsi1sk".into(), order.clone().into());
        event_item.insert("gsi2pk".into(), keys::content::ALL_STATUS_EVENTS.into());
        event_item.insert("gsi2sk".into(), order.into());
        let current_key = keys::content::current_status(&event.service);
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.store.get(Table::Content, &current_key).await?;
            let (since, version, guard) = match &current {
                Some(item) => {
                    let state: ServiceState = json_attr(item, "state")?;
                    let version = item.i64_attr("version").unwrap_or(0);
                    let since = if state.status == event.status {
                        state.since
                    } else {
                        now.to_owned()
                    };
                    (since, version, Cond::eq("version", version))
                }
                None => (now.to_owned(), 0, Cond::not_exists("pk")),
            };
            let state = ServiceState {
                service: event.service.clone(),
                status: event.status,
                since,
                last_message: event.message.clone(),
            };
            let mut current_item = current_key.to_item();
            current_item.insert("state".into(), to_json(&state)?.into());
            current_item.insert("version".into(), (version + 1).into());
            let mut ops = vec![
                TxOp::Put {
                    table: Table::Content,
                    item: event_item.clone(),
                    cond: Some(Cond::not_exists("pk")),
                },
                TxOp::Put {
                    table: Table::Content,
                    item: current_item,
                    cond: Some(guard),
                },
            ];
            // Counted with the write, so a list's total is one read.
            ops.extend(
                Deltas::new()
                    .add("n", 1)
                    .add(service_count(&event.service), 1)
                    .op(EVENTS_COUNT),
            );
            let written = self.store.transact(ops).await;
            match written {
                Ok(()) => return Ok(event),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StatusError::Store(StoreError::Unavailable(
            "the service's status keeps changing; try again".into(),
        )))
    }

    /// Up to `limit` events (of `service`, or of every service), newest first, after `cursor`.
    pub async fn events(
        &self,
        service: Option<&str>,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<StatusEvent>, Option<String>), StatusError> {
        let page = self
            .store
            .query(&events_of(service).limit(limit).after(cursor))
            .await?;
        let events = page
            .items
            .iter()
            .map(|item| json_attr(item, "event"))
            .collect::<Result<_, _>>()?;
        Ok((events, page.cursor))
    }

    /// Events `skip .. skip + take` (of `service`, or of every service), newest first, reading
    /// no further; and the cursor after them.
    pub async fn numbered_events(
        &self,
        service: Option<&str>,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<StatusEvent>, Option<String>), StatusError> {
        let (items, next) =
            crate::listing::numbered_slice(&*self.store, events_of(service), skip, take).await?;
        let events = items
            .iter()
            .map(|item| json_attr(item, "event"))
            .collect::<Result<_, _>>()?;
        Ok((events, next))
    }

    /// How many events there are (of `service`, or of every service): one counter read.
    pub async fn count_events(&self, service: Option<&str>) -> Result<u64, StatusError> {
        let name = service.map_or_else(|| "n".to_owned(), service_count);
        Ok(crate::listing::count(&*self.store, EVENTS_COUNT, &name).await?)
    }

    /// Every event (of `service`, or of every service), newest first.
    pub async fn all_events(&self, service: Option<&str>) -> Result<Vec<StatusEvent>, StatusError> {
        let items = rampart_store::query_all(&*self.store, events_of(service)).await?;
        Ok(items
            .iter()
            .map(|item| json_attr(item, "event"))
            .collect::<Result<_, _>>()?)
    }

    /// The status page: each service's current status, and the worst of them.
    pub async fn page(&self) -> Result<StatusPage, StatusError> {
        let query = Query::partition(Table::Content, keys::content::CURRENT_STATUS);
        let services = rampart_store::query_all(&*self.store, query)
            .await?
            .iter()
            .map(|item| json_attr::<ServiceState>(item, "state"))
            .collect::<Result<Vec<_>, _>>()?;
        let overall = services
            .iter()
            .map(|s| s.status)
            .max()
            .unwrap_or(ServiceStatus::Operational);
        Ok(StatusPage { overall, services })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn event(service: &str, status: ServiceStatus) -> NewStatusEvent {
        NewStatusEvent {
            service: service.into(),
            status,
            message: "m".into(),
        }
    }

    #[tokio::test]
    async fn the_overall_status_is_the_worst_and_since_moves_only_on_change() {
        let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
        let status = Status::new(Arc::new(rampart_store::EmbeddedStore::memory(clock)));
        assert_eq!(
            status.page().await.unwrap().overall,
            ServiceStatus::Operational
        );
        status
            .post(
                event("api", ServiceStatus::DegradedPerformance),
                "2026-11-26T10:00:00Z",
            )
            .await
            .unwrap();
        status
            .post(
                event("api", ServiceStatus::DegradedPerformance),
                "2026-11-26T10:05:00Z",
            )
            .await
            .unwrap();
        status
            .post(
                event("web", ServiceStatus::Operational),
                "2026-11-26T10:06:00Z",
            )
            .await
            .unwrap();
        let page = status.page().await.unwrap();
        assert_eq!(page.overall, ServiceStatus::DegradedPerformance);
        let api = page.services.iter().find(|s| s.service == "api").unwrap();
        assert_eq!(api.since, "2026-11-26T10:00:00Z");
        let (events, _) = status.events(Some("api"), 10, None).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].created_at, "2026-11-26T10:05:00Z", "newest first");
    }
}
