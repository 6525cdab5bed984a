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
    // then the audit record together with the sign-in-networks detector's note.
    assert_eq!(login, 7, "login");
    let refresh = trips_of(
        &app,
        browser.send(Method::POST, "/api/v1/auth/refresh", None),
    )
    .await;
    // The limits per session and per address and the session read; then one transaction (the
    // rotation, the check that the account still honours the session, the audit record) and
    // the account read for the answer.
    assert_eq!(refresh, 5, "refresh");
    let get = trips_of(&app, browser.send(Method::GET, "/api/v1/account", None)).await;
    // The per-client limit, the account and session reads that authenticate and the
    // route's limit, all sent together. The handler uses the account read while
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

/// Forgot-password, resend-verification and register cost the same round trips, queue the same
/// one mail request and send nothing themselves, whether or not the address has an account:
/// neither their answer nor their timing tells. The mail worker decides what goes out.
#[tokio::test]
async fn mail_requests_cost_the_same_for_every_address_and_send_nothing_on_the_request_path() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    app.post_json(
        "/api/v1/auth/register",
        &json!({"email": "todo@example.com", "password": GOOD_PASSWORD}),
    )
    .await;
    app.deliver_mail().await;
    let sent_before = app.mailer.outbox().len();
    for (path, addresses) in [
        (
            "/api/v1/auth/password/forgot",
            ["ada@example.com", "nobody@example.com"],
        ),
        (
            "/api/v1/auth/resend-verification",
            ["todo@example.com", "nobody@example.com"],
        ),
    ] {
        let mut costs = Vec::new();
        for email in addresses {
            let before = app.store.round_trips();
            let response = app.post_json(path, &json!({ "email": email })).await;
            assert_eq!(response.status(), 202, "{path} {email}");
            costs.push((app.store.round_trips() - before, app.stack.bus.pending()));
            assert_eq!(
                app.deliver_mail().await,
                1,
                "{path} {email}: one queued request"
            );
        }
        assert_eq!(costs[0].0, costs[1].0, "{path}: round trips {costs:?}");
    }
    let mut register_costs = Vec::new();
    for email in ["ada@example.com", "new@example.com"] {
        let sent = app.mailer.outbox().len();
        let before = app.store.round_trips();
        let response = app
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": email, "password": GOOD_PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "{email}");
        register_costs.push(app.store.round_trips() - before);
        assert_eq!(app.stack.bus.pending(), 1, "{email}: one queued request");
        // Nothing went out on the request path.
        assert_eq!(app.mailer.outbox().len(), sent, "{email}");
        app.deliver_mail().await;
    }
    assert_eq!(
        register_costs[0], register_costs[1],
        "register: taken {} vs new {}",
        register_costs[0], register_costs[1]
    );
    // The worker sent what each request called for: a reset to ada, a verification to todo,
    // a notice to ada's address and a verification to the new one.
    let sent: Vec<(String, &str)> = app.mailer.outbox()[sent_before..]
        .iter()
        .map(|m| (m.to.to_string(), m.kind.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("ada@example.com".to_owned(), "password_reset"),
            ("todo@example.com".to_owned(), "verify_email"),
            ("ada@example.com".to_owned(), "account_exists"),
            ("new@example.com".to_owned(), "verify_email"),
        ]
    );
}

/// The cost model of a create with and without an idempotency key, a replay, and a read the
/// client already holds.
#[tokio::test]
async fn creates_replays_and_conditional_reads_cost_a_known_number_of_round_trips() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let body = json!({"name": "Lamp"});
    let create = |key: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
        let browser = &browser;
        let body = body.clone();
        async move {
            browser
                .send_with(Method::POST, "/api/v1/projects", Some(body), &headers)
                .await
        }
    };
    let plain = trips_of(&app, create(None)).await;
    // The per-client limit, the account and session, the route's limit, then one transaction:
    // the project, the owner's count and its one word ("lamp") in the search index.
    assert_eq!(plain, 5, "create");
    let keyed = trips_of(&app, create(Some("k-1"))).await;
    // The same, plus taking the key; the answer goes in the project's transaction.
    assert_eq!(keyed, plain + 1, "create with a key");
    let replay = trips_of(&app, create(Some("k-1"))).await;
    // The pipeline up to the key, whose record answers: no handler.
    assert_eq!(replay, 5, "replay");
    let read = browser
        .send(Method::GET, "/api/v1/projects?page_size=1", None)
        .await;
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    let before = app.store.round_trips();
    let cached = browser
        .send_with(
            Method::GET,
            "/api/v1/projects?page_size=1",
            None,
            &[("if-none-match", &tag)],
        )
        .await;
    assert_eq!(cached.status(), 304);
    let held = app.store.round_trips() - before;
    // The per-client limit, the account and session, the route's limit, the page and the
    // count: the handler runs, so the tag describes what it would send now.
    assert_eq!(held, 6, "304 list");
    println!("round trips: create {plain}, keyed create {keyed}, replay {replay}, 304 list {held}");
}

