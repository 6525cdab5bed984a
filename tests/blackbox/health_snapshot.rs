//! The daily health snapshot: with test runs ingested over HTTP and probes whose answers are
//! known, it stores a snapshot and posts a digest whose numbers are those inputs; a second run
//! the same day posts nothing; a post Discord refuses is posted by the retry, once. The local
//! stack runs it on `POST /_local/health-snapshot`, probing itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use rampart_api::Adapters;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_discord::daily::{Probe, Prober, SnapshotJob, SnapshotRun};
use rampart_discord::rest::{DiscordApi, RestError};
use rampart_discord::snapshot::{self, HealthSnapshot};
use serde_json::{Value, json};

/// Answers from a script: latencies in order, the ones listed as failures failing.
struct ScriptedProber {
    latencies_ms: Vec<u64>,
    failing: Vec<usize>,
    next: Mutex<usize>,
}

#[async_trait]
impl Prober for ScriptedProber {
    async fn probe(&self, _url: &str, _timeout: Duration) -> Probe {
        let mut next = self.next.lock().unwrap();
        let n = *next % self.latencies_ms.len();
        *next += 1;
        Probe {
            latency: Duration::from_millis(self.latencies_ms[n]),
            ok: !self.failing.contains(&n),
        }
    }
}

/// Discord's channel messages endpoint, recorded; it refuses while `refuse` is set.
#[derive(Default)]
struct Channel {
    posted: Mutex<Vec<(String, Value)>>,
    refuse: Mutex<bool>,
}

#[async_trait]
impl DiscordApi for Channel {
    async fn edit_original(&self, _: &str, _: &str, _: &Value) -> Result<(), RestError> {
        unreachable!("the snapshot only posts to its channel")
    }
    async fn follow_up(&self, _: &str, _: &str, _: &Value) -> Result<(), RestError> {
        unreachable!("the snapshot only posts to its channel")
    }
    async fn post_message(&self, channel_id: &str, body: &Value) -> Result<(), RestError> {
        if *self.refuse.lock().unwrap() {
            return Err(RestError::Transport("connection reset".into()));
        }
        self.posted
            .lock()
            .unwrap()
            .push((channel_id.to_owned(), body.clone()));
        Ok(())
    }
    async fn put_commands(&self, _: &str, _: Option<&str>, _: &Value) -> Result<(), RestError> {
        unreachable!("the snapshot only posts to its channel")
    }
}

async fn admin(app: &TestApp) -> Browser {
    let (browser, id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&id).await;
    browser
}

