//! Counters in CloudWatch's embedded metric format (EMF): one JSON line per count on standard
//! output, which Lambda ships to CloudWatch Logs, where each line becomes a data point of
//! namespace [`NAMESPACE`], with no call to CloudWatch on the request path. Alarms on these
//! metrics are part of the deployment (docs/security/audit.md lists them).
//!
//! Dimensions have few values (a route's function name, an event name), never an id or an
//! address, so each metric stays a handful of series.

use std::cell::RefCell;

/// Every metric's namespace.
pub const NAMESPACE: &str = "Rampart";

/// Failed sign-ins: a wrong password or second factor (dimension `route`).
pub const SIGN_IN_FAILURES: &str = "SignInFailures";
/// Replayed refresh tokens, each revoking its session (dimension `route`).
pub const REFRESH_REUSE: &str = "RefreshReuse";
/// `401` answers (dimension `route`).
pub const HTTP_401: &str = "Http401";
/// `403` answers (dimension `route`).
pub const HTTP_403: &str = "Http403";
/// `429` answers (dimension `route`).
pub const HTTP_429: &str = "Http429";
/// `5xx` answers the pipeline gave (dimension `route`); a function that failed without an
/// answer shows in its own `AWS/Lambda` `Errors` instead.
pub const HTTP_5XX: &str = "Http5xx";
/// Alerts of Alertmanager notifications refused while the rest were stored (dimension
/// `route`).
pub const ALERTMANAGER_ALERTS_REFUSED: &str = "AlertmanagerAlertsRefused";
/// Audit events of the `suspicious_activity` category: detectors that fired (dimension
/// `event`).
pub const SUSPICIOUS_ACTIVITY: &str = "SuspiciousActivity";
/// Audit events of the `data_access` category: someone reading what is not theirs (dimension
/// `event`).
pub const DATA_ACCESS_EVENTS: &str = "DataAccessEvents";
/// Audit events of the `configuration` category: settings changed (dimension `event`).
pub const CONFIGURATION_CHANGES: &str = "ConfigurationChanges";
/// Audit events that could not be stored after a retry (dimension `event`).
pub const AUDIT_WRITE_FAILURES: &str = "AuditWriteFailures";

/// One EMF line counting `metric` once, under one dimension.
pub fn line(metric: &str, dimension: (&str, &str), now_ms: i64) -> String {
    line_for(stack(), metric, dimension, 1, now_ms)
}

/// The dimension naming the deployment, so stacks sharing an account keep their own series.
pub const STACK_DIMENSION: &str = "stack";

/// The stack a process belongs to: `STACK_NAME` (the template sets it), else `local`.
pub fn stack() -> &'static str {
    static STACK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STACK.get_or_init(|| {
        std::env::var("STACK_NAME")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "local".to_owned())
    })
}

/// Two series per count: per stack and `dimension` (which route, which event), and per stack
/// alone, the total the alarms watch.
fn line_for(stack: &str, metric: &str, dimension: (&str, &str), n: u64, now_ms: i64) -> String {
    let (name, value) = dimension;
    let mut doc = serde_json::json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[STACK_DIMENSION, name], [STACK_DIMENSION]],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        },
    });
    doc[STACK_DIMENSION] = stack.into();
    doc[name] = value.into();
    doc[metric] = n.into();
    doc.to_string()
}

thread_local! {
    /// Lines kept by [`capture`] on this thread instead of printed.
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Counts `metric` once: prints its EMF line (or keeps it, on a thread that called
/// [`capture`]).
pub fn count(metric: &str, dimension: (&str, &str), now_ms: i64) {
    count_n(metric, dimension, 1, now_ms);
}

/// Counts `metric` `n` times in one line.
pub fn count_n(metric: &str, dimension: (&str, &str), n: u64, now_ms: i64) {
    let line = line_for(stack(), metric, dimension, n, now_ms);
    let kept = CAPTURED.with(|kept| match kept.borrow_mut().as_mut() {
        Some(lines) => {
            lines.push(line.clone());
            true
        }
        None => false,
    });
    if !kept {
        println!("{line}");
    }
}

/// From now on, keeps the metric lines counted on this thread in memory instead of printing
/// them (tests on a single-threaded runtime); returns every line kept so far.
pub fn capture() -> Vec<String> {
    CAPTURED.with(|kept| kept.borrow_mut().get_or_insert_with(Vec::new).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_valid_embedded_metric_format() {
        let text = line_for(
            "rampart-prod",
            HTTP_401,
            ("route", "account-get"),
            1,
            1_795_338_000_000,
        );
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(doc["_aws"]["Timestamp"], 1_795_338_000_000i64);
        assert_eq!(directive["Namespace"], "Rampart");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["stack", "route"], ["stack"]])
        );
        assert_eq!(doc["stack"], "rampart-prod");
        assert_eq!(directive["Metrics"][0]["Name"], "Http401");
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
        // Every dimension and metric named in the directive is a top-level member.
        assert_eq!(doc["route"], "account-get");
        assert_eq!(doc["Http401"], 1);
        assert!(!text.contains('\n'));
    }
}
