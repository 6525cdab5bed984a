//! The low findings of security round three, each over HTTP: what used to happen, refused.

use http::Method;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use rampart_core::{Clock, Feature};
use rampart_discord::TestKeyPair;
use serde_json::{Value, json};

#[tokio::test]
async fn a_search_cursor_past_any_list_is_a_validation_failure_not_an_overflow() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    for cursor in ["o18446744073709551615", "o9223372036854775807", "o1000001"] {
        let response = ada
            .send(
                Method::GET,
                &format!("/api/v1/search?q=lamp&cursor={cursor}"),
                None,
            )
            .await;
        assert_eq!(response.status(), 400, "{cursor}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "cursor");
    }
}

#[tokio::test]
async fn the_last_admin_cannot_delete_their_account_and_a_deleted_admin_leaves_the_admins() {
    let app = TestApp::spawn().await;
    let (first, first_id) = app.signed_in("first@example.com").await;
    app.promote_to_admin(&first_id).await;
    let delete = json!({"password": GOOD_PASSWORD});
    let refused = first
        .send(Method::DELETE, "/api/v1/account", Some(delete.clone()))
        .await;
    assert_eq!(refused.status(), 409);
    let problem: Value = refused.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("last admin"));
    assert_eq!(first.status(Method::GET, "/api/v1/account").await, 200);

    // With a second admin the first may go, and then the second is the last one.
    let (second, second_id) = app.signed_in("second@example.com").await;
    app.promote_to_admin(&second_id).await;
    let deleted = first
        .send(Method::DELETE, "/api/v1/account", Some(delete.clone()))
        .await;
    assert_eq!(deleted.status(), 204);
    let demote_self = second
        .send(
            Method::PUT,
            &format!("/api/v1/admin/users/{second_id}/role"),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(
        demote_self.status(),
        409,
        "the deleted admin no longer counts"
    );
    let again = second
        .send(Method::DELETE, "/api/v1/account", Some(delete))
        .await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn internal_routes_need_a_verified_address() {
    let app = TestApp::spawn().await;
    let registered: Value = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "ops@example.com", "password": GOOD_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = registered["user"]["id"].as_str().unwrap();
    app.promote_to_admin(id).await;
    let browser = app.new_session("ops@example.com").await;
    let response = browser
        .send(
            Method::POST,
            "/internal/schema/diff",
            Some(json!({"base_schema": "", "target_schema": ""})),
        )
        .await;
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "email_unverified");
}

