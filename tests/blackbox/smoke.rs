//! The smoke test `infra/deploy.sh` runs after a deploy, run here against the local stack so it
//! cannot rot: every check passes on a healthy stack, and a route that breaks is named.

use http::Method;
use rampart_blackbox_tests::TestApp;

#[tokio::test]
async fn the_smoke_test_passes_against_a_healthy_stack_journey_included() {
    // Every integration configured, as on a stage that uses them all.
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.alertmanager_token = Some("alertmanager-token-0123456789".to_owned().into());
    secrets.pr_intel_webhook_secret = Some("pr-intel-secret-0123456789".to_owned().into());
    let public_key = rampart_discord::TestKeyPair::generate()
        .unwrap()
        .public_key()
        .to_hex();
    let app = TestApp::builder()
        .secrets(secrets)
        .config(|c| c.discord_public_key = Some(public_key))
        .spawn()
        .await;
    let (admin, admin_id) = app.signed_in("ops@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let key = admin.api_key("smoke", &["internal:write"]).await;
    let routes = rampart_api::routes();
    let report = rampart_local::smoke::run(&app.url, &routes, Some(&key)).await;
    let failures: Vec<_> = report.failures().collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // Health, every route, the unknown path, the journey.
    assert_eq!(report.checks.len(), routes.len() + 3);
    assert_eq!(report.journey_skipped, None);
    assert_eq!(report.warnings, Vec::<String>::new());
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name == format!("{} /api/v1/projects", Method::POST))
    );
}

/// A handler that answers every caller `200` (an access rule lost in a deploy).
fn open_to_all<'a>(
    _state: &'a rampart_api::AppState,
    _ctx: &'a rampart_api::RequestContext,
    _req: http::Request<bytes::Bytes>,
) -> rampart_api::state::HandlerFuture<'a> {
    Box::pin(async { Ok(http::Response::new(bytes::Bytes::from_static(b"{}"))) })
}

#[tokio::test]
async fn a_route_answering_an_anonymous_caller_with_a_200_fails_the_smoke_test() {
    // A stack whose project list was deployed open to anyone.
    let mut routes = rampart_api::routes();
    for route in &mut routes {
        if route.path == "/api/v1/projects" && route.method == Method::GET {
            route.access = rampart_api::Access::Public;
            route.handler = open_to_all;
        }
    }
    let app = TestApp::builder().routes(routes).spawn().await;
    // The smoke test judges against the real table: the open route is a failure.
    let report = rampart_local::smoke::run(&app.url, &rampart_api::routes(), None).await;
    let failed: Vec<&str> = report.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["GET /api/v1/projects"], "{:#?}", report.checks);
    assert!(report.journey_skipped.is_some());
    // Unconfigured webhooks answer 503: warned about, not failed.
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.starts_with("POST /webhooks/alertmanager")),
        "{:?}",
        report.warnings
    );
    // And a stack that is not there fails every check rather than passing any.
    let none = rampart_local::smoke::run("http://127.0.0.1:9", &rampart_api::routes(), None).await;
    assert!(none.checks.iter().all(|c| !c.ok));
}
