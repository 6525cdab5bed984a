//! `GET /api/v1/admin/audit` over HTTP, on both store adapters: by event and by actor, newest
//! first, from a time on, and every event page by page with neither; admins and keys holding
//! `audit:read` only; every query audited.

use http::Method;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_store::testing::Fixture;
use serde_json::{Value, json};

async fn audit_is_read_by_event_or_actor_by_admins_only(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, viewer_id) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    app.clock.advance_secs(60);
    let later = rampart_core::clock::rfc3339(rampart_core::Clock::now_ms(&*app.clock));
    let again = Browser::new(&app);
    let login = again
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "viewer@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(login.status(), 200);

    assert_eq!(
        viewer
            .status(Method::GET, "/api/v1/admin/audit?event=auth.login")
            .await,
        403
    );
    let read = |query: String| {
        let admin = &admin;
        async move {
            let response = admin
                .send(Method::GET, &format!("/api/v1/admin/audit?{query}"), None)
                .await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, logins) = read("event=auth.login".into()).await;
    assert_eq!(status, 200);
    let items = logins["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{logins}");
    assert!(items.iter().all(|e| e["event"] == "auth.login"));
    let times: Vec<&str> = items.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert!(items.iter().all(|e| {
        e["ip"]
            .as_str()
            .is_none_or(|ip| !ip.starts_with("127.0.0.1"))
    }));

    let (_, mine) = read(format!("actor={viewer_id}&event=auth.login")).await;
    let mine = mine["items"].as_array().unwrap();
    assert_eq!(mine.len(), 2, "the viewer signed in twice");
    assert!(mine.iter().all(|e| e["actor"] == viewer_id.as_str()));
    let (_, recent) = read(format!("actor={viewer_id}&event=auth.login&since={later}")).await;
    assert_eq!(recent["items"].as_array().unwrap().len(), 1, "{recent}");

    // Neither event nor actor: the timeline of every event, newest first, page by page.
    let mut timeline: Vec<Value> = Vec::new();
    let mut query = "page_size=3".to_owned();
    loop {
        let (status, page) = read(query.clone()).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        timeline.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("page_size=3&cursor={cursor}"),
            None => break,
        }
    }
    let key = |e: &Value| {
        (
            e["at"].as_str().unwrap().to_owned(),
            e["id"].as_str().unwrap().to_owned(),
        )
    };
    assert!(
        timeline.windows(2).all(|w| key(&w[0]) > key(&w[1])),
        "newest first, no event twice"
    );
    let names: std::collections::BTreeSet<&str> = timeline
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for name in ["auth.login", "http.forbidden", "admin.audit_queried"] {
        assert!(names.contains(name), "{name} in {names:?}");
    }
    assert_eq!(
        timeline
            .iter()
            .filter(|e| e["event"] == "auth.login")
            .count(),
        items.len(),
        "every sign-in the event's index holds"
    );
    let (_, since_later) = read(format!("since={later}")).await;
    assert!(
        since_later["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].as_str().unwrap() >= later.as_str()),
        "{since_later}"
    );
    let (status, problem) = read("cursor=bm90IGEgY3Vyc29y".into()).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("cursor"))
    );
    assert_eq!(viewer.status(Method::GET, "/api/v1/admin/audit").await, 403);
    let (status, _) = read("event=auth.login&since=yesterday".into()).await;
    assert_eq!(status, 400);

    // The queries are audit events themselves.
    let (_, audited) = read(format!("event=admin.audit_queried&actor={admin_id}")).await;
    assert!(audited["items"].as_array().unwrap().len() >= 3);

    // A key holding audit:read may read too.
    let key = admin.api_key("siem", &["audit:read"]).await;
    let by_key = app
        .client
        .get(app.at("/api/v1/admin/audit?event=auth.login"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.status(), 200);
}

async fn the_security_summary_counts_as_events_happen(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    for _ in 0..2 {
        assert_eq!(
            viewer
                .status(Method::GET, "/api/v1/admin/security/summary")
                .await,
            403
        );
    }
    let failed = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "viewer@example.com", "password": "not the password at all"}),
        )
        .await;
    assert_eq!(failed.status(), 401);
    let summary: Value = admin
        .send(Method::GET, "/api/v1/admin/security/summary", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary["permission_denials"]["/api/v1/admin/security/summary"],
        2
    );
    let hours = summary["failed_logins_per_hour"].as_array().unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[23]["count"], 1, "{summary}");
    // A day later the counts have aged out of the window.
    app.clock.advance_secs(25 * 3600);
    assert_eq!(
        admin.status(Method::POST, "/api/v1/auth/refresh").await,
        200
    );
    let later: Value = admin
        .send(Method::GET, "/api/v1/admin/security/summary", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        later["permission_denials"].as_object().unwrap().is_empty(),
        "{later}"
    );
}

#[tokio::test]
async fn an_operator_override_of_a_limit_is_applied_and_shown() {
    let app = TestApp::builder()
        .config(|c| c.rate_limit_overrides = Some(r#"{"reads:viewer": {"max": 3}}"#.into()))
        .spawn()
        .await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    for n in 0..3 {
        let read = viewer.send(Method::GET, "/api/v1/projects", None).await;
        assert_eq!(read.status(), 200, "read {n}");
        assert_eq!(read.headers()["x-ratelimit-limit"], "3");
    }
    assert_eq!(viewer.status(Method::GET, "/api/v1/projects").await, 429);
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let summary: Value = admin
        .send(Method::GET, "/api/v1/admin/security/summary", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["limit_overrides"]["reads:viewer"]["max"], 3);
    assert_eq!(summary["rate_limit_violations"]["/api/v1/projects"], 1);

    // The catalogue shows the limit as applied, beside its default; the others as documented.
    assert_eq!(
        viewer
            .status(Method::GET, "/api/v1/admin/rate-limits")
            .await,
        403
    );
    let limits: Value = admin
        .send(Method::GET, "/api/v1/admin/rate-limits", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(limits["enabled"], true);
    let all = limits["limits"].as_array().unwrap();
    let find = |name: &str, role: Option<&str>| {
        all.iter()
            .find(|l| l["name"] == name && l["role"].as_str() == role)
            .unwrap_or_else(|| panic!("{name}: {limits}"))
    };
    let reads = find("reads:viewer", Some("viewer"));
    assert_eq!(
        (&reads["max"], &reads["default_max"], &reads["overridden"]),
        (&json!(3), &json!(100), &json!(true))
    );
    assert_eq!(reads["per"], "caller");
    let writes = find("writes:admin", Some("admin"));
    assert_eq!(
        (&writes["max"], &writes["overridden"]),
        (&json!(1000), &json!(false))
    );
    let forgot = find("password-forgot-ip", None);
    assert_eq!(
        (
            &forgot["policy"],
            &forgot["max"],
            &forgot["window_secs"],
            &forgot["per"]
        ),
        (
            &json!("PasswordForgot"),
            &json!(20),
            &json!(3600),
            &json!("client address")
        )
    );
    assert_eq!(
        all.iter().filter(|l| l["overridden"] == true).count(),
        1,
        "{limits}"
    );
}

rampart_store::both_adapters!(
    audit_is_read_by_event_or_actor_by_admins_only,
    the_security_summary_counts_as_events_happen,
);
