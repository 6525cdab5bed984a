//! `GET /account` and `DELETE /account`, and the email-verified gate.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::Feature;
use serde_json::{Value, json};

use super::code_of;

#[tokio::test]
async fn the_account_shows_the_contract_fields() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("ada@example.com").await;
    let response = browser.send(Method::GET, "/api/v1/account", None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let user = body["user"].as_object().unwrap();
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "email",
            "email_verified",
            "id",
            "role",
            "two_factor_enabled"
        ]
    );
    assert_eq!(body["user"]["id"], id.as_str());
    assert_eq!(body["user"]["email_verified"], true);
    let anonymous = Browser::new(&app);
    assert_eq!(
        code_of(anonymous.send(Method::GET, "/api/v1/account", None).await).await,
        (401, Some("unauthenticated".into()))
    );
}

#[tokio::test]
async fn deleting_the_account_checks_the_password_and_removes_everything() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let other_device = Browser::new(&app);
    other_device
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "ada@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    let wrong = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({"password": "not my password at all"})),
        )
        .await;
    assert_eq!(
        code_of(wrong).await,
        (401, Some("invalid_credentials".into()))
    );
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);

    let response = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(browser.cookie("refresh_token"), None, "cookies cleared");
    assert_eq!(
        other_device
            .status(Method::POST, "/api/v1/auth/refresh")
            .await,
        401,
        "every session is gone"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 401);

    // The address is free again: a new account, with a new verification mail.
    app.verified_user("ada@example.com").await;
}

#[tokio::test]
async fn unverified_accounts_are_stopped_at_routes_that_need_a_verified_email() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::RateLimiting, false))
        .spawn()
        .await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "new@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    let browser = Browser::new(&app);
    let login = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "new@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(login.status(), 200, "unverified users may sign in");
    let account: Value = browser
        .send(Method::GET, "/api/v1/account", None)
        .await
        .json()
        .await
        .unwrap();
    app.promote_to_admin(account["user"]["id"].as_str().unwrap())
        .await;
    let response = browser
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["internal:*"]})),
        )
        .await;
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "email_unverified");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("POST /api/v1/auth/resend-verification")
    );
}

#[tokio::test]
async fn deleting_with_if_match_needs_the_account_as_last_shown() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("grace@example.com").await;
    let token = browser.cookie("access_token").unwrap();
    let shown = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let tag = shown.headers()["etag"].to_str().unwrap().to_owned();
    let delete = |if_match: String| {
        app.client
            .delete(app.at("/api/v1/account"))
            .bearer_auth(&token)
            .header("if-match", if_match)
            .json(&json!({ "password": GOOD_PASSWORD }))
            .send()
    };
    let stale = delete("\"0123\"".into()).await.unwrap();
    assert_eq!(
        code_of(stale).await,
        (412, Some("precondition_failed".into()))
    );
    let weak = delete(format!("W/{tag}")).await.unwrap();
    assert_eq!(weak.status(), 412, "If-Match compares strongly");
    assert_eq!(delete(tag).await.unwrap().status(), 204);
}
