//! The web pages over HTTP: the console's pages and assets (strict CSP, hashed assets cached for
//! a year, 404 for pages and assets that do not exist) and the public status page drawn from
//! the status events and the daily health snapshots (90 days per service, the incident history,
//! what admins wrote escaped, cached 30 s), on both store adapters.

use rampart_blackbox_tests::TestApp;
use rampart_content::{NewStatusEvent, ServiceStatus, Status};
use rampart_core::clock::rfc3339;
use rampart_store::testing::Fixture;

const DAY_SECS: i64 = 86_400;

async fn text(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app.client.get(app.at(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The `src`/`href` of every asset a page names.
fn assets_named(html: &str) -> Vec<String> {
    html.split("/console/assets/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

async fn console_pages_enforce_their_policy_and_name_hashed_assets(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    for page in rampart_console::PAGES {
        let (status, headers, html) = text(&app, &format!("/console/{}", page.slug)).await;
        assert_eq!(status, 200, "{}", page.slug);
        assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
        let policy = header(&headers, "content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{policy}");
        }
        assert!(!policy.contains("unsafe-"), "{policy}");
        assert!(
            headers.get("content-security-policy-report-only").is_none(),
            "the page's own policy reports; no second, report-only one"
        );
        assert!(policy.contains("report-uri /csp-report"), "{policy}");
        assert_eq!(header(&headers, "x-frame-options"), "DENY");
        assert!(html.contains(&format!("data-page=\"{}\"", page.slug)));
        assert!(!html.contains("style=") && !html.contains("<style"));
        assert_eq!(html.matches("<script").count(), 1);
        assert_eq!(assets_named(&html).len(), 2, "{html}");
    }
    let (status, _, home) = text(&app, "/console").await;
    assert_eq!(status, 200);
    assert!(home.contains("data-page=\"overview\""));

    let (_, _, page) = text(&app, "/console/sign-in").await;
    for asset in assets_named(&page) {
        let (status, headers, body) = text(&app, &format!("/console/assets/{asset}")).await;
        assert_eq!(status, 200, "{asset}");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let expected = if asset.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(header(&headers, "content-type"), expected);
        assert!(body.len() > 1000, "{asset} is a real build");
    }

    for missing in [
        "/console/nope",
        "/console/assets/console.js",
        "/console/assets/console.0000000000000000.js",
    ] {
        let response = app.client.get(app.at(missing)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{missing}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    // A page only answers reads.
    let response = app
        .client
        .post(app.at("/console/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

/// Posts a status event as of `at_ms`, through the same service the route uses.
async fn post_at(app: &TestApp, at_ms: i64, service: &str, status: ServiceStatus, message: &str) {
    Status::new(app.store.clone())
        .post(
            NewStatusEvent {
                service: service.into(),
                status,
                message: message.into(),
            },
            &rfc3339(at_ms),
        )
        .await
        .unwrap();
}

async fn the_status_page_draws_90_days_from_events_and_snapshots(fixture: Fixture) {
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let now = rampart_core::Clock::now_ms(&*app.clock);
    let day = DAY_SECS * 1000;
    // 100 days ago the API was degraded (before the page's 90 days: it shows as carried into
    // them); 10 days ago a major outage of the API for a day; today the web is partly down.
    post_at(
        &app,
        now - 100 * day,
        "api",
        ServiceStatus::DegradedPerformance,
        "old slowness",
    )
    .await;
    post_at(
        &app,
        now - 10 * day,
        "api",
        ServiceStatus::MajorOutage,
        "writes <failing>",
    )
    .await;
    post_at(
        &app,
        now - 9 * day,
        "api",
        ServiceStatus::Operational,
        "recovered",
    )
    .await;
    post_at(
        &app,
        now - 60_000,
        "web",
        ServiceStatus::PartialOutage,
        "CDN errors",
    )
    .await;
    // Yesterday's health snapshot: 0.4 % server errors.
    rampart_discord::snapshot::save(
        &app.store,
        &rampart_discord::snapshot::HealthSnapshot {
            taken_at_ms: now - DAY_SECS * 1000,
            latency_p50_ms: 20.0,
            latency_p95_ms: 80.0,
            error_rate_pct: 0.4,
            test_pass_rate_pct: None,
            traffic: None,
        },
    )
    .await
    .unwrap();

    let (status, headers, html) = text(&app, "/status").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "public, max-age=30");
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    let policy = header(&headers, "content-security-policy");
    assert!(
        policy.starts_with("default-src 'none'; style-src 'self'"),
        "{policy}"
    );
    assert!(!html.contains("<script"), "readable without script");

    assert!(
        html.contains("Some systems are down"),
        "the worst service sets it"
    );
    for service in ["api", "web", "API (daily health snapshot)"] {
        assert!(html.contains(&format!("<h3>{service} ")), "{service}");
    }
    // 90 bars each for api, web and the snapshot's row.
    assert_eq!(html.matches("<rect ").count(), 3 * 90);
    // The API's row: degraded carried into the window until the outage, which was still in
    // force when the next day began; operational for the 9 days since.
    assert!(html.contains("Degraded performance</title>"));
    assert!(html.contains("Major outage</title>"));
    assert!(html.contains("aria-label=\"api over the last 90 days: 9 of 90 days operational\""));
    // The web's row starts today.
    assert!(html.contains("aria-label=\"web over the last 90 days: 0 of 1 day operational\""));
    assert!(html.contains("0.40 % of requests failed with a server error"));
    // The history holds the window's events, newest first, escaped; not the older one.
    let history = html.split("Incident history").nth(1).unwrap();
    let order: Vec<usize> = ["CDN errors", "recovered", "writes &lt;failing&gt;"]
        .iter()
        .map(|m| history.find(m).unwrap_or_else(|| panic!("{m}: {history}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest first");
    assert!(!history.contains("old slowness"));
    assert!(!html.contains("<failing>"));
}

rampart_store::both_adapters!(
    console_pages_enforce_their_policy_and_name_hashed_assets,
    the_status_page_draws_90_days_from_events_and_snapshots
);
