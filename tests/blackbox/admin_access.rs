//! Every admin route against every kind of caller: anonymous, viewer, reviewer, admin, an API
//! key holding the route's permission, one holding another, and a revoked one. Admins and keys
//! with the permission get through (except that keys never mint keys, and a key changing an
//! account must also hold what the account holds and is given); everyone else is refused with
//! the contract's 401 or 403.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use serde_json::{Value, json};

/// One admin route: method, path, body, and the permission it needs.
struct AdminRoute {
    method: Method,
    path: String,
    body: Option<Value>,
    permission: &'static str,
}

fn routes(target: &str, key_to_delete: &str) -> Vec<AdminRoute> {
    let route = |method: Method, path: String, body: Option<Value>, permission| AdminRoute {
        method,
        path,
        body,
        permission,
    };
    vec![
        route(
            Method::GET,
            "/api/v1/admin/audit?event=auth.login".into(),
            None,
            "audit:read",
        ),
        route(
            Method::GET,
            "/api/v1/admin/security/summary".into(),
            None,
            "security:read",
        ),
        route(
            Method::GET,
            "/api/v1/admin/alerts?status=firing".into(),
            None,
            "alerts:read",
        ),
        route(
            Method::GET,
            "/api/v1/admin/export".into(),
            None,
            "exports:read",
        ),
        route(
            Method::PUT,
            format!("/api/v1/admin/users/{target}/role"),
            Some(json!({"role": "viewer"})),
            "users:manage",
        ),
        route(
            Method::POST,
            format!("/api/v1/admin/users/{target}/grants"),
            Some(json!({"permission": "tickets:read"})),
            "users:manage",
        ),
        route(
            Method::DELETE,
            format!("/api/v1/admin/users/{target}/grants"),
            Some(json!({"permission": "tickets:read"})),
            "users:manage",
        ),
        route(
            Method::POST,
            "/api/v1/admin/api-keys".into(),
            Some(json!({"name": "made", "permissions": ["audit:read"]})),
            "admin:write",
        ),
        route(
            Method::DELETE,
            format!("/api/v1/admin/api-keys/{key_to_delete}"),
            None,
            "admin:write",
        ),
    ]
}

async fn with_key(app: &TestApp, key: &str, route: &AdminRoute) -> u16 {
    let mut request = app
        .client
        .request(route.method.clone(), app.at(&route.path))
        .bearer_auth(key);
    if let Some(body) = &route.body {
        request = request.json(body);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn as_browser(browser: &Browser, route: &AdminRoute) -> u16 {
    browser
        .send(route.method.clone(), &route.path, route.body.clone())
        .await
        .status()
        .as_u16()
}

/// A key the admin creates; returns (id, secret).
async fn key(admin: &Browser, permissions: &[&str]) -> (String, String) {
    let created: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "matrix", "permissions": permissions})),
        )
        .await
        .json()
        .await
        .unwrap();
    (
        created["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn each_admin_route_admits_admins_and_keys_with_its_permission_only() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let (reviewer, reviewer_id) = app.signed_in("reviewer@example.com").await;
    app.set_role(&reviewer_id, "reviewer").await;
    let (_, target) = app.signed_in("target@example.com").await;
    let anonymous = Browser::new(&app);

    let (spare, _) = key(&admin, &["audit:read"]).await;
    for route in routes(&target, &spare) {
        let name = format!("{} {}", route.method, route.path);
        assert_eq!(
            as_browser(&anonymous, &route).await,
            401,
            "anonymous: {name}"
        );
        assert_eq!(as_browser(&viewer, &route).await, 403, "viewer: {name}");
        assert_eq!(as_browser(&reviewer, &route).await, 403, "reviewer: {name}");
        let other = if route.permission == "audit:read" {
            "alerts:read"
        } else {
            "audit:read"
        };
        let (_, wrong_key) = key(&admin, &[other]).await;
        assert_eq!(
            with_key(&app, &wrong_key, &route).await,
            403,
            "key without: {name}"
        );
        // Changing an account also takes holding what it holds (the target is a viewer) and
        // what it is given (`tickets:read`, a viewer's).
        let mut permissions = vec![route.permission];
        if route.permission == "users:manage" {
            permissions.extend(rampart_rbac::Role::Viewer.permissions());
        }
        let (right_id, right_key) = key(&admin, &permissions).await;
        let by_key = with_key(&app, &right_key, &route).await;
        if route.method == Method::POST && route.path.ends_with("/api-keys") {
            // Only a signed-in user mints keys: one minted by a key would outlive its parent.
            assert_eq!(by_key, 403, "a key minting a key: {name}");
        } else {
            assert!(
                (200..300).contains(&by_key),
                "key with {}: {name} → {by_key}",
                route.permission
            );
        }
        // A revoked key is no credential at all.
        let revoke = admin
            .send(
                Method::DELETE,
                &format!("/api/v1/admin/api-keys/{right_id}"),
                None,
            )
            .await;
        assert_eq!(revoke.status(), 204);
        assert_eq!(
            with_key(&app, &right_key, &route).await,
            401,
            "revoked key: {name}"
        );
    }
    // And the admin, last: the key to delete is gone by now, so make another.
    let (spare, _) = key(&admin, &["audit:read"]).await;
    for route in routes(&target, &spare) {
        let status = as_browser(&admin, &route).await;
        assert!(
            (200..300).contains(&status),
            "admin: {} {} → {status}",
            route.method,
            route.path
        );
    }
    app.stop().await;
}
