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
    // As numbers, for editors and CI annotations, and in the message for people.
    assert_eq!(
        (
            &problem["errors"][0]["line"],
            &problem["errors"][0]["column"]
        ),
        (&json!(4), &json!(1)),
        "{problem}"
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 4, column 1:"),
        "{problem}"
    );
    // Both schemas broken: one error each, each placed in its own text.
    let both = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": "model {", "target_schema": broken})),
        )
        .await;
    let both: Value = both.json().await.unwrap();
    let placed: Vec<(Value, Value, Value)> = both["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["line"].clone(), e["column"].clone()))
        .collect();
    assert_eq!(
        placed,
        [
            (json!("base_schema"), json!(1), json!(7)),
            (json!("target_schema"), json!(4), json!(1)),
        ]
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
async fn renamed_relation_fields_change_nothing_and_a_foreign_key_change_is_reported() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let base = "model User {\n  id    Int    @id\n  Posts Post[]\n}\n\n\
                model Post {\n  id       Int  @id\n  authorId Int\n  \
                Author   User @relation(fields: [authorId], references: [id])\n}\n";
    let renamed = base.replace("Posts", "posts").replace("Author ", "author ");
    let diff = |target: String| {
        browser.send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": base, "target_schema": target})),
        )
    };
    let same: Value = diff(renamed.clone()).await.json().await.unwrap();
    assert_eq!(
        same,
        json!({"ops": [], "risk_score": 0, "window_recommendation": "none"})
    );
    let cascade = renamed.replace("references: [id])", "references: [id], onDelete: Cascade)");
    let changed: Value = diff(cascade).await.json().await.unwrap();
    assert_eq!(changed["ops"][0]["op"], "alterForeignKey", "{changed}");
    assert_eq!(changed["ops"][0]["model"], "Post");
    assert_eq!(
        changed["ops"][0]["to"],
        "[authorId] -> User(id) onDelete: Cascade onUpdate: Cascade"
    );
    assert_eq!(changed["window_recommendation"], "low_traffic");
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

#[tokio::test]
async fn a_schema_past_the_model_cap_is_a_400_naming_the_cap_and_where() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let huge: String = (0..=5_000)
        .map(|i| format!("enum E{i} {{\n  A\n}}\n"))
        .collect();
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": BASE, "target_schema": huge})),
        )
        .await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "schema_parse_error");
    assert_eq!(problem["errors"][0]["field"], "target_schema");
    assert_eq!(problem["errors"][0]["line"], 15_001);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 5000"),
        "{problem}"
    );
}
