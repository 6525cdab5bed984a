//! Refusals are counted by route, not by the path a caller chose: a flood of distinct paths is
//! one counter, bounded by the route's own rate limit, and the admin summary shows it.

use http::Method;
use rampart_blackbox_tests::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn a_flood_of_distinct_forbidden_paths_is_one_counter_bounded_by_the_routes_limit() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;

    let mut statuses = Vec::new();
    for n in 0..40 {
        let response = viewer
            .send(
                Method::PUT,
                &format!("/api/v1/admin/users/01FAKEUSER{n:04}/role"),
                Some(json!({"role": "admin"})),
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    // A viewer writes 30 times a minute; refusals count against that budget too.
    let forbidden = statuses.iter().filter(|s| **s == 403).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((forbidden, limited), (30, 10), "{statuses:?}");

    let summary: Value = admin
        .send(Method::GET, "/api/v1/admin/security/summary", None)
        .await
        .json()
        .await
        .unwrap();
    let route = "/api/v1/admin/users/{id}/role";
    assert_eq!(
        summary["permission_denials"],
        json!({ route: 30 }),
        "by route template, however many paths"
    );
    assert_eq!(summary["rate_limit_violations"][route], 1, "{summary}");

    // The audit trail names the route, and the refusals of one route are one record each.
    let denials: Value = admin
        .send(
            Method::GET,
            "/api/v1/admin/audit?event=http.forbidden&page_size=100",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = denials["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    assert!(
        items.iter().all(|e| e["details"]["route"] == route),
        "{denials}"
    );
}
