//! `/ship env strategy`: answers deferred at once and hands the release to the release worker,
//! which deploys, verifies and edits the answer into an embed with Promote / Rollback / Details.
//! A decision applies once (the decision is consumed by a conditional delete); a second click,
//! a click after the release expired (24 hours) or by a member without the role is refused.
//! An environment with roles of its own (`environment_roles` in the bot's settings) needs one
//! of them to ship there and to Promote or Roll back a release there.

use crate::bot::{Bot, BotError};
use crate::custom_id::CustomId;
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::release::{
    self, ENVIRONMENTS, PROMOTE_REQUESTED, ROLLBACK_REQUESTED, Release, ReleaseRequest, Releases,
    SHIP_REQUESTED, STRATEGIES, Status,
};
use crate::reply::Reply;

/// The value of the string option `name`, if it is one of `allowed`.
pub(crate) fn choice(interaction: &Interaction, name: &str, allowed: &[&str]) -> Option<String> {
    interaction
        .options()
        .into_iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value)
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|v| allowed.is_empty() || allowed.contains(&v.as_str()))
}

pub(crate) fn user_id(interaction: &Interaction) -> String {
    interaction
        .user
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), |u| u.id.clone())
}

/// The request for the worker, for this interaction.
pub(crate) fn request(interaction: &Interaction, release_id: &str, env: &str) -> ReleaseRequest {
    ReleaseRequest {
        release_id: release_id.to_owned(),
        env: env.to_owned(),
        strategy: None,
        git_ref: None,
        requested_by: user_id(interaction),
        application_id: interaction.application_id.clone(),
        interaction_token: interaction.token.expose().clone(),
    }
}

/// Hands `request` to the worker as `kind`; `None` when the conductor has no bus.
pub(crate) async fn hand_off(
    bot: &Bot,
    request: &ReleaseRequest,
    kind: &str,
) -> Result<Option<()>, BotError> {
    let Some(events) = &bot.events else {
        return Ok(None);
    };
    events
        .publish(request.event(kind))
        .await
        .map_err(|e| BotError::Handoff(e.to_string()))?;
    Ok(Some(()))
}

pub(crate) const NOT_CONFIGURED: &str =
    "The release conductor is not configured here (no event bus for its worker).";

/// `/ship`.
pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (Some(env), Some(strategy)) = (
            choice(interaction, "env", &ENVIRONMENTS),
            choice(interaction, "strategy", &STRATEGIES),
        ) else {
            return Ok(Reply::ephemeral(
                "`/ship` needs `env` (staging or prod) and `strategy` (canary or full).",
            ));
        };
        let id = rampart_core::ids::new_id();
        let mut req = request(interaction, &id, &env);
        req.strategy = Some(strategy.clone());
        let mut record = Release {
            id: id.clone(),
            env,
            strategy,
            requested_by: req.requested_by.clone(),
            status: Status::Requested,
            deployed: None,
            versions: Default::default(),
            verification: None,
            history: Vec::new(),
        };
        record.note(
            bot.clock.now_ms(),
            "ship requested",
            Some(&req.requested_by),
        );
        Releases {
            state: bot.state.clone(),
        }
        .put(&record)
        .await?;
        match hand_off(bot, &req, SHIP_REQUESTED).await? {
            Some(()) => {
                tracing::info!(correlation_id = %id, "ship handed to the release worker");
                Ok(Reply::Deferred { ephemeral: false })
            }
            None => Ok(Reply::ephemeral(NOT_CONFIGURED)),
        }
    })
}

/// Promote, Rollback, Details.
pub fn click<'a>(
    bot: &'a Bot,
    interaction: &'a Interaction,
    id: &'a CustomId,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let releases = Releases {
            state: bot.state.clone(),
        };
        let Some(mut record) = releases.get(&id.id).await? else {
            return Ok(Reply::ephemeral(
                "This release has expired (releases last 24 hours); run `/ship` again.",
            ));
        };
        let (kind, status, verb) = match id.action.as_str() {
            "details" => {
                let lines: Vec<String> = record
                    .history
                    .iter()
                    .map(|h| match &h.by {
                        Some(by) => format!("{} · {} (<@{by}>)", h.at, h.what),
                        None => format!("{} · {}", h.at, h.what),
                    })
                    .collect();
                return Ok(Reply::Message {
                    content: Some(format!(
                        "Release {} ({:?}):\n{}",
                        record.id,
                        record.status,
                        lines.join("\n")
                    )),
                    embeds: vec![release::embed(&record)],
                    buttons: Vec::new(),
                    ephemeral: true,
                });
            }
            "promote" => (PROMOTE_REQUESTED, Status::Promoting, "Promote"),
            "rollback" => (ROLLBACK_REQUESTED, Status::RollingBack, "Rollback"),
            _ => return Ok(Reply::ephemeral("This button is no longer active.")),
        };
        // Deciding a release needs what shipping to its environment needs.
        if let Err(denial) = bot.check_environment(&record.env, interaction) {
            return Ok(crate::bot::denied("ship", &denial));
        }
        if !releases.take_decision(&record.id).await? {
            return Ok(Reply::ephemeral(format!(
                "This release was already decided ({:?}); nothing more was done.",
                record.status
            )));
        }
        let by = user_id(interaction);
        record.status = status;
        record.note(bot.clock.now_ms(), format!("{verb} requested"), Some(&by));
        releases.put(&record).await?;
        let mut req = request(interaction, &record.id, &record.env);
        req.strategy = Some(record.strategy.clone());
        if hand_off(bot, &req, kind).await?.is_none() {
            return Ok(Reply::ephemeral(NOT_CONFIGURED));
        }
        tracing::info!(correlation_id = %record.id, decision = verb, "release decided");
        Ok(Reply::Update {
            content: Some(format!("{verb} requested by <@{by}>.")),
            embeds: vec![release::embed(&record)],
            buttons: Vec::new(),
        })
    })
}
