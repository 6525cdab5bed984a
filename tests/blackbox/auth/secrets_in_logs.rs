//! A whole account journey with every log line captured: no password, refresh token,
//! access token, CSRF token, TOTP secret, challenge or recovery code appears in the logs.

use std::sync::OnceLock;

use http::Method;
use rampart_blackbox_tests::{Browser, Captured, GOOD_PASSWORD, TestApp};
use rampart_core::Clock;
use serde_json::json;

use super::totp;

/// Every log line of this test binary, from every thread: a process-wide subscriber sees
/// what a thread-local one can miss (callsites whose interest other threads cached first).
pub(crate) fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = rampart_core::telemetry::json_subscriber(move || writer.clone());
        // Another test may have installed one first; then nothing is captured and the
        // assertion that the journey was logged says so.
        let _ = tracing::subscriber::set_global_default(subscriber);
        captured
    })
}

/// Adds the browser's current tokens to the list of secrets.
fn remember(secrets: &mut Vec<String>, browser: &Browser) {
    for name in ["access_token", "refresh_token", "XSRF-TOKEN"] {
        secrets.extend(browser.cookie(name));
    }
}

#[tokio::test]
async fn a_full_account_journey_logs_no_secret() {
    let captured = captured();
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let mut secrets: Vec<String> = vec![GOOD_PASSWORD.to_owned()];
    let email = "journey@example.com";
    let register = browser
        .send(
            Method::POST,
            "/api/v1/auth/register",
            Some(json!({"email": email, "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(register.status(), 201);
    let token = app.verification_token(email).await.unwrap();
    let verify = browser
        .send(
            Method::POST,
            "/api/v1/auth/verify-email",
            Some(json!({ "token": token, "password": GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(verify.status(), 200);
    let wrong = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": "a wrong password for the logs"})),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    secrets.push("a wrong password for the logs".into());
    let login = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(login.status(), 200);
    remember(&mut secrets, &browser);
    let first_refresh = browser.cookie("refresh_token").unwrap();
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    remember(&mut secrets, &browser);
    app.clock.advance_secs(60);
    let replay = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": first_refresh }),
        )
        .await;
    assert_eq!(replay.status(), 401, "the replay revoked the session");
    let again = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(again.status(), 200);
    remember(&mut secrets, &browser);
    // Two-factor authentication: its secret and recovery codes are secrets too.
    let setup: serde_json::Value = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await
        .json()
        .await
        .unwrap();
    let totp_secret = setup["secret"].as_str().unwrap().to_owned();
    secrets.push(totp_secret.clone());
    secrets.push(setup["otpauth_url"].as_str().unwrap().to_owned());
    let code = totp::code(&totp_secret, app.clock.now_secs());
    let enabled: serde_json::Value = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await
        .json()
        .await
        .unwrap();
    let recovery: Vec<String> = enabled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    secrets.extend(recovery.iter().cloned());
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/logout").await,
        204
    );

    // Sign in with a TOTP code, then with a recovery code.
    for factor in [None, Some(recovery[0].clone())] {
        app.clock.advance_secs(30);
        let step: serde_json::Value = browser
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": email, "password": GOOD_PASSWORD})),
            )
            .await
            .json()
            .await
            .unwrap();
        let challenge = step["challenge_token"].as_str().unwrap().to_owned();
        secrets.push(challenge.clone());
        let body = match &factor {
            None => json!({
                "challenge_token": challenge,
                "code": totp::code(&totp_secret, app.clock.now_secs()),
            }),
            Some(recovery) => json!({"challenge_token": challenge, "recovery_code": recovery}),
        };
        let verified = browser
            .send(Method::POST, "/api/v1/auth/2fa/verify", Some(body))
            .await;
        assert_eq!(verified.status(), 200);
        remember(&mut secrets, &browser);
    }
    assert_eq!(
        browser.status(Method::GET, "/api/v1/auth/sessions").await,
        200
    );
    app.clock.advance_secs(30);
    let delete = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({
                "password": GOOD_PASSWORD,
                "code": totp::code(&totp_secret, app.clock.now_secs()),
            })),
        )
        .await;
    assert_eq!(delete.status(), 204);
    app.stop().await;

    let logs = captured.text();
    let journey_lines = logs
        .lines()
        .filter(|l| l.contains("journey@example.com") || l.contains("auth."))
        .count();
    assert!(journey_lines >= 5, "the journey was logged: {logs}");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret leaked into the logs"
        );
    }
}
