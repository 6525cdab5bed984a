//! `POST /discord/interactions` with real Ed25519 signatures.

use rampart_blackbox_tests::TestApp;
use rampart_core::Clock;
use rampart_discord::TestKeyPair;
use serde_json::Value;

const PING: &str = include_str!("../fixtures/discord/ping_captured.json");
const COMMAND: &str = include_str!("../fixtures/discord/slash_command_docs_sample.json");
const BUTTON: &str = include_str!("../fixtures/discord/button_click_captured.json");

struct Discord {
    app: TestApp,
    keys: TestKeyPair,
}

impl Discord {
    async fn spawn() -> Self {
        let keys = TestKeyPair::generate().unwrap();
        let public = keys.public_key().to_hex();
        let app = TestApp::builder()
            .config(|c| c.discord_public_key = Some(public))
            .spawn()
            .await;
        Self { app, keys }
    }

    fn now(&self) -> String {
        self.app.clock.now_secs().to_string()
    }

    async fn send(
        &self,
        body: &str,
        timestamp: &str,
        signature: Option<String>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .post(self.app.at("/discord/interactions"))
            .header("content-type", "application/json")
            .header("X-Signature-Timestamp", timestamp)
            .body(body.to_owned());
        if let Some(signature) = signature {
            request = request.header("X-Signature-Ed25519", signature);
        }
        request.send().await.unwrap()
    }

    async fn signed(&self, body: &str) -> reqwest::Response {
        let ts = self.now();
        let signature = self.keys.sign(&ts, body.as_bytes());
        self.send(body, &ts, Some(signature)).await
    }
}

#[tokio::test]
async fn a_signed_ping_is_answered_with_type_1() {
    let d = Discord::spawn().await;
    let response = d.signed(PING).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        serde_json::json!({"type": 1})
    );
    d.app.stop().await;
}

#[tokio::test]
async fn unknown_commands_and_buttons_get_an_ephemeral_answer() {
    let d = Discord::spawn().await;
    for fixture in [COMMAND, BUTTON] {
        let response = d.signed(fixture).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["type"], 4);
        assert_eq!(body["data"]["flags"], 64);
        assert!(body["data"]["content"].as_str().unwrap().len() > 10);
    }
    d.app.stop().await;
}

#[tokio::test]
async fn bad_signatures_are_401() {
    let d = Discord::spawn().await;
    let ts = d.now();
    let good = d.keys.sign(&ts, PING.as_bytes());
    let stranger = TestKeyPair::generate().unwrap().sign(&ts, PING.as_bytes());
    let stale = (d.app.clock.now_secs() - 301).to_string();
    let future = (d.app.clock.now_secs() + 301).to_string();
    let altered = PING.replace("\"type\":1", "\"type\":1 ");
    let cases: Vec<(&str, &str, Option<String>, &str)> = vec![
        (PING, ts.as_str(), None, "unsigned"),
        (PING, ts.as_str(), Some(stranger), "wrong key"),
        (
            PING,
            stale.as_str(),
            Some(d.keys.sign(&stale, PING.as_bytes())),
            "stale timestamp",
        ),
        (
            PING,
            future.as_str(),
            Some(d.keys.sign(&future, PING.as_bytes())),
            "future timestamp",
        ),
        (
            altered.as_str(),
            ts.as_str(),
            Some(good.clone()),
            "altered body",
        ),
        (PING, "not-a-time", Some(good), "garbage timestamp"),
    ];
    for (body, timestamp, signature, case) in cases {
        let response = d.send(body, timestamp, signature).await;
        assert_eq!(response.status(), 401, "{case}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "unauthenticated", "{case}");
    }
    d.app.stop().await;
}

#[tokio::test]
async fn a_signed_but_malformed_body_is_400() {
    let d = Discord::spawn().await;
    for body in ["{\"type\":", "[1,2]", "{\"type\":2}"] {
        let response = d.signed(body).await;
        assert_eq!(response.status(), 400, "{body}");
    }
    d.app.stop().await;
}

#[tokio::test]
async fn a_replayed_interaction_has_no_second_effect() {
    let d = Discord::spawn().await;
    let first: Value = d.signed(COMMAND).await.json().await.unwrap();
    let second: Value = d.signed(COMMAND).await.json().await.unwrap();
    assert_ne!(first, second);
    assert!(
        second["data"]["content"]
            .as_str()
            .unwrap()
            .contains("already handled")
    );
    assert_eq!(second["data"]["flags"], 64);
    d.app.clock.advance_secs(15 * 60 + 1);
    let later: Value = d.signed(COMMAND).await.json().await.unwrap();
    assert_eq!(later, first, "after 15 minutes the id is forgotten");
    d.app.stop().await;
}

#[tokio::test]
async fn without_a_configured_key_the_webhook_is_unavailable() {
    let app = TestApp::builder()
        .config(|c| c.discord_public_key = None)
        .spawn()
        .await;
    let response = app
        .client
        .post(app.at("/discord/interactions"))
        .body(PING)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    app.stop().await;
}

#[tokio::test]
async fn signatures_from_an_independent_signer_verify() {
    let python = std::env::var("RAMPART_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_PYTHON is not set: run scripts/test.sh, which installs PyNaCl")
    });
    let keys = TestKeyPair::generate().unwrap();
    let timestamp = "1795338000";
    let script = "import sys, nacl.signing as s\n\
        k = s.SigningKey(bytes.fromhex(sys.argv[1]))\n\
        print(k.verify_key.encode().hex())\n\
        print(k.sign(sys.argv[2].encode() + sys.stdin.buffer.read()).signature.hex())";
    let mut child = std::process::Command::new(python)
        .args(["-c", script, &keys.seed_hex(), timestamp])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(COMMAND.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let public = rampart_discord::PublicKey::from_hex(lines.next().unwrap()).unwrap();
    let signature = lines.next().unwrap();
    assert_eq!(public, keys.public_key());
    assert_eq!(
        signature,
        keys.sign(timestamp, COMMAND.as_bytes()),
        "Ed25519 is deterministic"
    );
    assert_eq!(
        public.verify(
            Some(signature),
            Some(timestamp),
            COMMAND.as_bytes(),
            1_795_338_000
        ),
        Ok(())
    );
}

