//! The release conductor's settings: where each environment answers, and the verification's
//! thresholds.

use std::collections::BTreeMap;

use super::ConfigError;

/// `RELEASE_ENV_URLS` (`staging=https://…,prod=https://…`; an environment not listed is
/// verified at `PUBLIC_BASE_URL`), `VERIFY_MAX_ERROR_RATE_PCT` (0 to 100, default 1) and
/// `VERIFY_MAX_P95_MS` (1 to 60000, default 1500).
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseSettings {
    pub env_urls: BTreeMap<String, String>,
    pub max_error_rate_pct: f64,
    pub max_p95_ms: f64,
    pub deployer: DeployerChoice,
}

/// `RELEASE_DEPLOYER`: `events` (default: `rampart.deploy` events for the team's pipeline) or
/// `lambda-alias` (moves the alias `RELEASE_ALIAS_NAME`, default `live`, of each function in
/// `RELEASE_ALIAS_FUNCTIONS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeployerChoice {
    Events,
    LambdaAlias {
        functions: Vec<String>,
        alias: String,
    },
}

pub(super) fn release_settings(
    get: &dyn Fn(&'static str) -> Option<String>,
) -> Result<ReleaseSettings, ConfigError> {
    let mut env_urls = BTreeMap::new();
    if let Some(list) = get("RELEASE_ENV_URLS") {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parsed = entry
                .split_once('=')
                .map(|(env, url)| (env.trim(), url.trim().trim_end_matches('/')))
                .filter(|(env, url)| {
                    ["staging", "prod"].contains(env)
                        && (url.starts_with("https://") || url.starts_with("http://"))
                });
            let Some((env, url)) = parsed else {
                return Err(ConfigError::Invalid {
                    var: "RELEASE_ENV_URLS",
                    reason: format!(
                        "{entry:?} is not `staging=<url>` or `prod=<url>` with an http(s) URL"
                    ),
                });
            };
            env_urls.insert(env.to_owned(), url.to_owned());
        }
    }
    let number = |var: &'static str, default: f64, max: f64, min: f64| match get(var) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && (min..=max).contains(n))
            .ok_or(ConfigError::Invalid {
                var,
                reason: format!("a number from {min} to {max}"),
            }),
    };
    let deployer = match get("RELEASE_DEPLOYER").as_deref().map(str::trim) {
        None | Some("events") => DeployerChoice::Events,
        Some("lambda-alias") => {
            let functions: Vec<String> = get("RELEASE_ALIAS_FUNCTIONS")
                .unwrap_or_default()
                .split(',')
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect();
            if functions.is_empty() {
                return Err(ConfigError::Invalid {
                    var: "RELEASE_ALIAS_FUNCTIONS",
                    reason: "the functions to release, comma-separated (RELEASE_DEPLOYER is lambda-alias)"
                        .to_owned(),
                });
            }
            DeployerChoice::LambdaAlias {
                functions,
                alias: get("RELEASE_ALIAS_NAME").unwrap_or_else(|| "live".to_owned()),
            }
        }
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: "RELEASE_DEPLOYER",
                reason: format!("events or lambda-alias, not {other:?}"),
            });
        }
    };
    Ok(ReleaseSettings {
        deployer,
        env_urls,
        max_error_rate_pct: number("VERIFY_MAX_ERROR_RATE_PCT", 1.0, 100.0, 0.0)?,
        max_p95_ms: number("VERIFY_MAX_P95_MS", 1_500.0, 60_000.0, 1.0)?,
    })
}
