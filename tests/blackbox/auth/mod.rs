//! Accounts and auth over HTTP (contract section 2): real cookies, real tokens, the clock
//! moved by hand.

mod account;
mod api_keys;
mod audit_events;
mod csrf;
mod export;
mod mail;
mod oauth_github;
mod oauth_oidc;
mod on_dynamodb;
mod refresh;
mod registration;
mod round_trips;
mod secrets_in_logs;
mod sessions;
mod sign_in;
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
