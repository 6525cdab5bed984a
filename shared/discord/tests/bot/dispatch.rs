//! Role checks guard commands and button clicks alike; DMs cannot run gated commands.

use rampart_discord::bot::Bot;
use rampart_discord::registry::{CommandSpec, Gate, HandlerFuture};
use std::sync::Arc;

use rampart_discord::settings::{BotSettings, LiveSettings, SettingsStore};
use rampart_discord::{CustomId, Interaction, Reply};
use serde_json::{Value, json};

const RELEASE: &str = "111111111111111111";
const ADMIN: &str = "999999999999999999";
const OTHER: &str = "555555555555555555";

fn ran<'a>(_bot: &'a Bot, _i: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async { Ok(Reply::ephemeral("guarded ran")) })
}

fn clicked<'a>(_bot: &'a Bot, _i: &'a Interaction, id: &'a CustomId) -> HandlerFuture<'a> {
    Box::pin(async move { Ok(Reply::ephemeral(format!("clicked {}", id.action))) })
}

async fn bot(rbac: bool) -> Bot {
    let fixture = rampart_store::testing::embedded().await;
    let settings = BotSettings::from_matrix_file(
        &format!(r#"{{"commands": {{"guarded": ["{RELEASE}"]}}}}"#),
        None,
    )
    .unwrap();
    let live = LiveSettings::new(
        SettingsStore::new(fixture.store.clone(), Arc::new(settings)),
        fixture.clock.clone(),
        vec![ADMIN.to_owned()],
        rbac,
        None,
    );
    let guarded = CommandSpec {
        name: "guarded",
        description: "A role-gated test command",
        options: &[],
        gate: Gate::Roles,
        handler: ran,
        component: Some(clicked),
    };
    let mut commands = rampart_discord::registry::commands();
    commands.push(guarded);
    Bot::new(commands, Arc::new(live), fixture.store, fixture.clock)
}

fn interaction(kind: u8, data: Value, roles: Option<&[&str]>) -> Interaction {
    let mut body =
        json!({"type": kind, "id": "1", "token": "t", "application_id": "2", "data": data});
    match roles {
        Some(roles) => {
            body["member"] = json!({"roles": roles, "permissions": "0", "user": {"id": "42"}});
            body["guild_id"] = json!("777777777777777777");
        }
        None => body["user"] = json!({"id": "42"}),
    }
    Interaction::parse(body.to_string().as_bytes()).unwrap()
}

fn content(reply: &Reply) -> String {
    reply.to_json()["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn gated_commands_and_their_buttons_check_roles() {
    let bot = bot(true).await;
    let command = |roles| interaction(2, json!({"name": "guarded"}), roles);
    let button = |roles| interaction(3, json!({"custom_id": "guarded:approve:01J"}), roles);
    let cases: [(Option<&[&str]>, bool); 4] = [
        (Some(&[RELEASE]), true),
        (Some(&[ADMIN, OTHER]), true),
        (Some(&[OTHER]), false),
        (None, false),
    ];
    for (roles, allowed) in cases {
        let reply = bot.handle(&command(roles)).await;
        assert_eq!(
            content(&reply) == "guarded ran",
            allowed,
            "command with {roles:?}"
        );
        assert_eq!(
            reply.to_json()["data"]["flags"],
            64,
            "answers are ephemeral"
        );
        let click = bot.handle(&button(roles)).await;
        assert_eq!(
            content(&click) == "clicked approve",
            allowed,
            "button with {roles:?}"
        );
    }
    let denied = content(&bot.handle(&command(Some(&[OTHER]))).await);
    assert!(
        denied.contains(&format!("<@&{RELEASE}>")) && denied.contains(&format!("<@&{ADMIN}>")),
        "{denied}"
    );
    assert!(denied.contains("Ask a server admin"), "{denied}");
    let dm = content(&bot.handle(&command(None)).await);
    assert!(dm.contains("server channel"), "{dm}");
}

#[tokio::test]
async fn help_lists_only_what_the_member_may_run() {
    let bot = bot(true).await;
    let help = |roles| interaction(2, json!({"name": "help"}), roles);
    let member = content(&bot.handle(&help(Some(&[OTHER]))).await);
    assert!(member.contains("/help") && member.contains("/status-digest"));
    assert!(!member.contains("/guarded"), "{member}");
    let release = content(&bot.handle(&help(Some(&[RELEASE]))).await);
    assert!(release.contains("/guarded"), "{release}");
}

#[tokio::test]
async fn unknown_commands_and_foreign_buttons_get_ephemeral_answers() {
    let bot = bot(true).await;
    let unknown = bot
        .handle(&interaction(2, json!({"name": "nope"}), Some(&[OTHER])))
        .await;
    assert!(content(&unknown).contains("/help"));
    for custom_id in ["hello", "nope:x:1", "help:x:1"] {
        let reply = bot
            .handle(&interaction(
                3,
                json!({"custom_id": custom_id}),
                Some(&[RELEASE]),
            ))
            .await;
        assert_eq!(
            content(&reply),
            "This button is no longer active.",
            "{custom_id}"
        );
    }
}
