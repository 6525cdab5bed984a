//! Schema diffs over HTTP.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_core::Feature;
use serde_json::{Value, json};

const BASE: &str = "model User {\n  id   Int    @id\n  name String\n  age  Int\n}\n";

async fn admin(app: &TestApp) -> rampart_blackbox_tests::Browser {
    let (browser, id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&id).await;
    browser
}

#[tokio::test]
async fn a_drop_with_a_required_add_needs_a_maintenance_window() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let target = "model User {\n  id    Int    @id\n  email String\n}\n";
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": BASE, "target_schema": target})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let diff: Value = response.json().await.unwrap();
    assert_eq!(diff["window_recommendation"], "maintenance");
    let ops: Vec<&str> = diff["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["dropField", "dropField", "addField"]);
    assert_eq!(diff["risk_score"], 24);

    let same = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": BASE, "target_schema": BASE})),
        )
        .await;
    let same: Value = same.json().await.unwrap();
    assert_eq!(
        same,
        json!({"ops": [], "risk_score": 0, "window_recommendation": "none"})
    );
}

#[tokio::test]
async fn parse_errors_name_the_schema_line_and_column() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let broken = "model User {\n  id Int @id\n  name String @default(\n}\n";
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": BASE, "target_schema": broken})),
        )
        .await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "schema_parse_error");
    assert_eq!(problem["errors"][0]["field"], "target_schema");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 4, column 1:"),
        "{problem}"
    );
    // A hostile nesting depth is a parse error like any other, not a crashed handler.
    let deep = format!(
        "model User {{\n  id Int @default({})\n}}\n",
        "[".repeat(50_000)
    );
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": deep, "target_schema": BASE})),
        )
        .await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "base_schema");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nest deeper than 32 levels"),
        "{problem}"
    );
    let anonymous = app
        .post_json(
            "/internal/schema/diff",
            &json!({"base_schema": BASE, "target_schema": BASE}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn with_the_flag_off_the_route_is_gone() {
    let app = TestApp::builder()
        .config(|c| c.set_enabled(Feature::SchemaDiff, false))
        .spawn()
        .await;
    let browser = admin(&app).await;
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": BASE, "target_schema": BASE})),
        )
        .await;
    assert_eq!(response.status(), 404);
}
