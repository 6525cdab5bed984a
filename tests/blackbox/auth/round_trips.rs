//! Store round trips per request, counted by the store itself. The numbers are the cost
//! model of the auth routes (each is one DynamoDB request on Lambda); a change that adds a
//! round trip has to change this test too.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use serde_json::json;

async fn trips_of<F: std::future::Future<Output = reqwest::Response>>(
    app: &TestApp,
    request: F,
) -> u64 {
    let before = app.store.round_trips();
    let response = request.await;
    assert!(response.status().is_success(), "{}", response.status());
    app.store.round_trips() - before
}

#[tokio::test]
async fn login_refresh_and_an_authenticated_get_cost_a_known_number_of_round_trips() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let browser = Browser::new(&app);
    let login = trips_of(
        &app,
        browser.send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "ada@example.com", "password": GOOD_PASSWORD})),
        ),
    )
    .await;
    // Limits per address and per account, the email claim, the account, the new session,
    // the audit record.
    assert_eq!(login, 6, "login");
    let refresh = trips_of(
        &app,
        browser.send(Method::POST, "/api/v1/auth/refresh", None),
    )
    .await;
    // The limits per session and per address, the session read, its conditional rotation,
    // the account.
    assert_eq!(refresh, 5, "refresh");
    let get = trips_of(&app, browser.send(Method::GET, "/api/v1/account", None)).await;
    // The per-client limit before authentication, the account and session read concurrently
    // to authenticate, the route's limit; the handler uses the account read while
    // authenticating.
    assert_eq!(get, 4, "authenticated GET");
    println!("round trips: login {login}, refresh {refresh}, GET /api/v1/account {get}");
}

#[tokio::test]
async fn a_login_costs_the_same_round_trips_for_a_registered_and_an_unknown_address() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let mut trips = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        let before = app.store.round_trips();
        let response = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": "not the password at all"}),
            )
            .await;
        assert_eq!(response.status(), 401);
        trips.push(app.store.round_trips() - before);
    }
    assert_eq!(
        trips[0], trips[1],
        "known {} vs unknown {}",
        trips[0], trips[1]
    );
}
