//! Alertmanager's webhook (version 4): the body is validated and bounded, and each alert is
//! kept 48 hours under its fingerprint, so a resolved notification updates the firing record
//! (and a replayed older notification does not undo a newer one).

use std::collections::BTreeMap;

use rampart_core::FieldError;
use rampart_store::{Cond, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys};
use serde::{Deserialize, Serialize};

/// The most alerts in one notification.
pub const MAX_ALERTS: usize = 1_000;
/// The most labels (and annotations) of one alert.
pub const MAX_LABELS: usize = 50;
const MAX_NAME_BYTES: usize = 128;
const MAX_VALUE_BYTES: usize = 4_096;
const MAX_URL_BYTES: usize = 2_048;
/// How long an alert is kept.
pub const KEEP_SECS: i64 = 48 * 3_600;
/// How many alerts are written at once.
const WRITES_AT_ONCE: usize = 16;

/// One alert of a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `firing` or `resolved`.
    pub status: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    pub fingerprint: String,
}

/// Alertmanager's webhook body, version 4 (the fields kept; others are ignored).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Must be `"4"`.
    pub version: String,
    pub status: String,
    pub receiver: String,
    pub alerts: Vec<Alert>,
}

/// What an ingest recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Received {
    /// Alerts in the notification (firing or resolved).
    pub alerts: usize,
    /// Alerts older than what is stored for their fingerprint (a resent or replayed
    /// notification), left unapplied.
    pub stale: usize,
}

/// When an alert's state began, in epoch milliseconds: its `endsAt` once resolved, else its
/// `startsAt`. A state is applied only over an older one, so a firing notification replayed
/// after the resolution cannot set the alert firing again.
fn state_at(alert: &Alert) -> i64 {
    let ms = |text: &str| rampart_core::clock::parse_rfc3339(text).filter(|ms| *ms > 0);
    let started = ms(&alert.starts_at).unwrap_or(0);
    if alert.status == "resolved" {
        ms(&alert.ends_at).unwrap_or(started).max(started)
    } else {
        started
    }
}

/// Whether the stored record may be replaced by a state that began at `at`: none is stored
/// (or it expired, or predates this rule), or the stored one is firing and no newer, or it is
/// resolved and older (an alert fires again only with a later `startsAt`).
fn replaceable(at: i64, now_secs: i64) -> Cond {
    Cond::not_exists("pk")
        .or(Cond::lt(TTL_ATTRIBUTE, now_secs))
        .or(Cond::not_exists("at"))
        .or(Cond::eq("status", "firing").and(Cond::le("at", at)))
        .or(Cond::eq("status", "resolved").and(Cond::lt("at", at)))
}

fn bounded(map: &BTreeMap<String, String>) -> bool {
    map.len() <= MAX_LABELS
        && map
            .iter()
            .all(|(k, v)| !k.is_empty() && k.len() <= MAX_NAME_BYTES && v.len() <= MAX_VALUE_BYTES)
}

