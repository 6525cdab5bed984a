//! Alertmanager's webhook over HTTP with the real v4 fixture: each auth mode accepted, altered
//! or unsigned bodies refused, a resolved alert updating its firing record.

use rampart_blackbox_tests::TestApp;
use rampart_ops::signature::sign;
use rampart_store::{ItemExt, Table, keys};
use serde_json::Value;

const TOKEN: &str = "alertmanager-token-0123456789";
const HMAC: &str = "alertmanager-hmac-secret-0123456789";
const FIXTURE: &str = include_str!("../fixtures/alertmanager/v4_firing_probe_failure.json");

async fn app() -> TestApp {
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.alertmanager_token = Some(TOKEN.to_owned().into());
    secrets.alertmanager_hmac_secret = Some(HMAC.to_owned().into());
    TestApp::builder().secrets(secrets).spawn().await
}

async fn send(app: &TestApp, body: &str, headers: &[(&str, String)]) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.at("/webhooks/alertmanager"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let response = req.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_fixture_is_accepted_with_either_auth_mode_and_refused_otherwise() {
    let app = app().await;
    let bearer = ("authorization", format!("Bearer {TOKEN}"));
    let (status, body) = send(&app, FIXTURE, &[bearer]).await;
    assert_eq!((status, body["alerts"].as_u64()), (200, Some(1)));
    let signed = (
        "x-webhook-signature",
        sign(HMAC.as_bytes(), FIXTURE.as_bytes()),
    );
    assert_eq!(
        send(&app, FIXTURE, std::slice::from_ref(&signed)).await.0,
        200
    );

    let altered = FIXTURE.replace("critical", "warning");
    let (status, problem) = send(&app, &altered, &[signed]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("invalid_signature"))
    );
    let wrong = ("authorization", "Bearer not-the-token-at-all".to_owned());
    let (status, problem) = send(&app, FIXTURE, &[wrong]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("invalid_signature"))
    );
    let (status, problem) = send(&app, FIXTURE, &[]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthenticated"))
    );
}

