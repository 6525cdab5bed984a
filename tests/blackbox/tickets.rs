//! Support tickets over HTTP, on both store adapters: owners open and may only close their own;
//! reviewers see every ticket, filter by status, assign and reprioritise.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_core::Feature;
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn open(browser: &Browser, subject: &str) -> Value {
    let (status, ticket) = json_of(
        browser
            .send(
                Method::POST,
                "/api/v1/support/tickets",
                Some(json!({"subject": subject, "body": "It broke.", "priority": "high"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

async fn patch(browser: &Browser, id: &str, body: Value) -> (u16, Value) {
    json_of(
        browser
            .send(
                Method::PATCH,
                &format!("/api/v1/support/tickets/{id}"),
                Some(body),
            )
            .await,
    )
    .await
}

async fn owners_may_only_close_and_reviewers_manage(fixture: Fixture) {
    let app = TestApp::builder()
        .fixture(fixture)
        .config(|c| c.set_enabled(Feature::RateLimiting, false))
        .spawn()
        .await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    let (rev, rev_id) = app.signed_in("rev@example.com").await;
    app.set_role(&rev_id, "reviewer").await;

    let ticket = open(&ada, "Login fails").await;
    assert_eq!(
        (
            ticket["status"].as_str(),
            ticket["priority"].as_str(),
            ticket["owner_id"].as_str()
        ),
        (Some("open"), Some("high"), Some(ada_id.as_str()))
    );
    let id = ticket["id"].as_str().unwrap().to_owned();
    open(&bob, "Slow page").await;

    // The owner may not reprioritise, assign or resolve; another viewer sees nothing.
    for body in [
        json!({"priority": "urgent"}),
        json!({"assignee": rev_id}),
        json!({"status": "resolved"}),
        json!({"status": "closed", "priority": "low"}),
    ] {
        let (status, problem) = patch(&ada, &id, body.clone()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (403, Some("forbidden")),
            "{body}"
        );
    }
    assert_eq!(
        bob.status(Method::GET, &format!("/api/v1/support/tickets/{id}"))
            .await,
        404
    );
    assert_eq!(patch(&bob, &id, json!({"status": "closed"})).await.0, 404);
    let (_, own) = json_of(ada.send(Method::GET, "/api/v1/support/tickets", None).await).await;
    assert_eq!(own["total"], 1, "an owner lists only their own");

    // A reviewer sees every ticket, filters by status, assigns and reprioritises.
    let (_, all) = json_of(rev.send(Method::GET, "/api/v1/support/tickets", None).await).await;
    assert_eq!(all["total"], 2);
    let (status, assigned) = patch(
        &rev,
        &id,
        json!({"assignee": rev_id, "priority": "urgent", "status": "pending"}),
    )
    .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(
        (
            assigned["assignee"].as_str(),
            assigned["priority"].as_str(),
            assigned["status"].as_str()
        ),
        (Some(rev_id.as_str()), Some("urgent"), Some("pending"))
    );
    let (_, pending) = json_of(
        rev.send(Method::GET, "/api/v1/support/tickets?status=pending", None)
            .await,
    )
    .await;
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["items"][0]["id"], id.as_str());
    let (status, problem) = json_of(
        rev.send(Method::GET, "/api/v1/support/tickets?status=lost", None)
            .await,
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("status"))
    );

    // The owner closes it.
    let (status, closed) = patch(&ada, &id, json!({"status": "closed"})).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (status, unassigned) = patch(&rev, &id, json!({"assignee": null})).await;
    assert_eq!((status, unassigned["assignee"].clone()), (200, Value::Null));
}

async fn a_stale_if_match_changes_no_ticket(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let ticket = open(&ada, "Login fails").await;
    let path = format!("/api/v1/support/tickets/{}", ticket["id"].as_str().unwrap());
    let read = ada.send(Method::GET, &path, None).await;
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    let cached = ada
        .send_with(Method::GET, &path, None, &[("if-none-match", &tag)])
        .await;
    assert_eq!(cached.status(), 304);
    let (status, _) = json_of(
        ada.send_with(
            Method::PATCH,
            &path,
            Some(json!({"status": "closed"})),
            &[("if-match", "\"stale\"")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 412);
    let closed = ada
        .send_with(
            Method::PATCH,
            &path,
            Some(json!({"status": "closed"})),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(closed.status(), 200);
}

rampart_store::both_adapters!(
    owners_may_only_close_and_reviewers_manage,
    a_stale_if_match_changes_no_ticket,
);
