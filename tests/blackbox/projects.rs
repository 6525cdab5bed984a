//! Projects over HTTP, on both store adapters: owner scoping, ETags with 304 and 412,
//! idempotency keys under concurrency and failure, and paging by number and by cursor.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_core::Feature;
use rampart_store::StoreError;
use rampart_store::testing::{Faulty, Fixture, WriteAttempt};
use serde_json::{Value, json};

async fn app_on(fixture: Fixture) -> TestApp {
    TestApp::builder()
        .fixture(fixture)
        // These tests send more requests than a viewer's budget; the limits have tests of
        // their own.
        .config(|c| c.set_enabled(Feature::RateLimiting, false))
        .spawn()
        .await
}

async fn create(browser: &Browser, body: Value, key: Option<&str>) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    browser
        .send_with(Method::POST, "/api/v1/projects", Some(body), &headers)
        .await
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn crud_is_owner_scoped(fixture: Fixture) {
    let app = app_on(fixture).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    let created = create(&ada, json!({"name": "Lamp", "description": "warm"}), None).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let (_, project) = json_of(created).await;
    assert_eq!(
        location,
        format!("/api/v1/projects/{}", project["id"].as_str().unwrap())
    );
    assert_eq!(project["name"], "Lamp");

    let (status, read) = json_of(ada.send(Method::GET, &location, None).await).await;
    assert_eq!((status, &read), (200, &project));
    // Another caller's id names nothing, whatever the method.
    assert_eq!(bob.status(Method::GET, &location).await, 404);
    assert_eq!(bob.status(Method::DELETE, &location).await, 404);
    let (_, bobs) = json_of(bob.send(Method::GET, "/api/v1/projects", None).await).await;
    assert_eq!(bobs["total"], 0);

    let (status, problem) = json_of(create(&ada, json!({"name": " "}), None).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("validation_failed"))
    );
    assert_eq!(problem["errors"][0]["field"], "name");
    let (status, _) = json_of(create(&ada, json!({"name": "x", "owner": "bob"}), None).await).await;
    assert_eq!(status, 400, "unknown fields are refused");

    assert_eq!(ada.status(Method::DELETE, &location).await, 204);
    assert_eq!(ada.status(Method::GET, &location).await, 404);
}

