//! Every list reads a bounded number of items per request: a request costs the same store
//! round trips over a few items as over thousands, totals come from counters kept on write,
//! page numbers stop where the cursor takes over, and one account adds a bounded number of
//! posts and tickets a day.

use http::Method;
use rampart_blackbox_tests::TestApp;
use rampart_content::tickets::Priority;
use rampart_content::{NewPost, NewTicket, Posts, Tickets};
use serde_json::{Value, json};

const AT: &str = "2026-11-26T10:00:00Z";

/// Publishes `n` posts straight through the content layer, each by an author of its own (so no
/// daily cap applies), as years of traffic would have.
async fn seed_posts(app: &TestApp, from: usize, n: usize) {
    let posts = Posts::new(app.store.clone());
    let now = rampart_core::Clock::now_secs(&*app.clock);
    for i in from..from + n {
        let new = NewPost {
            title: format!("post {i}"),
            body: "b".into(),
        };
        posts
            .create(&format!("author{i}"), new, AT, now)
            .await
            .unwrap();
    }
}

async fn seed_tickets(app: &TestApp, from: usize, n: usize) {
    let tickets = Tickets::new(app.store.clone());
    let now = rampart_core::Clock::now_secs(&*app.clock);
    for i in from..from + n {
        let new = NewTicket {
            subject: format!("ticket {i}"),
            body: "b".into(),
            priority: if i % 10 == 0 {
                Priority::Urgent
            } else {
                Priority::Low
            },
        };
        tickets
            .create(&format!("owner{i}"), new, AT, now)
            .await
            .unwrap();
    }
}

async fn get(
    app: &TestApp,
    browser: Option<&rampart_blackbox_tests::Browser>,
    path: &str,
) -> (u64, Value) {
    let before = app.store.round_trips();
    let response = match browser {
        Some(b) => b.send(Method::GET, path, None).await,
        None => app.client.get(app.at(path)).send().await.unwrap(),
    };
    assert_eq!(response.status(), 200, "{path}");
    let body = response.json().await.unwrap();
    (app.store.round_trips() - before, body)
}

#[tokio::test]
async fn the_public_post_list_costs_the_same_over_ten_posts_as_over_thousands() {
    let app = TestApp::spawn().await;
    seed_posts(&app, 0, 10).await;
    let (small, first) = get(&app, None, "/api/v1/community/posts?page=1").await;
    assert_eq!(first["total"], 10);
    seed_posts(&app, 10, 2_490).await;
    let (large, page) = get(&app, None, "/api/v1/community/posts?page=1").await;
    assert_eq!(large, small, "round trips do not grow with the table");
    assert_eq!(
        (page["total"].clone(), page["pages"].clone()),
        (json!(2_500), json!(125))
    );
    assert_eq!(page["items"][0]["title"], "post 2499", "newest first");
    let (_, third) = get(&app, None, "/api/v1/community/posts?page=3&page_size=20").await;
    assert_eq!(third["items"][0]["title"], "post 2459");
    // The cursor of a numbered page goes on from its last item.
    let cursor = third["next_cursor"].as_str().unwrap().to_owned();
    let (_, fourth) = get(
        &app,
        None,
        &format!("/api/v1/community/posts?cursor={cursor}&page_size=20"),
    )
    .await;
    assert_eq!(fourth["items"][0]["title"], "post 2439");

    // Page numbers reach the first 1,000 posts; the cursor goes on from there.
    let far = app
        .client
        .get(app.at("/api/v1/community/posts?page=51&page_size=20"))
        .send()
        .await
        .unwrap();
    assert_eq!(far.status(), 400);
    let problem: Value = far.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "page");
    let (_, last) = get(&app, None, "/api/v1/community/posts?page=50&page_size=20").await;
    assert_eq!(last["items"][19]["title"], "post 1500");
}

