//! The release conductor in the test stack, end to end: a signed `/ship` is answered deferred,
//! the in-process bus hands it to the release worker, which deploys (a `rampart.deploy` event),
//! verifies (probes and the synthetic journey against the stack itself) and edits the original
//! response at the Discord double into an embed with Promote / Rollback / Details. Promote
//! applies once; a second click, a click after the release expired and a member without the
//! role are refused.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use rampart_blackbox_tests::TestApp;
use rampart_core::Clock;
use rampart_discord::TestKeyPair;
use rampart_discord::rest::{DiscordApi, RestError};
use serde_json::{Value, json};

const RELEASE_ROLE: &str = "111111111111111111";
const OTHER_ROLE: &str = "222222222222222222";
const APPLICATION: &str = "1457469483726668048";
const PR_SECRET: &str = "release-conductor-test-secret";
const ALERTMANAGER_TOKEN: &str = "release-conductor-alertmanager-token";
const ALERTMANAGER_FIXTURE: &str =
    include_str!("../fixtures/alertmanager/v4_firing_probe_failure.json");

/// The Discord double: what the worker sent, by kind and interaction token.
#[derive(Default)]
struct DiscordDouble {
    sent: Mutex<Vec<(&'static str, String, Value)>>,
}

impl DiscordDouble {
    fn sent(&self, kind: &str) -> Vec<(String, Value)> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, token, body)| (token.clone(), body.clone()))
            .collect()
    }
}

#[async_trait]
impl DiscordApi for DiscordDouble {
    async fn edit_original(&self, app: &str, token: &str, body: &Value) -> Result<(), RestError> {
        assert_eq!(app, APPLICATION);
        self.sent
            .lock()
            .unwrap()
            .push(("edit", token.to_owned(), body.clone()));
        Ok(())
    }
    async fn follow_up(&self, app: &str, token: &str, body: &Value) -> Result<(), RestError> {
        assert_eq!(app, APPLICATION);
        self.sent
            .lock()
            .unwrap()
            .push(("follow_up", token.to_owned(), body.clone()));
        Ok(())
    }
    async fn post_message(&self, _: &str, _: &Value) -> Result<(), RestError> {
        unreachable!("the release worker answers through the interaction webhook")
    }
    async fn put_commands(&self, _: &str, _: Option<&str>, _: &Value) -> Result<(), RestError> {
        unreachable!("the release worker registers nothing")
    }
}

struct Conductor {
    app: TestApp,
    keys: TestKeyPair,
    discord: Arc<DiscordDouble>,
}

fn member(role: &str) -> Value {
    json!({"user": {"id": "1033044521375764530", "username": "ada"}, "roles": [role], "permissions": "0"})
}

impl Conductor {
    async fn spawn() -> Self {
        let keys = TestKeyPair::generate().unwrap();
        let public = keys.public_key().to_hex();
        let discord = Arc::new(DiscordDouble::default());
        let mut secrets = rampart_blackbox_tests::test_secrets();
        secrets.pr_intel_webhook_secret = Some(PR_SECRET.to_owned().into());
        secrets.alertmanager_token = Some(ALERTMANAGER_TOKEN.to_owned().into());
        let app = TestApp::builder()
            .secrets(secrets)
            .config(|c| {
                c.discord_public_key = Some(public);
                c.admin_role_ids = vec![RELEASE_ROLE.to_owned()];
            })
            .discord_api(discord.clone())
            .spawn()
            .await;
        Self { app, keys, discord }
    }

    fn interaction(&self, kind: u8, data: Value, role: &str, token: &str) -> String {
        json!({
            "type": kind,
            "id": rampart_core::ids::new_id(),
            "application_id": APPLICATION,
            "token": token,
            "version": 1,
            "guild_id": "1457468924290662599",
            "channel_id": "1457536551830421524",
            "member": member(role),
            "data": data,
        })
        .to_string()
    }

