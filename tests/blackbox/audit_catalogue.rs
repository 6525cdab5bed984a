//! The audit catalogue's watched categories: `data_access` (reading what is not one's own),
//! `configuration` (settings changed) and `suspicious_activity` (the detectors), each recorded
//! with its category, counted as its metric and in the admin's security summary.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::metrics;
use serde_json::{Value, json};

async fn audited(admin: &Browser, event: &str) -> Vec<Value> {
    let page: Value = admin
        .send(
            Method::GET,
            &format!("/api/v1/admin/audit?event={event}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn sign_in_from(app: &TestApp, email: &str, address: &str) -> reqwest::Response {
    app.client
        .post(app.at("/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": GOOD_PASSWORD}))
        .send()
        .await
        .unwrap()
}

/// How many kept metric lines count `metric` for the event `event`.
fn counted(lines: &[String], metric: &str, event: &str) -> usize {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|doc| doc["event"] == event && doc[metric] == 1)
        .count()
}

// One thread: the server's tasks count metrics on the thread that captures them.
#[tokio::test(flavor = "current_thread")]
async fn detectors_fire_once_at_their_thresholds_and_data_access_is_recorded_and_counted() {
    metrics::capture();
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.signed_in("catalogue-admin@example.com").await;
    app.promote_to_admin(&admin_id).await;

    // A viewer tries admin routes one after another: four are curiosity, the fifth a sweep.
    let (viewer, viewer_id) = app.signed_in("catalogue-viewer@example.com").await;
    let probes = [
        "/api/v1/admin/audit?event=auth.login",
        "/api/v1/admin/alerts",
        "/api/v1/admin/security/summary",
        "/api/v1/admin/export",
        "/api/v1/admin/settings/discord",
        "/api/v1/admin/alerts?status=resolved",
    ];
    for (n, path) in probes.iter().enumerate() {
        assert_eq!(viewer.status(Method::GET, path).await, 403, "{path}");
        let sweeps = audited(&admin, "suspicious.forbidden_sweep").await;
        assert_eq!(sweeps.len(), usize::from(n >= 4), "after {} routes", n + 1);
    }
    let sweep = &audited(&admin, "suspicious.forbidden_sweep").await[0];
    assert_eq!(sweep["category"], "suspicious_activity");
    assert_eq!(sweep["actor"], viewer_id.as_str());
    assert_eq!(sweep["details"]["routes"], "5");
    assert_eq!(sweep["details"]["window_secs"], "600");

    // An account signing in from three networks is travelling; from a fourth, within the
    // hour, it is shared or stolen. Addresses in one /24 are one network.
    let email = "catalogue-traveller@example.com";
    app.verified_user(email).await;
    for address in ["198.51.100.7", "198.51.100.8", "203.0.113.5", "192.0.2.44"] {
        assert_eq!(sign_in_from(&app, email, address).await.status(), 200);
    }
    assert!(
        audited(&admin, "suspicious.sign_in_networks")
            .await
            .is_empty()
    );
    // (Past the limit of five sign-ins a minute per account.)
    app.clock.advance_secs(61);
    assert_eq!(sign_in_from(&app, email, "100.64.9.1").await.status(), 200);
    assert_eq!(sign_in_from(&app, email, "100.64.10.1").await.status(), 200);
    let networks = audited(&admin, "suspicious.sign_in_networks").await;
    assert_eq!(networks.len(), 1, "{networks:?}");
    assert!(networks[0]["target"].as_str().unwrap().starts_with("user:"));

    // Replayed refresh tokens: two sessions are two incidents, three within ten minutes a
    // burst.
    for n in 0..3 {
        let (browser, _) = app
            .signed_in(&format!("catalogue-replay-{n}@example.com"))
            .await;
        let spent = browser.cookie("refresh_token").unwrap();
        assert_eq!(
            browser.status(Method::POST, "/api/v1/auth/refresh").await,
            200
        );
        app.clock.advance_secs(60);
        let replay = app
            .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": spent }))
            .await;
        assert_eq!(replay.status(), 401);
        let bursts = audited(&admin, "suspicious.refresh_reuse_burst").await;
        assert_eq!(
            bursts.len(),
            usize::from(n == 2),
            "after {} sessions",
            n + 1
        );
    }

    // A reviewer reads another account's ticket and lists them all: both recorded; an owner
    // reading their own ticket is not.
    let (owner, owner_id) = app.signed_in("catalogue-owner@example.com").await;
    let ticket: Value = owner
        .send(
            Method::POST,
            "/api/v1/support/tickets",
            Some(json!({"subject": "Export stuck", "body": "It never finishes.", "priority": "high"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let ticket_path = format!("/api/v1/support/tickets/{}", ticket["id"].as_str().unwrap());
    assert_eq!(owner.status(Method::GET, &ticket_path).await, 200);
    let (reviewer, reviewer_id) = app.signed_in("catalogue-reviewer@example.com").await;
    app.set_role(&reviewer_id, "reviewer").await;
    assert_eq!(reviewer.status(Method::GET, &ticket_path).await, 200);
    assert_eq!(
        reviewer
            .status(Method::GET, "/api/v1/support/tickets?status=open")
            .await,
        200
    );
    let reads = audited(&admin, "data_access.ticket_read").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["actor"], reviewer_id.as_str());
    assert_eq!(reads[0]["category"], "data_access");
    assert_eq!(reads[0]["details"]["owner"], format!("user:{owner_id}"));
    let lists = audited(&admin, "data_access.tickets_listed").await;
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0]["details"]["status"], "open");
    assert_eq!(lists[0]["details"]["shown"], "1");

    // The summary counts each watched category over the last 24 hours: the admin's audit
    // queries above are data access too.
    let summary: Value = admin
        .send(Method::GET, "/api/v1/admin/security/summary", None)
        .await
        .json()
        .await
        .unwrap();
    let queries = 7 + 2 + 3 + 2;
    assert_eq!(
        summary["events_by_category"],
        json!({"data_access": 2 + queries, "configuration": 0, "suspicious_activity": 3}),
        "{summary}"
    );
    app.stop().await;

    // Each watched event is one metric line of its category, by event.
    let lines = metrics::capture();
    for (metric, event, n) in [
        (
            metrics::SUSPICIOUS_ACTIVITY,
            "suspicious.forbidden_sweep",
            1,
        ),
        (
            metrics::SUSPICIOUS_ACTIVITY,
            "suspicious.sign_in_networks",
            1,
        ),
        (
            metrics::SUSPICIOUS_ACTIVITY,
            "suspicious.refresh_reuse_burst",
            1,
        ),
        (metrics::DATA_ACCESS_EVENTS, "data_access.ticket_read", 1),
        (metrics::DATA_ACCESS_EVENTS, "data_access.tickets_listed", 1),
        (metrics::DATA_ACCESS_EVENTS, "admin.audit_queried", queries),
    ] {
        assert_eq!(counted(&lines, metric, event), n, "{event}");
    }
}
