//! Only the newest verification or reset token of an account works, and none survives a
//! password change or the proof of the address; a leftover verification token cannot touch a
//! verified account.

use http::Method;
use rampart_auth::MailKind;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

use super::code_of;

async fn token(app: &TestApp, kind: MailKind, email: &str) -> String {
    app.mail(kind, email)
        .await
        .and_then(|m| m.token.map(|t| t.expose().clone()))
        .expect("a token was mailed")
}

async fn login_status(app: &TestApp, password: &str) -> u16 {
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": "ada@example.com", "password": password}),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn a_new_verification_token_retires_the_older_one() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    let first = token(&app, MailKind::VerifyEmail, "ada@example.com").await;
    app.post_json(
        "/api/v1/auth/resend-verification",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let second = token(&app, MailKind::VerifyEmail, "ada@example.com").await;
    assert_ne!(first, second);
    let old = app
        .post_json("/api/v1/auth/verify-email", &json!({ "token": first }))
        .await;
    assert_eq!(
        code_of(old).await,
        (400, Some("invalid_token".into())),
        "the older link no longer works"
    );
    let new = app
        .post_json(
            "/api/v1/auth/verify-email",
            &json!({ "token": second, "password": GOOD_PASSWORD }),
        )
        .await;
    assert_eq!(new.status(), 200);
}

#[tokio::test]
async fn reset_tokens_retire_each_other_and_die_with_a_password_change() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let forgot = || async {
        app.post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "ada@example.com"}),
        )
        .await
    };
    forgot().await;
    let first = token(&app, MailKind::PasswordReset, "ada@example.com").await;
    forgot().await;
    let second = token(&app, MailKind::PasswordReset, "ada@example.com").await;
    let reset = |token: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/auth/password/reset",
                &json!({"token": token, "password": "a brand new long passphrase 7"}),
            )
            .await
        }
    };
    assert_eq!(code_of(reset(first).await).await.0, 400, "superseded");

    // A password change (signed in) retires the reset token mailed before it.
    let browser = app.new_session("ada@example.com").await;
    let changed = browser
        .send(
            Method::POST,
            "/api/v1/auth/password/change",
            Some(json!({
                "current_password": GOOD_PASSWORD,
                "new_password": "another long passphrase 42"
            })),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        code_of(reset(second).await).await,
        (400, Some("invalid_token".into()))
    );
    assert_eq!(login_status(&app, "another long passphrase 42").await, 200);
}

#[tokio::test]
async fn a_leftover_verification_token_leaves_a_verified_account_alone() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    let leftover = token(&app, MailKind::VerifyEmail, "ada@example.com").await;
    // The owner proves the address another way: a password reset.
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let reset = token(&app, MailKind::PasswordReset, "ada@example.com").await;
    let done = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": reset, "password": "owner's own long passphrase"}),
        )
        .await;
    assert_eq!(done.status(), 204);
    // The verification mail, opened later (or by someone who saw it), changes nothing.
    let late = app
        .post_json("/api/v1/auth/verify-email", &json!({ "token": leftover }))
        .await;
    assert_eq!(code_of(late).await, (400, Some("invalid_token".into())));
    assert_eq!(login_status(&app, "owner's own long passphrase").await, 200);
}

#[tokio::test]
async fn mailed_links_carry_the_token_in_the_fragment_never_the_query() {
    let sink = rampart_blackbox_tests::SmtpSink::start("rampart", "sink-password");
    let url = format!("smtp://rampart:sink-password@127.0.0.1:{}", sink.port());
    let app = TestApp::builder()
        .smtp(&url, "Rampart <no-reply@example.com>")
        .config(|c| c.frontend_base_url = Some("https://app.example.com".into()))
        .spawn()
        .await;
    let mailed = |marker: &'static str| {
        let got = sink.next().expect("the SMTP server received the mail");
        let data = rampart_blackbox_tests::quoted_printable_decode(got["data"].as_str().unwrap());
        assert!(
            !data.contains("?token="),
            "no token in a query string: {data}"
        );
        data.split(marker)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("a link with {marker}: {data}"))
            .to_owned()
    };
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    app.deliver_mail().await;
    let verify = mailed("https://app.example.com/verify-email#token=");
    let verified = app
        .post_json(
            "/api/v1/auth/verify-email",
            &json!({"token": verify, "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(verified.status(), 200);
    app.post_json(
        "/api/v1/auth/password/forgot",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    app.deliver_mail().await;
    let reset = mailed("https://app.example.com/reset-password#token=");
    assert_eq!(reset.len(), 43);
}
