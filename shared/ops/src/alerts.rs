//! Alertmanager's webhook (version 4): each alert of a notification is validated and bounded
//! on its own, so one oversized alert never costs the others of its group (Alertmanager treats
//! a 4xx as final and would resend the whole group forever); each valid alert is kept 48 hours
//! under its fingerprint, so a resolved notification updates the firing record (and a replayed
//! older notification does not undo a newer one).

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
    #[schemars(extend("enum" = ["4"]))]
    pub version: String,
    #[schemars(extend("enum" = ["firing", "resolved"]))]
    pub status: String,
    #[schemars(length(max = 128))]
    pub receiver: String,
    /// Each alert is read on its own: one that does not fit (`Alert` says what fits) is
    /// refused alone, in the answer's `refused`, and the others are stored.
    #[schemars(extend("items" = {"description": "An alert, as `Alert` describes it; any other value is refused alone."}))]
    pub alerts: Vec<Alert>,
}

/// What an ingest recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Received {
    /// Alerts in the notification (firing or resolved).
    pub alerts: usize,
    /// Alerts stored (or found already stored in a newer state).
    pub accepted: usize,
    /// Alerts older than what is stored for their fingerprint (a resent or replayed
    /// notification), left unapplied; counted in `accepted`.
    pub stale: usize,
    /// Alerts refused, each with what was wrong; the others were stored.
    pub refused: Vec<Refusal>,
}

/// One alert of a notification that was not stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Refusal {
    /// Its position in `alerts`.
    pub index: usize,
    /// The field at fault (`labels`, `annotations`, `fingerprint`, ...).
    pub field: String,
    pub reason: String,
}

/// A notification as it arrives: the envelope typed, each alert still raw, so a malformed
/// alert is refused alone instead of failing the whole body.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incoming {
    pub version: String,
    pub status: String,
    pub receiver: String,
    pub alerts: Vec<serde_json::Value>,
}

/// The valid alerts of a notification, with their positions, and the refused ones.
pub struct Sorted {
    pub valid: Vec<(usize, Alert)>,
    pub refused: Vec<Refusal>,
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

/// What is wrong with one alert, as (field, reason); `None` when it may be stored.
pub fn check_alert(alert: &Alert) -> Option<(String, String)> {
    let fault = |field: &str, reason: String| Some((field.to_owned(), reason));
    if !matches!(alert.status.as_str(), "firing" | "resolved") {
        return fault("status", "must be firing or resolved".into());
    }
    if !bounded(&alert.labels) {
        return fault(
            "labels",
            format!(
                "at most {MAX_LABELS}, names 1 to {MAX_NAME_BYTES} bytes, values at most \
                 {MAX_VALUE_BYTES} bytes (this alert has {})",
                alert.labels.len()
            ),
        );
    }
    if !bounded(&alert.annotations) {
        return fault(
            "annotations",
            format!(
                "at most {MAX_LABELS}, names 1 to {MAX_NAME_BYTES} bytes, values at most \
                 {MAX_VALUE_BYTES} bytes"
            ),
        );
    }
    if alert.fingerprint.is_empty()
        || alert.fingerprint.len() > 64
        || !alert.fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return fault("fingerprint", "must be 1 to 64 hex digits".into());
    }
    if time::OffsetDateTime::parse(
        &alert.starts_at,
        &time::format_description::well_known::Rfc3339,
    )
    .is_err()
    {
        return fault("startsAt", "must be an RFC 3339 time".into());
    }
    if alert.ends_at.len() > 64 {
        return fault("endsAt", "is too long".into());
    }
    if alert.generator_url.len() > MAX_URL_BYTES {
        return fault("generatorURL", format!("at most {MAX_URL_BYTES} bytes"));
    }
    None
}

