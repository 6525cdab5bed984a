//! CSRF on cookie-authenticated writes: missing, mismatched, from another session; bearer
//! tokens need none; `CSRF_ENABLED=false` turns the check off.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_core::Feature;

use super::code_of;

const REVOKE_OTHERS: &str = "/api/v1/auth/sessions/revoke-others";

#[tokio::test]
async fn cookie_writes_need_the_session_csrf_token() {
    let app = TestApp::spawn().await;
    let (mut ada, _) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;

    ada.send_csrf = false;
    let (status, code) = code_of(ada.send(Method::POST, REVOKE_OTHERS, None).await).await;
    assert_eq!((status, code.as_deref()), (403, Some("csrf_missing")));

    // A header that differs from the cookie.
    let ada_token = ada.cookie("XSRF-TOKEN").unwrap();
    ada.set_cookie("XSRF-TOKEN", &format!("{ada_token}x"), "/");
    ada.send_csrf = true;
    let response = ada.send(Method::POST, REVOKE_OTHERS, None).await;
    assert_eq!(code_of(response).await, (403, Some("csrf_mismatch".into())));

    // Header and cookie agree, but the token belongs to Bob's session.
    ada.set_cookie("XSRF-TOKEN", &bob.cookie("XSRF-TOKEN").unwrap(), "/");
    let response = ada.send(Method::POST, REVOKE_OTHERS, None).await;
    assert_eq!(code_of(response).await, (403, Some("csrf_mismatch".into())));

    ada.set_cookie("XSRF-TOKEN", &ada_token, "/");
    assert_eq!(ada.status(Method::POST, REVOKE_OTHERS).await, 200);
    assert_eq!(
        ada.status(Method::GET, "/api/v1/auth/sessions").await,
        200,
        "reads need no token"
    );
}

#[tokio::test]
async fn bearer_requests_need_no_csrf_token() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let response = app
        .client
        .post(app.at(REVOKE_OTHERS))
        .bearer_auth(browser.cookie("access_token").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn csrf_can_be_switched_off() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::Csrf, false))
        .spawn()
        .await;
    let (mut browser, _) = app.signed_in("ada@example.com").await;
    browser.send_csrf = false;
    assert_eq!(browser.status(Method::POST, REVOKE_OTHERS).await, 200);
}
