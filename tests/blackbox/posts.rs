//! Community posts over HTTP, on both store adapters: verified accounts write, anyone reads,
//! newest first, and nothing in the list names an account.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_core::Feature;
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn anyone_reads_and_verified_accounts_write(fixture: Fixture) {
    let app = TestApp::builder()
        .fixture(fixture)
        .config(|c| c.set_enabled(Feature::RateLimiting, false))
        .spawn()
        .await;
    let anonymous = app
        .client
        .post(app.at("/api/v1/community/posts"))
        .json(&json!({"title": "Hi", "body": "there"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    for n in 0..5 {
        let made = ada
            .send(
                Method::POST,
                "/api/v1/community/posts",
                Some(json!({"title": format!("post {n}"), "body": "text"})),
            )
            .await;
        assert_eq!(made.status(), 201);
    }
    let bad = ada
        .send(
            Method::POST,
            "/api/v1/community/posts",
            Some(json!({"title": "", "body": ""})),
        )
        .await;
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);

    let first = app
        .client
        .get(app.at("/api/v1/community/posts?page_size=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().contains_key("etag"));
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["total"], 5);
    assert_eq!(first["items"][0]["title"], "post 4", "newest first");
    assert!(
        !first.to_string().contains(&ada_id),
        "no account id in the public list"
    );
    let mut titles: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect();
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let page: Value = app
            .client
            .get(app.at(&format!(
                "/api/v1/community/posts?page_size=2&cursor={}",
                encode(&next)
            )))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for post in page["items"].as_array().unwrap() {
            titles.push(post["title"].as_str().unwrap().to_owned());
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(titles, ["post 4", "post 3", "post 2", "post 1", "post 0"]);
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

rampart_store::both_adapters!(anyone_reads_and_verified_accounts_write);