fn command(name: &str) -> String {
    serde_json::json!({
        "type": 2, "id": rampart_core::ids::new_id(), "token": "tok", "application_id": "1360558294053294192",
        "guild_id": "290926798626357999", "channel_id": "645027906669510667",
        "member": {"roles": [], "permissions": "0", "user": {"id": "53908232506183680"}},
        "data": {"id": "1", "name": name, "type": 1}
    })
    .to_string()
}

fn click(custom_id: &str) -> String {
    serde_json::json!({
        "type": 3, "id": rampart_core::ids::new_id(), "token": "tok", "application_id": "1360558294053294192",
        "guild_id": "290926798626357999",
        "member": {"roles": [], "permissions": "0", "user": {"id": "53908232506183680"}},
        "message": {"id": "1457536567810854934"},
        "data": {"component_type": 2, "custom_id": custom_id}
    })
    .to_string()
}

#[tokio::test]
async fn help_is_ephemeral_and_lists_the_commands() {
    let d = Discord::spawn().await;
    let body: Value = d.signed(&command("help")).await.json().await.unwrap();
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64);
    let text = body["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("/help") && text.contains("/status-digest"),
        "{text}"
    );
    d.app.stop().await;
}

#[tokio::test]
async fn status_digest_says_plainly_when_there_is_no_snapshot() {
    let d = Discord::spawn().await;
    let body: Value = d
        .signed(&command("status-digest"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["type"], 4);
    assert!(
        body["data"].get("flags").is_none(),
        "the digest is for the channel"
    );
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("No health snapshot")
    );
    d.app.stop().await;
}

