//! Password forgot, reset and change (contract section 2): no enumeration, single-use tokens
//! that live an hour, sessions ended, two-factor authentication untouched.

use http::Method;
use rampart_auth::MailKind;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use rampart_core::Clock;
use serde_json::json;

use super::code_of;

const NEW_PASSWORD: &str = "a different 8 passphrase entirely";

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/password/forgot", &json!({ "email": email }))
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/password/reset",
        &json!({"token": token, "password": password}),
    )
    .await
}

async fn reset_token(app: &TestApp, email: &str) -> Option<String> {
    app.mail(MailKind::PasswordReset, email)
        .await
        .and_then(|m| m.token.map(|t| t.expose().clone()))
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": email, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn forgot_answers_202_alike_for_every_address_and_mails_only_account_holders() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let known = forgot(&app, "ada@example.com").await;
    let unknown = forgot(&app, "nobody@example.com").await;
    let malformed = forgot(&app, "not an address").await;
    for response in [known, unknown, malformed] {
        assert_eq!(response.status(), 202);
        assert_eq!(response.text().await.unwrap(), "{}");
    }
    assert!(reset_token(&app, "ada@example.com").await.is_some());
    assert!(reset_token(&app, "nobody@example.com").await.is_none());
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_works_once() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    forgot(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await.unwrap();
    // A weak password is refused without spending the token.
    assert_eq!(
        code_of(reset(&app, &token, "password1234").await).await,
        (400, Some("validation_failed".into()))
    );
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), 204);
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 401);
    assert_eq!(
        login_status(&app, "ada@example.com", GOOD_PASSWORD).await,
        401
    );
    assert_eq!(
        login_status(&app, "ada@example.com", NEW_PASSWORD).await,
        200
    );
    assert_eq!(
        code_of(reset(&app, &token, "yet another 5 fine passphrase").await).await,
        (400, Some("invalid_token".into()))
    );
    assert!(
        app.mail(MailKind::PasswordChanged, "ada@example.com")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_reset_token_lives_one_hour() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    forgot(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await.unwrap();
    app.clock.advance_secs(3600 + 1);
    assert_eq!(
        code_of(reset(&app, &token, NEW_PASSWORD).await).await,
        (400, Some("invalid_token".into()))
    );
    assert_eq!(
        login_status(&app, "ada@example.com", GOOD_PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn forgot_is_limited_to_five_an_hour_per_address() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    for _ in 0..5 {
        assert_eq!(forgot(&app, "ada@example.com").await.status(), 202);
    }
    assert_eq!(
        code_of(forgot(&app, "ADA@example.com ").await).await,
        (429, Some("rate_limited".into()))
    );
    assert_eq!(forgot(&app, "bob@example.com").await.status(), 202);
}

#[tokio::test]
async fn change_needs_the_current_password_and_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let (other, _) = {
        let other = rampart_blackbox_tests::Browser::new(&app);
        let response = other
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": "ada@example.com", "password": GOOD_PASSWORD})),
            )
            .await;
        assert_eq!(response.status(), 200);
        (other, ())
    };
    let wrong = browser
        .send(
            Method::POST,
            "/api/v1/auth/password/change",
            Some(json!({"current_password": "not it at all", "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(
        code_of(wrong).await,
        (401, Some("invalid_credentials".into()))
    );
    let weak = browser
        .send(
            Method::POST,
            "/api/v1/auth/password/change",
            Some(json!({"current_password": GOOD_PASSWORD, "new_password": "short"})),
        )
        .await;
    let body: serde_json::Value = weak.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "new_password");
    let changed = browser
        .send(
            Method::POST,
            "/api/v1/auth/password/change",
            Some(json!({"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);
    assert_eq!(other.status(Method::GET, "/api/v1/account").await, 401);
    assert_eq!(
        login_status(&app, "ada@example.com", NEW_PASSWORD).await,
        200
    );
    assert_eq!(
        login_status(&app, "ada@example.com", GOOD_PASSWORD).await,
        401
    );
}

#[tokio::test]
async fn a_reset_leaves_two_factor_authentication_on() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let setup: serde_json::Value = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let code = super::totp::code(&secret, app.clock.now_secs());
    let enabled = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(enabled.status(), 200);
    forgot(&app, "ada@example.com").await;
    let token = reset_token(&app, "ada@example.com").await.unwrap();
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), 204);
    let login: serde_json::Value = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": NEW_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["two_factor_required"], true);
}
