//! Refresh rotation over HTTP: a new refresh token every time, the grace window for
//! concurrent tabs, replay detection that revokes the session, logout.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use serde_json::{Value, json};

use super::{code_of, set_cookies};

async fn refresh_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

fn refresh_cookie(response: &reqwest::Response) -> String {
    set_cookies(response)
        .into_iter()
        .find(|(n, _)| n == "refresh_token")
        .map(|(_, v)| {
            v.trim_start_matches("refresh_token=")
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .expect("a refresh cookie")
}

#[tokio::test]
async fn every_refresh_rotates_the_refresh_cookie_and_the_csrf_token() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let first = browser.cookie("refresh_token").unwrap();
    let first_csrf = browser.cookie("XSRF-TOKEN").unwrap();
    let response = browser
        .send(Method::POST, "/api/v1/auth/refresh", None)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    let second = browser.cookie("refresh_token").unwrap();
    assert_ne!(first, second);
    assert_ne!(first_csrf, browser.cookie("XSRF-TOKEN").unwrap());
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);
}

#[tokio::test]
async fn within_the_grace_window_the_old_token_yields_the_current_pair() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let old = browser.cookie("refresh_token").unwrap();
    browser
        .send(Method::POST, "/api/v1/auth/refresh", None)
        .await;
    let current = browser.cookie("refresh_token").unwrap();
    app.clock.advance_secs(10);
    let other_tab = refresh_with(&app, &old).await;
    assert_eq!(other_tab.status(), 200);
    assert_eq!(refresh_cookie(&other_tab), current);
}

#[tokio::test]
async fn a_replay_after_the_grace_window_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let old = browser.cookie("refresh_token").unwrap();
    browser
        .send(Method::POST, "/api/v1/auth/refresh", None)
        .await;
    app.clock.advance_secs(11);
    assert_eq!(
        code_of(refresh_with(&app, &old).await).await,
        (401, Some("refresh_reused".into()))
    );
    // The legitimate holder is signed out too: the family is gone.
    let (status, code) = code_of(
        browser
            .send(Method::POST, "/api/v1/auth/refresh", None)
            .await,
    )
    .await;
    assert_eq!((status, code.as_deref()), (401, Some("invalid_refresh")));
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 401);
}

#[tokio::test]
async fn two_concurrent_refreshes_with_one_token_never_make_two_families() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let token = browser.cookie("refresh_token").unwrap();
    let (a, b) = tokio::join!(refresh_with(&app, &token), refresh_with(&app, &token));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (ta, tb) = (refresh_cookie(&a), refresh_cookie(&b));
    assert_eq!(ta, tb, "both tabs hold the one current token");
    let sessions: Value = browser
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["total"], 1);
    assert_eq!(refresh_with(&app, &ta).await.status(), 200);
}

#[tokio::test]
async fn refresh_without_a_token_or_with_junk_is_invalid_refresh() {
    let app = TestApp::spawn().await;
    let anonymous = Browser::new(&app);
    let (status, code) = code_of(
        anonymous
            .send(Method::POST, "/api/v1/auth/refresh", None)
            .await,
    )
    .await;
    assert_eq!((status, code.as_deref()), (401, Some("invalid_refresh")));
    assert_eq!(
        code_of(refresh_with(&app, "a.b.c.d.e").await).await,
        (401, Some("invalid_refresh".into()))
    );
}

#[tokio::test]
async fn a_session_ends_thirty_days_after_its_last_refresh() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    app.clock.advance_secs(29 * 24 * 3600);
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    app.clock.advance_secs(29 * 24 * 3600);
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    app.clock.advance_secs(30 * 24 * 3600 + 1);
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/refresh").await,
        401
    );
}

