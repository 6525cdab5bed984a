//! Register, verify email, resend verification: validation, single use, expiry, and no
//! answer that tells whether an address has an account.

use rampart_auth::MailKind;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use serde_json::{Value, json};

use super::code_of;

async fn register(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": email, "password": password}),
    )
    .await
}

async fn verify(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/verify-email", &json!({ "token": token }))
        .await
}

/// The body's keys and value types, which must not differ between a new and a taken address.
fn shape(body: &Value) -> Vec<(String, String)> {
    let user = body["user"].as_object().expect("user object");
    user.iter()
        .map(|(k, v)| {
            let kind = match v {
                Value::String(_) => "string",
                Value::Bool(_) => "bool",
                _ => "other",
            };
            (k.clone(), kind.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn register_creates_an_unverified_viewer_and_mails_a_token() {
    let app = TestApp::spawn().await;
    let response = register(&app, "  Ada@Example.com ", GOOD_PASSWORD).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["user"]["email"], "Ada@Example.com",
        "as given, trimmed"
    );
    assert_eq!(body["user"]["email_verified"], false);
    assert_eq!(body["user"]["role"], "viewer");
    assert_eq!(body["user"]["two_factor_enabled"], false);
    assert!(body["user"]["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(body["user"].get("password_hash").is_none());
    let token = app.verification_token("ada@example.com").await.unwrap();
    assert_eq!(token.len(), 43, "256 bits, base64url");
}

#[tokio::test]
async fn weak_short_long_and_malformed_credentials_are_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        ("ada@example.com", "short", "password"),
        ("ada@example.com", "password1234", "password"),
        ("ada@example.com", "ada@example.com1", "password"),
        ("ada@example.com", &"x".repeat(129), "password"),
        ("not-an-address", GOOD_PASSWORD, "email"),
    ];
    for (email, password, field) in cases {
        let response = register(&app, email, password).await;
        assert_eq!(response.status(), 400, "{email} {password}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let (status, code) = code_of(
        app.post_json(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_deref()), (400, Some("validation_failed")));
}

#[tokio::test]
async fn a_taken_address_answers_like_a_new_one_and_mails_its_owner() {
    let app = TestApp::spawn().await;
    let first = register(&app, "ada@example.com", GOOD_PASSWORD).await;
    let first_status = first.status();
    let first: Value = first.json().await.unwrap();
    let again = register(&app, "ADA@example.com", "another long passphrase 99 owls").await;
    assert_eq!(again.status(), first_status);
    let again: Value = again.json().await.unwrap();
    assert_eq!(shape(&again), shape(&first));
    // Each answer shows the address as that request gave it: nothing comes from the account.
    assert_eq!(again["user"]["email"], "ADA@example.com");
    assert_ne!(
        again["user"]["id"], first["user"]["id"],
        "no existing id leaks"
    );
    app.deliver_mail().await;
    let mails: Vec<MailKind> = app.mailer.outbox().iter().map(|m| m.kind).collect();
    assert_eq!(mails, [MailKind::VerifyEmail, MailKind::AccountExists]);
}

#[tokio::test]
async fn a_verification_token_works_once_and_for_24_hours() {
    let app = TestApp::spawn().await;
    register(&app, "ada@example.com", GOOD_PASSWORD).await;
    let token = app.verification_token("ada@example.com").await.unwrap();
    let response = verify(&app, &token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email_verified"], true);
    assert_eq!(
        code_of(verify(&app, &token).await).await,
        (400, Some("invalid_token".into()))
    );
    assert_eq!(
        code_of(verify(&app, "made-up").await).await,
        (400, Some("invalid_token".into()))
    );

    register(&app, "bob@example.com", GOOD_PASSWORD).await;
    let late = app.verification_token("bob@example.com").await.unwrap();
    app.clock.advance_secs(24 * 3600 + 1);
    assert_eq!(
        code_of(verify(&app, &late).await).await,
        (400, Some("invalid_token".into()))
    );
}

#[tokio::test]
async fn resend_is_202_for_every_address_and_mails_only_unverified_accounts() {
    let app = TestApp::spawn().await;
    app.verified_user("done@example.com").await;
    register(&app, "todo@example.com", GOOD_PASSWORD).await;
    app.deliver_mail().await;
    let before = app.mailer.outbox().len();
    let mut bodies = Vec::new();
    for email in [
        "done@example.com",
        "todo@example.com",
        "nobody@example.com",
        "junk",
    ] {
        let response = app
            .post_json(
                "/api/v1/auth/resend-verification",
                &json!({ "email": email }),
            )
            .await;
        assert_eq!(response.status(), 202, "{email}");
        bodies.push(response.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    // Each valid address queued one request alike; the worker mails only the unverified.
    assert_eq!(app.deliver_mail().await, 3);
    let sent: Vec<String> = app.mailer.outbox()[before..]
        .iter()
        .map(|m| m.to.to_string())
        .collect();
    assert_eq!(sent, ["todo@example.com"]);
}

#[tokio::test]
async fn resend_allows_five_an_hour_per_address() {
    let app = TestApp::spawn().await;
    register(&app, "todo@example.com", GOOD_PASSWORD).await;
    let resend = || async {
        app.post_json(
            "/api/v1/auth/resend-verification",
            &json!({"email": "Todo@Example.com"}),
        )
        .await
    };
    for _ in 0..5 {
        assert_eq!(resend().await.status(), 202);
    }
    let refused = resend().await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // The hour passes (plus the lockout a repeat offender earns), and it works again.
    app.clock.advance_secs(2 * 3600);
    assert_eq!(resend().await.status(), 202);
}

#[tokio::test]
async fn resend_allows_five_an_hour_per_client_address_across_accounts() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        let response = app
            .post_json(
                "/api/v1/auth/resend-verification",
                &json!({ "email": format!("probe{i}@example.com") }),
            )
            .await;
        assert_eq!(response.status(), 202);
    }
    // A sixth address from the same client: one client cannot probe or mail-bomb many.
    let refused = app
        .post_json(
            "/api/v1/auth/resend-verification",
            &json!({"email": "probe5@example.com"}),
        )
        .await;
    assert_eq!(refused.status(), 429);
}

#[tokio::test]
async fn registering_a_taken_address_again_and_again_mails_its_owner_once_an_hour() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let notices = || async {
        app.deliver_mail().await;
        app.mailer
            .outbox()
            .iter()
            .filter(|m| m.kind == MailKind::AccountExists)
            .count()
    };
    for _ in 0..3 {
        let response = register(&app, "ada@example.com", GOOD_PASSWORD).await;
        assert_eq!(response.status(), 201);
    }
    assert_eq!(
        notices().await,
        1,
        "one notice, however often the address is tried"
    );
    app.clock.advance_secs(3600 + 1);
    register(&app, "ada@example.com", GOOD_PASSWORD).await;
    assert_eq!(notices().await, 2, "the next hour may send the next one");
}

#[tokio::test]
async fn one_address_in_two_unicode_spellings_is_one_account_and_invisible_characters_are_400() {
    let app = TestApp::spawn().await;
    let first = register(&app, "José@Example.com", GOOD_PASSWORD).await;
    assert_eq!(first.status(), 201);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["user"]["email"], "José@Example.com", "stored as given");
    // The same address, decomposed and in capitals: taken, so its owner is told instead.
    let second = register(&app, "JOSE\u{301}@example.com", GOOD_PASSWORD).await;
    assert_eq!(second.status(), 201);
    assert!(
        app.mail(MailKind::AccountExists, "josé@example.com")
            .await
            .is_some(),
        "the second spelling is the first account"
    );
    for invisible in ["jo\u{200B}se@example.com", "\u{202E}jose@example.com"] {
        let refused = register(&app, invisible, GOOD_PASSWORD).await;
        let (status, code) = code_of(refused).await;
        assert_eq!(
            (status, code.as_deref()),
            (400, Some("validation_failed")),
            "{invisible:?}"
        );
    }
}
