//! The daily health snapshot's probes.

use super::ConfigError;

/// `HEALTH_PROBE_URLS` (comma-separated; default `PUBLIC_BASE_URL` + `/health`),
/// `HEALTH_PROBE_SAMPLES` (requests per endpoint, 1 to 50, default 5) and
/// `HEALTH_PROBE_TIMEOUT_MS` (per request, 100 to 30000, default 3000); and `HTTP_API_ID`,
/// the HTTP API whose CloudWatch metrics give the digest the day's traffic on AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthProbes {
    pub urls: Vec<String>,
    pub samples: u32,
    pub timeout_ms: u64,
    pub api_id: Option<String>,
}

/// Reads the health snapshot's probe settings.
pub(super) fn health_probes(
    get: &dyn Fn(&'static str) -> Option<String>,
) -> Result<HealthProbes, ConfigError> {
    let urls: Vec<String> = match get("HEALTH_PROBE_URLS") {
        Some(list) => list
            .split(',')
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect(),
        None => get("PUBLIC_BASE_URL")
            .map(|base| format!("{}/health", base.trim_end_matches('/')))
            .into_iter()
            .collect(),
    };
    if let Some(bad) = urls
        .iter()
        .find(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        return Err(ConfigError::Invalid {
            var: "HEALTH_PROBE_URLS",
            reason: format!("{bad:?} is not an http(s) URL"),
        });
    }
    let number = |var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
        super::parsers::parse_in_range(&get, var, default, range)
    };
    Ok(HealthProbes {
        urls,
        samples: number("HEALTH_PROBE_SAMPLES", 5, 1..=50)? as u32,
        timeout_ms: number("HEALTH_PROBE_TIMEOUT_MS", 3_000, 100..=30_000)?,
        api_id: api_id(get)?,
    })
}

/// `HTTP_API_ID`: an API Gateway id (lower-case letters and digits), or unset.
fn api_id(get: &dyn Fn(&'static str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(id) = get("HTTP_API_ID").map(|v| v.trim().to_owned()) else {
        return Ok(None);
    };
    let shaped = !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !shaped {
        return Err(ConfigError::Invalid {
            var: "HTTP_API_ID",
            reason: format!("{id:?} is not an API Gateway id (lower-case letters and digits)"),
        });
    }
    Ok(Some(id))
}