/// The store calls a request made and the waves they went out in, with its response.
async fn calls_and_waves<F: std::future::Future<Output = reqwest::Response>>(
    app: &TestApp,
    sequenced: &rampart_store::testing::Sequenced,
    request: F,
) -> ((u64, u64), reqwest::Response) {
    let before = (app.store.round_trips(), sequenced.waves());
    let response = request.await;
    let measured = (
        app.store.round_trips() - before.0,
        sequenced.waves() - before.1,
    );
    (measured, response)
}

#[tokio::test]
async fn an_authenticated_get_waits_for_one_store_round_trip_and_a_create_or_a_list_for_two() {
    use std::sync::Arc;

    let embedded = rampart_store::testing::embedded().await;
    let sequenced = Arc::new(rampart_store::testing::Sequenced::new(embedded.store));
    let app = TestApp::builder()
        .fixture(rampart_store::testing::Fixture {
            store: sequenced.clone(),
            clock: embedded.clock,
        })
        .spawn()
        .await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send(Method::GET, "/api/v1/account", None),
    )
    .await;
    assert_eq!(response.status(), 200);
    // Four calls in one wave: the per-client count, the account and session reads, and the
    // route's count for the user the verified token names (its limit, which depends on the
    // role, is applied when the account read answers).
    assert_eq!(measured, (4, 1));

    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send(
            Method::POST,
            "/api/v1/projects",
            Some(json!({"name": "Lamp", "description": "a warm reading lamp"})),
        ),
    )
    .await;
    assert!(response.status().is_success());
    // A create: the first wave as above, then one transaction (the project, the owner's
    // count and the search postings of its words).
    assert_eq!(measured, (5, 2), "create");
    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send(Method::GET, "/api/v1/projects", None),
    )
    .await;
    assert!(response.status().is_success());
    // A numbered page: the first wave, then the page and the total read together.
    assert_eq!(measured, (6, 2), "list");
    let listed: serde_json::Value = response.json().await.unwrap();
    let one = format!(
        "/api/v1/projects/{}",
        listed["items"][0]["id"].as_str().unwrap()
    );
    // The route names the project the token's user and the path point at, so the first wave
    // reads it too: a read is one wave, a change one more (its conditional transaction).
    let (measured, response) =
        calls_and_waves(&app, &sequenced, browser.send(Method::GET, &one, None)).await;
    assert!(response.status().is_success());
    assert_eq!(measured, (5, 1), "get one");
    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send(
            Method::PATCH,
            &one,
            Some(json!({"description": "a warm lamp"})),
        ),
    )
    .await;
    assert!(response.status().is_success());
    assert_eq!(measured, (6, 2), "change one");

    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send_with(
            Method::POST,
            "/api/v1/projects",
            Some(json!({"name": "Desk"})),
            &[("idempotency-key", "k-waves")],
        ),
    )
    .await;
    assert_eq!(response.status(), 201);
    // The key is taken for the token's user in the first wave; then one transaction holds
    // the project and the answer kept for replays.
    assert_eq!(measured, (6, 2), "create with a key");

    let (measured, response) = calls_and_waves(
        &app,
        &sequenced,
        browser.send(Method::POST, "/api/v1/auth/refresh", None),
    )
    .await;
    assert_eq!(response.status(), 200);
    // The limits per session and per address with the session read; then the rotation's
    // transaction, holding the audit record, with the account read alongside.
    assert_eq!(measured, (5, 2), "refresh");
    app.stop().await;
}

/// A refresh reads its session with its rate limit, but a client the deny cache already
/// refuses costs no store call at all: not the limit, not the read.
#[tokio::test]
async fn a_refresh_the_deny_cache_refuses_costs_no_store_call() {
    let app = TestApp::spawn().await;
    let token = json!({"refresh_token": "01SESSIONOFNOBODY.1.nonce.k1.tag"});
    let mut refused = None;
    for _ in 0..1000 {
        let response = app.post_json("/api/v1/auth/refresh", &token).await;
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), 401);
    }
    assert!(refused.is_some(), "the per-session limit holds");
    let before = app.store.round_trips();
    let again = app.post_json("/api/v1/auth/refresh", &token).await;
    assert_eq!(again.status(), 429);
    assert_eq!(app.store.round_trips() - before, 0);
}
