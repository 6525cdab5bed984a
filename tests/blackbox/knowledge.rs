//! The knowledge base over HTTP, on both store adapters: reviewers write, users and API keys
//! query (folded case and accents, the contract's character rule), anyone reads the totals.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn reviewers_write_and_users_and_keys_query(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let (reviewer, reviewer_id) = app.signed_in("rev@example.com").await;
    app.set_role(&reviewer_id, "reviewer").await;
    let entry =
        json!({"title": "Café hours", "body": "The café opens at nine.", "tags": ["office"]});
    assert_eq!(
        viewer
            .send(
                Method::POST,
                "/api/v1/knowledge/entries",
                Some(entry.clone())
            )
            .await
            .status(),
        403
    );
    for body in [
        entry,
        json!({"title": "Rotating keys", "body": "Rotate the signing keys, then verify."}),
    ] {
        let made = reviewer
            .send(Method::POST, "/api/v1/knowledge/entries", Some(body))
            .await;
        assert_eq!(made.status(), 201);
    }
    let ask = |query: &str| {
        let viewer = &viewer;
        let query = query.to_owned();
        async move {
            let response = viewer
                .send(
                    Method::POST,
                    "/api/v1/knowledge/query",
                    Some(json!({ "query": query })),
                )
                .await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, answers) = ask("CAFE opening?").await;
    assert_eq!(
        (status, answers["items"][0]["entry"]["title"].as_str()),
        (200, Some("Café hours"))
    );
    let (status, problem) = ask("test<>;").await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("query"))
    );

    // An API key with the permission may ask too.
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let key = admin.api_key("bot", &["knowledge:query"]).await;
    let by_key = app
        .client
        .post(app.at("/api/v1/knowledge/query"))
        .bearer_auth(&key)
        .json(&json!({"query": "rotate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), 200);
    let by_key: Value = by_key.json().await.unwrap();
    assert_eq!(by_key["items"][0]["entry"]["title"], "Rotating keys");

    let summary: Value = app
        .client
        .get(app.at("/api/v1/knowledge/summary"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary, json!({"entries": 2}));

    // The author's export lists what they wrote; deleting the account keeps the entries but
    // not their author.
    let (_, started) = {
        let r = reviewer
            .send(Method::POST, "/api/v1/account/export", None)
            .await;
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let status: Value = reviewer
        .send(
            Method::GET,
            &format!(
                "/api/v1/account/export/{}",
                started["export_id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let file: Value = reqwest::get(status["download_url"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["knowledge_entries"].as_array().unwrap().len(), 2);
    let deleted = reviewer
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": rampart_blackbox_tests::GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let (status, answers) = ask("cafe").await;
    assert_eq!(
        (status, answers["items"][0]["entry"]["title"].as_str()),
        (200, Some("Café hours"))
    );
    let authored = rampart_content::Knowledge::new(app.store.clone())
        .authored(&reviewer_id)
        .await
        .unwrap();
    assert!(
        authored.is_empty(),
        "the entries no longer name their author"
    );
}

rampart_store::both_adapters!(reviewers_write_and_users_and_keys_query);
