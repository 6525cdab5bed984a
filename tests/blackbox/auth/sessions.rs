//! Listing and revoking sessions.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use serde_json::{Value, json};

use super::code_of;

async fn second_login(app: &TestApp, email: &str) -> Browser {
    let browser = Browser::new(app);
    let response = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(response.status(), 200);
    browser
}

#[tokio::test]
async fn sessions_are_listed_without_token_material_and_marked_current() {
    let app = TestApp::spawn().await;
    let (laptop, _) = app.signed_in("ada@example.com").await;
    app.clock.advance_secs(1);
    let phone = second_login(&app, "ada@example.com").await;
    let response = laptop
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for secret in [
        laptop.cookie("refresh_token").unwrap(),
        laptop.cookie("access_token").unwrap(),
        phone.cookie("refresh_token").unwrap(),
    ] {
        assert!(!text.contains(&secret));
    }
    assert!(!text.contains("hash") && !text.contains("sealed"), "{text}");
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (page["total"].as_u64(), page["page"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (page["page_size"].as_u64(), page["pages"].as_u64()),
        (Some(20), Some(1))
    );
    assert_eq!(page["next_cursor"], Value::Null);
    let items = page["items"].as_array().unwrap();
    let current: Vec<bool> = items
        .iter()
        .map(|s| s["is_current"].as_bool().unwrap())
        .collect();
    assert_eq!(current, [true, false]);
    assert_eq!(items[0]["user_agent"], "rampart-tests/1.0");
    assert_eq!(items[0]["ip"], "127.0.0.1");
    for field in ["id", "created_at", "last_used_at", "expires_at"] {
        assert!(items[0][field].is_string(), "{field}");
    }
    let bad = laptop
        .send(Method::GET, "/api/v1/auth/sessions?page_size=101", None)
        .await;
    assert_eq!(code_of(bad).await, (400, Some("validation_failed".into())));
    let paged: Value = laptop
        .send(
            Method::GET,
            "/api/v1/auth/sessions?page=2&page_size=1",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paged["items"][0]["is_current"], false);
    assert_eq!(paged["pages"], 2);
}

#[tokio::test]
async fn a_revoked_session_cannot_refresh_and_others_cannot_revoke_it() {
    let app = TestApp::spawn().await;
    let (laptop, _) = app.signed_in("ada@example.com").await;
    app.clock.advance_secs(1);
    let phone = second_login(&app, "ada@example.com").await;
    let (mallory, _) = app.signed_in("mallory@example.com").await;
    let page: Value = laptop
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await
        .json()
        .await
        .unwrap();
    let phone_id = page["items"][1]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/auth/sessions/{phone_id}/revoke");
    assert_eq!(
        code_of(mallory.send(Method::POST, &path, None).await).await,
        (404, Some("not_found".into()))
    );
    assert_eq!(
        phone.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    assert_eq!(laptop.status(Method::POST, &path).await, 204);
    assert_eq!(
        phone.status(Method::POST, "/api/v1/auth/refresh").await,
        401
    );
    assert_eq!(laptop.status(Method::POST, &path).await, 404);
}

#[tokio::test]
async fn revoke_others_keeps_only_the_current_session() {
    let app = TestApp::spawn().await;
    let (laptop, _) = app.signed_in("ada@example.com").await;
    let phone = second_login(&app, "ada@example.com").await;
    let tablet = second_login(&app, "ada@example.com").await;
    let response = laptop
        .send(Method::POST, "/api/v1/auth/sessions/revoke-others", None)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"revoked": 2}));
    for other in [&phone, &tablet] {
        assert_eq!(
            other.status(Method::POST, "/api/v1/auth/refresh").await,
            401
        );
    }
    assert_eq!(
        laptop.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
}

#[tokio::test]
async fn revoke_others_ends_even_a_session_the_index_does_not_list_yet() {
    let app = TestApp::spawn().await;
    let (laptop, _) = app.signed_in("ada@example.com").await;
    let phone = second_login(&app, "ada@example.com").await;
    let listed: Value = phone
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await
        .json()
        .await
        .unwrap();
    let phone_session = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["is_current"] == true)
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_owned();
    // As DynamoDB's index can lag a write: the phone's session is not listed yet.
    app.store
        .update(
            rampart_store::Table::Sessions,
            &rampart_store::keys::sessions::session(&phone_session),
            &rampart_store::Update::new()
                .remove("gsi1pk")
                .remove("gsi1sk"),
            None,
            rampart_store::ReturnValues::None,
        )
        .await
        .unwrap();
    app.clock.advance_secs(1);
    let response = laptop
        .send(Method::POST, "/api/v1/auth/sessions/revoke-others", None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(phone.status(Method::GET, "/api/v1/account").await, 401);
    assert_eq!(
        phone.status(Method::POST, "/api/v1/auth/refresh").await,
        401
    );
    assert_eq!(laptop.status(Method::GET, "/api/v1/account").await, 200);
    assert_eq!(
        laptop.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
}
