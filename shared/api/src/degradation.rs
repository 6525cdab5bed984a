//! Automatic degradation: a feature whose routes keep failing is switched off, so its callers
//! get a quick `503 feature_disabled` with `Retry-After` instead of failing slowly, until an
//! admin switches it back on (`DELETE /api/v1/admin/features/{feature}/degradation`, or
//! `/restore-feature` in Discord).
//!
//! Each function instance counts its own answers of a feature's routes over the policy's
//! window ([`rampart_core::DegradationPolicy`]): once it has seen `min_requests` of them and
//! at least `error_pct` % were 5xx, it switches the feature off for everyone with one
//! conditional write to the state table (`degraded#<feature>`); of several instances tripping
//! at once, one writes, and that one records `configuration.feature_auto_disabled`. The
//! feature's routes read that item at most every [`CACHE_MS`] per instance. Only the CI
//! tooling features degrade: the security features never switch themselves off.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rampart_audit::{AuditLog, Outcome};
use rampart_core::clock::rfc3339;
use rampart_core::{Clock, DegradationPolicy, Feature};
use rampart_store::{AttrValue, Cond, ItemExt, SharedStore, StoreError, Table, keys};
use schemars::JsonSchema;
use serde::Serialize;

/// How long an instance trusts what it read of a feature's state.
pub const CACHE_MS: i64 = 30_000;

/// The features that switch off when they keep failing.
pub const DEGRADABLE: [Feature; 4] = [
    Feature::PrIntel,
    Feature::FlakyDetector,
    Feature::SchemaDiff,
    Feature::SyntheticJourney,
];

/// Whether `feature` switches off when it keeps failing.
pub fn degradable(feature: Feature) -> bool {
    DEGRADABLE.contains(&feature)
}

/// A feature's name in routes, records and keys (`pr_intel`, `flaky_detector`, ...).
pub fn name(feature: Feature) -> String {
    feature
        .env_var()
        .trim_end_matches("_ENABLED")
        .to_ascii_lowercase()
}

/// The degradable feature called `name`.
pub fn by_name(name_given: &str) -> Option<Feature> {
    DEGRADABLE.into_iter().find(|f| name(*f) == name_given)
}

/// Why a feature is switched off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Degraded {
    /// When it was switched off (RFC 3339).
    pub since: String,
    /// What the instance that switched it off had seen in its window.
    pub requests: u64,
    pub errors: u64,
    pub window_secs: u64,
}

/// What one instance saw of a feature in one second.
#[derive(Clone, Copy, Default)]
struct Second {
    requests: u64,
    errors: u64,
}

/// An instance's view: its recent answers per feature, and what it last read of each
/// feature's state.
#[derive(Default)]
struct Seen {
    answers: BTreeMap<Feature, BTreeMap<i64, Second>>,
    state: BTreeMap<Feature, (i64, Option<Degraded>)>,
}

/// The monitor of one function instance.
pub struct Degradation {
    policy: DegradationPolicy,
    seen: Mutex<Seen>,
}

/// What [`Degradation::observe`] concluded.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Healthy,
    /// This instance switched the feature off.
    SwitchedOff(Degraded),
}

fn key(feature: Feature) -> rampart_store::Key {
    keys::state::degraded(&name(feature))
}

fn degraded_of(item: &rampart_store::Item) -> Degraded {
    let number = |name: &str| {
        item.i64_attr(name)
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0)
    };
    Degraded {
        since: item.str_attr("since").unwrap_or_default().to_owned(),
        requests: number("requests"),
        errors: number("errors"),
        window_secs: number("window_secs"),
    }
}

/// Reads whether `feature` is switched off.
pub async fn read(store: &SharedStore, feature: Feature) -> Result<Option<Degraded>, StoreError> {
    Ok(store
        .get(Table::State, &key(feature))
        .await?
        .map(|item| degraded_of(&item)))
}

