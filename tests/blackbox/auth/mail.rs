//! Account mail through a real SMTP server (aiosmtpd): the SMTP adapter is what the stack
//! uses once the secret has an `smtp_url` and `MAIL_FROM` is set.

use rampart_auth::smtp::SmtpMailer;
use rampart_auth::{Email, Mail, MailKind, Mailer};
use rampart_blackbox_tests::{GOOD_PASSWORD, SmtpSink, TestApp, quoted_printable_decode};
use serde_json::json;

#[tokio::test]
async fn registration_mails_a_verification_link_over_smtp() {
    let sink = SmtpSink::start("rampart", "sink-password");
    let url = format!("smtp://rampart:sink-password@127.0.0.1:{}", sink.port());
    let app = TestApp::builder()
        .smtp(&url, "Rampart <no-reply@example.com>")
        .config(|c| c.frontend_base_url = Some("https://app.example.com".into()))
        .spawn()
        .await;
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 201);
    // The request only queued the mail; the mail worker sends it.
    assert_eq!(app.deliver_mail().await, 1);
    let got = sink.next().expect("the SMTP server received the mail");
    assert_eq!(got["mail_from"], "no-reply@example.com");
    assert_eq!(got["rcpt_tos"], json!(["ada@example.com"]));
    assert_eq!(got["auth_user"], "rampart");
    let data = quoted_printable_decode(got["data"].as_str().unwrap());
    assert!(
        data.contains("Subject: Verify your email address"),
        "{data}"
    );
    let token = data
        .split("https://app.example.com/verify-email#token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a verification link");
    let verified = app
        .post_json("/api/v1/auth/verify-email", &json!({ "token": token }))
        .await;
    assert_eq!(
        verified.status(),
        200,
        "the mailed token verifies the address"
    );
}

#[tokio::test]
async fn wrong_smtp_credentials_fail_without_leaking_them() {
    let sink = SmtpSink::start("rampart", "sink-password");
    let url = format!("smtp://rampart:wrong-password@127.0.0.1:{}", sink.port());
    let mailer = SmtpMailer::new(&url, "no-reply@example.com", None).unwrap();
    let mail = Mail {
        kind: MailKind::AccountExists,
        to: Email::parse("ada@example.com").unwrap(),
        token: None,
    };
    let err = mailer.send(mail).await.unwrap_err();
    assert!(!err.to_string().contains("wrong-password"), "{err}");
    assert!(!sink.received_any(), "nothing was delivered");
}
