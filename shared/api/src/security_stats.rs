//! Security counters, kept as events happen so the admin summary never reads audit rows:
//! failed sign-ins, permission denials and rate-limit violations, per hour and per route, in
//! the rate-limit table (which every function that can refuse a request already writes),
//! kept 48 hours.

use std::collections::BTreeMap;

use rampart_core::Clock;
use rampart_core::clock::rfc3339;
use rampart_store::{
    ItemExt, Key, Query, ReturnValues, SharedStore, StoreError, TTL_ATTRIBUTE, Table, Update, keys,
};
use schemars::JsonSchema;
use serde::Serialize;

/// Failed sign-ins (wrong password or unknown address).
pub const FAILED_LOGINS: &str = "failed_logins";
/// 403s.
pub const PERMISSION_DENIALS: &str = "permission_denials";
/// New rate-limit violations.
pub const RATE_LIMIT_VIOLATIONS: &str = "rate_limit_violations";
const KEEP_SECS: i64 = 48 * 3_600;

fn hour_of(epoch_ms: i64) -> String {
    rfc3339(epoch_ms).chars().take(13).collect()
}

/// Adds one to `metric` for `dimension` (a route's path template, or `-`) in the current hour. A failure
/// is logged: counting must never fail the request.
pub async fn count(store: &SharedStore, clock: &dyn Clock, metric: &str, dimension: &str) {
    let key = Key::new(
        keys::ratelimits::security_stats(&hour_of(clock.now_ms())),
        format!("{metric}|{dimension}"),
    );
    let update = Update::new()
        .add("count", 1)
        .set(TTL_ATTRIBUTE, clock.now_secs() + KEEP_SECS);
    if let Err(error) = store
        .update(Table::RateLimits, &key, &update, None, ReturnValues::None)
        .await
    {
        tracing::warn!(%error, metric, "security counter not updated");
    }
}

/// One hour's count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HourCount {
    /// `YYYY-MM-DDTHH` (UTC).
    pub hour: String,
    pub count: u64,
}

/// `GET /admin/security/summary`: the last 24 hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SecuritySummary {
    pub since: String,
    pub until: String,
    /// Each of the last 24 hours, oldest first.
    pub failed_logins_per_hour: Vec<HourCount>,
    /// By route (its path template, e.g. `/api/v1/projects/{id}`).
    pub rate_limit_violations: BTreeMap<String, u64>,
    /// By route (its path template).
    pub permission_denials: BTreeMap<String, u64>,
    /// Audit events of the categories an admin watches: `data_access` (someone reading what is
    /// not theirs), `configuration` (settings changed) and `suspicious_activity` (a detector
    /// fired), each present with 0 when none occurred.
    pub events_by_category: BTreeMap<String, u64>,
    /// The deployment's overrides of the default limits (`RATE_LIMIT_OVERRIDES`).
    pub limit_overrides: rampart_ratelimit::Overrides,
}

/// The last 24 hours' counters: each hour's partition, read to its end.
pub async fn summary(
    store: &SharedStore,
    clock: &dyn Clock,
    overrides: &rampart_ratelimit::Overrides,
) -> Result<SecuritySummary, StoreError> {
    let now = clock.now_ms();
    let mut per_hour = Vec::new();
    let mut violations = BTreeMap::new();
    let mut denials = BTreeMap::new();
    let mut categories: BTreeMap<String, u64> = [
        rampart_audit::Category::DataAccess,
        rampart_audit::Category::Configuration,
        rampart_audit::Category::SuspiciousActivity,
    ]
    .iter()
    .map(|c| (c.as_str().to_owned(), 0))
    .collect();
    for back in (0..24i64).rev() {
        let hour = hour_of(now - back * 3_600_000);
        // Every page of the hour: a busy hour's counters cannot hide behind its first page.
        let items = rampart_store::query_all(
            &**store,
            Query::partition(Table::RateLimits, keys::ratelimits::security_stats(&hour)),
        )
        .await?;
        let mut failed = 0;
        for item in &items {
            let (Some(sk), Some(n)) = (item.str_attr("sk"), item.i64_attr("count")) else {
                continue;
            };
            let n = u64::try_from(n).unwrap_or(0);
            match sk.split_once('|') {
                Some((FAILED_LOGINS, _)) => failed += n,
                Some((RATE_LIMIT_VIOLATIONS, route)) => {
                    *violations.entry(route.to_owned()).or_default() += n
                }
                Some((PERMISSION_DENIALS, route)) => {
                    *denials.entry(route.to_owned()).or_default() += n
                }
                Some((rampart_audit::CATEGORY_STAT, category)) => {
                    if let Some(count) = categories.get_mut(category) {
                        *count += n;
                    }
                }
                _ => {}
            }
        }
        per_hour.push(HourCount {
            hour,
            count: failed,
        });
    }
    Ok(SecuritySummary {
        since: rfc3339(now - 24 * 3_600_000),
        until: rfc3339(now),
        failed_logins_per_hour: per_hour,
        rate_limit_violations: violations,
        permission_denials: denials,
        events_by_category: categories,
        limit_overrides: overrides.clone(),
    })
}
