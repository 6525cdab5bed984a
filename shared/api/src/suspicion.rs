//! Detectors of suspicious activity: patterns no single refusal shows. Each notes distinct
//! members (routes, networks, sessions) of a subject (a principal, an account, the service)
//! in a fixed window, in one counter item of the rate-limit table, and fires once per window,
//! on the occurrence that brings the distinct count to its threshold: that occurrence records
//! a `suspicious.<detector>` audit event, whose category the audit log counts as the
//! `SuspiciousActivity` metric the deployment alarms on (docs/security/audit.md,
//! docs/runbooks/alarms.md).
//!
//! | detector | subject | member | window | threshold |
//! |---|---|---|---|---|
//! | `forbidden_sweep` | a signed-in principal or API key | a route answered 403 | 10 min | 5 routes |
//! | `sign_in_networks` | an account | the network of a completed sign-in (anonymised address) | 1 h | 4 networks |
//! | `refresh_reuse_burst` | the service | a session whose refresh token was replayed | 10 min | 3 sessions |

use rampart_audit::{AuditLog, Outcome};
use rampart_core::Clock;
use rampart_store::{Key, ReturnValues, SharedStore, TTL_ATTRIBUTE, Table, Update, keys};
use sha2::{Digest, Sha256};

use crate::context::RequestContext;

/// One detector: its name, window and threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detector {
    /// The event is `suspicious.<name>`; the metric's `detector` dimension is `name`.
    pub name: &'static str,
    pub window_secs: i64,
    /// Distinct members within one window that fire it.
    pub threshold: usize,
    /// What the members are, for the event's details.
    pub members: &'static str,
}

/// One principal refused (403) on many routes: probing what it may reach.
pub const FORBIDDEN_SWEEP: Detector = Detector {
    name: "forbidden_sweep",
    window_secs: 600,
    threshold: 5,
    members: "routes",
};

/// One account signed in from many networks: shared or stolen credentials.
pub const SIGN_IN_NETWORKS: Detector = Detector {
    name: "sign_in_networks",
    window_secs: 3_600,
    threshold: 4,
    members: "networks",
};

/// Refresh tokens of many sessions replayed: stolen tokens being tried.
pub const REFRESH_REUSE_BURST: Detector = Detector {
    name: "refresh_reuse_burst",
    window_secs: 600,
    threshold: 3,
    members: "sessions",
};

/// Every detector.
pub const DETECTORS: [Detector; 3] = [FORBIDDEN_SWEEP, SIGN_IN_NETWORKS, REFRESH_REUSE_BURST];

/// The subject the whole service is, for detectors that watch it as one.
pub const SERVICE: &str = "service";

/// A member's attribute: a short digest, so neither a raw network nor a session id is kept in
/// the item, and the item stays small however many members a window sees.
fn member_attribute(member: &str) -> String {
    let digest = Sha256::digest(member.as_bytes());
    format!("m_{}", hex::encode(&digest[..6]))
}

/// Notes `member` for `subject`; true exactly when this occurrence brought the window's
/// distinct members to the threshold. A store failure is logged and detects nothing: a
/// detector never fails the request it watches.
pub async fn observe(
    store: &SharedStore,
    clock: &dyn Clock,
    detector: &Detector,
    subject: &str,
    member: &str,
) -> bool {
    let now = clock.now_secs();
    let window = now - now.rem_euclid(detector.window_secs);
    let key = Key::new(
        keys::ratelimits::suspicion(detector.name, subject, window),
        "members",
    );
    let attribute = member_attribute(member);
    let update = Update::new()
        .add(attribute.clone(), 1)
        .set(TTL_ATTRIBUTE, window + 2 * detector.window_secs);
    match store
        .update(Table::RateLimits, &key, &update, None, ReturnValues::AllNew)
        .await
    {
        Ok(Some(item)) => {
            let first_time = item
                .get(&attribute)
                .and_then(|v| v.as_n())
                .and_then(|n| n.as_i64())
                == Some(1);
            let distinct = item.keys().filter(|name| name.starts_with("m_")).count();
            first_time && distinct == detector.threshold
        }
        Ok(None) => false,
        Err(error) => {
            tracing::warn!(%error, detector = detector.name, "suspicion not noted");
            false
        }
    }
}

/// Notes `member` and, when the detector fires, records its event (actor and address of
/// `ctx`, `target` what it is about) and counts its metric.
#[allow(clippy::too_many_arguments)]
pub async fn watch(
    store: &SharedStore,
    clock: &dyn Clock,
    audit: &AuditLog,
    ctx: &RequestContext,
    detector: &Detector,
    subject: &str,
    member: &str,
    target: String,
) {
    if !observe(store, clock, detector, subject, member).await {
        return;
    }
    let mut event = ctx
        .audit_event(&format!("suspicious.{}", detector.name), Outcome::Denied)
        .target(target)
        .detail("detector", detector.name)
        .detail(detector.members, detector.threshold.to_string())
        .detail("window_secs", detector.window_secs.to_string());
    if subject != SERVICE {
        event = event.detail("subject", subject);
    }
    tracing::warn!(detector = detector.name, subject, "suspicious activity");
    // The audit log counts the `SuspiciousActivity` metric (dimension `event`) for its
    // category, and the security summary's count.
    let _ = audit.record(event).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_kept_as_short_digests() {
        let name = member_attribute("203.0.113.0");
        assert_eq!(name.len(), 2 + 12);
        assert!(!name.contains("203"));
        assert_ne!(name, member_attribute("203.0.114.0"));
    }

    #[tokio::test]
    async fn a_detector_fires_once_a_window_on_the_threshold_and_never_for_repeats() {
        let fixture = rampart_store::testing::embedded().await;
        let detect = |member: &'static str| {
            let store = fixture.store.clone();
            let clock = fixture.clock.clone();
            async move { observe(&store, &*clock, &FORBIDDEN_SWEEP, "user-1", member).await }
        };
        let mut fired = Vec::new();
        for member in ["a", "b", "a", "c", "d", "d", "e", "f", "e", "g"] {
            fired.push(detect(member).await);
        }
        assert_eq!(
            fired,
            [
                false, false, false, false, false, false, true, false, false, false
            ],
            "the fifth distinct route, once"
        );
        // Another subject has its own count; the next window starts again.
        assert!(
            !observe(
                &fixture.store,
                &*fixture.clock,
                &FORBIDDEN_SWEEP,
                "user-2",
                "a"
            )
            .await
        );
        fixture.clock.advance_secs(FORBIDDEN_SWEEP.window_secs);
        let next: Vec<bool> = {
            let mut out = Vec::new();
            for member in ["a", "b", "c", "d", "e"] {
                out.push(detect(member).await);
            }
            out
        };
        assert_eq!(next, [false, false, false, false, true]);
    }
}
