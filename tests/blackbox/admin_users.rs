//! Roles and grants over HTTP, on both store adapters: admins only; a change takes effect on
//! the target's next request; the last admin cannot be demoted; only known permissions.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn call(browser: &Browser, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = browser.send(method, path, Some(body)).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn roles_and_grants_are_admins_and_take_effect_at_once(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, viewer_id) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let role = |id: &str| format!("/api/v1/admin/users/{id}/role");
    let grants = |id: &str| format!("/api/v1/admin/users/{id}/grants");

    // Viewers and keys without users:manage are refused.
    assert_eq!(
        call(
            &viewer,
            Method::PUT,
            &role(&viewer_id),
            json!({"role": "admin"})
        )
        .await
        .0,
        403
    );
    let key = admin.api_key("k", &["audit:read"]).await;
    let by_key = app
        .client
        .put(app.at(&role(&viewer_id)))
        .bearer_auth(&key)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), 403);

    // A grant takes effect on the viewer's next request, and so does its removal.
    let audit = "/api/v1/admin/audit?event=auth.login";
    assert_eq!(viewer.status(Method::GET, audit).await, 403);
    let (status, granted) = call(
        &admin,
        Method::POST,
        &grants(&viewer_id),
        json!({"permission": "audit:read"}),
    )
    .await;
    assert_eq!(
        (status, granted["grants"].clone()),
        (200, json!(["audit:read"]))
    );
    assert_eq!(viewer.status(Method::GET, audit).await, 200);
    let (status, _) = call(
        &admin,
        Method::DELETE,
        &grants(&viewer_id),
        json!({"permission": "audit:read"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(viewer.status(Method::GET, audit).await, 403);
    let (status, problem) = call(
        &admin,
        Method::POST,
        &grants(&viewer_id),
        json!({"permission": "nuclear:launch"}),
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("permission"))
    );
    let (status, _) = call(
        &admin,
        Method::POST,
        &grants(&viewer_id),
        json!({"permission": "tickets:*"}),
    )
    .await;
    assert_eq!(status, 200, "every action of a known resource");

    // A role too: the reviewer sees every ticket at once.
    let (status, promoted) = call(
        &admin,
        Method::PUT,
        &role(&viewer_id),
        json!({"role": "reviewer"}),
    )
    .await;
    assert_eq!((status, promoted["role"].as_str()), (200, Some("reviewer")));
    let ticket = admin
        .send(
            Method::POST,
            "/api/v1/support/tickets",
            Some(json!({"subject": "s", "body": "b"})),
        )
        .await;
    assert_eq!(ticket.status(), 201);
    let (_, all) = call(&viewer, Method::GET, "/api/v1/support/tickets", Value::Null).await;
    assert_eq!(all["total"], 1, "a reviewer sees the admin's ticket");
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            &role(&viewer_id),
            json!({"role": "owner"})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            &role("01NOSUCHUSER"),
            json!({"role": "viewer"})
        )
        .await
        .0,
        404
    );

    // The last admin cannot step down; with a second admin it can.
    let (status, problem) = call(
        &admin,
        Method::PUT,
        &role(&admin_id),
        json!({"role": "viewer"}),
    )
    .await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("conflict")));
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            &role(&viewer_id),
            json!({"role": "admin"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            &role(&admin_id),
            json!({"role": "viewer"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        admin.status(Method::GET, audit).await,
        403,
        "no longer an admin"
    );
}

rampart_store::both_adapters!(roles_and_grants_are_admins_and_take_effect_at_once);
