//! Sign-in with an OpenID Connect provider (the Google path) end to end against a real
//! provider: oidc-provider from npm, run on loopback (`scripts/oidc-provider/server.mjs`).
//! Discovery, PKCE, the code exchange, the ID token's signature (JWKS), issuer, audience,
//! expiry and nonce are all real.

use std::collections::BTreeMap;

use rampart_blackbox_tests::{ChildServer, TestApp, test_tool};
use serde_json::{Value, json};

use super::code_of;

const CLIENT_ID: &str = "rampart-test";
const CLIENT_SECRET: &str = "oidc-client-secret-for-tests";
const API_BASE: &str = "https://api.example.com";

fn callback_uri() -> String {
    format!("{API_BASE}/api/v1/auth/oauth/google/callback")
}

fn provider(email: &str, verified: bool) -> ChildServer {
    let script = test_tool("RAMPART_TEST_OIDC_PROVIDER");
    let redirect = callback_uri();
    let verified = verified.to_string();
    ChildServer::start(
        "node",
        &[
            &script,
            CLIENT_ID,
            CLIENT_SECRET,
            &redirect,
            email,
            &verified,
        ],
    )
}

async fn app(provider: &ChildServer) -> TestApp {
    let issuer = format!("http://127.0.0.1:{}", provider.port);
    let mut secrets = rampart_blackbox_tests::test_secrets();
    for (k, v) in [
        ("oauth_google_client_id", CLIENT_ID),
        ("oauth_google_client_secret", CLIENT_SECRET),
    ] {
        secrets.oauth.insert(k.into(), json!(v).into());
    }
    TestApp::builder()
        .secrets(secrets)
        .config(move |c| {
            c.public_base_url = Some(API_BASE.into());
            c.frontend_base_url = Some("https://app.example.com".into());
            c.oauth_endpoints.google_issuer = Some(issuer);
        })
        .spawn()
        .await
}

/// A browser at the provider: follows its redirects, keeping its cookies, until the
/// provider sends the browser back to our callback; returns that callback's query.
async fn sign_in_at_provider(start_location: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut url = reqwest::Url::parse(start_location).unwrap();
    for _ in 0..10 {
        let cookie: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let response = client
            .get(url.clone())
            .header("cookie", cookie.join("; "))
            .send()
            .await
            .unwrap();
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = response.status();
        assert!(
            status.is_redirection(),
            "{status}: {}",
            response.text().await.unwrap()
        );
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let next = url.join(&location).unwrap();
        if next.as_str().starts_with(&callback_uri()) {
            return next.query().unwrap_or_default().to_owned();
        }
        url = next;
    }
    panic!("the provider never sent the browser back");
}

async fn start(app: &TestApp) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.at("/api/v1/auth/oauth/google/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    super::remember_binder(&response);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The callback, from the browser that started the sign-in (it sends the binder cookie).
async fn callback(app: &TestApp, query: &str) -> reqwest::Response {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.at(&format!("/api/v1/auth/oauth/google/callback?{query}")));
    if let Some(cookie) = super::binder_cookie(query) {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn an_openid_connect_sign_in_creates_a_verified_account() {
    let provider = provider("grace@example.com", true);
    let app = app(&provider).await;
    let location = start(&app).await;
    let q: BTreeMap<String, String> = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(
        q.contains_key("nonce") && q["scope"].contains("openid"),
        "{q:?}"
    );

    let query = sign_in_at_provider(&location).await;
    let response = callback(&app, &query).await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "https://app.example.com/");
    let access = super::cookie_value(&response, "access_token").expect("an access cookie");
    let account: Value = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["user"]["email"], "grace@example.com");
    assert_eq!(account["user"]["email_verified"], true);

    let replay = callback(&app, &query).await;
    assert_eq!(code_of(replay).await, (400, Some("invalid_state".into())));
}

#[tokio::test]
async fn an_unverified_provider_address_does_not_sign_in() {
    let provider = provider("mallory@example.com", false);
    let app = app(&provider).await;
    let location = start(&app).await;
    let query = sign_in_at_provider(&location).await;
    let response = callback(&app, &query).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://app.example.com/?oauth_error=email_not_verified"
    );
    super::assert_no_session_cookie(&response);
}