#[tokio::test]
async fn ipv6_clients_of_one_64_share_one_budget() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    // Ten sign-ins a minute per client: eleven addresses of one /64 are one client.
    for n in 1..=11 {
        let response = app
            .client
            .post(app.at("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("2001:db8:7:9::{n:x}"))
            .json(&json!({"email": format!("u{n}@example.com"), "password": "wrong password here"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 10);
    assert_eq!(statuses.last(), Some(&429));
    // Another /64 has a budget of its own.
    let other = app
        .client
        .post(app.at("/api/v1/auth/login"))
        .header("x-forwarded-for", "2001:db8:7:a::1")
        .json(&json!({"email": "u@example.com", "password": "wrong password here"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
}

fn ship_by_a_server_manager(guild: &str) -> String {
    json!({
        "type": 2, "id": rampart_core::ids::new_id(), "token": "tok",
        "application_id": "1360558294053294192",
        "guild_id": guild, "channel_id": "645027906669510667",
        // Manage Guild (1 << 5) in that server, no role of ours.
        "member": {"roles": [], "permissions": "32", "user": {"id": "53908232506183680"}},
        "data": {"id": "1", "name": "ship", "type": 1, "options": [
            {"name": "env", "type": 3, "value": "staging"},
            {"name": "strategy", "type": 3, "value": "canary"}]}
    })
    .to_string()
}

#[tokio::test]
async fn with_rbac_off_manage_guild_counts_only_in_the_configured_server() {
    let keys = TestKeyPair::generate().unwrap();
    let public = keys.public_key().to_hex();
    let app = TestApp::builder()
        .config(|c| {
            c.discord_public_key = Some(public);
            c.set_enabled(Feature::Rbac, false);
            c.discord_guild_id = None;
        })
        .spawn()
        .await;
    let body = ship_by_a_server_manager("290926798626357999");
    let ts = app.clock.now_secs().to_string();
    let response = app
        .client
        .post(app.at("/discord/interactions"))
        .header("content-type", "application/json")
        .header("X-Signature-Timestamp", &ts)
        .header("X-Signature-Ed25519", keys.sign(&ts, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["type"], 4, "refused at once, not deferred: {answer}");
    assert_eq!(answer["data"]["flags"], 64);
}

#[tokio::test]
async fn the_journey_targets_a_loopback_origin_as_a_url_parser_reads_it() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    for base_url in [
        "http://127.0.0.1:1@evil.example",
        "http://localhost:80@evil.example/",
        "http://127.0.0.1.evil.example:3000",
    ] {
        let response = admin
            .send(
                Method::POST,
                "/internal/journey/run",
                Some(json!({ "base_url": base_url })),
            )
            .await;
        assert_eq!(response.status(), 400, "{base_url}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "base_url");
    }
}

/// `n` distinct words.
fn words(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{prefix}{i:04}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_post_or_a_project_edit_costs_a_bounded_number_of_index_writes() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let before = app.store.round_trips();
    let post = ada
        .send(
            Method::POST,
            "/api/v1/community/posts",
            Some(json!({"title": "many words", "body": words("w", 500)})),
        )
        .await;
    assert_eq!(post.status(), 201);
    let post_trips = app.store.round_trips() - before;
    assert!(
        post_trips <= 45,
        "a 500-word post cost {post_trips} round trips"
    );

    let project: Value = ada
        .send(
            Method::POST,
            "/api/v1/projects",
            Some(json!({"name": "p", "description": words("a", 300)})),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    let before = app.store.round_trips();
    let edit = ada
        .send(
            Method::PATCH,
            &path,
            Some(json!({"description": words("b", 300)})),
        )
        .await;
    assert_eq!(edit.status(), 200);
    let edit_trips = app.store.round_trips() - before;
    assert!(
        edit_trips <= 80,
        "an edit of 300 words cost {edit_trips} round trips"
    );
    // Still found by a word it indexes.
    let found: Value = ada
        .send(Method::GET, "/api/v1/search?q=b0001", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(found["total"].as_u64().is_some_and(|n| n >= 1), "{found}");
}

#[test]
fn api_gateway_access_logs_keep_no_client_address_or_user_agent() {
    let template = crate::template_file::template();
    let format = template["Resources"]["ApiStage"]["Properties"]["AccessLogSettings"]["Format"]
        .as_str()
        .expect("an access log format")
        .to_owned();
    assert!(format.contains("$context.routeKey"), "{format}");
    for personal in [
        "$context.identity.sourceIp",
        "$context.identity.userAgent",
        "$context.identity.",
    ] {
        assert!(!format.contains(personal), "{personal} in {format}");
    }
}

#[tokio::test]
async fn a_caller_chosen_request_id_is_echoed_but_does_not_file_the_audit_record() {
    let app = TestApp::spawn().await;
    let (viewer, viewer_id) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let refused = viewer
        .send_with(
            Method::GET,
            "/api/v1/admin/security/summary",
            None,
            &[("x-request-id", "someone-elses-request-id")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["x-request-id"],
        "someone-elses-request-id"
    );
    let denied: Value = admin
        .send(
            Method::GET,
            &format!("/api/v1/admin/audit?event=http.forbidden&actor={viewer_id}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let record = &denied["items"][0];
    assert_ne!(
        record["correlation_id"], "someone-elses-request-id",
        "{denied}"
    );
    assert_eq!(
        record["correlation_id"].as_str().map(str::len),
        Some(26),
        "a ULID of ours"
    );
    assert_eq!(
        record["details"]["client_request_id"],
        "someone-elses-request-id"
    );
}
