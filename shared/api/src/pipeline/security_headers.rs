//! Security headers on every response, and the caching rules for private data.

use http::{HeaderMap, HeaderName, HeaderValue, header};
use rampart_core::{Config, Stage};

/// How long a browser keeps the `Report-To` group: 126 days, as commonly deployed.
const REPORT_TO_MAX_AGE_SECS: u32 = 10_886_400;
/// The reporting group the CSP names.
const GROUP: &str = "csp-endpoint";

const FIXED: [(HeaderName, HeaderValue); 4] = [
    (
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    ),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ),
];
const CSP_REPORT_ONLY: HeaderName = HeaderName::from_static("content-security-policy-report-only");
const REPORTING_ENDPOINTS: HeaderName = HeaderName::from_static("reporting-endpoints");
const REPORT_TO: HeaderName = HeaderName::from_static("report-to");

/// The headers that depend on the configuration only, built once when the app is.
#[derive(Clone, Debug, Default)]
pub(super) struct Prepared {
    /// Outside prod: the report-only CSP, `Reporting-Endpoints` and, for browsers that only
    /// know the older Reporting API, `Report-To`, all naming the one group.
    reporting: Option<[(HeaderName, HeaderValue); 3]>,
    /// Outside prod: the directives that send a page's own enforced policy's violations to
    /// the same group.
    report_directives: Option<String>,
}

impl Prepared {
    pub(super) fn new(config: &Config) -> Self {
        if config.stage == Stage::Prod {
            return Self::default();
        }
        let base = config.public_base_url.as_deref().unwrap_or("");
        let url = format!("{base}/csp-report");
        let csp = format!(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; \
             report-uri {url}; report-to {GROUP}"
        );
        let report_directives = format!("; report-uri {url}; report-to {GROUP}");
        let endpoints = format!("{GROUP}=\"{url}\"");
        let report_to = serde_json::json!({
            "group": GROUP,
            "max_age": REPORT_TO_MAX_AGE_SECS,
            "endpoints": [{"url": url}],
        })
        .to_string();
        let reporting = match (
            HeaderValue::from_str(&csp),
            HeaderValue::from_str(&endpoints),
            HeaderValue::from_str(&report_to),
        ) {
            (Ok(csp), Ok(endpoints), Ok(report_to)) => Some([
                (CSP_REPORT_ONLY, csp),
                (REPORTING_ENDPOINTS, endpoints),
                (REPORT_TO, report_to),
            ]),
            _ => None,
        };
        Self {
            reporting,
            report_directives: Some(report_directives),
        }
    }
}

/// Adds the contract's security headers; `Cache-Control: no-store` under the auth and account
/// paths, `private, no-cache` on other authenticated responses that set none; the CSP
/// report-only policy and its reporting endpoint outside prod; a page that enforces a policy of
/// its own gets, instead of the report-only one, its own policy reporting to that endpoint.
pub(super) fn apply(prepared: &Prepared, path: &str, authenticated: bool, headers: &mut HeaderMap) {
    for (name, value) in FIXED {
        headers.insert(name, value);
    }
    if is_sensitive(path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if authenticated && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    // A page that enforces a policy of its own (the console, the status page) is not also
    // given the API's report-only one, which would report each of its assets: its own policy
    // reports to the same group instead.
    let enforced = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(reporting) = &prepared.reporting {
        for (name, value) in reporting {
            if enforced.is_none() || *name != CSP_REPORT_ONLY {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
    if let (Some(policy), Some(directives)) = (enforced, &prepared.report_directives)
        && let Ok(value) = HeaderValue::from_str(&format!("{policy}{directives}"))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

fn is_sensitive(path: &str) -> bool {
    ["/api/v1/auth", "/api/v1/account"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(stage: &str, path: &str, authenticated: bool) -> HeaderMap {
        let config = Config::from_lookup(|n| (n == "STAGE").then(|| stage.to_owned())).unwrap();
        let mut headers = HeaderMap::new();
        apply(&Prepared::new(&config), path, authenticated, &mut headers);
        headers
    }

    #[test]
    fn every_response_gets_the_fixed_headers() {
        let h = headers_for("prod", "/health", false);
        assert_eq!(
            h["strict-transport-security"],
            "max-age=63072000; includeSubDomains"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(
            !h.contains_key("content-security-policy-report-only"),
            "not in prod"
        );
        assert!(!h.contains_key("cache-control"));
    }

    #[test]
    fn csp_report_only_points_at_the_report_route_outside_prod() {
        let h = headers_for("dev", "/health", false);
        let csp = h["content-security-policy-report-only"].to_str().unwrap();
        assert!(csp.contains("report-uri /csp-report") && csp.contains("report-to csp-endpoint"));
        assert_eq!(h["reporting-endpoints"], "csp-endpoint=\"/csp-report\"");
        let report_to: serde_json::Value =
            serde_json::from_str(h["report-to"].to_str().unwrap()).unwrap();
        assert_eq!(
            report_to,
            serde_json::json!({
                "group": "csp-endpoint",
                "max_age": 10_886_400,
                "endpoints": [{"url": "/csp-report"}],
            })
        );
        assert!(!headers_for("prod", "/health", false).contains_key("report-to"));
    }

    #[test]
    fn a_page_with_its_own_policy_reports_through_it_instead() {
        let config = Config::from_lookup(|n| (n == "STAGE").then(|| "dev".to_owned())).unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; script-src 'self'"),
        );
        apply(&Prepared::new(&config), "/console/sessions", false, &mut h);
        assert!(!h.contains_key("content-security-policy-report-only"));
        assert_eq!(
            h["content-security-policy"],
            "default-src 'none'; script-src 'self'; report-uri /csp-report; report-to csp-endpoint"
        );
        assert_eq!(h["reporting-endpoints"], "csp-endpoint=\"/csp-report\"");

        let config = Config::from_lookup(|n| (n == "STAGE").then(|| "prod".to_owned())).unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'"),
        );
        apply(&Prepared::new(&config), "/status", false, &mut h);
        assert_eq!(h["content-security-policy"], "default-src 'none'");
    }

    #[test]
    fn private_paths_are_never_cached() {
        assert_eq!(
            headers_for("prod", "/api/v1/auth/login", false)["cache-control"],
            "no-store"
        );
        assert_eq!(
            headers_for("prod", "/api/v1/account", true)["cache-control"],
            "no-store"
        );
        assert_eq!(
            headers_for("prod", "/api/v1/projects", true)["cache-control"],
            "private, no-cache"
        );
        assert!(!headers_for("prod", "/api/v1/authx", false).contains_key("cache-control"));
    }
}
