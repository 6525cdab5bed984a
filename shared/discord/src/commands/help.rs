//! `/help`: an ephemeral list of the commands this member may run here.

use crate::bot::Bot;
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::reply::Reply;

/// Lists the commands the member passes the role check for.
pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        bot.settings.current().await;
        let lines: Vec<String> = bot
            .commands
            .iter()
            .filter(|spec| bot.check(spec, interaction).is_ok())
            .map(|spec| format!("`/{}`: {}", spec.name, spec.description))
            .collect();
        Ok(Reply::ephemeral(format!(
            "Commands you may run here:\n{}",
            lines.join("\n")
        )))
    })
}