#[tokio::test]
async fn logout_clears_the_cookies_and_revokes_the_session() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    let refresh = browser.cookie("refresh_token").unwrap();
    let access = browser.cookie("access_token").unwrap();
    let response = browser
        .send(Method::POST, "/api/v1/auth/logout", None)
        .await;
    assert_eq!(response.status(), 204);
    let cleared = set_cookies(&response);
    assert_eq!(cleared.len(), 3);
    assert!(
        cleared.iter().all(|(_, v)| v.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert_eq!(browser.cookie("access_token"), None);
    assert_eq!(refresh_with(&app, &refresh).await.status(), 401);
    let with_old_access = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_old_access.status(),
        401,
        "the access token died with its session"
    );
    assert_eq!(
        browser.status(Method::POST, "/api/v1/auth/logout").await,
        204,
        "logging out twice is fine"
    );
}

#[tokio::test]
async fn clients_behind_one_address_do_not_share_a_refresh_budget() {
    let app = TestApp::spawn().await;
    // Two people behind one NAT: every request comes from the same address.
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    for round in 0..20 {
        for browser in [&ada, &bob] {
            let status = browser.status(Method::POST, "/api/v1/auth/refresh").await;
            assert_eq!(status, 200, "refresh {round}");
        }
    }
    // One session's own budget still holds: 30 a minute.
    let mut last = 0;
    for _ in 0..15 {
        last = ada.status(Method::POST, "/api/v1/auth/refresh").await;
    }
    assert_eq!(last, 429);
}

/// The `auth.refresh` records of a session.
async fn refresh_records(app: &TestApp, session: &str) -> usize {
    use rampart_store::{Index, ItemExt, Query, Table, keys};
    let query = Query::index(
        Table::Audit,
        Index::Gsi1,
        keys::audit::by_event("auth.refresh"),
    );
    rampart_store::query_all(&*app.store, query)
        .await
        .unwrap()
        .iter()
        .filter(|item| item.str_attr("target") == Some(&format!("session:{session}")))
        .count()
}

/// The session a refresh token names, and its stored generation.
async fn generation_of(app: &TestApp, token: &str) -> (String, i64) {
    use rampart_store::{ItemExt, Table, keys};
    let session = token.split('.').next().unwrap().to_owned();
    let item = app
        .store
        .get(Table::Sessions, &keys::sessions::session(&session))
        .await
        .unwrap()
        .expect("the session");
    (session, item.i64_attr("generation").unwrap())
}

/// A rotation is one transaction: the new token, the check that the account still honours
/// the session, and the audit record. An account that ended its sessions after this one was
/// confirmed (its index walk not there yet) gets neither a rotation nor a success record;
/// a rotation gets exactly one record; the grace window's answer, which rotates nothing,
/// gets its record written alone.
async fn a_refresh_is_rotated_and_audited_together_or_not_at_all(
    fixture: rampart_store::testing::Fixture,
) {
    use rampart_core::Clock;
    use rampart_store::{ReturnValues, Table, Update, keys};
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    let ada_token = ada.cookie("refresh_token").unwrap();
    app.clock.advance_secs(1);
    let ended_at = app.clock.now_ms() / 1000;
    app.store
        .update(
            Table::Users,
            &keys::users::account(&ada_id),
            &Update::new().set("sessions_not_before", ended_at),
            None,
            ReturnValues::None,
        )
        .await
        .unwrap();
    assert_eq!(
        code_of(refresh_with(&app, &ada_token).await).await,
        (401, Some("invalid_refresh".into()))
    );
    let (ada_session, generation) = generation_of(&app, &ada_token).await;
    assert_eq!(generation, 1, "not rotated");
    assert_eq!(refresh_records(&app, &ada_session).await, 0);

    let bob_token = bob.cookie("refresh_token").unwrap();
    let rotated = refresh_with(&app, &bob_token).await;
    assert_eq!(rotated.status(), 200);
    let (bob_session, generation) = generation_of(&app, &bob_token).await;
    assert_eq!(generation, 2);
    assert_eq!(refresh_records(&app, &bob_session).await, 1);
    let again = refresh_with(&app, &bob_token).await;
    assert_eq!(again.status(), 200, "the grace window");
    assert_eq!(generation_of(&app, &bob_token).await.1, 2);
    assert_eq!(refresh_records(&app, &bob_session).await, 2);
}

rampart_store::both_adapters!(a_refresh_is_rotated_and_audited_together_or_not_at_all);
