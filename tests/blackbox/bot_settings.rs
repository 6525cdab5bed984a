//! The Discord bot's settings, changed at run time by an admin through
//! `GET|PUT /api/v1/admin/settings/discord`: who may run a command, which environments need a
//! role of their own (`/ship env:prod` and the buttons of a prod release), audited as
//! `configuration.discord_settings_changed` and seen by the bot within 30 seconds.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_core::Clock;
use rampart_discord::TestKeyPair;
use rampart_discord::rest::{DiscordApi, RestError};
use serde_json::{Value, json};

const ADMIN_ROLE: &str = "999999999999999999";
const RELEASE_ROLE: &str = "111111111111111111";
const PROD_ROLE: &str = "333333333333333333";
const APPLICATION: &str = "1457469483726668048";
const PATH: &str = "/api/v1/admin/settings/discord";

/// Discord's webhook endpoints: the edits the release worker makes.
#[derive(Default)]
struct Edits(Mutex<Vec<Value>>);

#[async_trait]
impl DiscordApi for Edits {
    async fn edit_original(&self, _: &str, _: &str, body: &Value) -> Result<(), RestError> {
        self.0.lock().unwrap().push(body.clone());
        Ok(())
    }
    async fn follow_up(&self, _: &str, _: &str, _: &Value) -> Result<(), RestError> {
        Ok(())
    }
    async fn post_message(&self, _: &str, _: &Value) -> Result<(), RestError> {
        unreachable!("nothing is posted to a channel here")
    }
    async fn put_commands(&self, _: &str, _: Option<&str>, _: &Value) -> Result<(), RestError> {
        unreachable!("nothing is registered here")
    }
}

struct Bot {
    app: TestApp,
    keys: TestKeyPair,
    edits: Arc<Edits>,
}

impl Bot {
    async fn spawn() -> Self {
        let keys = TestKeyPair::generate().unwrap();
        let public = keys.public_key().to_hex();
        let edits = Arc::new(Edits::default());
        let app = TestApp::builder()
            .config(|c| {
                c.discord_public_key = Some(public);
                c.admin_role_ids = vec![ADMIN_ROLE.to_owned()];
            })
            .discord_api(edits.clone())
            .spawn()
            .await;
        Self { app, keys, edits }
    }

    async fn send(&self, kind: u8, data: Value, roles: &[&str]) -> Value {
        let body = json!({
            "type": kind,
            "id": rampart_core::ids::new_id(),
            "application_id": APPLICATION,
            "token": "interaction-token",
            "version": 1,
            "guild_id": "1457468924290662599",
            "channel_id": "1457536551830421524",
            "member": {"user": {"id": "1033044521375764530"}, "roles": roles, "permissions": "0"},
            "data": data,
        })
        .to_string();
        let ts = self.app.clock.now_secs().to_string();
        let request = http::Request::builder()
            .method("POST")
            .uri("/discord/interactions")
            .header("content-type", "application/json")
            .header("x-signature-timestamp", &ts)
            .header("x-signature-ed25519", self.keys.sign(&ts, body.as_bytes()))
            .body(Bytes::from(body))
            .unwrap();
        let response = self.app.app.handle(request).await;
        assert_eq!(response.status(), 200);
        serde_json::from_slice(response.body()).unwrap()
    }

    async fn ship(&self, env: &str, roles: &[&str]) -> Value {
        let data = json!({"name": "ship", "type": 1, "options": [
            {"name": "env", "type": 3, "value": env},
            {"name": "strategy", "type": 3, "value": "full"},
        ]});
        self.send(2, data, roles).await
    }

    async fn click(&self, custom_id: &str, roles: &[&str]) -> Value {
        let data = json!({"component_type": 2, "custom_id": custom_id});
        self.send(3, data, roles).await
    }
}

fn content(reply: &Value) -> &str {
    reply["data"]["content"].as_str().unwrap_or_default()
}

