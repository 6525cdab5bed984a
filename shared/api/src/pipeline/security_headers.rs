//! Security headers on every response, and the caching rules for private data.

use http::{HeaderMap, HeaderValue, header};
use rampart_core::{Config, Stage};

/// Adds the contract's security headers; `Cache-Control: no-store` under the auth and account
/// paths, `private, no-cache` on other authenticated responses that set none; the CSP
/// report-only policy and its reporting endpoint outside prod.
pub(super) fn apply(config: &Config, path: &str, authenticated: bool, headers: &mut HeaderMap) {
    let fixed = [
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if is_sensitive(path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if authenticated && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    if config.stage != Stage::Prod {
        let base = config.public_base_url.as_deref().unwrap_or("");
        let csp = format!(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; \
             report-uri {base}/csp-report; report-to csp-endpoint"
        );
        let endpoints = format!("csp-endpoint=\"{base}/csp-report\"");
        if let (Ok(csp), Ok(endpoints)) = (
            HeaderValue::from_str(&csp),
            HeaderValue::from_str(&endpoints),
        ) {
            headers.insert("content-security-policy-report-only", csp);
            headers.insert("reporting-endpoints", endpoints);
        }
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
        apply(&config, path, authenticated, &mut headers);
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