impl Incoming {
    /// Field errors of the envelope: a body that is not Alertmanager's v4 webhook at all.
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
        if self.receiver.chars().count() > MAX_NAME_BYTES {
            errors.push(FieldError::new("receiver", "is too long"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Each alert read and checked on its own; past [`MAX_ALERTS`], the rest are refused.
    pub fn sort(self) -> Sorted {
        let mut valid = Vec::new();
        let mut refused = Vec::new();
        for (index, raw) in self.alerts.into_iter().enumerate() {
            let refuse = |field: &str, reason: String| Refusal {
                index,
                field: field.to_owned(),
                reason,
            };
            if index >= MAX_ALERTS {
                refused.push(refuse(
                    "alerts",
                    format!("at most {MAX_ALERTS} alerts are read from one notification"),
                ));
                continue;
            }
            match serde_path_to_error::deserialize::<_, Alert>(raw) {
                Err(error) => {
                    let path = error.path().to_string();
                    let field = path.split('.').next().unwrap_or_default();
                    let field = if field.is_empty() || field == "?" {
                        "alert"
                    } else {
                        field
                    };
                    refused.push(refuse(field, error.inner().to_string()));
                }
                Ok(alert) => match check_alert(&alert) {
                    Some((field, reason)) => refused.push(refuse(&field, reason)),
                    None => valid.push((index, alert)),
                },
            }
        }
        Sorted { valid, refused }
    }
}

/// Stores each alert under its fingerprint, kept [`KEEP_SECS`] from `now_secs`.
pub async fn record(
    store: &SharedStore,
    sorted: Sorted,
    now_secs: i64,
) -> Result<Received, StoreError> {
    let alerts: Vec<&Alert> = sorted.valid.iter().map(|(_, a)| a).collect();
    use futures_util::stream::{self, TryStreamExt};
    let stale = std::sync::atomic::AtomicUsize::new(0);
    let stale = &stale;
    stream::iter(alerts.iter().copied().map(Ok))
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
        alerts: alerts.len() + sorted.refused.len(),
        accepted: alerts.len(),
        stale: stale.load(std::sync::atomic::Ordering::Relaxed),
        refused: sorted.refused,
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

    fn fixture() -> Incoming {
        serde_json::from_str(include_str!("../tests/fixtures/alertmanager_v4.json")).unwrap()
    }

    #[test]
    fn the_fixture_is_a_valid_notification() {
        let n = fixture();
        assert!(n.validate().is_ok());
        let sorted = n.sort();
        assert!(sorted.refused.is_empty());
        assert_eq!(sorted.valid[0].1.fingerprint, "1a30ba71cca2921f");
    }

    #[test]
    fn each_alert_is_refused_alone_naming_its_field() {
        let mut n = fixture();
        let good = n.alerts[0].clone();
        let mut labels = good.clone();
        labels["labels"] = (0..51)
            .map(|i| (format!("l{i}"), serde_json::Value::from("v")))
            .collect::<serde_json::Map<_, _>>()
            .into();
        let mut fingerprint = good.clone();
        fingerprint["fingerprint"] = "not hex".into();
        let mut typed = good.clone();
        typed["labels"] = serde_json::json!(["not", "a", "map"]);
        n.alerts = vec![
            labels,
            good.clone(),
            fingerprint,
            typed,
            serde_json::json!(7),
        ];
        let sorted = n.sort();
        let refused: Vec<(usize, &str)> = sorted
            .refused
            .iter()
            .map(|r| (r.index, r.field.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                (0, "labels"),
                (2, "fingerprint"),
                (3, "labels"),
                (4, "alert")
            ]
        );
        assert_eq!(sorted.valid.len(), 1);
        assert_eq!(sorted.valid[0].0, 1);
        let mut many = fixture();
        many.alerts = vec![good; MAX_ALERTS + 1];
        let sorted = many.sort();
        assert_eq!((sorted.valid.len(), sorted.refused.len()), (MAX_ALERTS, 1));
        assert_eq!(sorted.refused[0].index, MAX_ALERTS);
        let mut old = fixture();
        old.version = "3".into();
        assert!(old.validate().is_err());
    }
}
