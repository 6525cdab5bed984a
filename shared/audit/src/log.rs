//! Writing audit events to the audit table and to tracing.
//!
//! Layout: [`rampart_store::keys::audit`]; both indexes sort by the event's own sort key.

use rampart_core::SharedClock;
use rampart_core::clock::rfc3339;
use rampart_store::{AttrValue, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys};

use crate::anonymize::{anonymize_ip, mask_details};
use crate::event::AuditEvent;

const USER_AGENT_MAX: usize = 256;

/// The audit log of a process.
pub struct AuditLog {
    store: SharedStore,
    clock: SharedClock,
    retention_secs: i64,
}

impl AuditLog {
    /// An audit log keeping events for `retention_days`.
    pub fn new(store: SharedStore, clock: SharedClock, retention_days: u32) -> Self {
        Self {
            store,
            clock,
            retention_secs: i64::from(retention_days) * 86_400,
        }
    }

    /// Records an event: one log line always, one item in the audit table when the store
    /// answers. A store failure is logged and returned; callers decide whether it matters.
    pub async fn record(&self, event: AuditEvent) -> Result<(), StoreError> {
        let now_ms = self.clock.now_ms();
        let at = rfc3339(now_ms);
        let id = rampart_core::ids::new_id();
        let ip = event.ip.map(anonymize_ip);
        let user_agent = event
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(USER_AGENT_MAX).collect::<String>());
        let details = mask_details(event.details);
        let details_json = serde_json::to_string(&details).unwrap_or_else(|_| "{}".to_owned());
        tracing::info!(
            audit_event = %event.name,
            actor = event.actor.as_deref().unwrap_or("-"),
            ip = ip.as_deref().unwrap_or("-"),
            outcome = event.outcome.as_str(),
            correlation_id = %event.correlation_id,
            details = %details_json,
            "audit"
        );
        let key = keys::audit::record(&at, &id);
        let mut item = key.to_item();
        let mut put = |name: &str, value: AttrValue| {
            item.insert(name.to_owned(), value);
        };
        put("gsi1pk", AttrValue::s(keys::audit::by_event(&event.name)));
        put("gsi1sk", AttrValue::s(&key.sk));
        if let Some(actor) = &event.actor {
            put("gsi2pk", AttrValue::s(keys::audit::by_actor(actor)));
            put("gsi2sk", AttrValue::s(&key.sk));
            put("actor", AttrValue::s(actor));
        }
        put("id", AttrValue::s(&id));
        put("event", AttrValue::s(&event.name));
        put("at", AttrValue::s(&at));
        put("outcome", AttrValue::s(event.outcome.as_str()));
        put("correlation_id", AttrValue::s(&event.correlation_id));
        if let Some(ip) = ip {
            put("ip", AttrValue::s(ip));
        }
        if let Some(ua) = user_agent {
            put("user_agent", AttrValue::s(ua));
        }
        put(
            "details",
            AttrValue::M(
                details
                    .into_iter()
                    .map(|(k, v)| (k, AttrValue::S(v)))
                    .collect(),
            ),
        );
        put(
            TTL_ATTRIBUTE,
            AttrValue::n(now_ms / 1000 + self.retention_secs),
        );
        let written = self.store.put(Table::Audit, item, None).await;
        if let Err(e) = &written {
            tracing::error!(error = %e, audit_event = %event.name, "audit event not stored");
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_core::ManualClock;
    use rampart_store::{EmbeddedStore, Index, ItemExt, Query};

    use super::*;
    use crate::event::Outcome;

    #[tokio::test]
    async fn events_are_stored_anonymised_masked_and_findable_by_event_and_actor() {
        let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
        let store: SharedStore = Arc::new(EmbeddedStore::memory(clock.clone()));
        let log = AuditLog::new(store.clone(), clock.clone(), 30);
        let mut event = AuditEvent::new("auth.login", Outcome::Failure, "req-1")
            .detail("password", "hunter2hunter2")
            .detail("reason", "invalid_credentials");
        event.actor = Some("user-1".into());
        event.ip = Some("203.0.113.77".parse().unwrap());
        event.user_agent = Some("x".repeat(1000));
        log.record(event).await.unwrap();

        let by_event = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi1,
                keys::audit::by_event("auth.login"),
            ))
            .await
            .unwrap();
        let item = &by_event.items[0];
        assert_eq!(item.str_attr("ip"), Some("203.0.113.0"));
        assert_eq!(item.str_attr("user_agent").map(str::len), Some(256));
        assert_eq!(item.str_attr("correlation_id"), Some("req-1"));
        let AttrValue::M(details) = &item["details"] else {
            panic!("details is a map")
        };
        assert_eq!(details["password"], AttrValue::s("***"));
        assert_eq!(details["reason"], AttrValue::s("invalid_credentials"));
        assert_eq!(
            item.i64_attr(TTL_ATTRIBUTE),
            Some(1_795_338_000 + 30 * 86_400)
        );
        let by_actor = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi2,
                keys::audit::by_actor("user-1"),
            ))
            .await
            .unwrap();
        assert_eq!(by_actor.items.len(), 1);

        clock.advance_secs(31 * 86_400);
        let expired = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi1,
                keys::audit::by_event("auth.login"),
            ))
            .await
            .unwrap();
        assert!(expired.items.is_empty(), "retention ends the event");
    }
}
