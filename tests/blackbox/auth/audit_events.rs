//! The account system's security events land in the audit table: failed and successful
//! logins, refresh replays, session revocations, API key creation, account deletion.

use http::Method;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use rampart_store::{Index, ItemExt, Query, Table, keys};
use serde_json::json;

async fn events(app: &TestApp, name: &str) -> Vec<rampart_store::Item> {
    app.store
        .query(&Query::index(
            Table::Audit,
            Index::Gsi1,
            keys::audit::by_event(name),
        ))
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn account_events_are_audited_without_secrets() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("ada@example.com").await;
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": "ada@example.com", "password": "definitely the wrong one"}),
    )
    .await;
    let first = browser.cookie("refresh_token").unwrap();
    browser
        .send(Method::POST, "/api/v1/auth/refresh", None)
        .await;
    app.clock.advance_secs(60);
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": first }))
        .await;

    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    // Another admin, so this one may delete its account (the last admin may not).
    let (_, other_admin) = app.signed_in("deputy@example.com").await;
    app.promote_to_admin(&other_admin).await;
    admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["internal:*"]})),
        )
        .await;
    let again = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(again.status(), 200);
    admin
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": GOOD_PASSWORD })),
        )
        .await;

    let logins = events(&app, "auth.login").await;
    assert!(logins.len() >= 3, "{logins:?}");
    let failed = events(&app, "auth.login_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].str_attr("outcome"), Some("denied"));
    let reused = events(&app, "auth.refresh_reused").await;
    assert_eq!(reused.len(), 1);
    assert_eq!(reused[0].str_attr("actor"), Some(id.as_str()));
    assert_eq!(events(&app, "auth.api_key_created").await.len(), 1);
    let deleted = events(&app, "auth.account_deleted").await;
    assert_eq!(deleted[0].str_attr("actor"), Some(admin_id.as_str()));
    for item in logins.iter().chain(&failed).chain(&reused) {
        let text = format!("{item:?}");
        assert!(
            !text.contains(GOOD_PASSWORD) && !text.contains(&first),
            "{text}"
        );
    }
}

#[tokio::test]
async fn without_cookies_login_answers_with_tokens_and_cookies_are_ignored() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(rampart_core::Feature::AuthCookies, false))
        .spawn()
        .await;
    app.verified_user("ada@example.com").await;
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 200);
    assert!(login.headers().get("set-cookie").is_none());
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    let access = body["access_token"].as_str().unwrap();
    let by_cookie = app
        .client
        .get(app.at("/api/v1/account"))
        .header("cookie", format!("access_token={access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 401, "the cookie is not read");
    let by_bearer = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(by_bearer.status(), 200);
    // Nor is the refresh cookie: only a token in the body refreshes.
    let refresh = body["refresh_token"].as_str().unwrap();
    let by_refresh_cookie = app
        .client
        .post(app.at("/api/v1/auth/refresh"))
        .header("cookie", format!("refresh_token={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_refresh_cookie.status(),
        401,
        "the refresh cookie is not read"
    );
    let in_body = app
        .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }))
        .await;
    assert_eq!(in_body.status(), 200);
}
