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

async fn get(browser: &Browser, path: &str) -> (u16, Value) {
    let response = browser.send(Method::GET, path, None).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn admins_find_an_account_by_address_or_id_and_each_read_is_audited(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, viewer_id) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;

    // By address, in any case; then by id: the same account, role and grants.
    let (status, found) = get(&admin, "/api/v1/admin/users?email=viewer%40EXAMPLE.com").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], viewer_id.as_str());
    assert_eq!(found["role"], "viewer");
    assert_eq!(found["grants"], json!([]));
    assert_eq!(found["email_verified"], true);
    assert_eq!(found["two_factor_enabled"], false);
    assert!(found["created_at"].as_str().unwrap().ends_with('Z'));
    let (status, by_id) = get(&admin, &format!("/api/v1/admin/users/{viewer_id}")).await;
    assert_eq!((status, &by_id), (200, &found));

    // A grant shows at the next read.
    let grants = format!("/api/v1/admin/users/{viewer_id}/grants");
    let (status, _) = call(
        &admin,
        Method::POST,
        &grants,
        json!({"permission": "audit:read"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, after) = get(&admin, &format!("/api/v1/admin/users/{viewer_id}")).await;
    assert_eq!(after["grants"], json!(["audit:read"]));

    // Unknown accounts are 404, a malformed address 400 naming the field, a viewer 403.
    assert_eq!(
        get(&admin, "/api/v1/admin/users?email=nobody%40example.com")
            .await
            .0,
        404
    );
    assert_eq!(get(&admin, "/api/v1/admin/users/01NOSUCHUSER").await.0, 404);
    let (status, problem) = get(&admin, "/api/v1/admin/users?email=not-an-address").await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("email"))
    );
    assert_eq!(get(&admin, "/api/v1/admin/users").await.0, 400);
    assert_eq!(
        get(&viewer, &format!("/api/v1/admin/users/{viewer_id}"))
            .await
            .0,
        403
    );
    assert_eq!(
        get(&viewer, "/api/v1/admin/users?email=admin%40example.com")
            .await
            .0,
        403
    );

    // Each successful read is a data-access event naming the account and how it was found.
    let (_, events) = get(&admin, "/api/v1/admin/audit?event=admin.user_viewed").await;
    let events = events["items"].as_array().unwrap();
    let mut ways: Vec<&str> = events
        .iter()
        .map(|e| {
            assert_eq!(e["target"], format!("user:{viewer_id}"));
            assert_eq!(e["category"], "data_access");
            assert_eq!(e["actor"], admin_id.as_str());
            e["details"]["by"].as_str().unwrap()
        })
        .collect();
    ways.sort_unstable();
    assert_eq!(ways, ["email", "id", "id"]);
}

rampart_store::both_adapters!(
    roles_and_grants_are_admins_and_take_effect_at_once,
    admins_find_an_account_by_address_or_id_and_each_read_is_audited
);
