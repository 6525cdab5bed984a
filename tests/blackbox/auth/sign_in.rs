//! Login and tokens: the cookies and their attributes, identical failures for unknown and
//! wrong credentials, bearer tokens for tooling, per-account limits.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use serde_json::{Value, json};

use super::{code_of, set_cookies};

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": email, "password": password}),
    )
    .await
}

#[tokio::test]
async fn login_sets_the_three_cookies_with_the_contract_attributes() {
    let app = TestApp::builder()
        .config(|c| {
            c.cookie_secure = true;
            c.cookie_domain = Some("app.example.com".into());
        })
        .spawn()
        .await;
    app.verified_user("ada@example.com").await;
    let response = login(&app, "ada@example.com", GOOD_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(&response);
    let find = |name: &str| {
        cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
    };
    let access = find("access_token");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/;",
        "Max-Age=900",
        "Domain=app.example.com",
    ] {
        assert!(access.contains(attribute), "{access} lacks {attribute}");
    }
    let refresh = find("refresh_token");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
        "Max-Age=2592000",
    ] {
        assert!(refresh.contains(attribute), "{refresh} lacks {attribute}");
    }
    let csrf = find("XSRF-TOKEN");
    assert!(!csrf.contains("HttpOnly"), "scripts must read it: {csrf}");
    assert!(csrf.contains("Secure") && csrf.contains("SameSite=Lax") && csrf.contains("Path=/;"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert!(body.get("access_token").is_none(), "cookies only");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_identically() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let wrong = login(&app, "ada@example.com", "not the right password at all").await;
    let unknown = login(&app, "nobody@example.com", GOOD_PASSWORD).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(set_cookies(&wrong).is_empty() && set_cookies(&unknown).is_empty());
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["code"], "invalid_credentials");
}

#[tokio::test]
async fn the_token_route_serves_tooling_with_bearer_tokens() {
    let app = TestApp::spawn().await;
    app.verified_user("ci@example.com").await;
    let response = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"email": "ci@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(set_cookies(&response).is_empty(), "no cookies for tooling");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    let account = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    assert_eq!(account.headers()["cache-control"], "no-store");
    let account: Value = account.json().await.unwrap();
    assert_eq!(account["user"]["email"], "ci@example.com");

    let refreshed = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);

    let bad = app
        .post_json("/api/v1/auth/token", &json!({"refresh_token": "nope"}))
        .await;
    assert_eq!(code_of(bad).await, (401, Some("invalid_refresh".into())));
    let neither = app
        .post_json("/api/v1/auth/token", &json!({"user": "x"}))
        .await;
    assert_eq!(
        code_of(neither).await,
        (400, Some("validation_failed".into()))
    );
}

#[tokio::test]
async fn an_access_token_expires_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);
    app.clock.advance_secs(15 * 60);
    let (status, code) = code_of(browser.send(Method::GET, "/api/v1/account", None).await).await;
    assert_eq!((status, code.as_deref()), (401, Some("unauthenticated")));
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);
}

#[tokio::test]
async fn tampered_or_foreign_access_tokens_are_401() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let jwt = browser.cookie("access_token").unwrap();
    let mut tampered = jwt.clone();
    tampered.pop();
    tampered.push(if jwt.ends_with('A') { 'B' } else { 'A' });
    for token in [tampered.as_str(), "eyJhbGciOiJub25lIn0.e30.", "rk_unknown"] {
        let response = app
            .client
            .get(app.at("/api/v1/account"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            code_of(response).await,
            (401, Some("unauthenticated".into())),
            "{token}"
        );
    }
    let other = Browser::new(&app);
    other.set_cookie("access_token", &tampered, "/");
    assert_eq!(other.status(Method::GET, "/api/v1/account").await, 401);
}

#[tokio::test]
async fn logins_are_limited_to_five_a_minute_per_account() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    for _ in 0..5 {
        assert_eq!(
            login(&app, "ADA@example.com", "wrong password, clearly wrong")
                .await
                .status(),
            401
        );
    }
    let refused = login(&app, "ada@example.com", GOOD_PASSWORD).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["x-ratelimit-limit"], "5");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        login(&app, "someone-else@example.com", GOOD_PASSWORD)
            .await
            .status(),
        401,
        "other accounts are unaffected"
    );
}

#[tokio::test]
async fn login_and_token_share_one_budget_per_account() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let wrong = json!({"email": "ada@example.com", "password": "wrong password, clearly wrong"});
    for i in 0..5 {
        let path = if i % 2 == 0 {
            "/api/v1/auth/login"
        } else {
            "/api/v1/auth/token"
        };
        assert_eq!(app.post_json(path, &wrong).await.status(), 401, "{path}");
    }
    for path in ["/api/v1/auth/login", "/api/v1/auth/token"] {
        let refused = app
            .post_json(
                path,
                &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
            )
            .await;
        assert_eq!(
            refused.status(),
            429,
            "{path}: switching routes buys no guesses"
        );
    }
}
