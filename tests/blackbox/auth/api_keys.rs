//! API keys: admin only, shown once, stored hashed, accepted as bearer tokens until revoked
//! or expired.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_store::{Query, Table};
use serde_json::{Value, json};

use super::code_of;

#[tokio::test]
async fn admins_create_keys_that_work_until_revoked() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let response = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["admin:write"]})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("rk_") && key.len() == 46, "{key}");
    assert_eq!(created["permissions"], json!(["admin:write"]));
    assert_eq!(created["expires_at"], Value::Null);

    // Stored hashed: the key's text appears nowhere in the users table.
    let stored = format!(
        "{:?}",
        app.store
            .query(&Query::index(
                Table::Users,
                rampart_store::Index::Gsi1,
                rampart_store::keys::users::api_key_by_id(created["id"].as_str().unwrap())
            ))
            .await
            .unwrap()
    );
    assert!(!stored.contains(&key[3..]), "{stored}");

    // The key authenticates and carries its permissions: it may revoke another key.
    let second: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "other", "permissions": ["internal:read"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/admin/api-keys/{}", second["id"].as_str().unwrap());
    let by_key = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), 204);
    let again = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(again).await, (404, Some("not_found".into())));

    let own = format!("/api/v1/admin/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(admin.status(Method::DELETE, &own).await, 204);
    let after = app
        .client
        .delete(app.at(&path))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(after).await, (401, Some("unauthenticated".into())));
}

#[tokio::test]
async fn keys_expire_and_only_admins_create_valid_ones() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let body =
        json!({"name": "ci", "permissions": ["internal:*"], "expires_at": "2026-11-22T10:00:00Z"});
    assert_eq!(
        code_of(
            viewer
                .send(Method::POST, "/api/v1/admin/api-keys", Some(body.clone()))
                .await
        )
        .await,
        (403, Some("forbidden".into()))
    );
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    for invalid in [
        json!({"name": "", "permissions": ["internal:*"]}),
        json!({"name": "ci", "permissions": []}),
        json!({"name": "ci", "permissions": ["not a permission"]}),
        json!({"name": "ci", "permissions": ["internal:*"], "expires_at": "yesterday"}),
        json!({"name": "ci", "permissions": ["internal:*"], "expires_at": "2020-01-01T00:00:00Z"}),
    ] {
        let response = admin
            .send(
                Method::POST,
                "/api/v1/admin/api-keys",
                Some(invalid.clone()),
            )
            .await;
        assert_eq!(
            code_of(response).await,
            (400, Some("validation_failed".into())),
            "{invalid}"
        );
    }
    let created: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "short-lived", "permissions": ["admin:write"], "expires_at": "2026-11-22T10:00:00Z"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["expires_at"], "2026-11-22T10:00:00Z");
    let key = created["key"].as_str().unwrap();
    let probe = "/api/v1/admin/api-keys/01UNKNOWNKEY";
    let before = app
        .client
        .delete(app.at(probe))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), 404, "the key authenticates");
    app.clock.advance_secs(3601);
    let after = app
        .client
        .delete(app.at(probe))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(after).await, (401, Some("unauthenticated".into())));
}

#[tokio::test]
async fn keys_never_mint_keys_and_users_grant_only_what_they_hold() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let provisioning: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "provisioning", "permissions": ["admin:write"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    // A key holding admin:write still cannot create a key (which would outlive its own
    // revocation), however modest.
    let by_key = app
        .client
        .post(app.at("/api/v1/admin/api-keys"))
        .bearer_auth(provisioning["key"].as_str().unwrap())
        .json(&json!({"name": "child", "permissions": ["internal:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(by_key).await, (403, Some("forbidden".into())));
    // A user granted only admin:write may create keys, but only with what it holds.
    let (delegate, delegate_id) = app.signed_in("delegate@example.com").await;
    app.app
        .state()
        .auth
        .users()
        .set(
            &delegate_id,
            rampart_store::Update::new().set(
                "grants",
                rampart_store::AttrValue::L(vec!["admin:write".into()]),
            ),
        )
        .await
        .unwrap()
        .unwrap();
    for beyond in [
        json!(["*:*"]),
        json!(["admin:*"]),
        json!(["admin:write", "internal:read"]),
    ] {
        let response = delegate
            .send(
                Method::POST,
                "/api/v1/admin/api-keys",
                Some(json!({"name": "wide", "permissions": beyond.clone()})),
            )
            .await;
        assert_eq!(
            code_of(response).await,
            (400, Some("validation_failed".into())),
            "{beyond}"
        );
    }
    let within = delegate
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "narrow", "permissions": ["admin:write"]})),
        )
        .await;
    assert_eq!(within.status(), 201);
    // An admin holds *:* and may hand it out.
    let wide = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "wide", "permissions": ["*:*"]})),
        )
        .await;
    assert_eq!(wide.status(), 201);
}

#[tokio::test]
async fn a_key_dies_with_the_account_that_created_it_even_when_revocation_missed_it() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let created: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["internal:read"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let probe = || {
        app.client
            .get(app.at("/internal/tests/flaky-candidates"))
            .bearer_auth(&key)
            .send()
    };
    assert_eq!(probe().await.unwrap().status(), 200);
    // The account goes while its key stays behind, as when the revocation's index walk
    // does not yet see a key created a moment earlier.
    app.store
        .delete(
            Table::Users,
            &rampart_store::keys::users::account(&admin_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(probe().await.unwrap().status(), 401);
}
