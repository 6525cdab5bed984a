//! The synthetic journey over HTTP against the test stack itself: every step passes and is
//! timed, no mail goes out, the user is gone afterwards (also when a step fails), and the
//! target cannot be any host.

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_store::{ItemExt, Table};
use serde_json::{Value, json};

async fn admin(app: &TestApp) -> Browser {
    let (browser, id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&id).await;
    browser
}

async fn journey_users(app: &TestApp) -> usize {
    rampart_store::testing::scan_all(&*app.store, Table::Users)
        .await
        .iter()
        .filter(|i| format!("{i:?}").contains("journey.rampart.invalid"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journey_passes_every_step_and_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    let content_before = rampart_store::testing::scan_all(&*app.store, Table::Content)
        .await
        .len();
    let response = browser
        .send(
            Method::POST,
            "/internal/journey/run",
            Some(json!({ "base_url": app.url })),
        )
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let names: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "register",
            "verify",
            "login",
            "create profile",
            "upload media",
            "search",
            "export",
            "logout"
        ]
    );
    for step in report["steps"].as_array().unwrap() {
        assert_eq!(step["ok"], true, "{step}");
        assert!(
            step["duration_ms"].is_u64() && step["error"].is_null(),
            "{step}"
        );
    }
    let statuses: Vec<u64> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses[..3], [201, 200, 200]);
    assert_eq!(statuses[7], 204);
    assert_eq!(report["passed"], true);
    assert_eq!(report["cleaned_up"], true);
    assert!(report["total_ms"].is_u64());
    // No mail was sent to the journey's address, and nothing of its user remains.
    app.deliver_mail().await;
    assert!(
        app.mailer
            .outbox()
            .iter()
            .all(|m| !m.to.as_str().ends_with("journey.rampart.invalid"))
    );
    assert_eq!(journey_users(&app).await, 0);
    assert_eq!(
        rampart_store::testing::scan_all(&*app.store, Table::Content)
            .await
            .len(),
        content_before
    );
    let sessions = rampart_store::testing::scan_all(&*app.store, Table::Sessions).await;
    assert!(
        sessions.iter().all(|s| s.str_attr("user_id").is_some()),
        "only the admin's session is left"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_stops_the_journey_and_its_user_is_still_deleted() {
    // A deployment without the media route: the journey stops there, after the profile. Nor
    // can the API delete an account: the journey deletes its user (and profile) in process.
    let routes = rampart_api::routes()
        .into_iter()
        .filter(|r| r.function != "media-create" && r.function != "account-delete")
        .collect();
    let app = TestApp::builder().routes(routes).spawn().await;
    let browser = admin(&app).await;
    let report: Value = browser
        .send(
            Method::POST,
            "/internal/journey/run",
            Some(json!({ "base_url": app.url })),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["passed"], false);
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5, "{report}");
    assert!(steps[..4].iter().all(|s| s["ok"] == true), "{report}");
    assert_eq!(steps[4]["name"], "upload media");
    assert_eq!(steps[4]["ok"], false);
    assert_eq!(steps[4]["status"], 404);
    assert!(steps[4]["error"].as_str().unwrap().contains("404"));
    assert_eq!(report["cleaned_up"], true);
    assert_eq!(journey_users(&app).await, 0);
    let profiles = rampart_store::testing::scan_all(&*app.store, Table::Content)
        .await
        .iter()
        .filter(|i| format!("{i:?}").contains("Synthetic journey"))
        .count();
    assert_eq!(profiles, 0, "the profile went with the user");
    app.stop().await;
}

#[tokio::test]
async fn the_target_is_this_deployment_only_and_callers_need_the_permission() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    for target in ["https://evil.example.com", "http://169.254.169.254"] {
        let response = browser
            .send(
                Method::POST,
                "/internal/journey/run",
                Some(json!({ "base_url": target })),
            )
            .await;
        assert_eq!(response.status(), 400, "{target}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "base_url");
    }
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    assert_eq!(
        viewer.status(Method::POST, "/internal/journey/run").await,
        403
    );
    let anonymous = app
        .post_json("/internal/journey/run", &json!({ "base_url": app.url }))
        .await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(journey_users(&app).await, 0);
    app.stop().await;
}
