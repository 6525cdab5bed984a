//! TOTP two-factor authentication over HTTP, with codes computed per RFC 6238 from the
//! secret the server hands out and the clock moved by hand.

use http::Method;
use rampart_auth::MailKind;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::{Clock, Feature};
use rampart_store::{Key, Query, Table, keys};
use serde_json::{Value, json};

use super::{code_of, set_cookies, totp};

/// Signs in `email`, sets up and enables 2FA; returns the browser, the user id, the base32
/// secret and the recovery codes. The clock then moves to the next step so the enabling
/// code's step is behind.
async fn enrolled(app: &TestApp, email: &str) -> (Browser, String, String, Vec<String>) {
    let (browser, id) = app.signed_in(email).await;
    let setup = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await;
    assert_eq!(setup.status(), 200);
    let setup: Value = setup.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let code = totp::code(&secret, app.clock.now_secs());
    let enable = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(enable.status(), 200);
    let enable: Value = enable.json().await.unwrap();
    let codes: Vec<String> = enable["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    app.clock.advance_secs(30);
    (browser, id, secret, codes)
}

async fn login(app: &TestApp, email: &str) -> Value {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        set_cookies(&response).is_empty(),
        "no cookies before the second factor"
    );
    response.json().await.unwrap()
}

async fn verify(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/auth/2fa/verify", &body).await
}

