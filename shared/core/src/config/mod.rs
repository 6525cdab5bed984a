//! Typed configuration from the environment, validated once at cold start.
//!
//! Every error names the variable that is missing or bad, so a misconfigured function fails
//! its first init with a message that says what to fix.

mod parsers;
#[cfg(test)]
mod tests;

mod degradation;
mod edge_token;
mod probes;
mod release;
pub use degradation::DegradationPolicy;
pub use edge_token::EdgeToken;
pub use probes::HealthProbes;
pub use release::{DeployerChoice, ReleaseSettings};

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;

use parsers::{parse_bool, parse_cidrs, parse_hex_key, parse_or, parse_required, parse_snowflakes};

/// A deployment stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Local,
    Dev,
    Staging,
    Prod,
}

impl Stage {
    /// The stage's name as written in `STAGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "local" => Ok(Self::Local),
            "dev" => Ok(Self::Dev),
            "staging" => Ok(Self::Staging),
            "prod" => Ok(Self::Prod),
            _ => Err("expected one of local, dev, staging, prod".to_owned()),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feature that can be switched off by its environment flag (all default on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    Rbac,
    RateLimiting,
    Csrf,
    TwoFactor,
    AuthCookies,
    PrIntel,
    FlakyDetector,
    SchemaDiff,
    SyntheticJourney,
}

impl Feature {
    /// Every feature flag.
    pub const ALL: [Feature; 9] = [
        Self::Rbac,
        Self::RateLimiting,
        Self::Csrf,
        Self::TwoFactor,
        Self::AuthCookies,
        Self::PrIntel,
        Self::FlakyDetector,
        Self::SchemaDiff,
        Self::SyntheticJourney,
    ];

    /// The environment variable that switches this feature.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::Rbac => "RBAC_ENABLED",
            Self::RateLimiting => "RATE_LIMITING_ENABLED",
            Self::Csrf => "CSRF_ENABLED",
            Self::TwoFactor => "TWO_FACTOR_ENABLED",
            Self::AuthCookies => "AUTH_COOKIES_ENABLED",
            Self::PrIntel => "PR_INTEL_ENABLED",
            Self::FlakyDetector => "FLAKY_DETECTOR_ENABLED",
            Self::SchemaDiff => "SCHEMA_DIFF_ENABLED",
            Self::SyntheticJourney => "SYNTHETIC_JOURNEY_ENABLED",
        }
    }
}

/// A configuration variable that is missing or cannot be parsed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// Replacements for the OAuth providers' endpoints (tests, private deployments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OAuthEndpointOverrides {
    pub github_authorize: Option<String>,
    pub github_token: Option<String>,
    pub github_api: Option<String>,
    pub google_issuer: Option<String>,
}