async fn admin(app: &TestApp) -> (Browser, String) {
    let (browser, id) = app.signed_in("settings-admin@example.com").await;
    app.promote_to_admin(&id).await;
    (browser, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_changes_who_may_ship_where_and_the_bot_follows_within_thirty_seconds() {
    let bot = Bot::spawn().await;
    let app = &bot.app;
    let (admin, admin_id) = admin(app).await;

    // The built-in settings: nobody but admin roles may ship, and prod needs its own role.
    let shown = admin.send(Method::GET, PATH, None).await;
    assert_eq!(shown.status(), 200);
    let etag = shown.headers()["etag"].to_str().unwrap().to_owned();
    let shown: Value = shown.json().await.unwrap();
    assert_eq!(shown["version"], 0);
    assert_eq!(shown["commands"]["ship"], json!([]));
    assert_eq!(shown["environment_roles"]["prod"], json!([]));
    assert_eq!(shown["daily_digest"]["enabled"], true);
    let only_admins = format!("It needs one of these roles: <@&{ADMIN_ROLE}>.");
    let refused = bot.ship("staging", &[RELEASE_ROLE]).await;
    assert!(content(&refused).contains(&only_admins), "{refused}");
    assert_eq!(bot.ship("prod", &[ADMIN_ROLE]).await, json!({"type": 5}));

    // Only admins read or change them.
    let (viewer, _) = app.signed_in("settings-viewer@example.com").await;
    assert_eq!(viewer.status(Method::GET, PATH).await, 403);
    let put = viewer.send(Method::PUT, PATH, Some(shown.clone())).await;
    assert_eq!(put.status(), 403);

    // Bad settings: every problem named by its field, nothing stored.
    let bad = json!({
        "commands": {"shipit": [], "ship": ["release-team"]},
        "environment_roles": {"qa": []},
        "daily_digest": {"enabled": true, "channel_id": null},
    });
    let refused = admin.send(Method::PUT, PATH, Some(bad)).await;
    assert_eq!(refused.status(), 400);
    let problem: Value = refused.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["commands.ship", "commands.shipit", "environment_roles.qa"],
        "{problem}"
    );

    // The release role may ship; prod needs the prod role as well.
    let wanted = json!({
        "commands": {"ship": [RELEASE_ROLE], "triage": [], "verify-run": [RELEASE_ROLE], "deploy-client": []},
        "environment_roles": {"prod": [PROD_ROLE]},
        "daily_digest": {"enabled": false, "channel_id": null},
    });
    let changed = admin
        .send_with(
            Method::PUT,
            PATH,
            Some(wanted.clone()),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(changed.status(), 200);
    let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["version"], 1);
    assert_eq!(changed["updated_by"], admin_id.as_str());
    // A change made from the old version loses: 412, nothing stored.
    let mut old = shown.clone();
    for name in ["version", "updated_at", "updated_by"] {
        old.as_object_mut().unwrap().remove(name);
    }
    let stale = admin
        .send_with(Method::PUT, PATH, Some(old), &[("if-match", &etag)])
        .await;
    assert_eq!(stale.status(), 412);
    // The same settings again change nothing and record nothing.
    let same = admin.send(Method::PUT, PATH, Some(wanted)).await;
    assert_eq!(same.status(), 200);
    assert_eq!(same.json::<Value>().await.unwrap()["version"], 1);

    // Audited once, with who, what and which fields.
    let audit: Value = admin
        .send(
            Method::GET,
            "/api/v1/admin/audit?event=configuration.discord_settings_changed",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let records = audit["items"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{audit}");
    let record = &records[0];
    assert_eq!(record["actor"], admin_id.as_str());
    assert_eq!(record["target"], "settings:discord");
    assert_eq!(record["outcome"], "success");
    assert_eq!(
        record["details"]["changed"],
        "commands.ship,commands.verify-run,environment_roles.prod,daily_digest.enabled"
    );
    assert_eq!(record["details"]["version"], "1");

    // The bot read the settings half a minute ago: it acts on the old ones until they age out.
    app.clock
        .advance_ms(rampart_discord::settings::CACHE_MS - 1_000);
    let cached = bot.ship("staging", &[RELEASE_ROLE]).await;
    assert!(content(&cached).contains(&only_admins), "{cached}");
    app.clock.advance_ms(1_000);
    assert_eq!(
        bot.ship("staging", &[RELEASE_ROLE]).await,
        json!({"type": 5})
    );
    let prod = bot.ship("prod", &[RELEASE_ROLE]).await;
    assert!(
        content(&prod).contains(&format!("prod needs one of these roles: <@&{PROD_ROLE}>")),
        "{prod}"
    );
    assert_eq!(prod["data"]["flags"], 64);

    // A prod release: shipped by a member with both roles, decided only by one with both.
    assert_eq!(
        bot.ship("prod", &[RELEASE_ROLE, PROD_ROLE]).await,
        json!({"type": 5})
    );
    app.deliver_mail().await;
    let edits = bot.edits.0.lock().unwrap().clone();
    let prod_release = edits
        .iter()
        .find(|e| e["embeds"][0].to_string().contains("prod"))
        .expect("the prod release's embed");
    let promote = prod_release["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(promote.starts_with("ship:promote:"), "{promote}");
    let refused = bot.click(&promote, &[RELEASE_ROLE]).await;
    assert!(content(&refused).contains("against prod"), "{refused}");
    let promoted = bot.click(&promote, &[RELEASE_ROLE, PROD_ROLE]).await;
    assert_eq!(promoted["type"], 7, "{promoted}");
    bot.app.stop().await;
}
