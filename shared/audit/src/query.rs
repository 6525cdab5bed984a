//! Reading the audit table back through an index: by event name (gsi1) or by actor (gsi2),
//! newest first, optionally from a time on. Every event of the last days, without either, is
//! [`crate::timeline`]: the day partitions, never a scan.

use std::collections::BTreeMap;

use rampart_core::FieldError;
use rampart_store::{
    AttrValue, Index, Item, ItemExt, Query, SharedStore, SortCond, StoreError, Table, keys,
};
use serde::Serialize;

/// One stored audit event, as an admin sees it (the client address is already anonymised and
/// secret-looking details already masked when it was written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StoredEvent {
    pub id: String,
    pub event: String,
    /// `authentication`, `access_control`, `data_access`, `configuration`,
    /// `suspicious_activity` or `system`.
    pub category: String,
    pub at: String,
    pub actor: Option<String>,
    /// What the action was done to, when it is not the actor.
    pub target: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    pub correlation_id: String,
    pub details: BTreeMap<String, String>,
}

/// What to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub event: Option<String>,
    pub actor: Option<String>,
    /// RFC 3339; events at or after it.
    pub since: Option<String>,
}

/// Why a query was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuditQueryError {
    #[error("invalid query")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AuditQueryError> for rampart_core::ApiError {
    fn from(error: AuditQueryError) -> Self {
        match error {
            AuditQueryError::Validation(errors) => Self::Validation(errors),
            AuditQueryError::Store(error) => error.into(),
        }
    }
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.str_attr(name).map(str::to_owned)
}

pub(crate) fn event_of(item: &Item) -> StoredEvent {
    let details = match item.get("details") {
        Some(AttrValue::M(map)) => map
            .iter()
            .filter_map(|(k, v)| v.as_s().map(|v| (k.clone(), v.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    };
    StoredEvent {
        id: text(item, "id").unwrap_or_default(),
        event: text(item, "event").unwrap_or_default(),
        // Records written before categories were stored take their event's.
        category: text(item, "category").unwrap_or_else(|| {
            crate::event::Category::of(&text(item, "event").unwrap_or_default())
                .as_str()
                .to_owned()
        }),
        at: text(item, "at").unwrap_or_default(),
        actor: text(item, "actor"),
        target: text(item, "target"),
        outcome: text(item, "outcome").unwrap_or_default(),
        ip: text(item, "ip"),
        correlation_id: text(item, "correlation_id").unwrap_or_default(),
        details,
    }
}

impl AuditFilter {
    /// Checks the filter: `event` and `actor` of 1 to 128 characters, `since` an RFC 3339
    /// time.
    pub fn validate(&self) -> Result<(), AuditQueryError> {
        let mut errors = Vec::new();
        let bounded =
            |v: &Option<String>| v.as_ref().is_none_or(|v| !v.is_empty() && v.len() <= 128);
        if !bounded(&self.event) {
            errors.push(FieldError::new("event", "must be 1 to 128 characters"));
        }
        if !bounded(&self.actor) {
            errors.push(FieldError::new("actor", "must be 1 to 128 characters"));
        }
        if let Some(since) = &self.since
            && time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
                .is_err()
        {
            errors.push(FieldError::new("since", "must be an RFC 3339 time"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AuditQueryError::Validation(errors))
        }
    }
}

/// Up to `limit` events matching `filter` (an event, an actor or both), newest first, after
/// `cursor`; and the next page's cursor. With both an event and an actor, the actor's partition is read and filtered by
/// event, so a page may hold fewer than `limit` events and still have a next page.
pub async fn query(
    store: &SharedStore,
    filter: &AuditFilter,
    limit: u32,
    cursor: Option<String>,
) -> Result<(Vec<StoredEvent>, Option<String>), AuditQueryError> {
    filter.validate()?;
    let mut query = match (&filter.actor, &filter.event) {
        (Some(actor), _) => Query::index(Table::Audit, Index::Gsi2, keys::audit::by_actor(actor)),
        (None, Some(event)) => {
            Query::index(Table::Audit, Index::Gsi1, keys::audit::by_event(event))
        }
        (None, None) => {
            return Err(AuditQueryError::Validation(vec![FieldError::new(
                "event",
                "send event, actor or both (every event is read by the timeline)",
            )]));
        }
    };
    if let Some(since) = &filter.since {
        query = query.sort(SortCond::Ge(since.clone()));
    }
    let page = store
        .query(&query.backward().limit(limit).after(cursor))
        .await?;
    let events = page
        .items
        .iter()
        .map(event_of)
        .filter(|e| filter.event.as_ref().is_none_or(|name| &e.event == name))
        .collect();
    Ok((events, page.cursor))
}
