//! `/restore-feature feature`: switches back on a feature that switched itself off because its
//! requests kept failing (the state item `degraded#<feature>`, written by the API's
//! degradation monitor), audited as `configuration.feature_restored`. Its routes answer again
//! within 30 seconds (the functions' cache of that state).

use rampart_store::{Cond, StoreError, Table, keys};

use crate::bot::Bot;
use crate::commands::ship::{choice, user_id};
use crate::interaction::Interaction;
use crate::registry::{FEATURES, HandlerFuture};
use crate::reply::Reply;

pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        let names: Vec<&str> = FEATURES.iter().map(|c| c.value).collect();
        let Some(feature) = choice(interaction, "feature", &names) else {
            return Ok(Reply::ephemeral(format!(
                "`/restore-feature` needs `feature`, one of {}.",
                names.join(", ")
            )));
        };
        let key = keys::state::degraded(&feature);
        match bot
            .store
            .delete(Table::State, &key, Some(Cond::exists("pk")))
            .await
        {
            Ok(_) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Ok(Reply::ephemeral(format!(
                    "`{feature}` is not switched off; nothing to restore."
                )));
            }
            Err(error) => return Err(error.into()),
        }
        let by = user_id(interaction);
        if let Some(audit) = &bot.audit {
            let mut event = rampart_audit::AuditEvent::new(
                "configuration.feature_restored",
                rampart_audit::Outcome::Success,
                interaction.id.clone(),
            )
            .target(format!("feature:{feature}"))
            .detail("via", "discord");
            event.actor = Some(format!("discord:{by}"));
            let _ = audit.record(event).await;
        }
        tracing::info!(feature = %feature, by = %by, "feature restored from Discord");
        Ok(Reply::ephemeral(format!(
            "`{feature}` is back on; its routes answer again within 30 seconds. If its \
             requests keep failing it switches off again."
        )))
    })
}
