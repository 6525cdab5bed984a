//! Search over HTTP, on both store adapters: folded case and accents, ranked across the
//! caller's projects, the knowledge base and public posts, never another account's project.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn search(browser: &Browser, q: &str) -> (u16, Value) {
    let encoded: String = q
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let response = browser
        .send(Method::GET, &format!("/api/v1/search?q={encoded}"), None)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn titles(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn finds_what_the_caller_may_see_by_folded_words(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    let (rev, rev_id) = app.signed_in("rev@example.com").await;
    app.set_role(&rev_id, "reviewer").await;
    for (browser, path, body) in [
        (
            &ada,
            "/api/v1/projects",
            json!({"name": "Lantern repair", "description": "Fix the old lantern."}),
        ),
        (
            &bob,
            "/api/v1/projects",
            json!({"name": "Lantern secret plans", "description": "Bob only."}),
        ),
        (
            &rev,
            "/api/v1/knowledge/entries",
            json!({"title": "Café hours", "body": "The café opens at nine."}),
        ),
        (
            &bob,
            "/api/v1/community/posts",
            json!({"title": "Meet at the CAFE", "body": "Bring a lantern."}),
        ),
    ] {
        assert_eq!(
            browser.send(Method::POST, path, Some(body)).await.status(),
            201,
            "{path}"
        );
    }

    let (status, found) = search(&ada, "LANTERN").await;
    assert_eq!(status, 200);
    let found = titles(&found);
    assert!(
        found.contains(&("project".into(), "Lantern repair".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("post".into(), "Meet at the CAFE".into())),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, t)| t == "Lantern secret plans"),
        "another account's project is never found: {found:?}"
    );
    let (_, cafe) = search(&ada, "Café").await;
    let cafe = titles(&cafe);
    assert!(
        cafe.contains(&("knowledge".into(), "Café hours".into())),
        "{cafe:?}"
    );
    assert!(
        cafe.contains(&("post".into(), "Meet at the CAFE".into())),
        "{cafe:?}"
    );
    // Bob finds his own project.
    let (_, bobs) = search(&bob, "secret").await;
    assert_eq!(
        titles(&bobs),
        [("project".to_owned(), "Lantern secret plans".to_owned())]
    );

    for bad in ["", "!!", &"a".repeat(201)] {
        let (status, problem) = search(&ada, bad).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (400, Some("q")),
            "{bad:?}"
        );
    }
    // A renamed project is found by its new name only; a deleted one not at all.
    let (_, mine) = search(&ada, "repair").await;
    let id = mine["items"][0]["id"].as_str().unwrap().to_owned();
    let renamed = ada
        .send(
            Method::PATCH,
            &format!("/api/v1/projects/{id}"),
            Some(json!({"name": "Torch"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let (_, gone) = search(&ada, "repair").await;
    assert!(!titles(&gone).iter().any(|(k, _)| k == "project"), "{gone}");
    let (_, torch) = search(&ada, "torch").await;
    assert_eq!(titles(&torch), [("project".to_owned(), "Torch".to_owned())]);
    assert_eq!(
        ada.status(Method::DELETE, &format!("/api/v1/projects/{id}"))
            .await,
        204
    );
    let (_, none) = search(&ada, "torch").await;
    assert_eq!(none["total"], 0);
}

rampart_store::both_adapters!(finds_what_the_caller_may_see_by_folded_words);
