//! The real Alertmanager (Debian's `prometheus-alertmanager`, installed by the test script)
//! sending to the local stack's webhook with its bearer credentials: a group that holds an
//! oversized alert, its resolution, and a burst of 130 groups. Every valid alert must be
//! stored, and resolved when Alertmanager resolves it.
//!
//! Alertmanager runs on its own clock: the test waits for what it sends, polling the store
//! with a deadline, and asserts on what arrived, never on how long it took.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rampart_blackbox_tests::TestApp;
use rampart_ops::alerts::{Alert, history};
use serde_json::{Value, json};

const TOKEN: &str = "alertmanager-token-0123456789";

struct Alertmanager {
    child: Child,
    url: String,
    _dir: TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(app: &TestApp) -> Alertmanager {
    let binary = std::env::var("RAMPART_TEST_ALERTMANAGER").expect(
        "RAMPART_TEST_ALERTMANAGER is not set: run the tests with scripts/test.sh, which \
         installs Debian's prometheus-alertmanager",
    );
    let dir = std::env::temp_dir().join(format!(
        "rampart-alertmanager-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    // One group per alert name, flushed a second after its first alert and every second after
    // that; resolved notifications sent too; no limit on alerts per message.
    let config = format!(
        "route:\n  receiver: rampart\n  group_by: [alertname]\n  group_wait: 1s\n  \
         group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: rampart\n    \
         webhook_configs:\n      - url: {}\n        send_resolved: true\n        \
         http_config:\n          authorization:\n            type: Bearer\n            \
         credentials: {TOKEN}\n",
        app.at("/webhooks/alertmanager")
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!(
            "--config.file={}",
            dir.join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start prometheus-alertmanager");
    let manager = Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: TempDir(dir),
    };
    let ready = wait_for(Duration::from_secs(30), || async {
        reqwest::get(format!("{}/-/ready", manager.url))
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    assert!(ready, "Alertmanager did not become ready");
    manager
}

/// Polls `check` until it holds or `limit` passes.
async fn wait_for<F, Fut>(limit: Duration, check: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn post_alerts(manager: &Alertmanager, alerts: &Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v2/alerts", manager.url))
        .json(alerts)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

async fn stored(app: &TestApp, status: &str) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = history(&app.store, status, 500, cursor).await.unwrap();
        out.extend(page);
        match next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

fn names(alerts: &[Alert]) -> std::collections::BTreeSet<String> {
    alerts
        .iter()
        .map(|a| format!("{}/{}", a.labels["alertname"], a.labels["instance"]))
        .collect()
}

fn alert(name: &str, instance: &str, extra: &[(&str, String)], ends_at: Option<&str>) -> Value {
    let mut labels = json!({"alertname": name, "instance": instance, "severity": "critical"});
    for (k, v) in extra {
        labels[*k] = v.clone().into();
    }
    let mut alert = json!({
        "labels": labels,
        "annotations": {"summary": format!("{name} on {instance}")},
    });
    if let Some(ends_at) = ends_at {
        alert["endsAt"] = ends_at.into();
    }
    alert
}

#[tokio::test]
async fn every_valid_alert_alertmanager_sends_is_stored_and_resolved() {
    let mut secrets = rampart_blackbox_tests::test_secrets();
    secrets.alertmanager_token = Some(TOKEN.to_owned().into());
    let app = TestApp::builder().secrets(secrets).spawn().await;
    let manager = start(&app).await;

    // One group, DiskFull: two good alerts, one with 55 extra labels (relabelling gone wild)
    // and one with a 5,000-byte annotation.
    let many_labels: Vec<(String, String)> = (0..55)
        .map(|i| (format!("extra_{i}"), "v".to_owned()))
        .collect();
    let many_labels: Vec<(&str, String)> = many_labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let mut long = alert("DiskFull", "db-3:9100", &[], None);
    long["annotations"]["description"] = "x".repeat(5_000).into();
    let group = json!([
        alert("DiskFull", "db-1:9100", &[], None),
        alert("DiskFull", "db-2:9100", &[], None),
        alert("DiskFull", "db-9:9100", &many_labels, None),
        long,
    ]);
    post_alerts(&manager, &group).await;
    let arrived = wait_for(Duration::from_secs(30), || async {
        names(&stored(&app, "firing").await).len() >= 2
    })
    .await;
    assert!(arrived, "the group's valid alerts never arrived");
    // Let Alertmanager flush again: the same group, still the same two stored.
    let refused = wait_for(Duration::from_secs(30), || async {
        !app.audited("alertmanager.alerts_refused").await.is_empty()
    })
    .await;
    assert!(refused, "the refused alerts were audited");
    assert_eq!(
        names(&stored(&app, "firing").await),
        ["DiskFull/db-1:9100", "DiskFull/db-2:9100"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
        "the valid alerts of the group, and only those"
    );

    // Prometheus resolves them: the same alerts, with the `startsAt` they fired with and an
    // `endsAt` of now.
    let active: Value = reqwest::get(format!("{}/api/v2/alerts", manager.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let now = rampart_core::clock::rfc3339(now_ms);
    let resolutions: Vec<Value> = active
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            matches!(
                a["labels"]["instance"].as_str(),
                Some("db-1:9100" | "db-2:9100")
            )
        })
        .map(|a| {
            json!({
                "labels": a["labels"],
                "annotations": a["annotations"],
                "startsAt": a["startsAt"],
                "endsAt": now,
            })
        })
        .collect();
    assert_eq!(resolutions.len(), 2, "{active}");
    post_alerts(&manager, &Value::Array(resolutions)).await;
    let resolved = wait_for(Duration::from_secs(30), || async {
        names(&stored(&app, "resolved").await).len() == 2
    })
    .await;
    assert!(resolved, "the resolution never arrived");
    assert!(stored(&app, "firing").await.is_empty());

    // A burst: 130 groups at once, each flushed as its own notification.
    let burst: Vec<Value> = (0..130)
        .map(|n| alert(&format!("Burst{n:03}"), "web-1:9100", &[], None))
        .collect();
    post_alerts(&manager, &Value::Array(burst)).await;
    let all = wait_for(Duration::from_secs(60), || async {
        stored(&app, "firing").await.len() == 130
    })
    .await;
    assert!(
        all,
        "{} of the 130 groups arrived",
        stored(&app, "firing").await.len()
    );
    drop(manager);
    app.stop().await;
}