#[tokio::test]
async fn status_digest_refresh_button_keeps_its_state_across_interactions() {
    use rampart_discord::snapshot::{HealthSnapshot, save};
    let d = Discord::spawn().await;
    let now_ms = d.app.clock.now_ms();
    for (days_ago, p50) in [(3, 100.0), (2, 100.0), (0, 130.0)] {
        let snapshot = HealthSnapshot {
            taken_at_ms: now_ms - days_ago * 86_400_000,
            latency_p50_ms: p50,
            latency_p95_ms: 300.0,
            error_rate_pct: 1.0,
            test_pass_rate_pct: Some(97.5),
            traffic: None,
        };
        save(&d.app.store, &snapshot).await.unwrap();
    }
    let body: Value = d
        .signed(&command("status-digest"))
        .await
        .json()
        .await
        .unwrap();
    let embed = &body["data"]["embeds"][0];
    assert_eq!(embed["title"], "Status digest");
    assert_eq!(
        embed["fields"][0]["value"],
        "130.0 ms ↑ (7-day avg 100.0 ms)"
    );
    assert_eq!(
        embed["fields"][1]["value"],
        "300.0 ms → (7-day avg 300.0 ms)"
    );
    let custom_id = body["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(custom_id.starts_with("status-digest:refresh:") && custom_id.len() <= 100);

    let refreshed: Value = d.signed(&click(&custom_id)).await.json().await.unwrap();
    assert_eq!(refreshed["type"], 7, "the message is updated in place");
    assert_eq!(refreshed["data"]["embeds"][0]["title"], "Status digest");

    d.app.clock.advance_secs(24 * 3600 + 1);
    let expired: Value = d.signed(&click(&custom_id)).await.json().await.unwrap();
    assert_eq!(expired["data"]["flags"], 64);
    assert!(
        expired["data"]["content"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    d.app.stop().await;
}

const RELEASE_ROLE: &str = "111111111111111111";

fn guarded<'a>(
    _bot: &'a rampart_discord::Bot,
    _i: &'a rampart_discord::Interaction,
) -> rampart_discord::registry::HandlerFuture<'a> {
    Box::pin(async { Ok(rampart_discord::Reply::ephemeral("guarded ran")) })
}

fn guarded_click<'a>(
    _bot: &'a rampart_discord::Bot,
    _i: &'a rampart_discord::Interaction,
    id: &'a rampart_discord::CustomId,
) -> rampart_discord::registry::HandlerFuture<'a> {
    Box::pin(async move {
        Ok(rampart_discord::Reply::ephemeral(format!(
            "clicked {}",
            id.action
        )))
    })
}

fn as_member(body: &str, roles: &[&str]) -> String {
    let mut value: Value = serde_json::from_str(body).unwrap();
    value["member"]["roles"] = serde_json::json!(roles);
    value.to_string()
}

#[tokio::test]
async fn role_gated_commands_and_buttons_over_http() {
    use rampart_discord::registry::{CommandSpec, Gate, commands};
    let keys = TestKeyPair::generate().unwrap();
    let public = keys.public_key().to_hex();
    let app = TestApp::builder()
        .config(|c| c.discord_public_key = Some(public))
        .state(|state| {
            use rampart_discord::settings::{BotSettings, LiveSettings, SettingsStore};
            let settings = BotSettings::from_matrix_file(
                &format!(r#"{{"commands": {{"guarded": ["{RELEASE_ROLE}"]}}}}"#),
                None,
            )
            .unwrap();
            let live = LiveSettings::new(
                SettingsStore::new(state.store.clone(), std::sync::Arc::new(settings)),
                state.clock.clone(),
                Vec::new(),
                true,
                None,
            );
            let mut all = commands();
            all.push(CommandSpec {
                name: "guarded",
                description: "A role-gated command",
                options: &[],
                gate: Gate::Roles,
                handler: guarded,
                component: Some(guarded_click),
            });
            let bot = rampart_discord::Bot::new(
                all,
                std::sync::Arc::new(live),
                state.store.clone(),
                state.clock.clone(),
            );
            // Only the webhook's function has the Discord parts.
            if let Some(discord) = state.discord.as_mut() {
                discord.bot = bot;
            }
        })
        .spawn()
        .await;
    let d = Discord { app, keys };
    let cases = [
        (vec![RELEASE_ROLE], true),
        (vec!["555555555555555555"], false),
    ];
    for (roles, allowed) in cases {
        let ran: Value = d
            .signed(&as_member(&command("guarded"), &roles))
            .await
            .json()
            .await
            .unwrap();
        let text = ran["data"]["content"].as_str().unwrap();
        assert_eq!(text == "guarded ran", allowed, "{roles:?}: {text}");
        assert_eq!(ran["data"]["flags"], 64);
        if !allowed {
            assert!(
                text.contains(&format!("<@&{RELEASE_ROLE}>")),
                "the refusal names the role: {text}"
            );
        }
        let clicked: Value = d
            .signed(&as_member(&click("guarded:approve:01J"), &roles))
            .await
            .json()
            .await
            .unwrap();
        let text = clicked["data"]["content"].as_str().unwrap();
        assert_eq!(
            text == "clicked approve",
            allowed,
            "button, {roles:?}: {text}"
        );
    }
    d.app.stop().await;
}

#[tokio::test]
async fn a_type_written_with_a_decimal_point_is_still_an_integer() {
    // JSON Schema's `integer` is any number without a fraction: `1.0` is the PING type.
    let d = Discord::spawn().await;
    let response = d.signed(r#"{"type": 1.0}"#).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        serde_json::json!({"type": 1})
    );
    let fraction = d.signed(r#"{"type": 1.5}"#).await;
    assert_eq!(fraction.status(), 400);
    d.app.stop().await;
}
