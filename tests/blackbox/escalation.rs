//! Authority never grows by itself, over HTTP on both store adapters: a key acts with no more
//! than its creator holds at the time of use, a role or grant is handed out only by a caller
//! holding everything it confers, and only a human admin hands out `admin` or `users:manage`.
//! Every refusal is in the audit trail.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

fn role_path(id: &str) -> String {
    format!("/api/v1/admin/users/{id}/role")
}

fn grants_path(id: &str) -> String {
    format!("/api/v1/admin/users/{id}/grants")
}

async fn by_key(app: &TestApp, key: &str, method: Method, path: &str, body: Value) -> u16 {
    let mut request = app.client.request(method, app.at(path)).bearer_auth(key);
    if !body.is_null() {
        request = request.json(&body);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn by_browser(browser: &Browser, method: Method, path: &str, body: Value) -> u16 {
    let body = (!body.is_null()).then_some(body);
    browser.send(method, path, body).await.status().as_u16()
}

async fn role_of(app: &TestApp, id: &str) -> String {
    let user = app.app.state().auth.users().get(id).await.unwrap().unwrap();
    user.role.as_str().to_owned()
}

async fn a_demoted_admins_key_loses_what_its_creator_lost(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (a, a_id) = app.signed_in("a@example.com").await;
    let (b, b_id) = app.signed_in("b@example.com").await;
    app.promote_to_admin(&a_id).await;
    app.promote_to_admin(&b_id).await;
    let key = a.api_key("everything", &["*:*"]).await;
    assert_eq!(
        by_key(
            &app,
            &key,
            Method::GET,
            "/api/v1/admin/audit?event=auth.login",
            Value::Null
        )
        .await,
        200
    );

    let demoted = by_browser(
        &b,
        Method::PUT,
        &role_path(&a_id),
        json!({"role": "viewer"}),
    )
    .await;
    assert_eq!(demoted, 200);
    assert_eq!(
        by_key(
            &app,
            &key,
            Method::GET,
            "/api/v1/admin/audit?event=auth.login",
            Value::Null
        )
        .await,
        403,
        "the key holds no more than its creator now holds"
    );
    assert_eq!(
        by_key(
            &app,
            &key,
            Method::PUT,
            &role_path(&a_id),
            json!({"role": "admin"})
        )
        .await,
        403,
        "the key cannot make its creator admin again"
    );
    assert_eq!(role_of(&app, &a_id).await, "viewer");
    // What the creator still holds, the key still does (within its own permissions).
    assert_eq!(
        by_key(&app, &key, Method::GET, "/api/v1/projects", Value::Null).await,
        200
    );

    // Promoted again, the creator's key works again: the ceiling is read on every use.
    let promoted = by_browser(&b, Method::PUT, &role_path(&a_id), json!({"role": "admin"})).await;
    assert_eq!(promoted, 200);
    assert_eq!(
        by_key(
            &app,
            &key,
            Method::GET,
            "/api/v1/admin/audit?event=auth.login",
            Value::Null
        )
        .await,
        200
    );

    // Every refusal of the key is in the audit trail.
    let denied: Value = b
        .send(
            Method::GET,
            "/api/v1/admin/audit?event=auth.api_key_denied",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(denied["items"].as_array().unwrap().len() >= 2, "{denied}");
}

async fn a_grant_of_users_manage_hands_out_only_what_its_holder_holds(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let (manager, manager_id) = app.signed_in("manager@example.com").await;
    let (_other, other_id) = app.signed_in("other@example.com").await;
    let (_reviewer, reviewer_id) = app.signed_in("reviewer@example.com").await;
    app.set_role(&reviewer_id, "reviewer").await;

    let granted = by_browser(
        &admin,
        Method::POST,
        &grants_path(&manager_id),
        json!({"permission": "users:manage"}),
    )
    .await;
    assert_eq!(granted, 200, "a human admin may grant users:manage");

    let refused = [
        // Its own promotion, to any role above what it holds.
        (
            Method::PUT,
            role_path(&manager_id),
            json!({"role": "admin"}),
        ),
        (
            Method::PUT,
            role_path(&manager_id),
            json!({"role": "reviewer"}),
        ),
        (Method::PUT, role_path(&other_id), json!({"role": "admin"})),
        // A grant it does not hold, to itself or to another.
        (
            Method::POST,
            grants_path(&manager_id),
            json!({"permission": "audit:read"}),
        ),
        (
            Method::POST,
            grants_path(&other_id),
            json!({"permission": "alerts:read"}),
        ),
        // users:manage is handed out by admins only, even by one who holds it.
        (
            Method::POST,
            grants_path(&other_id),
            json!({"permission": "users:manage"}),
        ),
        // An account holding more than the caller is not the caller's to change.
        (
            Method::PUT,
            role_path(&reviewer_id),
            json!({"role": "viewer"}),
        ),
        (Method::PUT, role_path(&admin_id), json!({"role": "viewer"})),
        (
            Method::DELETE,
            grants_path(&manager_id),
            json!({"permission": "users:manage"}),
        ),
    ];
    for (method, path, body) in refused {
        let status = by_browser(&manager, method.clone(), &path, body.clone()).await;
        assert_eq!(status, 403, "{method} {path} {body}");
    }
    // What it holds, it may hand on.
    let shared = by_browser(
        &manager,
        Method::POST,
        &grants_path(&other_id),
        json!({"permission": "projects:read"}),
    )
    .await;
    assert_eq!(shared, 200);
    assert_eq!(role_of(&app, &manager_id).await, "viewer");

    // Keys never assign admin or users:manage, whatever they and their creator hold.
    let key = admin.api_key("root", &["*:*"]).await;
    for (method, path, body) in [
        (Method::PUT, role_path(&other_id), json!({"role": "admin"})),
        (
            Method::POST,
            grants_path(&other_id),
            json!({"permission": "users:manage"}),
        ),
        (
            Method::POST,
            grants_path(&other_id),
            json!({"permission": "users:*"}),
        ),
    ] {
        assert_eq!(
            by_key(&app, &key, method.clone(), &path, body.clone()).await,
            403,
            "{method} {path} {body}"
        );
    }
    assert_eq!(
        by_key(
            &app,
            &key,
            Method::PUT,
            &role_path(&other_id),
            json!({"role": "reviewer"})
        )
        .await,
        200,
        "a key of an admin may still give lesser roles"
    );

    let denials: Value = admin
        .send(
            Method::GET,
            &format!("/api/v1/admin/audit?event=http.forbidden&actor={manager_id}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        denials["items"].as_array().unwrap().len(),
        9,
        "every refusal is audited: {denials}"
    );
}

async fn unverified_accounts_are_given_no_roles_or_grants(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let registered: Value = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "new@example.com", "password": rampart_blackbox_tests::GOOD_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = registered["user"]["id"].as_str().unwrap();
    for (method, path, body) in [
        (Method::PUT, role_path(id), json!({"role": "reviewer"})),
        (
            Method::POST,
            grants_path(id),
            json!({"permission": "projects:read"}),
        ),
    ] {
        let response = admin.send(method, &path, Some(body)).await;
        assert_eq!(response.status(), 409);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "conflict");
        assert!(
            problem["detail"].as_str().unwrap().contains("verified"),
            "{problem}"
        );
    }
}

rampart_store::both_adapters!(
    a_demoted_admins_key_loses_what_its_creator_lost,
    a_grant_of_users_manage_hands_out_only_what_its_holder_holds,
    unverified_accounts_are_given_no_roles_or_grants,
);
