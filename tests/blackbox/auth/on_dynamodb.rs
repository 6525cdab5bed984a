//! The account system end to end on DynamoDB's API (moto): the same journey the embedded
//! store serves in the other tests, so conditional writes, transactions, GSIs and TTL behave
//! alike on both adapters.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::Clock;
use rampart_store::testing;
use serde_json::{Value, json};

use super::{code_of, totp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_journey_runs_on_dynamodb() {
    let app = TestApp::builder()
        .fixture(testing::dynamo().await)
        .spawn()
        .await;
    let (browser, id) = app.signed_in("ada@example.com").await;

    // A taken address answers like a new one.
    let taken = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(taken.status(), 201);

    // Rotation, concurrent refreshes, then a replay after the grace window.
    let first = browser.cookie("refresh_token").unwrap();
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
                .await
        }
    };
    let (a, b) = tokio::join!(refresh(first.clone()), refresh(first.clone()));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    app.clock.advance_secs(11);
    assert_eq!(
        code_of(refresh(first).await).await,
        (401, Some("refresh_reused".into()))
    );

    // Sign in again, enrol in 2FA, and sign in with a code.
    let browser = Browser::new(&app);
    browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "ada@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    let setup: Value = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let code = totp::code(&secret, app.clock.now_secs());
    let enabled = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(enabled.status(), 200);
    app.clock.advance_secs(30);
    let step: Value = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = totp::code(&secret, app.clock.now_secs());
    let body = json!({"challenge_token": step["challenge_token"], "code": code});
    let verified = app.post_json("/api/v1/auth/2fa/verify", &body).await;
    assert_eq!(verified.status(), 200);
    let replayed = app.post_json("/api/v1/auth/2fa/verify", &body).await;
    assert_eq!(code_of(replayed).await, (401, Some("invalid_code".into())));

    // An API key, found by id through the GSI and revoked.
    app.promote_to_admin(&id).await;
    // Another admin, so this one may delete its account at the end (the last admin may not).
    let deputy = app.verified_user("deputy@example.com").await;
    app.promote_to_admin(&deputy).await;
    let key: Value = browser
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["admin:write"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/admin/api-keys/{}", key["id"].as_str().unwrap());
    assert_eq!(browser.status(Method::DELETE, &path).await, 204);

    // Sessions listed through the GSI; the account deleted with its code.
    let sessions: Value = browser
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(sessions["total"].as_u64().unwrap() >= 1);
    app.clock.advance_secs(30);
    let code = totp::code(&secret, app.clock.now_secs());
    let deleted = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({"password": GOOD_PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.verified_user("ada@example.com").await;
}