/// The validated configuration of one process.
#[derive(Clone, Debug)]
pub struct Config {
    /// `STAGE`: local, dev, staging or prod.
    pub stage: Stage,
    /// `TABLE_PREFIX`: prepended to every table's concern name (default `rampart-<stage>-`).
    pub table_prefix: String,
    /// Features switched off by their flags.
    pub disabled_features: BTreeSet<Feature>,
    /// `TRUSTED_PROXIES`: comma-separated CIDRs whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `EDGE_ORIGIN_TOKEN`: with the edge in front of the API, the value it adds to every
    /// request as `X-Origin-Verify`. Requests without it went around the edge and are
    /// refused; requests with it came from the edge, whose `X-Forwarded-For` is believed.
    pub edge_origin_token: Option<EdgeToken>,
    /// `PUBLIC_BASE_URL`: the API's public origin, used for absolute report URLs.
    pub public_base_url: Option<String>,
    /// `FRONTEND_BASE_URL`: where the web client lives.
    pub frontend_base_url: Option<String>,
    /// `COOKIE_DOMAIN`: the `Domain` attribute of auth cookies.
    pub cookie_domain: Option<String>,
    /// `COOKIE_SECURE`: whether cookies carry `Secure` (default true; false only for local http).
    pub cookie_secure: bool,
    /// `SECRETS_ARN`: the Secrets Manager secret holding every secret.
    pub secrets_arn: Option<String>,
    /// `AUDIT_RETENTION_DAYS`: how long audit events are kept (default 400).
    pub audit_retention_days: u32,
    /// `IDEMPOTENCY_TTL_SECONDS`: how long idempotency keys are kept (default 86400).
    pub idempotency_ttl_seconds: u32,
    /// `STORE_TIMEOUT_MS`: the store's per-operation timeout (default 2000).
    pub store_timeout_ms: u64,
    /// `REFRESH_REUSE_GRACE_SECONDS`: how long a refresh token just rotated away still yields
    /// the current pair, for concurrent tabs (default 10).
    pub refresh_reuse_grace_seconds: u32,
    /// `DISCORD_PUBLIC_KEY`: the application's Ed25519 public key, 64 hex characters.
    pub discord_public_key: Option<String>,
    /// `ADMIN_ROLE_IDS`: comma-separated Discord role ids that may run every command.
    pub admin_role_ids: Vec<String>,
    /// `DISCORD_GUILD_ID`: the one server whose members may run role-gated commands. Unset,
    /// the role checks alone decide (role ids are unique to a server, but with `RBAC_ENABLED`
    /// off "Manage Guild" in any server the bot is in would pass).
    pub discord_guild_id: Option<String>,
    /// `PR_INTEL_SENSITIVE_PATHS`: comma-separated globs of sensitive paths (default: the
    /// built-in list of auth code, migrations, infrastructure, CI and lock files).
    pub pr_intel_sensitive_paths: Option<Vec<String>>,
    /// `FLAKY_RUNS_KEPT`: runs kept per test for flaky detection (default 50).
    pub flaky_runs_kept: u32,
    /// `BLOB_BUCKET`: the S3 bucket of exports and media (functions that use blobs).
    pub blob_bucket: Option<String>,
    /// `EVENT_BUS_NAME`: the EventBridge bus that account mail requests go to (functions
    /// that queue mail).
    pub event_bus_name: Option<String>,
    /// `IDEMPOTENCY_TTL_SECONDS` (default 86400): how long an `Idempotency-Key` is kept.
    pub idempotency_ttl_secs: u32,
    /// `RATE_LIMIT_OVERRIDES`: the deployment's overrides of the default limits (JSON, checked
    /// at cold start by the rate limiter).
    pub rate_limit_overrides: Option<String>,
    /// `MAIL_FROM`: the sender of account mail (`Rampart <no-reply@example.com>`); needed
    /// when the secret has an `smtp_url`.
    pub mail_from: Option<String>,
    /// `OAUTH_GITHUB_AUTHORIZE_URL`, `OAUTH_GITHUB_TOKEN_URL`, `OAUTH_GITHUB_API_URL`,
    /// `OAUTH_GOOGLE_ISSUER`: where the OAuth providers live (default: the real ones).
    pub oauth_endpoints: OAuthEndpointOverrides,
    /// `DISCORD_API_BASE`: Discord's API root (default `https://discord.com/api/v10`).
    pub discord_api_base: Option<String>,
    /// `DISCORD_STATUS_CHANNEL_ID`: where the daily status digest is posted (none: not posted).
    pub discord_status_channel_id: Option<String>,
    /// The daily health snapshot's probes.
    pub health_probes: HealthProbes,
    /// The release conductor's environments and verification thresholds.
    pub release: ReleaseSettings,
    /// When failing features are switched off automatically.
    pub degradation: DegradationPolicy,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let stage: Stage = parse_required(&get, "STAGE")?;
        let table_prefix = get("TABLE_PREFIX").unwrap_or_else(|| format!("rampart-{stage}-"));
        if !table_prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(ConfigError::Invalid {
                var: "TABLE_PREFIX",
                reason: "only letters, digits, '-', '_' and '.' are allowed".to_owned(),
            });
        }
        let cookie_secure = parse_bool(&get, "COOKIE_SECURE", stage != Stage::Local)?;
        if !cookie_secure && stage == Stage::Prod {
            return Err(ConfigError::Invalid {
                var: "COOKIE_SECURE",
                reason: "cookies without Secure are for local http only, never STAGE=prod"
                    .to_owned(),
            });
        }
        fn at_least<T: PartialOrd + std::fmt::Display>(
            var: &'static str,
            value: T,
            min: T,
        ) -> Result<T, ConfigError> {
            if value < min {
                Err(ConfigError::Invalid {
                    var,
                    reason: format!("must be at least {min}"),
                })
            } else {
                Ok(value)
            }
        }
        let audit_retention_days = at_least(
            "AUDIT_RETENTION_DAYS",
            parse_or(&get, "AUDIT_RETENTION_DAYS", 400)?,
            1,
        )?;
        let store_timeout_ms = at_least(
            "STORE_TIMEOUT_MS",
            parse_or(&get, "STORE_TIMEOUT_MS", 2_000)?,
            50,
        )?;
        let idempotency_ttl_seconds = at_least(
            "IDEMPOTENCY_TTL_SECONDS",
            parse_or(&get, "IDEMPOTENCY_TTL_SECONDS", 86_400)?,
            1,
        )?;
        let mut disabled_features = BTreeSet::new();
        for feature in Feature::ALL {
            if !parse_bool(&get, feature.env_var(), true)? {
                disabled_features.insert(feature);
            }
        }
        Ok(Self {
            stage,
            table_prefix,
            disabled_features,
            trusted_proxies: parse_cidrs(&get, "TRUSTED_PROXIES")?,
            edge_origin_token: match get("EDGE_ORIGIN_TOKEN") {
                Some(token) if token.len() < EdgeToken::MIN_LEN => {
                    return Err(ConfigError::Invalid {
                        var: "EDGE_ORIGIN_TOKEN",
                        reason: format!(
                            "{} characters; at least {} are needed to be unguessable",
                            token.len(),
                            EdgeToken::MIN_LEN
                        ),
                    });
                }
                Some(token) => Some(EdgeToken::new(token)),
                None => None,
            },
            public_base_url: get("PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_owned()),
            frontend_base_url: get("FRONTEND_BASE_URL"),
            cookie_domain: get("COOKIE_DOMAIN"),
            cookie_secure,
            secrets_arn: get("SECRETS_ARN"),
            audit_retention_days,
            idempotency_ttl_seconds,
            store_timeout_ms,
            refresh_reuse_grace_seconds: parse_or(&get, "REFRESH_REUSE_GRACE_SECONDS", 10)?,
            discord_public_key: parse_hex_key(&get, "DISCORD_PUBLIC_KEY")?,
            admin_role_ids: parse_snowflakes(&get, "ADMIN_ROLE_IDS")?,
            discord_guild_id: match parse_snowflakes(&get, "DISCORD_GUILD_ID")?.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "DISCORD_GUILD_ID",
                        reason: "one server id".to_owned(),
                    });
                }
            },
            mail_from: get("MAIL_FROM"),
            blob_bucket: get("BLOB_BUCKET"),
            event_bus_name: get("EVENT_BUS_NAME"),
            rate_limit_overrides: get("RATE_LIMIT_OVERRIDES"),
            idempotency_ttl_secs: match parse_or(&get, "IDEMPOTENCY_TTL_SECONDS", 86_400u32)? {
                ttl @ 60..=604_800 => ttl,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "IDEMPOTENCY_TTL_SECONDS",
                        reason: "seconds from 60 to 604800 (7 days)".to_owned(),
                    });
                }
            },
            flaky_runs_kept: parse_or(&get, "FLAKY_RUNS_KEPT", 50)?.clamp(1, 1000),
            pr_intel_sensitive_paths: get("PR_INTEL_SENSITIVE_PATHS").map(|v| {
                v.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            }),
            oauth_endpoints: OAuthEndpointOverrides {
                github_authorize: get("OAUTH_GITHUB_AUTHORIZE_URL"),
                github_token: get("OAUTH_GITHUB_TOKEN_URL"),
                github_api: get("OAUTH_GITHUB_API_URL"),
                google_issuer: get("OAUTH_GOOGLE_ISSUER"),
            },
            discord_api_base: get("DISCORD_API_BASE").map(|u| u.trim_end_matches('/').to_owned()),
            discord_status_channel_id: match get("DISCORD_STATUS_CHANNEL_ID") {
                Some(id) if id.len() <= 21 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id),
                Some(_) => {
                    return Err(ConfigError::Invalid {
                        var: "DISCORD_STATUS_CHANNEL_ID",
                        reason: "a Discord channel id (digits)".to_owned(),
                    });
                }
                None => None,
            },
            health_probes: probes::health_probes(&get)?,
            release: release::release_settings(&get)?,
            degradation: degradation::degradation(&get)?,
        })
    }

    /// A configuration for the local stack and tests: stage local, every feature on.
    pub fn local() -> Self {
        Self::from_lookup(|name| (name == "STAGE").then(|| "local".to_owned()))
            .unwrap_or_else(|_| unreachable!("the local defaults are valid"))
    }

    /// Whether `feature` is switched on.
    pub fn enabled(&self, feature: Feature) -> bool {
        !self.disabled_features.contains(&feature)
    }

    /// Switches a feature on or off (tests and the local stack's flags).
    pub fn set_enabled(&mut self, feature: Feature, on: bool) {
        if on {
            self.disabled_features.remove(&feature);
        } else {
            self.disabled_features.insert(feature);
        }
    }
}
