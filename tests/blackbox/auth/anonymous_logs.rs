//! Outside the local stage no log line holds a client address or an email address: a journey
//! from one distinctive address, with every log line captured, finds neither (rate-limit lines,
//! mailer lines and audit lines included).

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::Stage;
use serde_json::json;

const CLIENT: &str = "198.51.100.77";
const EMAIL: &str = "anonymous-journey@example.org";

#[tokio::test]
async fn a_journey_outside_the_local_stage_logs_no_address_or_email() {
    let captured = super::secrets_in_logs::captured();
    let app = TestApp::builder()
        .config(|c| {
            c.stage = Stage::Dev;
            // The test client speaks plain HTTP.
            c.cookie_secure = false;
        })
        .spawn()
        .await;
    let browser = Browser::new(&app);
    let from = [("x-forwarded-for", CLIENT)];
    let send = |method: Method, path: &'static str, body: Option<serde_json::Value>| {
        browser.send_with(method, path, body, &from)
    };
    let credentials = json!({"email": EMAIL, "password": GOOD_PASSWORD});
    assert_eq!(
        send(
            Method::POST,
            "/api/v1/auth/register",
            Some(credentials.clone())
        )
        .await
        .status(),
        201
    );
    app.deliver_mail().await;
    let token = app.verification_token(EMAIL).await.unwrap();
    let verify = json!({"token": token, "password": GOOD_PASSWORD});
    assert_eq!(
        send(Method::POST, "/api/v1/auth/verify-email", Some(verify))
            .await
            .status(),
        200
    );
    let wrong = json!({"email": EMAIL, "password": "not the password"});
    assert_eq!(
        send(Method::POST, "/api/v1/auth/login", Some(wrong))
            .await
            .status(),
        401
    );
    assert_eq!(
        send(Method::POST, "/api/v1/auth/login", Some(credentials))
            .await
            .status(),
        200
    );
    assert_eq!(
        send(Method::POST, "/api/v1/auth/refresh", None)
            .await
            .status(),
        200
    );
    assert_eq!(
        send(Method::GET, "/api/v1/account", None).await.status(),
        200
    );
    assert_eq!(
        send(Method::GET, "/api/v1/admin/audit?event=x", None)
            .await
            .status(),
        403
    );
    // Past the per-address limit of reset requests: refusals are logged with their key.
    let mut refused = 0;
    for _ in 0..7 {
        let forgot = send(
            Method::POST,
            "/api/v1/auth/password/forgot",
            Some(json!({ "email": EMAIL })),
        )
        .await;
        refused += u32::from(forgot.status() == 429);
    }
    assert!(refused >= 1);
    app.deliver_mail().await;
    assert_eq!(
        send(Method::POST, "/api/v1/auth/logout", None)
            .await
            .status(),
        204
    );
    app.stop().await;

    let logs = captured.text();
    let ours: Vec<&str> = logs
        .lines()
        .filter(|l| {
            l.contains("example.org") || l.contains("rate limited") || l.contains("198.51.100.0")
        })
        .collect();
    assert!(
        ours.iter().any(|l| l.contains("***@example.org")),
        "the mail lines were captured: {logs}"
    );
    assert!(
        ours.iter().any(|l| l.contains("198.51.100.0")),
        "the audit lines were captured, with the address anonymised"
    );
    for line in logs.lines() {
        assert!(!line.contains(CLIENT), "a client address in {line}");
        assert!(!line.contains(EMAIL), "an email address in {line}");
    }
}