#[tokio::test]
async fn the_reviewers_ticket_list_is_counted_and_paged_without_reading_every_ticket() {
    let app = TestApp::spawn().await;
    let (reviewer, reviewer_id) = app.signed_in("reviewer@example.com").await;
    app.set_role(&reviewer_id, "reviewer").await;
    seed_tickets(&app, 0, 10).await;
    let (small, first) = get(&app, Some(&reviewer), "/api/v1/support/tickets?status=open").await;
    assert_eq!(first["total"], 10);
    seed_tickets(&app, 10, 2_490).await;
    let (large, open) = get(&app, Some(&reviewer), "/api/v1/support/tickets?status=open").await;
    assert_eq!(large, small, "round trips do not grow with the table");
    assert_eq!(open["total"], 2_500);
    // Urgent first within a status, oldest first within a priority.
    assert_eq!(open["items"][0]["subject"], "ticket 0");
    assert_eq!(open["items"][0]["priority"], "urgent");
    let (_, closed) = get(
        &app,
        Some(&reviewer),
        "/api/v1/support/tickets?status=closed",
    )
    .await;
    assert_eq!(closed["total"], 0);

    // A status change moves the counts in the same write.
    let id = open["items"][0]["id"].as_str().unwrap();
    let closing = reviewer
        .send(
            Method::PATCH,
            &format!("/api/v1/support/tickets/{id}"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(closing.status(), 200);
    let (_, open) = get(&app, Some(&reviewer), "/api/v1/support/tickets?status=open").await;
    let (_, closed) = get(
        &app,
        Some(&reviewer),
        "/api/v1/support/tickets?status=closed",
    )
    .await;
    let (_, all) = get(&app, Some(&reviewer), "/api/v1/support/tickets").await;
    assert_eq!(
        (
            open["total"].clone(),
            closed["total"].clone(),
            all["total"].clone()
        ),
        (json!(2_499), json!(1), json!(2_500))
    );
    assert_eq!(closed["items"][0]["id"], id);

    // What triage shows: the most pressing open tickets and how many there are, by bounded
    // queries.
    let pressing = Tickets::new(app.store.clone()).pressing(5).await.unwrap();
    assert_eq!(pressing.total, 249, "250 urgent tickets, one closed");
    assert_eq!(pressing.tickets.len(), 5);
    assert!(
        pressing
            .tickets
            .iter()
            .all(|t| t.priority == Priority::Urgent)
    );
    assert_eq!(pressing.tickets[0].subject, "ticket 10");
}

#[tokio::test]
async fn one_account_adds_a_bounded_number_of_posts_and_tickets_a_day() {
    let app = TestApp::builder()
        .config(|c| {
            c.rate_limit_overrides = Some(r#"{"writes:viewer": {"max": 1000}}"#.into());
        })
        .spawn()
        .await;
    let (mut ada, _) = app.signed_in("ada@example.com").await;
    for (path, body, cap, what) in [
        (
            "/api/v1/community/posts",
            json!({"title": "t", "body": "b"}),
            50,
            "50 community posts",
        ),
        (
            "/api/v1/support/tickets",
            json!({"subject": "s", "body": "b"}),
            20,
            "20 support tickets",
        ),
    ] {
        for n in 0..cap {
            let made = ada.send(Method::POST, path, Some(body.clone())).await;
            assert_eq!(made.status(), 201, "{path} #{n}");
        }
        let refused = ada.send(Method::POST, path, Some(body.clone())).await;
        assert_eq!(refused.status(), 429, "{path}");
        let retry_after: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=86_400).contains(&retry_after));
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["code"], "quota_exceeded");
        assert!(
            problem["detail"].as_str().unwrap().contains(what),
            "{problem}"
        );
        // The next UTC day the account may add again.
        app.clock.advance_secs(i64::try_from(retry_after).unwrap());
        ada = app.new_session("ada@example.com").await;
        let again = ada.send(Method::POST, path, Some(body)).await;
        assert_eq!(again.status(), 201, "{path} the next day");
    }
}

#[tokio::test]
async fn an_owners_projects_and_the_public_status_events_are_counted_not_read() {
    use rampart_content::{NewProject, NewStatusEvent, Projects, ServiceStatus, Status};
    let app = TestApp::spawn().await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    let projects = Projects::new(app.store.clone());
    let status = Status::new(app.store.clone());
    let seed = |from: usize, n: usize| {
        let (projects, status, ada_id) = (&projects, &status, &ada_id);
        async move {
            for i in from..from + n {
                let project = NewProject {
                    name: format!("project {i}"),
                    description: String::new(),
                };
                projects.create(ada_id, project, AT).await.unwrap();
                let event = NewStatusEvent {
                    service: "api".into(),
                    status: ServiceStatus::Operational,
                    message: format!("event {i}"),
                };
                status.post(event, AT).await.unwrap();
            }
        }
    };
    seed(0, 10).await;
    let (few_projects, page) = get(&app, Some(&ada), "/api/v1/projects?page=1").await;
    assert_eq!(page["total"], 10);
    let (few_events, page) = get(&app, None, "/api/v1/status/events?service=api").await;
    assert_eq!(page["total"], 10);
    seed(10, 1_190).await;
    let (many_projects, page) = get(&app, Some(&ada), "/api/v1/projects?page=1").await;
    assert_eq!(
        many_projects, few_projects,
        "round trips do not grow with the list"
    );
    assert_eq!(page["total"], 1_200);
    let (many_events, page) = get(&app, None, "/api/v1/status/events?service=api").await;
    assert_eq!(many_events, few_events);
    assert_eq!(page["total"], 1_200);
    let (_, last) = get(&app, Some(&ada), "/api/v1/projects?page=10&page_size=100").await;
    assert_eq!(last["items"][99]["name"], "project 999");
    assert!(
        last["next_cursor"].is_string(),
        "the cursor goes on past the numbered pages"
    );
}