#[tokio::test]
async fn setup_hands_out_an_rfc_6238_secret_and_enable_needs_a_correct_code() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("ada@example.com").await;
    let setup: Value = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/Rampart:ada%40example.com?"),
        "{url}"
    );
    assert!(
        url.contains(&format!("secret={secret}")) && url.contains("issuer=Rampart"),
        "{url}"
    );

    // The secret is stored sealed, never as the base32 text or the raw bytes.
    let stored = app
        .store
        .get(Table::Users, &keys::users::totp(&id))
        .await
        .unwrap()
        .unwrap();
    assert!(!format!("{stored:?}").contains(secret));

    let wrong = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(code_of(wrong).await, (400, Some("invalid_code".into())));
    let code = totp::code(secret, app.clock.now_secs());
    let enable = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(enable.status(), 200);
    let codes: Value = enable.json().await.unwrap();
    assert_eq!(codes["recovery_codes"].as_array().unwrap().len(), 10);
    let again = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await;
    assert_eq!(again.status(), 409);
    let account: Value = browser
        .send(Method::GET, "/api/v1/account", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(account["user"]["two_factor_enabled"], true);
    assert!(
        app.mail(MailKind::TwoFactorChanged, "ada@example.com")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn login_needs_the_second_factor_and_a_code_works_once() {
    let app = TestApp::spawn().await;
    let (_, _, secret, _) = enrolled(&app, "ada@example.com").await;
    let step = login(&app, "ada@example.com").await;
    assert_eq!(step["two_factor_required"], true);
    let challenge = step["challenge_token"].as_str().unwrap();
    let code = totp::code(&secret, app.clock.now_secs());
    let wrong = verify(
        &app,
        json!({"challenge_token": challenge, "code": "123456"}),
    )
    .await;
    assert_eq!(code_of(wrong).await, (401, Some("invalid_code".into())));
    let ok = verify(&app, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(set_cookies(&ok).len(), 3);

    // The same code again, with a fresh challenge, within its window: refused.
    let second = login(&app, "ada@example.com").await;
    let challenge = second["challenge_token"].as_str().unwrap();
    let replay = verify(&app, json!({"challenge_token": challenge, "code": code})).await;
    assert_eq!(code_of(replay).await, (401, Some("invalid_code".into())));
    app.clock.advance_secs(30);
    let next = totp::code(&secret, app.clock.now_secs());
    let ok = verify(&app, json!({"challenge_token": challenge, "code": next})).await;
    assert_eq!(ok.status(), 200);
    // A challenge works once.
    app.clock.advance_secs(30);
    let later = totp::code(&secret, app.clock.now_secs());
    let reused = verify(&app, json!({"challenge_token": challenge, "code": later})).await;
    assert_eq!(code_of(reused).await, (401, Some("invalid_code".into())));
}

#[tokio::test]
async fn a_challenge_lives_five_minutes() {
    let app = TestApp::spawn().await;
    let (_, _, secret, _) = enrolled(&app, "ada@example.com").await;
    let step = login(&app, "ada@example.com").await;
    app.clock.advance_secs(301);
    let code = totp::code(&secret, app.clock.now_secs());
    let late = verify(
        &app,
        json!({"challenge_token": step["challenge_token"], "code": code}),
    )
    .await;
    assert_eq!(code_of(late).await, (401, Some("invalid_code".into())));
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    let (_, _, _, codes) = enrolled(&app, "ada@example.com").await;
    let step = login(&app, "ada@example.com").await;
    let body = json!({"challenge_token": step["challenge_token"], "recovery_code": codes[3].to_uppercase()});
    assert_eq!(verify(&app, body).await.status(), 200);
    let step = login(&app, "ada@example.com").await;
    let again = verify(
        &app,
        json!({"challenge_token": step["challenge_token"], "recovery_code": codes[3]}),
    )
    .await;
    assert_eq!(code_of(again).await, (401, Some("invalid_code".into())));
    let other = verify(
        &app,
        json!({"challenge_token": step["challenge_token"], "recovery_code": codes[4]}),
    )
    .await;
    assert_eq!(other.status(), 200);
    let both = verify(
        &app,
        json!({"challenge_token": "x", "code": "123456", "recovery_code": codes[5]}),
    )
    .await;
    assert_eq!(code_of(both).await, (400, Some("validation_failed".into())));
}

#[tokio::test]
async fn disabling_needs_the_password_and_a_code() {
    let app = TestApp::spawn().await;
    let (browser, id, secret, _) = enrolled(&app, "ada@example.com").await;
    let code = totp::code(&secret, app.clock.now_secs());
    let wrong_password = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/disable",
            Some(json!({"password": "not the password at all", "code": code})),
        )
        .await;
    assert_eq!(
        code_of(wrong_password).await,
        (401, Some("invalid_credentials".into()))
    );
    // The code was checked too (and so used up): a fresh one for what follows.
    app.clock.advance_secs(30);
    let code = totp::code(&secret, app.clock.now_secs());
    let wrong_code = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/disable",
            Some(json!({"password": GOOD_PASSWORD, "code": "000000"})),
        )
        .await;
    assert_eq!(
        code_of(wrong_code).await,
        (401, Some("invalid_credentials".into())),
        "one answer whether the password or the code was wrong"
    );
    let ok = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/disable",
            Some(json!({"password": GOOD_PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(ok.status(), 204);
    app.deliver_mail().await;
    let mails = app
        .mailer
        .outbox()
        .iter()
        .filter(|m| m.kind == MailKind::TwoFactorChanged)
        .count();
    assert_eq!(mails, 2, "enabling and disabling each mail the owner");
    let partition = app
        .store
        .query(&Query::partition(Table::Users, keys::users::partition(&id)))
        .await
        .unwrap();
    let left: Vec<Key> = partition.items.iter().filter_map(Key::of).collect();
    assert_eq!(
        left,
        [keys::users::account(&id)],
        "secret and recovery codes are gone"
    );
    let plain = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(
        set_cookies(&plain).len(),
        3,
        "signed in with the password alone"
    );
}

#[tokio::test]
async fn deleting_an_account_with_2fa_needs_a_code_and_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let (browser, id, secret, _) = enrolled(&app, "ada@example.com").await;
    let without = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(
        code_of(without).await,
        (401, Some("invalid_credentials".into()))
    );
    let code = totp::code(&secret, app.clock.now_secs());
    let with = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({"password": GOOD_PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(with.status(), 204);
    let partition = app
        .store
        .query(&Query::partition(Table::Users, keys::users::partition(&id)))
        .await
        .unwrap();
    assert!(partition.items.is_empty(), "{partition:?}");
    app.verified_user("ada@example.com").await;
}

#[tokio::test]
async fn with_the_feature_off_the_routes_answer_feature_disabled() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::TwoFactor, false))
        .spawn()
        .await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let setup = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await;
    assert_eq!(code_of(setup).await, (404, Some("feature_disabled".into())));
}

#[tokio::test]
async fn setup_needs_a_verified_email() {
    let app = TestApp::spawn().await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "new@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    let browser = Browser::new(&app);
    browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "new@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    let setup = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await;
    assert_eq!(code_of(setup).await, (403, Some("email_unverified".into())));
}

#[tokio::test]
async fn the_per_account_code_limit_reports_its_headers_and_is_audited() {
    let app = TestApp::spawn().await;
    let (_, _, secret, _) = enrolled(&app, "ada@example.com").await;
    let mut challenge = String::new();
    // A code that is surely wrong now: the current one with its last digit changed.
    let right = totp::code(&secret, app.clock.now_secs());
    let wrong = format!("{}{}", &right[..5], (right.as_bytes()[5] - b'0' + 1) % 10);
    for (n, remaining) in (0..5).rev().enumerate() {
        // Three wrong codes spend a challenge: sign in again for the next ones.
        if n % 3 == 0 {
            let step = login(&app, "ada@example.com").await;
            challenge = step["challenge_token"].as_str().unwrap().to_owned();
        }
        let response = verify(&app, json!({"challenge_token": challenge, "code": wrong})).await;
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["x-ratelimit-limit"],
            "5",
            "the account's limit"
        );
        assert_eq!(
            response.headers()["x-ratelimit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let refused = verify(&app, json!({"challenge_token": challenge, "code": right})).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
    assert!(refused.headers().contains_key("retry-after"));
    let violations = app
        .store
        .query(&Query::index(
            Table::Audit,
            rampart_store::Index::Gsi1,
            keys::audit::by_event("ratelimit.violation"),
        ))
        .await
        .unwrap()
        .items;
    assert_eq!(violations.len(), 1, "{violations:?}");
}

#[tokio::test]
async fn wrong_codes_spend_the_challenge_and_an_account_gets_twenty_tries_a_day() {
    let app = TestApp::spawn().await;
    let (_, _, secret, _) = enrolled(&app, "ada@example.com").await;
    let wrong_now = || {
        let right = totp::code(&secret, app.clock.now_secs());
        format!("{}{}", &right[..5], (right.as_bytes()[5] - b'0' + 1) % 10)
    };
    // Three wrong codes spend a challenge: the right one then fails too.
    let step = login(&app, "ada@example.com").await;
    let challenge = step["challenge_token"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        let wrong = verify(
            &app,
            json!({"challenge_token": challenge, "code": wrong_now()}),
        )
        .await;
        assert_eq!(wrong.status(), 401);
    }
    let right = totp::code(&secret, app.clock.now_secs());
    let spent = verify(&app, json!({"challenge_token": challenge, "code": right})).await;
    assert_eq!(code_of(spent).await, (401, Some("invalid_code".into())));

    // Twenty tries a day per account, whatever the minute allows: 3 a minute for 6 more
    // minutes makes 21 with the 3 above (and the spent one not counted).
    let mut statuses = Vec::new();
    for _ in 0..6 {
        app.clock.advance_secs(61);
        let step = login(&app, "ada@example.com").await;
        let challenge = step["challenge_token"].as_str().unwrap().to_owned();
        for _ in 0..3 {
            let response = verify(
                &app,
                json!({"challenge_token": challenge, "code": wrong_now()}),
            )
            .await;
            statuses.push(response.status().as_u16());
        }
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused, 1, "the 21st try of the day: {statuses:?}");
    app.clock.advance_secs(61);
    let step = login(&app, "ada@example.com").await;
    let challenge = step["challenge_token"].as_str().unwrap().to_owned();
    let right = totp::code(&secret, app.clock.now_secs());
    let capped = verify(&app, json!({"challenge_token": challenge, "code": right})).await;
    assert_eq!(
        capped.status(),
        429,
        "even the right code, until the day is over"
    );
    let retry_after: i64 = capped.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 3600, "{retry_after}");
    app.clock.advance_secs(retry_after + 1);
    let step = login(&app, "ada@example.com").await;
    let challenge = step["challenge_token"].as_str().unwrap().to_owned();
    let right = totp::code(&secret, app.clock.now_secs());
    let ok = verify(&app, json!({"challenge_token": challenge, "code": right})).await;
    assert_eq!(ok.status(), 200);
}
