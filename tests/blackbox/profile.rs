//! Profile and settings over HTTP, on both store adapters: defaults until written, validation
//! with field errors, ETags, and `If-Match` on `PUT`.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn put(browser: &Browser, path: &str, body: Value, if_match: Option<&str>) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = if_match.map(|t| ("if-match", t)).into_iter().collect();
    let response = browser
        .send_with(Method::PUT, path, Some(body), &headers)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn field_of(answer: (u16, Value)) -> (u16, Option<String>) {
    (
        answer.0,
        answer.1["errors"][0]["field"].as_str().map(str::to_owned),
    )
}

async fn profiles_and_settings_are_validated_and_conditional(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;

    let first = ada.send(Method::GET, "/api/v1/profile", None).await;
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let empty: Value = first.json().await.unwrap();
    assert_eq!(
        empty,
        json!({"display_name": null, "bio": "", "avatar_media_id": null})
    );
    let (status, saved) = put(
        &ada,
        "/api/v1/profile",
        json!({"display_name": "Ada Lovelace", "bio": "Counts things."}),
        Some(&tag),
    )
    .await;
    assert_eq!(
        (status, saved["display_name"].as_str()),
        (200, Some("Ada Lovelace"))
    );
    let (status, _) = put(
        &ada,
        "/api/v1/profile",
        json!({"display_name": "Ada"}),
        Some(&tag),
    )
    .await;
    assert_eq!(status, 412, "the empty profile's tag is stale now");
    for (body, field) in [
        (json!({"display_name": "<b>Ada</b>"}), "display_name"),
        (
            json!({"display_name": "Ada", "bio": "b".repeat(501)}),
            "bio",
        ),
        (
            json!({"display_name": "Ada", "avatar_media_id": "01NOSUCHMEDIA"}),
            "avatar_media_id",
        ),
    ] {
        assert_eq!(
            field_of(put(&ada, "/api/v1/profile", body, None).await).await,
            (400, Some(field.to_owned()))
        );
    }
    let (status, _) = put(
        &ada,
        "/api/v1/profile",
        json!({"display_name": "Ada", "role": "admin"}),
        None,
    )
    .await;
    assert_eq!(status, 400, "unknown fields are refused");

    let settings: Value = ada
        .send(Method::GET, "/api/v1/settings", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        settings,
        json!({"email_notifications": true, "theme": "system", "timezone": "UTC"})
    );
    let (status, saved) = put(
        &ada,
        "/api/v1/settings",
        json!({"email_notifications": false, "theme": "dark", "timezone": "Europe/Paris"}),
        None,
    )
    .await;
    assert_eq!(
        (status, saved["timezone"].as_str()),
        (200, Some("Europe/Paris"))
    );
    assert_eq!(
        field_of(
            put(
                &ada,
                "/api/v1/settings",
                json!({"timezone": "Mars/Olympus"}),
                None
            )
            .await
        )
        .await,
        (400, Some("timezone".to_owned()))
    );
    let (status, _) = put(&ada, "/api/v1/settings", json!({"theme": "neon"}), None).await;
    assert_eq!(status, 400);
    let again: Value = ada
        .send(Method::GET, "/api/v1/settings", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["theme"], "dark", "a refused change changed nothing");
}

rampart_store::both_adapters!(profiles_and_settings_are_validated_and_conditional);
