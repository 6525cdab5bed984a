//! `/verify-run env`: answers deferred, and the release worker edits the answer into the
//! verification's embed (endpoint probes and the synthetic journey).

use crate::bot::Bot;
use crate::commands::ship::{NOT_CONFIGURED, choice, hand_off, request};
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::release::{ENVIRONMENTS, VERIFY_REQUESTED};
use crate::reply::Reply;

pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        let Some(env) = choice(interaction, "env", &ENVIRONMENTS) else {
            return Ok(Reply::ephemeral(
                "`/verify-run` needs `env` (staging or prod).",
            ));
        };
        let id = rampart_core::ids::new_id();
        match hand_off(bot, &request(interaction, &id, &env), VERIFY_REQUESTED).await? {
            Some(()) => Ok(Reply::Deferred { ephemeral: false }),
            None => Ok(Reply::ephemeral(NOT_CONFIGURED)),
        }
    })
}
