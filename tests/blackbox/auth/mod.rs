//! Accounts and auth over HTTP (contract section 2): real cookies, real tokens, the clock
//! moved by hand.

mod account;
mod anonymous_logs;
mod api_keys;
mod audit_coverage;
mod audit_events;
mod csrf;
mod export;
mod mail;
mod mail_loops;
mod oauth_github;
mod oauth_oidc;
mod on_dynamodb;
mod password;
mod pre_hijacking;
mod refresh;
mod registration;
mod round_trips;
pub(crate) mod secrets_in_logs;
mod sessions;
mod sign_in;
mod token_freshness;
mod totp;
mod two_factor;

use serde_json::Value;

/// Status and problem code of a response.
pub(crate) async fn code_of(response: reqwest::Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().map(str::to_owned))
}

/// Every `Set-Cookie` of a response, by cookie name.
pub(crate) fn set_cookies(response: &reqwest::Response) -> Vec<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.split_once('=')
                .map(|(name, _)| (name.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The OAuth binder cookies browsers got from `start`, by the `state` of their sign-in: a
/// callback with that state then comes "from the same browser". Each test's states are its own.
static BINDERS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, String>>> =
    std::sync::LazyLock::new(Default::default);

fn query_param(url_or_query: &str, name: &str) -> Option<String> {
    let query = url_or_query
        .split_once('?')
        .map_or(url_or_query, |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Remembers the binder a `start` response set, under the state in its `Location`.
pub(crate) fn remember_binder(start: &reqwest::Response) {
    let location = start.headers()["location"].to_str().unwrap();
    let state = query_param(location, "state").expect("a state in the provider URL");
    let binder = cookie_value(start, "oauth_binder").expect("start sets the binder cookie");
    BINDERS.lock().unwrap().insert(state, binder);
}

/// The `Cookie` header of the browser that started the sign-in a callback query names.
pub(crate) fn binder_cookie(callback_query: &str) -> Option<String> {
    let state = query_param(callback_query, "state")?;
    BINDERS
        .lock()
        .unwrap()
        .get(&state)
        .map(|b| format!("oauth_binder={b}"))
}

/// An OAuth callback that signed no one in: the only cookie it sets clears the binder.
pub(crate) fn assert_no_session_cookie(response: &reqwest::Response) {
    assert!(
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| c.to_str().unwrap().starts_with("oauth_binder=;")),
        "no session cookie, only the binder cleared: {:?}",
        response.headers()
    );
}

/// The value a response's `Set-Cookie` gives `name`, if it sets it.
pub(crate) fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(prefix.as_str()))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}