async fn etags_answer_304_and_stale_if_match_412(fixture: Fixture) {
    let app = app_on(fixture).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let created = create(&ada, json!({"name": "Lamp"}), None).await;
    let created_tag = created.headers()["etag"].to_str().unwrap().to_owned();
    let (_, project) = json_of(created).await;
    let path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());

    let read = ada.send(Method::GET, &path, None).await;
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        tag, created_tag,
        "the tag a write answers is the tag a read carries"
    );
    assert!(!tag.starts_with("W/"), "strong");
    let cached = ada
        .send_with(Method::GET, &path, None, &[("if-none-match", &tag)])
        .await;
    assert_eq!(cached.status(), 304);
    assert!(cached.bytes().await.unwrap().is_empty());
    let list = ada.send(Method::GET, "/api/v1/projects", None).await;
    let list_tag = list.headers()["etag"].to_str().unwrap().to_owned();
    let list_again = ada
        .send_with(
            Method::GET,
            "/api/v1/projects",
            None,
            &[("if-none-match", &list_tag)],
        )
        .await;
    assert_eq!(list_again.status(), 304);

    let renamed = ada
        .send_with(
            Method::PATCH,
            &path,
            Some(json!({"name": "Lantern"})),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let new_tag = renamed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_tag, tag);
    // The old tag is stale now, for a change and for a delete alike.
    let (status, problem) = json_of(
        ada.send_with(
            Method::PATCH,
            &path,
            Some(json!({"name": "Torch"})),
            &[("if-match", &tag)],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    let weak = format!("W/{new_tag}");
    let stale_delete = ada
        .send_with(Method::DELETE, &path, None, &[("if-match", &weak)])
        .await;
    assert_eq!(stale_delete.status(), 412, "If-Match compares strongly");
    let (_, current) = json_of(ada.send(Method::GET, &path, None).await).await;
    assert_eq!(current["name"], "Lantern");
    let deleted = ada
        .send_with(Method::DELETE, &path, None, &[("if-match", &new_tag)])
        .await;
    assert_eq!(deleted.status(), 204);
}

async fn one_key_under_100_concurrent_posts_creates_one_project(fixture: Fixture) {
    let app = app_on(fixture).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let body = json!({"name": "Once", "description": "exactly"});
    let answers = futures_util::future::join_all(
        (0..100).map(|_| create(&ada, body.clone(), Some("create-once-1"))),
    )
    .await;
    let mut ids = BTreeSet::new();
    let mut in_progress = 0;
    for answer in answers {
        let replayed = answer.headers().get("idempotent-replayed").is_some();
        match json_of(answer).await {
            (201, project) => {
                ids.insert(project["id"].as_str().unwrap().to_owned());
                let _ = replayed;
            }
            (409, problem) => {
                assert_eq!(problem["code"], "idempotency_in_progress");
                in_progress += 1;
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(ids.len(), 1, "one resource in every 201");
    let (_, list) = json_of(ada.send(Method::GET, "/api/v1/projects", None).await).await;
    assert_eq!(
        list["total"], 1,
        "exactly one project ({in_progress} answered 409)"
    );
    // Once the first finished, a retry gets its answer again.
    let retry = create(&ada, body.clone(), Some("create-once-1")).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let (status, project) = json_of(retry).await;
    assert_eq!(status, 201);
    assert!(ids.contains(project["id"].as_str().unwrap()));
    // The same key with another body is refused; keys are the caller's own.
    let (status, problem) =
        json_of(create(&ada, json!({"name": "Other"}), Some("create-once-1")).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    let (bob, _) = app.signed_in("bob@example.com").await;
    let (status, _) =
        json_of(create(&bob, json!({"name": "Other"}), Some("create-once-1")).await).await;
    assert_eq!(status, 201, "another caller's key space");
}

async fn a_failed_first_attempt_releases_its_key_and_an_expired_key_is_fresh(fixture: Fixture) {
    let fail_next = Arc::new(AtomicBool::new(false));
    let trigger = fail_next.clone();
    let faulty = Fixture {
        store: Arc::new(Faulty {
            inner: fixture.store.clone(),
            fault: Box::new(move |attempt| match attempt {
                // The project's transaction, the handler's one write.
                WriteAttempt::Transact(_) if trigger.swap(false, Ordering::SeqCst) => {
                    Some(StoreError::Unavailable("throttled".into()))
                }
                _ => None,
            }),
        }),
        clock: fixture.clock.clone(),
    };
    let app = app_on(faulty).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let body = json!({"name": "Retry me"});
    fail_next.store(true, Ordering::SeqCst);
    let (status, _) = json_of(create(&ada, body.clone(), Some("k-5xx")).await).await;
    assert_eq!(status, 503);
    let second = create(&ada, body.clone(), Some("k-5xx")).await;
    assert!(
        second.headers().get("idempotent-replayed").is_none(),
        "ran again"
    );
    let (status, first_id) = json_of(second).await;
    assert_eq!(status, 201);

    // Kept 24 hours: a day and a second later the key is fresh, and creates anew.
    app.clock.advance_secs(86_400 + 1);
    // (The access token lived 15 minutes; the refresh token renews it.)
    assert_eq!(ada.status(Method::POST, "/api/v1/auth/refresh").await, 200);
    let later = create(&ada, body, Some("k-5xx")).await;
    assert!(later.headers().get("idempotent-replayed").is_none());
    let (status, later) = json_of(later).await;
    assert_eq!(status, 201);
    assert_ne!(later["id"], first_id["id"]);
}

async fn paging_by_cursor_returns_each_of_250_once(fixture: Fixture) {
    let store = fixture.store.clone();
    let app = app_on(fixture).await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    let projects = rampart_content::Projects::new(store);
    let mut made = BTreeSet::new();
    for n in 0..250 {
        let new = rampart_content::NewProject {
            name: format!("p{n}"),
            description: String::new(),
        };
        made.insert(
            projects
                .create(&ada_id, new, "2026-11-26T10:00:00Z")
                .await
                .unwrap()
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/projects?page_size=7&cursor=".to_owned();
    let (_, first) = json_of(
        ada.send(Method::GET, "/api/v1/projects?page_size=7", None)
            .await,
    )
    .await;
    assert_eq!(
        (first["total"].as_u64(), first["pages"].as_u64()),
        (Some(250), Some(36))
    );
    let mut page = first;
    loop {
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["next_cursor"].as_str() else {
            break;
        };
        path.truncate("/api/v1/projects?page_size=7&cursor=".len());
        path.push_str(&urlencoding(next));
        let (status, next_page) = json_of(ada.send(Method::GET, &path, None).await).await;
        assert_eq!(status, 200, "{next_page}");
        page = next_page;
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no project twice");
    assert_eq!(unique, made, "every project once");
    let (_, last) = json_of(
        ada.send(Method::GET, "/api/v1/projects?page=3&page_size=100", None)
            .await,
    )
    .await;
    assert_eq!(last["items"].as_array().unwrap().len(), 50);
    let (status, problem) = json_of(
        ada.send(Method::GET, "/api/v1/projects?page_size=101", None)
            .await,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("validation_failed"))
    );
}

async fn an_account_exports_and_takes_its_projects_with_it(fixture: Fixture) {
    let store = fixture.store.clone();
    let app = app_on(fixture).await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    create(&ada, json!({"name": "Lamp", "description": "warm"}), None).await;
    let ticket = ada
        .send(
            Method::POST,
            "/api/v1/support/tickets",
            Some(json!({"subject": "Help", "body": "Please."})),
        )
        .await;
    assert_eq!(ticket.status(), 201);
    let post = ada
        .send(
            Method::POST,
            "/api/v1/community/posts",
            Some(json!({"title": "Hello", "body": "world"})),
        )
        .await;
    assert_eq!(post.status(), 201);
    let (_, started) = json_of(ada.send(Method::POST, "/api/v1/account/export", None).await).await;
    let path = format!(
        "/api/v1/account/export/{}",
        started["export_id"].as_str().unwrap()
    );
    let (_, status) = json_of(ada.send(Method::GET, &path, None).await).await;
    let file: Value = reqwest::get(status["download_url"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["projects"][0]["name"], "Lamp");
    assert_eq!(file["projects"][0]["description"], "warm");
    assert_eq!(file["support_tickets"][0]["subject"], "Help");
    assert_eq!(file["community_posts"][0]["title"], "Hello");

    let deleted = ada
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": rampart_blackbox_tests::GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let left = rampart_content::Projects::new(store.clone())
        .all(&ada_id)
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    let tickets = rampart_content::Tickets::new(store)
        .of_owner(&ada_id)
        .await
        .unwrap();
    assert!(tickets.is_empty(), "{tickets:?}");
    let (_, posts) = json_of(
        reqwest::get(format!("{}/api/v1/community/posts", app.url))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(posts["total"], 0, "the posts went with the account");
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A project and its search postings are written together: when the postings cannot be
/// written, neither is the project (nor its count), and a change that cannot be indexed is
/// not made.
async fn a_project_that_cannot_be_indexed_is_not_half_written(fixture: Fixture) {
    let refuse = Arc::new(AtomicBool::new(false));
    let trigger = refuse.clone();
    fn in_search(pk: Option<&str>) -> bool {
        pk.is_some_and(|pk| pk.starts_with("search#"))
    }
    let touches_search = |attempt: &WriteAttempt<'_>| match attempt {
        WriteAttempt::Put(_, item) => in_search(item.get("pk").and_then(|v| v.as_s())),
        WriteAttempt::Transact(ops) => ops.iter().any(|op| match op {
            rampart_store::TxOp::Put { item, .. } => {
                in_search(item.get("pk").and_then(|v| v.as_s()))
            }
            rampart_store::TxOp::Update { key, .. }
            | rampart_store::TxOp::Delete { key, .. }
            | rampart_store::TxOp::Check { key, .. } => in_search(Some(&key.pk)),
        }),
    };
    let faulty = Fixture {
        store: Arc::new(Faulty {
            inner: fixture.store.clone(),
            fault: Box::new(move |attempt| {
                (trigger.load(Ordering::SeqCst) && touches_search(attempt))
                    .then(|| StoreError::Unavailable("throttled".into()))
            }),
        }),
        clock: fixture.clock.clone(),
    };
    let app = app_on(faulty).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (status, kept) = json_of(create(&ada, json!({"name": "Lantern"}), None).await).await;
    assert_eq!(status, 201);
    refuse.store(true, Ordering::SeqCst);
    let (status, _) = json_of(create(&ada, json!({"name": "Candle"}), None).await).await;
    assert_eq!(status, 503);
    let location = format!("/api/v1/projects/{}", kept["id"].as_str().unwrap());
    let (status, _) = json_of(
        ada.send(Method::PATCH, &location, Some(json!({"name": "Torch"})))
            .await,
    )
    .await;
    assert_eq!(status, 503);
    refuse.store(false, Ordering::SeqCst);
    let (_, list) = json_of(ada.send(Method::GET, "/api/v1/projects", None).await).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["name"], "Lantern", "{list}");
    let (_, found) = json_of(
        ada.send(Method::GET, "/api/v1/search?q=lantern", None)
            .await,
    )
    .await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
    for word in ["candle", "torch"] {
        let (_, found) = json_of(
            ada.send(Method::GET, &format!("/api/v1/search?q={word}"), None)
                .await,
        )
        .await;
        assert_eq!(
            found["items"].as_array().map(Vec::len),
            Some(0),
            "{word}: {found}"
        );
    }
}

/// The key a request takes while its credentials are checked is free again when they, or
/// its CSRF token, are refused: the retry that gets them right runs.
async fn a_key_taken_by_a_refused_request_is_free_again(fixture: Fixture) {
    let app = app_on(fixture).await;
    let (mut ada, _) = app.signed_in("ada@example.com").await;
    ada.send_csrf = false;
    let (status, _) = json_of(create(&ada, json!({"name": "Kite"}), Some("k-csrf")).await).await;
    assert_eq!(status, 403);
    ada.send_csrf = true;
    let ended = app.new_session("ada@example.com").await;
    let stale = ended.cookie("access_token").unwrap();
    assert!(
        ended
            .send(Method::POST, "/api/v1/auth/logout", None)
            .await
            .status()
            .is_success()
    );
    let refused = app
        .client
        .post(app.at("/api/v1/projects"))
        .bearer_auth(&stale)
        .header("idempotency-key", "k-ended")
        .json(&json!({"name": "Kite"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    for key in ["k-csrf", "k-ended"] {
        let response = create(&ada, json!({"name": "Kite"}), Some(key)).await;
        assert!(
            response.headers().get("idempotent-replayed").is_none(),
            "{key}"
        );
        assert_eq!(response.status(), 201, "{key}");
        let again = create(&ada, json!({"name": "Kite"}), Some(key)).await;
        assert_eq!(again.headers()["idempotent-replayed"], "true", "{key}");
    }
}

/// A change with a key is made once, with its answer in the same transaction: a retry gets
/// the first answer (its document and tag), even after the project changed again; a change
/// whose transaction fails keeps nothing, and its retry runs.
async fn a_keyed_change_runs_once_and_replays_its_first_answer(fixture: Fixture) {
    let fail_next = Arc::new(AtomicBool::new(false));
    let trigger = fail_next.clone();
    let faulty = Fixture {
        store: Arc::new(Faulty {
            inner: fixture.store.clone(),
            fault: Box::new(move |attempt| match attempt {
                WriteAttempt::Transact(_) if trigger.swap(false, Ordering::SeqCst) => {
                    Some(StoreError::Unavailable("throttled".into()))
                }
                _ => None,
            }),
        }),
        clock: fixture.clock.clone(),
    };
    let app = app_on(faulty).await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (status, made) = json_of(create(&ada, json!({"name": "Lamp"}), None).await).await;
    assert_eq!(status, 201);
    let location = format!("/api/v1/projects/{}", made["id"].as_str().unwrap());
    let change = |body: Value, key: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
        let (ada, location) = (&ada, &location);
        async move {
            ada.send_with(Method::PATCH, location, Some(body), &headers)
                .await
        }
    };
    fail_next.store(true, Ordering::SeqCst);
    let failed = change(json!({"name": "Lantern"}), Some("k-change")).await;
    assert_eq!(failed.status(), 503);
    let (_, unchanged) = json_of(ada.send(Method::GET, &location, None).await).await;
    assert_eq!(unchanged["name"], "Lamp", "{unchanged}");

    let first = change(json!({"name": "Lantern"}), Some("k-change")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_tag = first.headers()["etag"].clone();
    let (_, first) = json_of(first).await;
    assert_eq!(first["name"], "Lantern");
    assert_eq!(change(json!({"name": "Torch"}), None).await.status(), 200);
    let replayed = change(json!({"name": "Lantern"}), Some("k-change")).await;
    assert_eq!(replayed.status(), 200);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(replayed.headers()["etag"], first_tag);
    let (_, replayed) = json_of(replayed).await;
    assert_eq!(replayed, first);
    let (_, now) = json_of(ada.send(Method::GET, &location, None).await).await;
    assert_eq!(now["name"], "Torch", "the replay changed nothing: {now}");
}

rampart_store::both_adapters!(
    a_keyed_change_runs_once_and_replays_its_first_answer,
    a_key_taken_by_a_refused_request_is_free_again,
    a_project_that_cannot_be_indexed_is_not_half_written,
    crud_is_owner_scoped,
    etags_answer_304_and_stale_if_match_412,
    one_key_under_100_concurrent_posts_creates_one_project,
    a_failed_first_attempt_releases_its_key_and_an_expired_key_is_fresh,
    paging_by_cursor_returns_each_of_250_once,
    an_account_exports_and_takes_its_projects_with_it,
);
