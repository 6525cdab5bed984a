//! Anonymous floods do not become writes: requests anyone can repeat, as fast as they like,
//! cost a bounded handful of audit records, and the real security events of the moment are
//! all still recorded.

use futures_util::future::join_all;
use rampart_blackbox_tests::TestApp;
use rampart_store::{Index, Query, Table, keys};
use serde_json::json;

async fn audit_count(app: &TestApp, event: &str) -> usize {
    app.store
        .query(&Query::index(
            Table::Audit,
            Index::Gsi1,
            keys::audit::by_event(event),
        ))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn two_thousand_anonymous_requests_cost_a_handful_of_audit_records() {
    let app = TestApp::spawn().await;
    app.verified_user("ada@example.com").await;
    let paths = ["/api/v1/account", "/api/v1/auth/sessions"];
    let mut statuses = std::collections::BTreeMap::new();
    for batch in 0..40 {
        let requests = (0..50).map(|i| {
            let path = paths[(batch + i) % paths.len()];
            app.client.get(app.at(path)).send()
        });
        for response in join_all(requests).await {
            *statuses
                .entry(response.unwrap().status().as_u16())
                .or_insert(0) += 1;
        }
        if batch == 20 {
            // A real security event in the middle of the flood.
            let wrong = app
                .post_json(
                    "/api/v1/auth/login",
                    &json!({"email": "ada@example.com", "password": "not the password at all"}),
                )
                .await;
            assert_eq!(wrong.status(), 401);
        }
    }
    assert_eq!(statuses.values().sum::<u32>(), 2000);
    assert_eq!(statuses.get(&401), Some(&600), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&1400), "{statuses:?}");
    let unauthenticated = audit_count(&app, "http.unauthenticated").await;
    let violations = audit_count(&app, "ratelimit.violation").await;
    // Per path, the 1st, 2nd, 4th, ... 256th refusal of the minute; one violation.
    assert!(
        unauthenticated <= 2 * 9,
        "{unauthenticated} records of 600 refusals"
    );
    assert_eq!(violations, 1);
    assert_eq!(audit_count(&app, "auth.login_failed").await, 1);
}
