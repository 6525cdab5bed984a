//! Operator overrides seen at cold start: the features a deployment's flags switch off
//! (`<FEATURE>_ENABLED=false`) and its rate-limit overrides (`RATE_LIMIT_OVERRIDES`) are
//! changed without a code change, by a parameter of the stack or by hand on one function. So
//! that such a change leaves a trace, every function notes at cold start what it started with,
//! and a start with overrides that differ from the newest any function started with records
//! `configuration.overrides_changed` (what was switched off or on, the limits before and after).
//!
//! One state item per deployment ([`keys::state::overrides`]) holds each function's last
//! overrides (a digest) and the newest (in full). The read is the cold start's store warm-up,
//! so a start costs no extra round trip; a write follows (on Lambda beside the first requests,
//! not holding up the start) only when the function's overrides changed, and the event only
//! when they differ from the newest: the first function to start
//! after a stack update records it, the others only note theirs. A function given its own
//! overrides by hand records one event at its first start, not at each.

use rampart_audit::{AuditEvent, AuditLog, Outcome};
use rampart_core::clock::rfc3339;
use rampart_core::{Clock, Config, Feature};
use rampart_store::{AttrValue, Cond, ItemExt, SharedStore, StoreError, Table, TxOp, Update, keys};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The audit event of a change.
pub const CHANGED: &str = "configuration.overrides_changed";

/// Attempts at noting a start when other functions note theirs at the same moment.
const ATTEMPTS: usize = 3;

/// What an operator overrides without a code change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// The features switched off by their flags (`rbac`, `pr_intel`, ...), sorted.
    pub features_off: Vec<String>,
    /// The rate-limit overrides, as JSON with its keys sorted; `None` without any.
    pub rate_limits: Option<String>,
}

impl Overrides {
    /// The overrides `config` was read with.
    pub fn of(config: &Config) -> Self {
        let mut features_off: Vec<String> = Feature::ALL
            .into_iter()
            .filter(|f| !config.enabled(*f))
            .map(crate::degradation::name)
            .collect();
        features_off.sort();
        // Parsed and written again, so spacing and key order make no difference (the
        // configuration has already refused overrides that are not JSON).
        let rate_limits = config
            .rate_limit_overrides
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(
                |text| match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(value) => value.to_string(),
                    Err(_) => text.to_owned(),
                },
            )
            .filter(|text| text != "{}");
        Self {
            features_off,
            rate_limits,
        }
    }

    /// A short digest, equal for equal overrides.
    pub fn digest(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        hex::encode(&Sha256::digest(text.as_bytes())[..12])
    }
}

/// The deployment's item as read at cold start.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    item: Option<rampart_store::Item>,
}

fn function_attr(function: &str) -> String {
    format!("fn#{function}")
}

impl Seen {
    /// Reads the item (the cold start's warm-up read).
    pub async fn read(store: &SharedStore) -> Result<Self, StoreError> {
        Ok(Self {
            item: store.get(Table::State, &keys::state::overrides()).await?,
        })
    }

    /// The digest of the overrides `function` last started with.
    fn of_function(&self, function: &str) -> Option<&str> {
        self.item
            .as_ref()
            .and_then(|i| i.str_attr(&function_attr(function)))
    }

    /// The newest overrides any function started with, and their digest.
    fn newest(&self) -> Option<(String, Overrides)> {
        let item = self.item.as_ref()?;
        let digest = item.str_attr("newest_digest")?.to_owned();
        let newest = serde_json::from_str(item.str_attr("newest")?).ok()?;
        Some((digest, newest))
    }

    /// Whether `function` last started with `overrides`: nothing to note.
    pub fn unchanged(&self, function: &str, overrides: &Overrides) -> bool {
        self.of_function(function) == Some(overrides.digest().as_str())
    }
}

/// A change of overrides, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub before: Overrides,
    pub after: Overrides,
}

impl Change {
    fn event(&self, function: &str, at_ms: i64) -> AuditEvent {
        let switched = |from: &Overrides, to: &Overrides| -> String {
            let names: Vec<&str> = to
                .features_off
                .iter()
                .filter(|f| !from.features_off.contains(f))
                .map(String::as_str)
                .collect();
            names.join(",")
        };
        let mut event = AuditEvent::new(CHANGED, Outcome::Success, format!("start-{at_ms}"))
            .target(format!("function:{function}"))
            .detail("features_switched_off", switched(&self.before, &self.after))
            .detail("features_switched_on", switched(&self.after, &self.before))
            .detail("features_off", self.after.features_off.join(","));
        if self.before.rate_limits != self.after.rate_limits {
            event = event
                .detail(
                    "rate_limits_before",
                    self.before.rate_limits.as_deref().unwrap_or("none"),
                )
                .detail(
                    "rate_limits_after",
                    self.after.rate_limits.as_deref().unwrap_or("none"),
                );
        }
        // Nobody asked through the API: the deployment changed.
        event.actor = Some("system:deployment".to_owned());
        event
    }
}

/// Notes that `function` started with `overrides`, given what its warm-up read (`seen`).
/// When they differ from the newest any function started with (at the first start of a
/// deployment: from none), records [`CHANGED`] in the same transaction and returns the
/// change. `tally` says whether the function may count the event for the security summary.
pub async fn note(
    store: &SharedStore,
    audit: &AuditLog,
    clock: &dyn Clock,
    function: &str,
    overrides: &Overrides,
    mut seen: Seen,
    tally: bool,
) -> Result<Option<Change>, StoreError> {
    let digest = overrides.digest();
    for attempt in 1..=ATTEMPTS {
        if seen.unchanged(function, overrides) {
            return Ok(None);
        }
        let newest = seen.newest();
        let change = match &newest {
            Some((newest_digest, _)) if *newest_digest == digest => None,
            Some((_, before)) => Some(before.clone()),
            None if *overrides == Overrides::default() => None,
            None => Some(Overrides::default()),
        }
        .map(|before| Change {
            before,
            after: overrides.clone(),
        });
        let attr = function_attr(function);
        // Written only while the item is as read: another start in between means reading again.
        let as_read = |name: &str, value: Option<&str>| match value {
            Some(value) => Cond::eq(name.to_owned(), AttrValue::s(value)),
            None => Cond::not_exists(name.to_owned()),
        };
        let cond = as_read(&attr, seen.of_function(function)).and(as_read(
            "newest_digest",
            newest.as_ref().map(|(d, _)| d.as_str()),
        ));
        let now_ms = clock.now_ms();
        let mut update = Update::new().set(attr, AttrValue::s(&digest));
        if newest.as_ref().is_none_or(|(d, _)| *d != digest) {
            update = update
                .set("newest_digest", AttrValue::s(&digest))
                .set(
                    "newest",
                    AttrValue::s(serde_json::to_string(overrides).unwrap_or_default()),
                )
                .set("newest_at", AttrValue::s(rfc3339(now_ms)))
                .set("newest_by", AttrValue::s(function));
        }
        let mut ops = vec![TxOp::Update {
            table: Table::State,
            key: keys::state::overrides(),
            update,
            cond: Some(cond),
        }];
        let entry = change
            .as_ref()
            .map(|change| audit.entry(change.event(function, now_ms)));
        ops.extend(entry.as_ref().map(|e| e.write()));
        match store.transact(ops).await {
            Ok(()) => {
                if let Some(entry) = entry {
                    entry.committed();
                    if tally {
                        audit.tally(CHANGED).await;
                    }
                }
                return Ok(change);
            }
            Err(error) if error.is_condition_failed() && attempt < ATTEMPTS => {
                seen = Seen::read(store).await?;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
