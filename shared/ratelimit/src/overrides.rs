//! Operator overrides of the contract's default limits, from one setting
//! (`RATE_LIMIT_OVERRIDES`, JSON), parsed and checked at cold start:
//!
//! ```json
//! {"writes:viewer": {"max": 60}, "export": {"max": 10, "window_secs": 120}}
//! ```
//!
//! Keys are limit names as `RateLimit-Policy` shows them (`auth-credentials`, `refresh`,
//! `export`, ...); `reads` and `writes` take a role (`writes:viewer`). An unknown name, an
//! unknown role, a `max` of 0 or a window outside 1 s..1 day stops the start.

use std::collections::BTreeMap;

use rampart_rbac::Role;
use serde::{Deserialize, Serialize};

use crate::policies::{Limit, Policy};

/// One override: the fields given replace the default's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitOverride {
    pub max: Option<u32>,
    pub window_secs: Option<u32>,
}

/// The overrides of a deployment (empty: the contract's defaults).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Overrides(pub BTreeMap<String, LimitOverride>);

const POLICIES: [Policy; 11] = [
    Policy::AuthCredentials,
    Policy::AuthPassword,
    Policy::ResendVerification,
    Policy::PasswordForgot,
    Policy::Refresh,
    Policy::Auth,
    Policy::PreAuth,
    Policy::Standard,
    Policy::Alertmanager,
    Policy::Export,
    Policy::Ci,
];

/// One limit of the catalogue: the name an override uses, its policy (and role, for reads
/// and writes), and the contract's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// `auth-credentials`, `refresh-ip`, `writes:viewer`, ...
    pub key: String,
    pub policy: Policy,
    pub role: Option<Role>,
    pub limit: Limit,
}

/// Every limit there is, policy by policy: each policy's own, its per-account and per-address
/// ones, and for `Standard` reads and writes per role.
pub fn catalogue() -> Vec<Named> {
    let mut out = Vec::new();
    for policy in POLICIES {
        if policy == Policy::Standard {
            for write in [false, true] {
                for role in Role::ALL {
                    let limit = policy.limit(write, Some(role));
                    out.push(Named {
                        key: format!("{}:{}", limit.name, role.as_str()),
                        policy,
                        role: Some(role),
                        limit,
                    });
                }
            }
            continue;
        }
        let own = std::iter::once(policy.limit(true, None));
        for limit in own.chain(policy.account_limit()).chain(policy.ip_limit()) {
            out.push(Named {
                key: limit.name.to_owned(),
                policy,
                role: None,
                limit,
            });
        }
    }
    out
}

/// Every limit name an override may use.
pub fn known_names() -> Vec<String> {
    let mut names: Vec<String> = catalogue().into_iter().map(|n| n.key).collect();
    names.sort();
    names.dedup();
    names
}

impl Overrides {
    /// Parses and checks the setting; the error says what is wrong, for the start to stop.
    pub fn parse(json: &str) -> Result<Self, String> {
        let map: BTreeMap<String, LimitOverride> =
            serde_json::from_str(json).map_err(|e| format!("not the expected JSON object: {e}"))?;
        let known = known_names();
        for (name, o) in &map {
            if !known.contains(name) {
                return Err(format!(
                    "unknown limit {name:?} (known: {})",
                    known.join(", ")
                ));
            }
            if o.max == Some(0) {
                return Err(format!("{name}: max must be at least 1"));
            }
            if o.window_secs.is_some_and(|w| !(1..=86_400).contains(&w)) {
                return Err(format!("{name}: window_secs must be 1 to 86400"));
            }
            if o.max.is_none() && o.window_secs.is_none() {
                return Err(format!("{name}: give max, window_secs or both"));
            }
        }
        Ok(Self(map))
    }

    /// `limit` with its override applied; `role` picks the override of `reads`/`writes`.
    pub fn apply(&self, mut limit: Limit, role: Option<Role>) -> Limit {
        let key = match limit.name {
            "reads" | "writes" => {
                format!("{}:{}", limit.name, role.unwrap_or(Role::Viewer).as_str())
            }
            name => name.to_owned(),
        };
        if let Some(o) = self.0.get(&key) {
            limit.max = o.max.unwrap_or(limit.max);
            limit.window_secs = o.window_secs.unwrap_or(limit.window_secs);
        }
        limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_names_every_limit_once_with_its_default() {
        let all = catalogue();
        let mut keys: Vec<&str> = all.iter().map(|n| n.key.as_str()).collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        // AuthCredentials and AuthPassword share the per-address limit's name (one budget).
        assert_eq!(keys.len() + 1, count, "{keys:?}");
        let reads_viewer = all.iter().find(|n| n.key == "reads:viewer").unwrap();
        assert_eq!(
            (reads_viewer.limit.max, reads_viewer.limit.window_secs),
            (100, 60)
        );
        let forgot_ip = all.iter().find(|n| n.key == "password-forgot-ip").unwrap();
        assert_eq!(
            (forgot_ip.policy, forgot_ip.limit.max),
            (Policy::PasswordForgot, 20)
        );
        assert_eq!(known_names().len(), keys.len());
    }

    #[test]
    fn overrides_replace_the_defaults_they_name() {
        let o = Overrides::parse(
            r#"{"writes:viewer": {"max": 60}, "export": {"max": 10, "window_secs": 120}}"#,
        )
        .unwrap();
        let writes = o.apply(
            Policy::Standard.limit(true, Some(Role::Viewer)),
            Some(Role::Viewer),
        );
        assert_eq!((writes.max, writes.window_secs), (60, 60));
        let admin = o.apply(
            Policy::Standard.limit(true, Some(Role::Admin)),
            Some(Role::Admin),
        );
        assert_eq!(admin.max, 1000, "another role keeps its default");
        let export = o.apply(Policy::Export.limit(true, None), None);
        assert_eq!((export.max, export.window_secs), (10, 120));
    }

    #[test]
    fn bad_settings_say_why() {
        for bad in [
            r#"{"writes": {"max": 1}}"#,
            r#"{"no-such-limit": {"max": 1}}"#,
            r#"{"export": {"max": 0}}"#,
            r#"{"export": {"window_secs": 0}}"#,
            r#"{"export": {}}"#,
            r#"{"export": {"max": 1, "burst": 2}}"#,
            "[]",
        ] {
            assert!(Overrides::parse(bad).is_err(), "{bad}");
        }
        assert!(known_names().contains(&"auth-password-account".to_owned()));
    }
}
