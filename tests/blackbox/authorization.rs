//! The authentication slot, the email-verified gate and RBAC, through the pipeline.

use http::Method;
use rampart_api::Access;
use rampart_blackbox_tests::TestApp;
use rampart_core::Feature;
use rampart_store::{Index, ItemExt, Query, Table, keys};
use serde_json::Value;

use crate::test_routes::route;

async fn app() -> TestApp {
    let routes = vec![
        route(
            Method::POST,
            "/admin-only",
            Access::Permission("admin:write"),
            None,
            true,
        ),
        route(
            Method::POST,
            "/projects",
            Access::Permission("projects:write"),
            None,
            true,
        ),
        route(Method::GET, "/open", Access::Public, None, false),
    ];
    TestApp::builder()
        .routes(routes)
        .with_test_tokens()
        .spawn()
        .await
}

async fn code_of(response: reqwest::Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn the_pipeline_answers_401_403_or_lets_through_by_role_and_grant() {
    let app = app().await;
    let cases: [(&str, Option<&str>, u16, Option<&str>); 9] = [
        ("/open", None, 200, None),
        ("/admin-only", None, 401, Some("unauthenticated")),
        ("/admin-only", Some("garbage"), 401, Some("unauthenticated")),
        ("/admin-only", Some("test:viewer"), 403, Some("forbidden")),
        ("/admin-only", Some("test:reviewer"), 403, Some("forbidden")),
        (
            "/admin-only",
            Some("test:admin:unverified"),
            403,
            Some("email_unverified"),
        ),
        ("/admin-only", Some("test:admin"), 200, None),
        ("/projects", Some("test:viewer"), 200, None),
        ("/admin-only", Some("test-key:admin:write"), 200, None),
    ];
    for (path, token, status, code) in cases {
        let method = if path == "/open" {
            Method::GET
        } else {
            Method::POST
        };
        let mut request = app.client.request(method, app.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let got = code_of(request.send().await.unwrap()).await;
        assert_eq!(
            got,
            (status, code.map(str::to_owned)),
            "{path} as {token:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn email_unverified_names_the_resend_route() {
    let app = app().await;
    let response = app
        .client
        .post(app.at("/projects"))
        .bearer_auth("test:viewer:unverified")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("POST /api/v1/auth/resend-verification")
    );
    app.stop().await;
}

#[tokio::test]
async fn denials_are_audited_with_anonymised_addresses() {
    let app = app().await;
    app.client
        .post(app.at("/admin-only"))
        .header("x-forwarded-for", "203.0.113.99")
        .header("user-agent", "probe/1.0")
        .send()
        .await
        .unwrap();
    app.client
        .post(app.at("/admin-only"))
        .bearer_auth("test:viewer")
        .send()
        .await
        .unwrap();
    let unauthenticated = app
        .store
        .query(&Query::index(
            Table::Audit,
            Index::Gsi1,
            keys::audit::by_event("http.unauthenticated"),
        ))
        .await
        .unwrap();
    assert_eq!(unauthenticated.items.len(), 1);
    let event = &unauthenticated.items[0];
    assert_eq!(event.str_attr("ip"), Some("203.0.113.0"));
    assert_eq!(event.str_attr("user_agent"), Some("probe/1.0"));
    assert!(
        event
            .str_attr("correlation_id")
            .is_some_and(|c| !c.is_empty())
    );
    let forbidden = app
        .store
        .query(&Query::index(
            Table::Audit,
            Index::Gsi2,
            keys::audit::by_actor("user-viewer"),
        ))
        .await
        .unwrap();
    assert_eq!(forbidden.items.len(), 1);
    assert_eq!(forbidden.items[0].str_attr("event"), Some("http.forbidden"));
    app.stop().await;
}

#[tokio::test]
async fn turning_rbac_off_never_opens_an_admin_route() {
    let routes = vec![route(
        Method::POST,
        "/admin-only",
        Access::Permission("admin:write"),
        None,
        false,
    )];
    let app = TestApp::builder()
        .routes(routes)
        .with_test_tokens()
        .config(|c| c.set_enabled(Feature::Rbac, false))
        .spawn()
        .await;
    let response = app
        .client
        .post(app.at("/admin-only"))
        .bearer_auth("test:viewer")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    app.stop().await;
}