fn job(app: &TestApp, channel: Arc<Channel>) -> SnapshotJob {
    let mut config = rampart_local::local_config().unwrap();
    config.discord_status_channel_id = Some("123456789012345678".into());
    config.health_probes.urls = vec!["https://api.example.com/health".into()];
    config.health_probes.samples = 10;
    let adapters = Adapters {
        store: app.store.clone(),
        ..Adapters::in_memory(app.clock.clone())
    };
    // Ten answers: 10, 20, ..., 100 ms; the 4th and the 9th fail.
    let prober = Arc::new(ScriptedProber {
        latencies_ms: (1..=10).map(|n| n * 10).collect(),
        failing: vec![3, 8],
        next: Mutex::new(0),
    });
    rampart_api::compose::health_snapshot(&config, &adapters, prober, Some(channel), None).unwrap()
}

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {body}"))["value"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn the_snapshot_stores_and_posts_its_inputs_once_a_day() {
    let app = TestApp::spawn().await;
    let browser = admin(&app).await;
    // Six runs in the last day (4 passed, 2 failed, 1 skipped), one two days ago.
    let runs: Vec<Value> = [
        ("a", "passed", "2026-11-22T08:10:00Z"),
        ("b", "passed", "2026-11-22T07:10:00Z"),
        ("c", "failed", "2026-11-22T06:10:00Z"),
        ("d", "passed", "2026-11-21T12:00:00Z"),
        ("e", "failed", "2026-11-21T10:30:00Z"),
        ("f", "passed", "2026-11-22T08:59:00Z"),
        ("g", "skipped", "2026-11-22T08:00:00Z"),
        ("h", "failed", "2026-11-20T08:00:00Z"),
    ]
    .iter()
    .map(|(name, status, at)| json!({"test_name": name, "status": status, "run_at": at}))
    .collect();
    let ingest = browser
        .send(
            Method::POST,
            "/internal/tests/ingest",
            Some(json!({"suite": "api", "runs": runs})),
        )
        .await;
    assert_eq!(ingest.status(), 200);
    // Last week's snapshots, for the arrows.
    for days in 1..=3 {
        let earlier = HealthSnapshot {
            taken_at_ms: rampart_core::Clock::now_ms(&*app.clock) - days * 86_400_000,
            latency_p50_ms: 40.0,
            latency_p95_ms: 80.0,
            error_rate_pct: 10.0,
            test_pass_rate_pct: Some(90.0),
            traffic: None,
        };
        snapshot::save(&app.store, &earlier).await.unwrap();
    }

    let channel = Arc::new(Channel::default());
    let job = job(&app, channel.clone());
    let figures = match job.run().await.unwrap() {
        SnapshotRun::Posted { snapshot } => snapshot,
        other => panic!("expected a post, got {other:?}"),
    };
    // Nearest rank over 10, 20, ..., 100 ms: p50 is the 5th, p95 the 10th; 2 of 10 failed.
    assert_eq!(
        (
            figures.probes,
            figures.latency_p50_ms,
            figures.latency_p95_ms,
            figures.error_rate_pct
        ),
        (10, 50.0, 100.0, 20.0)
    );
    assert_eq!((figures.tests_passed, figures.tests_failed), (4, 2));
    let rate = figures.test_pass_rate_pct.unwrap();
    assert!((rate - 66.666).abs() < 0.01, "{rate}");
    // Stored as taken, and posted with the same numbers against last week's average.
    let stored = snapshot::latest(&app.store).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.latency_p50_ms,
            stored.latency_p95_ms,
            stored.error_rate_pct
        ),
        (50.0, 100.0, 20.0)
    );
    let posted = channel.posted.lock().unwrap().clone();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].0, "123456789012345678");
    let body = &posted[0].1;
    rampart_blackbox_tests::keep_payload("status-digest", body);
    assert_eq!(field(body, "Latency p50"), "50.0 ms ↑ (7-day avg 40.0 ms)");
    assert_eq!(field(body, "Latency p95"), "100.0 ms ↑ (7-day avg 80.0 ms)");
    assert!(field(body, "Error rate").starts_with("20.0 % ↑"), "{body}");
    assert!(
        field(body, "Test pass rate").starts_with("66.7 % ↓"),
        "{body}"
    );

    // Again the same day (a retry, or a person): nothing changes, nothing is posted.
    assert_eq!(job.run().await.unwrap(), SnapshotRun::AlreadyPosted);
    assert_eq!(channel.posted.lock().unwrap().len(), 1);

    // The next day Discord refuses the post: the run fails, and its retry posts once.
    app.clock.advance_secs(86_400);
    *channel.refuse.lock().unwrap() = true;
    assert!(job.run().await.is_err());
    assert_eq!(channel.posted.lock().unwrap().len(), 1);
    *channel.refuse.lock().unwrap() = false;
    assert!(matches!(
        job.run().await.unwrap(),
        SnapshotRun::Posted { .. }
    ));
    assert_eq!(job.run().await.unwrap(), SnapshotRun::AlreadyPosted);
    assert_eq!(channel.posted.lock().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn the_local_stack_runs_it_on_demand_probing_itself() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.at("/_local/health-snapshot"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let run: Value = response.json().await.unwrap();
    // No status channel in the test stack: stored, not posted.
    assert_eq!(run["outcome"], "stored", "{run}");
    assert_eq!(run["snapshot"]["probes"], 5);
    assert_eq!(
        run["snapshot"]["error_rate_pct"], 0.0,
        "its own /health answers"
    );
    assert!(run["snapshot"]["test_pass_rate_pct"].is_null());
    let stored = snapshot::latest(&app.store).await.unwrap().unwrap();
    assert_eq!(stored.error_rate_pct, 0.0);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_moves_the_digest_to_another_channel_or_switches_it_off_without_a_deploy() {
    // The API runs with the job's configuration: a status channel, and a bot token for it.
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.discord_bot_token = Some("bot-token-for-the-digest".to_owned().into());
    let app = TestApp::builder()
        .secrets(secrets)
        .config(|c| c.discord_status_channel_id = Some("123456789012345678".into()))
        .spawn()
        .await;
    let browser = admin(&app).await;
    let channel = Arc::new(Channel::default());
    let job = job(&app, channel.clone());
    let path = "/api/v1/admin/settings/discord";
    let mut settings: Value = browser
        .send(Method::GET, path, None)
        .await
        .json()
        .await
        .unwrap();
    // The deployment's channel until an admin names another.
    assert_eq!(settings["daily_digest"]["channel_id"], "123456789012345678");
    settings["daily_digest"]["channel_id"] = json!("876543210987654321");
    for name in ["version", "updated_at", "updated_by"] {
        settings.as_object_mut().unwrap().remove(name);
    }
    let moved = browser
        .send(Method::PUT, path, Some(settings.clone()))
        .await;
    assert_eq!(moved.status(), 200);
    assert!(matches!(
        job.run().await.unwrap(),
        SnapshotRun::Posted { .. }
    ));
    assert_eq!(
        channel.posted.lock().unwrap()[0].0,
        "876543210987654321",
        "posted where the admin said"
    );
    // Switched off: the next day's run probes nothing, stores nothing, posts nothing.
    settings["daily_digest"]["enabled"] = json!(false);
    let off = browser.send(Method::PUT, path, Some(settings)).await;
    assert_eq!(off.status(), 200);
    app.clock.advance_secs(86_400);
    assert_eq!(job.run().await.unwrap(), SnapshotRun::Disabled);
    assert_eq!(channel.posted.lock().unwrap().len(), 1);
    let latest = snapshot::latest(&app.store).await.unwrap().unwrap();
    assert!(
        latest.taken_at_ms < rampart_core::Clock::now_ms(&*app.clock) - 3_600_000,
        "no snapshot today"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_reports_what_users_met_from_the_apis_own_answers() {
    // The intel table throttles while `failing` is set: test-run ingests answer 503.
    let (fixture, failing) = rampart_blackbox_tests::intel_throttled().await;
    let app = TestApp::builder().fixture(fixture).spawn().await;
    let browser = admin(&app).await;
    for _ in 0..8 {
        assert_eq!(
            app.client
                .get(app.at("/health"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let runs = json!({"suite": "api", "runs": [
        {"test_name": "a", "status": "passed", "run_at": "2026-11-22T08:00:00Z"}
    ]});
    for _ in 0..2 {
        let failed = browser
            .send(Method::POST, "/internal/tests/ingest", Some(runs.clone()))
            .await;
        assert_eq!(failed.status(), 503);
    }
    failing.store(false, std::sync::atomic::Ordering::SeqCst);

    let channel = Arc::new(Channel::default());
    let mut job = job(&app, channel.clone());
    job.traffic = app.stack.health_snapshot.traffic.clone();
    let figures = match job.run().await.unwrap() {
        SnapshotRun::Posted { snapshot } => snapshot,
        other => panic!("expected a post, got {other:?}"),
    };
    // Every answer the API gave today counts (the admin's sign-up and sign-in too); two were 5xx.
    let traffic = figures.traffic.expect("the day's traffic");
    assert!(traffic.requests >= 10, "{traffic:?}");
    let expected = 2.0 * 100.0 / traffic.requests as f64;
    assert!(
        (traffic.server_error_pct - expected).abs() < 1e-9,
        "{traffic:?}"
    );
    assert_eq!(
        traffic.worst_route.as_deref(),
        Some("internal-tests-ingest")
    );
    assert!(traffic.p95_ms >= traffic.p50_ms);
    // Stored with the snapshot, and posted leading the digest; the probes are one line.
    let stored = snapshot::latest(&app.store).await.unwrap().unwrap();
    assert_eq!(
        stored.traffic.as_ref().map(|t| t.requests),
        Some(traffic.requests)
    );
    let body = channel.posted.lock().unwrap()[0].1.clone();
    rampart_blackbox_tests::keep_payload("status-digest-traffic", &body);
    assert!(
        field(&body, "Requests")
            .starts_with(&format!("{} (no 7-day history yet)", traffic.requests)),
        "{body}"
    );
    assert_eq!(field(&body, "Worst route"), "internal-tests-ingest");
    assert!(
        field(&body, "From outside (probes)").starts_with("Latency p50 "),
        "{body}"
    );
    app.stop().await;
}