impl Notification {
    /// Field errors, naming the first alert at fault.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.version != "4" {
            errors.push(FieldError::new(
                "version",
                "must be \"4\" (Alertmanager's webhook version)",
            ));
        }
        if !matches!(self.status.as_str(), "firing" | "resolved") {
            errors.push(FieldError::new("status", "must be firing or resolved"));
        }
        if self.receiver.len() > MAX_NAME_BYTES {
            errors.push(FieldError::new("receiver", "is too long"));
        }
        if self.alerts.len() > MAX_ALERTS {
            errors.push(FieldError::new(
                "alerts",
                format!("at most {MAX_ALERTS} alerts"),
            ));
        }
        for (i, alert) in self.alerts.iter().enumerate() {
            let field = |name: &str| format!("alerts[{i}].{name}");
            if !matches!(alert.status.as_str(), "firing" | "resolved") {
                errors.push(FieldError::new(
                    field("status"),
                    "must be firing or resolved",
                ));
            }
            if !bounded(&alert.labels) {
                errors.push(FieldError::new(
                    field("labels"),
                    format!("at most {MAX_LABELS}, names 1 to {MAX_NAME_BYTES} bytes, values at most {MAX_VALUE_BYTES}"),
                ));
            }
            if !bounded(&alert.annotations) {
                errors.push(FieldError::new(
                    field("annotations"),
                    format!("at most {MAX_LABELS}, bounded in size"),
                ));
            }
            if alert.fingerprint.is_empty()
                || alert.fingerprint.len() > 64
                || !alert.fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
            {
                errors.push(FieldError::new(
                    field("fingerprint"),
                    "must be 1 to 64 hex digits",
                ));
            }
            if time::OffsetDateTime::parse(
                &alert.starts_at,
                &time::format_description::well_known::Rfc3339,
            )
            .is_err()
            {
                errors.push(FieldError::new(
                    field("startsAt"),
                    "must be an RFC 3339 time",
                ));
            }
            if alert.ends_at.len() > 64 || alert.generator_url.len() > MAX_URL_BYTES {
                errors.push(FieldError::new(field("generatorURL"), "is too long"));
            }
            if errors.len() >= 10 {
                break;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Stores each alert under its fingerprint, kept [`KEEP_SECS`] from `now_secs`.
pub async fn record(
    store: &SharedStore,
    notification: &Notification,
    now_secs: i64,
) -> Result<Received, StoreError> {
    use futures_util::stream::{self, TryStreamExt};
    let stale = std::sync::atomic::AtomicUsize::new(0);
    let stale = &stale;
    stream::iter(notification.alerts.iter().map(Ok))
        .try_for_each_concurrent(WRITES_AT_ONCE, |alert| async move {
            let at = state_at(alert);
            let mut item = keys::intel::alert(&alert.fingerprint).to_item();
            let json =
                serde_json::to_string(alert).map_err(|e| StoreError::Internal(e.to_string()))?;
            item.insert("alert".into(), json.into());
            item.insert("status".into(), alert.status.clone().into());
            item.insert(
                "gsi1pk".into(),
                keys::intel::alerts_by_status(&alert.status).into(),
            );
            item.insert(
                "gsi1sk".into(),
                format!("{}#{}", alert.starts_at, alert.fingerprint).into(),
            );
            item.insert("at".into(), at.into());
            item.insert(TTL_ATTRIBUTE.into(), (now_secs + KEEP_SECS).into());
            match store
                .put(Table::Intel, item, Some(replaceable(at, now_secs)))
                .await
            {
                Err(e) if e.is_condition_failed() => {
                    stale.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok(())
                }
                other => other,
            }
        })
        .await?;
    Ok(Received {
        alerts: notification.alerts.len(),
        stale: stale.load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// Up to `limit` alerts with `status` (`firing` or `resolved`), newest first, after `cursor`;
/// and the next page's cursor. Alerts are kept 48 hours, so this is their recent history.
pub async fn history(
    store: &SharedStore,
    status: &str,
    limit: u32,
    cursor: Option<String>,
) -> Result<(Vec<Alert>, Option<String>), StoreError> {
    let page = store
        .query(
            &rampart_store::Query::index(
                Table::Intel,
                rampart_store::Index::Gsi1,
                keys::intel::alerts_by_status(status),
            )
            .backward()
            .limit(limit)
            .after(cursor),
        )
        .await?;
    let alerts = page
        .items
        .iter()
        .filter_map(|item| {
            rampart_store::ItemExt::str_attr(item, "alert")
                .and_then(|json| serde_json::from_str(json).ok())
        })
        .collect();
    Ok((alerts, page.cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Notification {
        serde_json::from_str(include_str!("../tests/fixtures/alertmanager_v4.json")).unwrap()
    }

    #[test]
    fn the_fixture_is_a_valid_notification() {
        let n = fixture();
        assert!(n.validate().is_ok());
        assert_eq!(n.alerts[0].fingerprint, "1a30ba71cca2921f");
    }

    #[test]
    fn oversized_or_malformed_notifications_are_refused_naming_the_field() {
        let mut n = fixture();
        n.alerts[0].labels = (0..51).map(|i| (format!("l{i}"), "v".into())).collect();
        n.alerts[0].fingerprint = "not hex".into();
        let errors = n.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["alerts[0].labels", "alerts[0].fingerprint"]);
        let mut many = fixture();
        many.alerts = vec![many.alerts[0].clone(); MAX_ALERTS + 1];
        assert!(many.validate().is_err());
        let mut old = fixture();
        old.version = "3".into();
        assert!(old.validate().is_err());
    }
}
