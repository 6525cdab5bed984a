//! The auth cookies (contract section 2): their names, attributes, and reading them back.

use http::HeaderValue;
use http::request::Parts;
use rampart_auth::Tokens;
use rampart_auth::access_token::ACCESS_TOKEN_SECS;
use rampart_auth::sessions::SESSION_SECS;
use rampart_core::Config;

/// The JWT access token: `HttpOnly; SameSite=Lax; Path=/`.
pub const ACCESS: &str = "access_token";
/// The opaque refresh token: `HttpOnly; SameSite=Strict; Path=/api/v1/auth`.
pub const REFRESH: &str = "refresh_token";
/// The CSRF token, readable by the page's scripts: `SameSite=Lax; Path=/`.
pub const CSRF: &str = "XSRF-TOKEN";
const REFRESH_PATH: &str = "/api/v1/auth";
/// Binds an OAuth sign-in to the browser that started it: `HttpOnly; SameSite=Lax` (sent on
/// the provider's top-level redirect back), `Path=/api/v1/auth/oauth`, 10 minutes.
pub const OAUTH_BINDER: &str = "oauth_binder";
const OAUTH_PATH: &str = "/api/v1/auth/oauth";

struct Attributes {
    http_only: bool,
    same_site: &'static str,
    path: &'static str,
}

fn attributes(name: &str) -> Attributes {
    match name {
        ACCESS => Attributes {
            http_only: true,
            same_site: "Lax",
            path: "/",
        },
        REFRESH => Attributes {
            http_only: true,
            same_site: "Strict",
            path: REFRESH_PATH,
        },
        OAUTH_BINDER => Attributes {
            http_only: true,
            same_site: "Lax",
            path: OAUTH_PATH,
        },
        _ => Attributes {
            http_only: false,
            same_site: "Lax",
            path: "/",
        },
    }
}

/// One `Set-Cookie` value for `name` per the contract's attributes.
pub fn set_cookie(config: &Config, name: &str, value: &str, max_age: i64) -> String {
    let a = attributes(name);
    let mut cookie = format!("{name}={value}; Path={}; Max-Age={max_age}", a.path);
    if let Some(domain) = &config.cookie_domain {
        cookie.push_str(&format!("; Domain={domain}"));
    }
    if a.http_only {
        cookie.push_str("; HttpOnly");
    }
    if config.cookie_secure {
        cookie.push_str("; Secure");
    }
    cookie.push_str(&format!("; SameSite={}", a.same_site));
    cookie
}

/// The three cookies of a signed-in session.
pub fn session_cookies(config: &Config, tokens: &Tokens) -> Vec<HeaderValue> {
    [
        set_cookie(
            config,
            ACCESS,
            tokens.access_token.expose(),
            ACCESS_TOKEN_SECS,
        ),
        set_cookie(config, REFRESH, tokens.refresh_token.expose(), SESSION_SECS),
        // The CSRF token lives as long as the session can be refreshed.
        set_cookie(config, CSRF, tokens.csrf_token.expose(), SESSION_SECS),
    ]
    .into_iter()
    .filter_map(|c| HeaderValue::from_str(&c).ok())
    .collect()
}

/// The three cookies, cleared (`Max-Age=0`).
pub fn cleared_cookies(config: &Config) -> Vec<HeaderValue> {
    [ACCESS, REFRESH, CSRF]
        .into_iter()
        .filter_map(|name| HeaderValue::from_str(&set_cookie(config, name, "", 0)).ok())
        .collect()
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_the_contract_attributes() {
        let mut config = Config::local();
        config.cookie_secure = true;
        config.cookie_domain = Some("example.com".into());
        assert_eq!(
            set_cookie(&config, ACCESS, "jwt", 900),
            "access_token=jwt; Path=/; Max-Age=900; Domain=example.com; HttpOnly; Secure; SameSite=Lax"
        );
        assert_eq!(
            set_cookie(&config, REFRESH, "rt", 2_592_000),
            "refresh_token=rt; Path=/api/v1/auth; Max-Age=2592000; Domain=example.com; HttpOnly; Secure; SameSite=Strict"
        );
        assert_eq!(
            set_cookie(&config, CSRF, "c", 10),
            "XSRF-TOKEN=c; Path=/; Max-Age=10; Domain=example.com; Secure; SameSite=Lax"
        );
        config.cookie_secure = false;
        config.cookie_domain = None;
        assert_eq!(
            set_cookie(&config, ACCESS, "", 0),
            "access_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let req = http::Request::get("/")
            .header("cookie", "a=1; access_token=xyz")
            .header("cookie", "XSRF-TOKEN=\"t.k.s\"")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        assert_eq!(read(&parts, ACCESS).as_deref(), Some("xyz"));
        assert_eq!(read(&parts, CSRF).as_deref(), Some("t.k.s"));
        assert_eq!(read(&parts, REFRESH), None);
    }
}