    fn signed_request(&self, body: &str) -> http::Request<Bytes> {
        let ts = self.app.clock.now_secs().to_string();
        let signature = self.keys.sign(&ts, body.as_bytes());
        http::Request::builder()
            .method("POST")
            .uri("/discord/interactions")
            .header("content-type", "application/json")
            .header("x-signature-timestamp", ts)
            .header("x-signature-ed25519", signature)
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    async fn send(&self, body: String) -> Value {
        let response = self.app.app.handle(self.signed_request(&body)).await;
        assert_eq!(response.status(), 200);
        serde_json::from_slice(response.body()).unwrap()
    }

    async fn ship(&self, token: &str) -> Value {
        let data = json!({"name": "ship", "type": 1, "options": [
            {"name": "env", "type": 3, "value": "staging"},
            {"name": "strategy", "type": 3, "value": "canary"},
        ]});
        self.send(self.interaction(2, data, RELEASE_ROLE, token))
            .await
    }

    async fn click(&self, custom_id: &str, role: &str) -> Value {
        let data = json!({"component_type": 2, "custom_id": custom_id});
        self.send(self.interaction(3, data, role, "click-token"))
            .await
    }
}

fn buttons(body: &Value) -> Vec<String> {
    body["components"][0]["components"]
        .as_array()
        .map(|row| {
            row.iter()
                .map(|b| b["custom_id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_deploys_verifies_and_applies_one_decision() {
    let captured = crate::auth::secrets_in_logs::captured();
    let c = Conductor::spawn().await;
    // Deferred at once; the release leaves through the bus.
    let answer = c.ship("ship-token-1").await;
    assert_eq!(answer, json!({"type": 5}));
    assert!(
        c.discord.sent("edit").is_empty(),
        "nothing before the worker runs"
    );
    let started = Instant::now();
    c.app.deliver_mail().await;
    eprintln!(
        "release worker, end to end: {} ms",
        started.elapsed().as_millis()
    );

    // The original response, edited into the release embed with three buttons.
    let edits = c.discord.sent("edit");
    assert_eq!(edits.len(), 1);
    let (token, body) = &edits[0];
    assert_eq!(token, "ship-token-1");
    let ids = buttons(body);
    assert_eq!(ids.len(), 3, "{body}");
    let release_id = ids[0].strip_prefix("ship:promote:").unwrap().to_owned();
    assert_eq!(
        ids,
        [
            format!("ship:promote:{release_id}"),
            format!("ship:rollback:{release_id}"),
            format!("ship:details:{release_id}")
        ]
    );
    rampart_blackbox_tests::keep_payload("ship-release", body);
    let embed = &body["embeds"][0];
    let text = embed.to_string();
    assert!(
        text.contains("staging") && text.contains("canary"),
        "{embed}"
    );
    assert!(
        text.contains("DeployRequested"),
        "the deploy went to the pipeline: {embed}"
    );
    assert!(
        text.contains("passed in"),
        "the synthetic journey passed: {embed}"
    );
    assert!(text.contains("Promote: the verification passed"), "{embed}");

    // A member without the role is refused, and nothing is decided.
    let refused = c.click(&ids[0], OTHER_ROLE).await;
    assert_eq!(refused["data"]["flags"], 64, "{refused}");
    // Promote: applied once, the message updated without buttons.
    let promoted = c.click(&ids[0], RELEASE_ROLE).await;
    assert_eq!(promoted["type"], 7, "{promoted}");
    rampart_blackbox_tests::keep_payload("ship-promoted", &promoted["data"]);
    assert_eq!(promoted["data"]["components"], json!([]));
    assert!(
        promoted["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Promote requested by")
    );
    let again = c.click(&ids[1], RELEASE_ROLE).await;
    assert_eq!(again["type"], 4);
    assert_eq!(again["data"]["flags"], 64);
    assert!(
        again["data"]["content"]
            .as_str()
            .unwrap()
            .contains("already decided"),
        "{again}"
    );
    c.app.deliver_mail().await;
    let follow_ups = c.discord.sent("follow_up");
    assert_eq!(follow_ups.len(), 1, "the promotion applied once");
    assert_eq!(follow_ups[0].0, "click-token");
    assert!(
        follow_ups[0].1["content"]
            .as_str()
            .unwrap()
            .contains("Promoted")
    );
    // Details: the history, who asked and who decided.
    let details = c.click(&ids[2], RELEASE_ROLE).await;
    let history = details["data"]["content"].as_str().unwrap();
    assert!(history.contains("ship requested") && history.contains("Promote requested"));
    assert!(history.contains("Promoted"), "{history}");

    // The release history admins read (the console's releases page): the release, promoted,
    // with every step and who decided; a viewer is refused.
    let (admin, admin_id) = c.app.signed_in("admin@example.com").await;
    c.app.promote_to_admin(&admin_id).await;
    let (viewer, _) = c.app.signed_in("viewer@example.com").await;
    assert_eq!(
        viewer
            .status(http::Method::GET, "/api/v1/admin/releases")
            .await,
        403
    );
    let listed: Value = admin
        .send(http::Method::GET, "/api/v1/admin/releases", None)
        .await
        .json()
        .await
        .unwrap();
    let release = &listed["items"][0];
    assert_eq!(release["id"], release_id.as_str(), "{listed}");
    assert_eq!(
        (&release["env"], &release["strategy"], &release["status"]),
        (&json!("staging"), &json!("canary"), &json!("promoted"))
    );
    assert_eq!(release["verification"]["passed"], true, "{release}");
    let steps: Vec<&str> = release["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["what"].as_str().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&"ship requested"), "{steps:?}");
    assert!(steps.iter().any(|s| s.starts_with("deploy")), "{steps:?}");
    assert!(steps.contains(&"Promote requested"), "{steps:?}");
    let decided = release["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["what"] == "Promote requested")
        .unwrap();
    assert!(decided["by"].is_string(), "who decided: {decided}");

    // Every log line of the release's requests carries its id as the correlation id.
    let logs = captured.text();
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("release request"))
                && l.to_string().contains(&release_id)
        })
        .collect();
    assert!(lines.len() >= 4, "received and handled, twice: {lines:?}");
    for line in &lines {
        assert_eq!(line["correlation_id"], release_id.as_str(), "{line}");
    }

    // Another release, left a day: its buttons have expired.
    c.ship("ship-token-2").await;
    c.app.deliver_mail().await;
    let second = buttons(&c.discord.sent("edit")[1].1);
    c.app.clock.advance_secs(25 * 3600);
    let late = c.click(&second[0], RELEASE_ROLE).await;
    assert!(
        late["data"]["content"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{late}"
    );

    // The deferred answer's latency in process (printed, never asserted).
    let mut times = Vec::new();
    for n in 0..100 {
        let body = c.interaction(
            2,
            json!({"name": "ship", "type": 1, "options": [
                {"name": "env", "type": 3, "value": "prod"},
                {"name": "strategy", "type": 3, "value": "full"},
            ]}),
            RELEASE_ROLE,
            &format!("t{n}"),
        );
        let request = c.signed_request(&body);
        let started = Instant::now();
        let response = c.app.app.handle(request).await;
        times.push(started.elapsed().as_micros());
        assert_eq!(response.status(), 200);
    }
    times.sort_unstable();
    eprintln!(
        "/ship deferred answer in process: p50 {} µs, p99 {} µs",
        times[49], times[98]
    );
    c.app.stop().await;
}

#[tokio::test]
async fn release_commands_check_their_options_and_roles() {
    let c = Conductor::spawn().await;
    let data = json!({"name": "ship", "type": 1, "options": [{"name": "env", "type": 3, "value": "moon"}]});
    let bad = c.send(c.interaction(2, data, RELEASE_ROLE, "t")).await;
    assert_eq!(bad["data"]["flags"], 64);
    let data = json!({"name": "ship", "type": 1, "options": [
        {"name": "env", "type": 3, "value": "prod"}, {"name": "strategy", "type": 3, "value": "full"}]});
    let denied = c.send(c.interaction(2, data, OTHER_ROLE, "t")).await;
    assert!(
        denied["data"]["content"]
            .as_str()
            .unwrap()
            .contains("You can't run `/ship`"),
        "{denied}"
    );
    // /verify-run: deferred, then the verification's embed, with no buttons.
    let data = json!({"name": "verify-run", "type": 1, "options": [
        {"name": "env", "type": 3, "value": "staging"}]});
    let deferred = c.send(c.interaction(2, data, RELEASE_ROLE, "vr")).await;
    assert_eq!(deferred, json!({"type": 5}));
    c.app.deliver_mail().await;
    let edits = c.discord.sent("edit");
    let (token, verified) = edits.last().unwrap();
    assert_eq!(token, "vr");
    assert_eq!(verified["embeds"][0]["title"], "Verification of staging");
    assert!(buttons(verified).is_empty());
    assert!(
        verified
            .to_string()
            .contains("Promote: the verification passed"),
        "{verified}"
    );
    // /deploy-client confirms, and the worker hands the deploy to the pipeline.
    let data = json!({"name": "deploy-client", "type": 1, "options": [
        {"name": "env", "type": 3, "value": "staging"}, {"name": "ref", "type": 3, "value": "v1.2.3"}]});
    let confirmed = c.send(c.interaction(2, data, RELEASE_ROLE, "dc")).await;
    assert_eq!(confirmed["data"]["flags"], 64);
    assert!(
        confirmed["data"]["content"]
            .as_str()
            .unwrap()
            .contains("v1.2.3")
    );
    c.app.deliver_mail().await;
    let follow = c.discord.sent("follow_up");
    assert!(
        follow[0].1["content"]
            .as_str()
            .unwrap()
            .contains("ClientDeployRequested")
    );
    // /triage answers at once, within the embed limits, the riskiest open PR first; a
    // delivery that merges or closes a PR takes it off the list.
    let conductor = &c;
    let ingest = |body: serde_json::Value| {
        let body = serde_json::to_vec(&body).unwrap();
        let request = c
            .app
            .client
            .post(conductor.app.at("/internal/pr-intel/ingest"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                rampart_ops::signature::sign(PR_SECRET.as_bytes(), &body),
            )
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let pr = |number: u64, files: serde_json::Value| {
        json!({
            "pr_number": number, "title": format!("PR {number}"), "author": "ada",
            "changed_files": files, "additions": 10, "deletions": 2,
        })
    };
    let risky = json!(["migrations/001_init.sql", "shared/auth/src/keyring.rs"]);
    for body in [pr(7, json!(["README.md"])), pr(8, risky.clone())] {
        assert_eq!(ingest(body).await.status(), 200);
    }
    let open_prs = |interaction: &str| {
        let interaction = conductor.interaction(
            2,
            json!({"name": "triage", "type": 1}),
            RELEASE_ROLE,
            interaction,
        );
        async move {
            let triage = conductor.send(interaction).await;
            assert_eq!(triage["type"], 4);
            assert_eq!(triage["data"]["embeds"][0]["title"], "Triage");
            triage["data"]["embeds"][0]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == "Riskiest open PRs")
                .unwrap()["value"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let prs = open_prs("tr").await;
    let (first, second) = (prs.find("#8").unwrap(), prs.find("#7").unwrap());
    assert!(first < second, "the riskiest first: {prs}");
    // GitHub's `closed` action with `merged: true`, and a push to the other PR.
    let mut merged = pr(8, risky);
    merged["action"] = json!("closed");
    merged["merged"] = json!(true);
    let stored: serde_json::Value = ingest(merged).await.json().await.unwrap();
    assert_eq!(stored["state"], "merged", "{stored}");
    let mut pushed = pr(7, json!(["README.md", "docs/guide.md"]));
    pushed["action"] = json!("synchronize");
    assert_eq!(ingest(pushed).await.status(), 200);
    let prs = open_prs("tr2").await;
    assert!(prs.contains("#7") && !prs.contains("#8"), "{prs}");
    let mut closed = pr(7, json!(["README.md"]));
    closed["state"] = json!("closed");
    assert_eq!(ingest(closed).await.status(), 200);
    assert!(open_prs("tr3").await.contains("None open."));
    // A given state wins over the action; `merged` is read with `closed` only.
    let mut reopened = pr(8, json!(["README.md"]));
    reopened["state"] = json!("open");
    reopened["action"] = json!("closed");
    reopened["merged"] = json!(true);
    let stored: serde_json::Value = ingest(reopened).await.json().await.unwrap();
    assert_eq!(stored["state"], "open", "{stored}");
    assert!(open_prs("tr4").await.contains("#8"));
    c.app.stop().await;
}

/// `/triage`'s answer.
async fn triage(c: &Conductor, token: &str) -> Value {
    let data = json!({"name": "triage", "type": 1});
    let triage = c.send(c.interaction(2, data, RELEASE_ROLE, token)).await;
    assert_eq!(triage["type"], 4, "{triage}");
    assert_eq!(triage["data"]["flags"], 64, "ephemeral");
    triage
}

/// The fields of `/triage`'s embed, by name.
async fn triage_fields(c: &Conductor, token: &str) -> Vec<(String, String)> {
    fields_of(&triage(c, token).await)
}

fn fields_of(triage: &Value) -> Vec<(String, String)> {
    triage["data"]["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let value = f["value"].as_str().unwrap().to_owned();
            assert!(
                value.chars().count() <= 1024,
                "a field holds 1,024 characters"
            );
            (f["name"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

/// Every section of `/triage` from data that came in the way it does in production: tickets
/// opened by a user, Alertmanager's own v4 notification, a CI report with a flaky test, and a
/// signed PR delivery. Each section says "none" first, then lists what matters and only that.
#[tokio::test]
async fn triage_shows_tickets_by_priority_firing_alerts_flaky_tests_and_open_prs() {
    let c = Conductor::spawn().await;
    let empty = triage_fields(&c, "t0").await;
    let names: Vec<&str> = empty.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Open urgent and high tickets (0)",
            "Firing alerts (0)",
            "Flaky-test candidates (0)",
            "Riskiest open PRs",
        ]
    );
    assert_eq!(empty[0].1, "None.");
    assert_eq!(empty[3].1, "None open.");

    // Tickets: an urgent and a high one are listed, urgent first; normal and low are not.
    let (ada, _) = c.app.signed_in("ada@example.com").await;
    for (subject, priority) in [
        ("Typo on the pricing page", "low"),
        ("Export is slow", "high"),
        ("Avatar upload question", "normal"),
        ("Checkout is down", "urgent"),
    ] {
        let created = ada
            .send(
                http::Method::POST,
                "/api/v1/support/tickets",
                Some(json!({"subject": subject, "body": "details", "priority": priority})),
            )
            .await;
        assert_eq!(created.status(), 201, "{subject}");
    }
    // Alertmanager's notification, as it sends it.
    let alert = c
        .app
        .client
        .post(c.app.at("/webhooks/alertmanager"))
        .header("content-type", "application/json")
        .bearer_auth(ALERTMANAGER_TOKEN)
        .body(ALERTMANAGER_FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(alert.status(), 200);
    // A CI report: one test fails 4 of its 10 runs, another always passes.
    let (admin, admin_id) = c.app.signed_in("root@example.com").await;
    c.app.promote_to_admin(&admin_id).await;
    let mut runs = Vec::new();
    for (i, outcome) in "pfpfpfpfpp".chars().enumerate() {
        for (name, status) in [
            (
                "checkout retries",
                if outcome == 'f' { "failed" } else { "passed" },
            ),
            ("health answers", "passed"),
        ] {
            let at = c.app.clock.now_ms() - (10 - i as i64) * 60_000;
            runs.push(json!({
                "test_name": name, "status": status, "duration_ms": 40,
                "run_at": rampart_core::clock::rfc3339(at),
            }));
        }
    }
    let report = admin
        .send(
            http::Method::POST,
            "/internal/tests/ingest",
            Some(json!({"suite": "api", "runs": runs})),
        )
        .await;
    let status = report.status();
    assert_eq!(status, 200, "{}", report.text().await.unwrap());
    // A signed PR delivery.
    let body = serde_json::to_vec(&json!({
        "pr_number": 12, "title": "Rotate keys", "author": "ada", "action": "opened",
        "changed_files": ["shared/auth/src/keyring.rs"], "additions": 80, "deletions": 20,
    }))
    .unwrap();
    let delivered = c
        .app
        .client
        .post(c.app.at("/internal/pr-intel/ingest"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            rampart_ops::signature::sign(PR_SECRET.as_bytes(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), 200);

    let answer = triage(&c, "t1").await;
    rampart_blackbox_tests::keep_payload("triage", &answer["data"]);
    let fields = fields_of(&answer);
    let (tickets_name, tickets) = &fields[0];
    assert_eq!(tickets_name, "Open urgent and high tickets (2)");
    let lines: Vec<&str> = tickets.lines().collect();
    assert_eq!(lines.len(), 2, "{tickets}");
    assert!(
        lines[0].starts_with("**Urgent** Checkout is down (since "),
        "{tickets}"
    );
    assert!(
        lines[1].starts_with("**High** Export is slow (since "),
        "{tickets}"
    );
    let (alerts_name, alerts) = &fields[1];
    assert_eq!(alerts_name, "Firing alerts (1)");
    assert!(
        alerts.starts_with("**ProbeFailure** (critical) since "),
        "{alerts}"
    );
    let (flaky_name, flaky) = &fields[2];
    assert_eq!(flaky_name, "Flaky-test candidates (1)");
    assert!(
        flaky.starts_with("`checkout retries` 40 % failing"),
        "{flaky}"
    );
    assert!(
        flaky.contains("over 10 runs") && !flaky.contains("health answers"),
        "{flaky}"
    );
    let (_, prs) = &fields[3];
    assert!(prs.starts_with("#12 **Rotate keys** risk "), "{prs}");
    assert!(prs.ends_with("by ada"), "{prs}");
    c.app.stop().await;
}
