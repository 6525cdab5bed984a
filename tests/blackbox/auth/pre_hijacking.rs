//! Pre-account hijacking (contract section 2): whoever registers an address they do not own
//! gains nothing when its owner proves it. The attacker's sequence runs in full each time.

use http::Method;
use rampart_auth::MailKind;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use serde_json::{Value, json};

use super::code_of;

const VICTIM: &str = "cfo@victim.example";
const ATTACKER_PASSWORD: &str = "attacker chose this 9 passphrase";
const OWNER_PASSWORD: &str = "owner picks a fresh 7 passphrase";

/// The attacker registers the victim's address with a password of their choosing and signs
/// in (unverified accounts may sign in); returns the attacker's browser.
async fn attacker_squats(app: &TestApp) -> Browser {
    let attacker = Browser::new(app);
    let registered = attacker
        .send(
            Method::POST,
            "/api/v1/auth/register",
            Some(json!({"email": VICTIM, "password": ATTACKER_PASSWORD})),
        )
        .await;
    assert_eq!(registered.status(), 201);
    let login = attacker
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": VICTIM, "password": ATTACKER_PASSWORD})),
        )
        .await;
    assert_eq!(login.status(), 200);
    assert_eq!(attacker.status(Method::GET, "/api/v1/account").await, 200);
    attacker
}

/// The owner asks for a reset and sets [`OWNER_PASSWORD`] with the mailed token.
async fn owner_resets_the_password(app: &TestApp) {
    let forgot = app
        .post_json("/api/v1/auth/password/forgot", &json!({ "email": VICTIM }))
        .await;
    assert_eq!(forgot.status(), 202);
    let token = app
        .mail(MailKind::PasswordReset, VICTIM)
        .await
        .and_then(|m| m.token)
        .unwrap();
    let reset = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token.expose(), "password": OWNER_PASSWORD}),
        )
        .await;
    assert_eq!(reset.status(), 204);
}

async fn login(app: &TestApp, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": VICTIM, "password": password}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn the_owners_verification_link_ends_the_attackers_session_and_password() {
    let app = TestApp::spawn().await;
    let attacker = attacker_squats(&app).await;
    app.clock.advance_secs(60);
    // The owner clicks the link in their mailbox; they do not know the attacker's password.
    let token = app.verification_token(VICTIM).await.unwrap();
    let verified = app
        .post_json("/api/v1/auth/verify-email", &json!({ "token": token }))
        .await;
    assert_eq!(verified.status(), 200);
    let body: Value = verified.json().await.unwrap();
    assert_eq!(body["user"]["email_verified"], true);
    // The attacker's session is gone, and so is the password they chose.
    assert_eq!(attacker.status(Method::GET, "/api/v1/account").await, 401);
    assert_eq!(
        attacker.status(Method::POST, "/api/v1/auth/refresh").await,
        401
    );
    assert_eq!(login(&app, ATTACKER_PASSWORD).await, 401);
    // The owner takes the account with a password reset.
    owner_resets_the_password(&app).await;
    assert_eq!(login(&app, OWNER_PASSWORD).await, 200);
    assert_eq!(login(&app, ATTACKER_PASSWORD).await, 401);
}

#[tokio::test]
async fn a_password_reset_by_the_owner_also_ends_the_attackers_session() {
    let app = TestApp::spawn().await;
    let attacker = attacker_squats(&app).await;
    app.clock.advance_secs(60);
    owner_resets_the_password(&app).await;
    assert_eq!(attacker.status(Method::GET, "/api/v1/account").await, 401);
    assert_eq!(login(&app, ATTACKER_PASSWORD).await, 401);
    // The reset proved the address.
    let owner = Browser::new(&app);
    owner
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": VICTIM, "password": OWNER_PASSWORD})),
        )
        .await;
    let account: Value = owner
        .send(Method::GET, "/api/v1/account", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(account["user"]["email_verified"], true);
}

#[tokio::test]
async fn verifying_with_the_password_keeps_it_and_a_wrong_one_keeps_the_token() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    let token = app.verification_token("ada@example.com").await.unwrap();
    let wrong = app
        .post_json(
            "/api/v1/auth/verify-email",
            &json!({"token": token, "password": "not the password at all"}),
        )
        .await;
    assert_eq!(
        code_of(wrong).await,
        (401, Some("invalid_credentials".into()))
    );
    let right = app
        .post_json(
            "/api/v1/auth/verify-email",
            &json!({"token": token, "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(
        right.status(),
        200,
        "the wrong attempt did not use the token"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 200);
}

#[tokio::test]
async fn an_unproved_account_expires_after_seven_days_and_frees_the_address() {
    let app = TestApp::spawn().await;
    let attacker = attacker_squats(&app).await;
    app.clock.advance_secs(7 * 24 * 3600 + 1);
    assert_eq!(login(&app, ATTACKER_PASSWORD).await, 401);
    assert_eq!(attacker.status(Method::GET, "/api/v1/account").await, 401);
    // The owner registers the address as new and gets a fresh verification mail.
    let registered = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": VICTIM, "password": OWNER_PASSWORD}),
        )
        .await;
    assert_eq!(registered.status(), 201);
    let token = app.verification_token(VICTIM).await.unwrap();
    let verified = app
        .post_json(
            "/api/v1/auth/verify-email",
            &json!({"token": token, "password": OWNER_PASSWORD}),
        )
        .await;
    assert_eq!(verified.status(), 200);
    assert_eq!(login(&app, OWNER_PASSWORD).await, 200);
}
