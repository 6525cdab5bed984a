//! `Config::from_lookup` against its contract: defaults, flags, errors naming their variable.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn a_missing_stage_is_named() {
    assert_eq!(config(&[]).unwrap_err(), ConfigError::Missing("STAGE"));
}

#[test]
fn bad_values_name_their_variable() {
    let cases = [
        (("STAGE", "production"), "STAGE"),
        (("RBAC_ENABLED", "maybe"), "RBAC_ENABLED"),
        (("TRUSTED_PROXIES", "10.0.0.0/33"), "TRUSTED_PROXIES"),
        (("AUDIT_RETENTION_DAYS", "-1"), "AUDIT_RETENTION_DAYS"),
        (("TABLE_PREFIX", "bad prefix"), "TABLE_PREFIX"),
        (("DISCORD_PUBLIC_KEY", "abc"), "DISCORD_PUBLIC_KEY"),
        (("ADMIN_ROLE_IDS", "admins"), "ADMIN_ROLE_IDS"),
        // Values that parse but would break the service quietly.
        (("AUDIT_RETENTION_DAYS", "0"), "AUDIT_RETENTION_DAYS"),
        (("STORE_TIMEOUT_MS", "0"), "STORE_TIMEOUT_MS"),
        (("IDEMPOTENCY_TTL_SECONDS", "0"), "IDEMPOTENCY_TTL_SECONDS"),
        (
            ("TRUSTED_PROXIES", "10.0.0.0/8, 0.0.0.0/0"),
            "TRUSTED_PROXIES",
        ),
        (("TRUSTED_PROXIES", "::/0"), "TRUSTED_PROXIES"),
        (("COOKIE_SECURE", "false"), "COOKIE_SECURE"),
    ];
    for ((var, value), named) in cases {
        let stage = if var == "COOKIE_SECURE" {
            "prod"
        } else {
            "dev"
        };
        let mut vars = vec![("STAGE", stage)];
        if var == "STAGE" {
            vars.clear();
        }
        vars.push((var, value));
        match config(&vars) {
            Err(ConfigError::Invalid { var, .. }) => assert_eq!(var, named),
            other => panic!("{var}={value}: expected Invalid, got {other:?}"),
        }
    }
}

#[test]
fn defaults_follow_the_contract() {
    let c = config(&[("STAGE", "prod")]).unwrap();
    assert_eq!(c.table_prefix, "rampart-prod-");
    assert!(Feature::ALL.iter().all(|f| c.enabled(*f)));
    assert!(c.cookie_secure);
    assert_eq!(c.idempotency_ttl_seconds, 86_400);
    let local = Config::local();
    assert!(
        !local.cookie_secure,
        "COOKIE_SECURE=false is the local default"
    );
}

#[test]
fn flags_switch_features_off() {
    let c = config(&[("STAGE", "dev"), ("RATE_LIMITING_ENABLED", "false")]).unwrap();
    assert!(!c.enabled(Feature::RateLimiting));
    assert!(c.enabled(Feature::Rbac));
}

#[test]
fn trusted_proxies_accept_addresses_and_cidrs() {
    let c = config(&[
        ("STAGE", "dev"),
        ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
    ])
    .unwrap();
    assert_eq!(c.trusted_proxies.len(), 2);
}

#[test]
fn the_health_probes_default_to_the_public_health_route_and_are_checked() {
    let none = config(&[("STAGE", "dev")]).unwrap();
    assert_eq!(
        none.health_probes,
        HealthProbes {
            urls: vec![],
            samples: 5,
            timeout_ms: 3_000,
            api_id: None,
        }
    );
    assert_eq!(none.discord_status_channel_id, None);
    let public = config(&[
        ("STAGE", "dev"),
        ("PUBLIC_BASE_URL", "https://api.example.com/"),
    ])
    .unwrap();
    assert_eq!(
        public.health_probes.urls,
        ["https://api.example.com/health"]
    );
    let listed = config(&[
        ("STAGE", "dev"),
        (
            "HEALTH_PROBE_URLS",
            "https://a.example.com/health, https://b.example.com/",
        ),
        ("HEALTH_PROBE_SAMPLES", "3"),
        ("HEALTH_PROBE_TIMEOUT_MS", "500"),
        ("DISCORD_STATUS_CHANNEL_ID", "123456789012345678"),
        ("HTTP_API_ID", "a1b2c3d4e5"),
    ])
    .unwrap();
    assert_eq!(
        listed.health_probes,
        HealthProbes {
            urls: vec![
                "https://a.example.com/health".into(),
                "https://b.example.com/".into()
            ],
            samples: 3,
            timeout_ms: 500,
            api_id: Some("a1b2c3d4e5".into()),
        }
    );
    assert_eq!(
        listed.discord_status_channel_id.as_deref(),
        Some("123456789012345678")
    );
    for (var, value) in [
        ("HEALTH_PROBE_URLS", "ftp://example.com"),
        ("HEALTH_PROBE_SAMPLES", "0"),
        ("HEALTH_PROBE_TIMEOUT_MS", "99999"),
        ("DISCORD_STATUS_CHANNEL_ID", "#status"),
        (
            "HTTP_API_ID",
            "https://a1b2c3.execute-api.eu-west-1.amazonaws.com",
        ),
    ] {
        match config(&[("STAGE", "dev"), (var, value)]) {
            Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var),
            other => panic!("{var}={value}: {other:?}"),
        }
    }
}

#[test]
fn the_release_deployer_is_events_unless_the_alias_one_is_chosen_with_its_functions() {
    let default = config(&[("STAGE", "dev")]).unwrap();
    assert_eq!(default.release.deployer, DeployerChoice::Events);
    assert_eq!(default.release.max_p95_ms, 1_500.0);
    let alias = config(&[
        ("STAGE", "dev"),
        ("RELEASE_DEPLOYER", "lambda-alias"),
        ("RELEASE_ALIAS_FUNCTIONS", "api, worker"),
        (
            "RELEASE_ENV_URLS",
            "staging=https://staging.example.com/,prod=https://api.example.com",
        ),
    ])
    .unwrap();
    assert_eq!(
        alias.release.deployer,
        DeployerChoice::LambdaAlias {
            functions: vec!["api".into(), "worker".into()],
            alias: "live".into()
        }
    );
    assert_eq!(
        alias.release.env_urls["staging"],
        "https://staging.example.com"
    );
    for (vars, named) in [
        (
            vec![("RELEASE_DEPLOYER", "lambda-alias")],
            "RELEASE_ALIAS_FUNCTIONS",
        ),
        (vec![("RELEASE_DEPLOYER", "helm")], "RELEASE_DEPLOYER"),
        (
            vec![("RELEASE_ENV_URLS", "qa=https://qa.example.com")],
            "RELEASE_ENV_URLS",
        ),
        (vec![("VERIFY_MAX_P95_MS", "0")], "VERIFY_MAX_P95_MS"),
    ] {
        let mut all = vec![("STAGE", "dev")];
        all.extend(vars);
        match config(&all) {
            Err(ConfigError::Invalid { var, .. }) => assert_eq!(var, named),
            other => panic!("{named}: {other:?}"),
        }
    }
}