#[tokio::test]
async fn a_resolved_alert_updates_its_firing_record_and_bounds_hold() {
    let app = app().await;
    let bearer = || ("authorization", format!("Bearer {TOKEN}"));
    assert_eq!(send(&app, FIXTURE, &[bearer()]).await.0, 200);
    let (admin, admin_id) = app.signed_in("admin@example.com").await;
    app.promote_to_admin(&admin_id).await;
    let (viewer, _) = app.signed_in("viewer@example.com").await;
    let history = |status: &'static str| {
        let admin = &admin;
        async move {
            let page: Value = admin
                .send(
                    http::Method::GET,
                    &format!("/api/v1/admin/alerts?status={status}"),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(history("firing").await, 1);
    assert_eq!(
        viewer
            .status(http::Method::GET, "/api/v1/admin/alerts")
            .await,
        403
    );
    let resolved = FIXTURE
        .replace("\"status\":\"firing\"", "\"status\":\"resolved\"")
        .replace("0001-01-01T00:00:00Z", "2023-02-06T13:20:00Z");
    assert_eq!(send(&app, &resolved, &[bearer()]).await.0, 200);
    let stored = app
        .store
        .get(Table::Intel, &keys::intel::alert("1a30ba71cca2921f"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.str_attr("status"), Some("resolved"));
    assert_eq!(history("resolved").await, 1);
    assert_eq!(
        history("firing").await,
        0,
        "the firing record became the resolved one"
    );
    let kept_until = stored.i64_attr("expires_at").unwrap();
    assert_eq!(
        kept_until - rampart_core::Clock::now_secs(&*app.clock),
        48 * 3600
    );

    // Past 1,000 alerts, the rest are refused one by one, not the notification.
    let mut many: Value = serde_json::from_str(FIXTURE).unwrap();
    let one = many["alerts"][0].clone();
    many["alerts"] = Value::Array(vec![one; 1001]);
    let (status, body) = send(&app, &many.to_string(), &[bearer()]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 1000);
    assert_eq!(body["refused"][0]["index"], 1000);
    assert_eq!(body["refused"][0]["field"], "alerts");
    // A body that is not Alertmanager's v4 webhook at all is still a 400.
    let mut old: Value = serde_json::from_str(FIXTURE).unwrap();
    old["version"] = "3".into();
    let (status, problem) = send(&app, &old.to_string(), &[bearer()]).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("version"))
    );
}

/// Alertmanager treats a 4xx as final and resends the group on every flush: one oversized
/// alert must not cost the others of its group. Each valid alert is stored, each refused one
/// reported with its field, audited and counted.
#[tokio::test]
async fn an_oversized_alert_is_refused_alone_and_the_rest_of_its_group_stored() {
    let app = app().await;
    let mut notification: Value = serde_json::from_str(FIXTURE).unwrap();
    let good = notification["alerts"][0].clone();
    let with = |fingerprint: &str, change: &dyn Fn(&mut Value)| {
        let mut alert = good.clone();
        alert["fingerprint"] = fingerprint.into();
        change(&mut alert);
        alert
    };
    notification["alerts"] = serde_json::json!([
        with("aaaa0001", &|_| {}),
        // 55 labels: Alertmanager's relabelling can produce this.
        with("aaaa0002", &|a| {
            for i in 0..55 {
                a["labels"][format!("extra_{i}")] = "v".into();
            }
        }),
        with("aaaa0003", &|a| {
            a["labels"]["instance"] = "other:9100".into();
        }),
        // A 5,000-byte annotation.
        with("aaaa0004", &|a| {
            a["annotations"]["description"] = "x".repeat(5_000).into();
        }),
        // Not an alert at all.
        serde_json::json!({"status": 3}),
    ]);
    let (status, body) = send(
        &app,
        &notification.to_string(),
        &[("authorization", format!("Bearer {TOKEN}"))],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["alerts"].as_u64(), body["accepted"].as_u64()),
        (Some(5), Some(2))
    );
    let refused: Vec<(u64, &str)> = body["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, [(1, "labels"), (3, "annotations"), (4, "status")]);
    let reason = body["refused"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("at most 50") && reason.contains("this alert has"),
        "{reason}"
    );
    for (fingerprint, kept) in [
        ("aaaa0001", true),
        ("aaaa0002", false),
        ("aaaa0003", true),
        ("aaaa0004", false),
    ] {
        let stored = app
            .store
            .get(Table::Intel, &keys::intel::alert(fingerprint))
            .await
            .unwrap();
        assert_eq!(stored.is_some(), kept, "{fingerprint}");
    }
    let audited = app.audited("alertmanager.alerts_refused").await;
    assert_eq!(audited.len(), 1);
    let details = format!("{:?}", audited[0].get("details"));
    assert!(
        details.contains("1:labels") && details.contains("3:annotations"),
        "{details}"
    );
}

#[tokio::test]
async fn a_captured_firing_body_replayed_after_resolution_does_not_fire_again() {
    let app = app().await;
    let signed = |body: &str| {
        (
            "x-webhook-signature",
            sign(HMAC.as_bytes(), body.as_bytes()),
        )
    };
    let status_of = || async {
        app.store
            .get(Table::Intel, &keys::intel::alert("1a30ba71cca2921f"))
            .await
            .unwrap()
            .unwrap()
            .str_attr("status")
            .map(str::to_owned)
    };
    assert_eq!(send(&app, FIXTURE, &[signed(FIXTURE)]).await.0, 200);
    let resolved = FIXTURE
        .replace("\"status\":\"firing\"", "\"status\":\"resolved\"")
        .replace("0001-01-01T00:00:00Z", "2023-02-06T13:20:00Z");
    assert_eq!(send(&app, &resolved, &[signed(&resolved)]).await.0, 200);
    assert_eq!(status_of().await.as_deref(), Some("resolved"));

    // The captured firing body, signature and all, sent again: accepted, changes nothing.
    let (status, body) = send(&app, FIXTURE, &[signed(FIXTURE)]).await;
    assert_eq!(status, 200);
    assert_eq!(body["stale"], 1, "{body}");
    assert_eq!(status_of().await.as_deref(), Some("resolved"));

    // The same alert firing again later (a new startsAt) is a new episode and is kept.
    let refired = FIXTURE.replace(
        "\"startsAt\":\"2023-02-06T13:08:45.828Z\"",
        "\"startsAt\":\"2023-02-06T14:00:00Z\"",
    );
    assert_ne!(refired, FIXTURE, "the fixture's startsAt was replaced");
    assert_eq!(send(&app, &refired, &[signed(&refired)]).await.0, 200);
    assert_eq!(status_of().await.as_deref(), Some("firing"));
}

/// A highly available pair flushing hundreds of groups at once fits the webhook's budget,
/// which is per credential (Alertmanager does not retry a 429): 2,000 a minute for the bearer
/// token, apart from the signing relay's, and a wrong token never spends the right one's.
#[tokio::test]
async fn bursts_of_groups_fit_and_the_budget_is_the_credentials() {
    let app = app().await;
    let bearer = || ("authorization", format!("Bearer {TOKEN}"));
    let mut statuses = std::collections::BTreeMap::new();
    for n in 0..2_000 {
        let mut group: Value = serde_json::from_str(FIXTURE).unwrap();
        group["groupKey"] = format!("{{}}:{{alertname=\"probe{n}\"}}").into();
        let (status, _) = send(&app, &group.to_string(), &[bearer()]).await;
        *statuses.entry(status).or_insert(0) += 1;
        if n == 0 {
            // Wrong tokens are refused and count against themselves only.
            for _ in 0..5 {
                let wrong = ("authorization", "Bearer not-the-token-at-all".to_owned());
                assert_eq!(send(&app, FIXTURE, &[wrong]).await.0, 401);
            }
        }
    }
    assert_eq!(statuses, [(200, 2_000)].into_iter().collect());
    let (status, problem) = send(&app, FIXTURE, &[bearer()]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (429, Some("rate_limited"))
    );
    // The signing relay has a budget of its own.
    let signed = (
        "x-webhook-signature",
        sign(HMAC.as_bytes(), FIXTURE.as_bytes()),
    );
    assert_eq!(send(&app, FIXTURE, &[signed]).await.0, 200);
    // A minute later the token's budget is back.
    app.clock.advance_secs(60);
    assert_eq!(send(&app, FIXTURE, &[bearer()]).await.0, 200);
}