/// Switches `feature` back on; false when it was not off.
pub async fn restore(store: &SharedStore, feature: Feature) -> Result<bool, StoreError> {
    match store
        .delete(Table::State, &key(feature), Some(Cond::exists("pk")))
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

impl Degradation {
    /// A monitor with `policy`.
    pub fn new(policy: DegradationPolicy) -> Self {
        Self {
            policy,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `Retry-After` of a switched-off feature's answers.
    pub fn retry_after_secs(&self) -> u64 {
        self.policy.retry_after_secs
    }

    /// Whether `feature` is switched off, read at most every [`CACHE_MS`]. A store that cannot
    /// be read keeps the last answer (none: on), so an outage of the state table alone never
    /// switches features off.
    pub async fn switched_off(
        &self,
        store: &SharedStore,
        clock: &dyn Clock,
        feature: Feature,
    ) -> Option<Degraded> {
        let now = clock.now_ms();
        let cached = self.seen().state.get(&feature).cloned();
        if let Some((read_at, state)) = &cached
            && now - read_at < CACHE_MS
        {
            return state.clone();
        }
        match read(store, feature).await {
            Ok(state) => {
                self.seen().state.insert(feature, (now, state.clone()));
                state
            }
            Err(error) => {
                tracing::warn!(%error, feature = %name(feature), "degradation state not read");
                cached.and_then(|(_, state)| state)
            }
        }
    }

    /// Counts an answer of one of `feature`'s routes; when the window's answers cross the
    /// policy, switches the feature off (once, whichever instance gets there first) and
    /// records it.
    pub async fn observe(
        &self,
        store: &SharedStore,
        clock: &dyn Clock,
        audit: &AuditLog,
        correlation_id: &str,
        feature: Feature,
        server_error: bool,
    ) -> Verdict {
        if !self.policy.enabled() || !degradable(feature) {
            return Verdict::Healthy;
        }
        let now_ms = clock.now_ms();
        let now = now_ms / 1000;
        let window = i64::try_from(self.policy.window_secs).unwrap_or(i64::MAX);
        let (requests, errors) = {
            let mut seen = self.seen();
            let seconds = seen.answers.entry(feature).or_default();
            let second = seconds.entry(now).or_default();
            second.requests += 1;
            second.errors += u64::from(server_error);
            seconds.retain(|at, _| *at > now - window);
            seconds
                .values()
                .fold((0, 0), |(r, e), s| (r + s.requests, e + s.errors))
        };
        let crossed = server_error
            && requests >= u64::from(self.policy.min_requests)
            && errors * 100 >= u64::from(self.policy.error_pct) * requests;
        if !crossed {
            return Verdict::Healthy;
        }
        let degraded = Degraded {
            since: rfc3339(now_ms),
            requests,
            errors,
            window_secs: self.policy.window_secs,
        };
        // Counted afresh once it is switched back on.
        self.seen().answers.remove(&feature);
        let mut item = key(feature).to_item();
        item.insert("since".into(), AttrValue::s(&degraded.since));
        item.insert("requests".into(), AttrValue::n(requests as i64));
        item.insert("errors".into(), AttrValue::n(errors as i64));
        item.insert(
            "window_secs".into(),
            AttrValue::n(self.policy.window_secs as i64),
        );
        match store
            .put(Table::State, item, Some(Cond::not_exists("pk")))
            .await
        {
            Ok(()) => {}
            // Another instance switched it off first; its record stands.
            Err(StoreError::ConditionFailed { existing }) => {
                let mut seen = self.seen();
                match existing {
                    Some(item) => {
                        seen.state
                            .insert(feature, (now_ms, Some(degraded_of(&item))));
                    }
                    // Read afresh by the next request.
                    None => {
                        seen.state.remove(&feature);
                    }
                }
                return Verdict::Healthy;
            }
            Err(error) => {
                tracing::error!(%error, feature = %name(feature), "feature not switched off");
                return Verdict::Healthy;
            }
        }
        self.seen()
            .state
            .insert(feature, (now_ms, Some(degraded.clone())));
        tracing::error!(
            feature = %name(feature),
            requests,
            errors,
            "feature switched off: its requests keep failing"
        );
        let event = rampart_audit::AuditEvent::new(
            "configuration.feature_auto_disabled",
            Outcome::Success,
            correlation_id,
        )
        .target(format!("feature:{}", name(feature)))
        .detail("requests", requests.to_string())
        .detail("errors", errors.to_string())
        .detail("window_secs", self.policy.window_secs.to_string());
        let mut event = event;
        // Nobody asked for it: the monitor did it.
        event.actor = Some("system:degradation".to_owned());
        let _ = audit.record(event).await;
        Verdict::SwitchedOff(degraded)
    }
}

#[cfg(test)]
mod tests;
