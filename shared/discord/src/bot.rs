//! The dispatcher: routes commands by name and button clicks by `custom_id` prefix, with the
//! same role check for both (Discord checks neither for us).

use std::sync::Arc;

use rampart_core::SharedClock;
use rampart_store::SharedStore;

use crate::custom_id::CustomId;
use crate::interaction::{Interaction, InteractionKind};
use crate::permissions::Denial;
use crate::registry::{CommandSpec, Gate};
use crate::reply::Reply;
use crate::settings::LiveSettings;
use crate::state::StateStore;

/// A handler failure; the member gets an ephemeral apology, the cause goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("store: {0}")]
    Store(#[from] rampart_store::StoreError),
    #[error("the request could not be handed to the release worker: {0}")]
    Handoff(String),
}

/// Everything a command handler may use.
pub struct Bot {
    pub commands: Vec<CommandSpec>,
    /// Who may run what (the settings an admin changes at run time).
    pub settings: Arc<LiveSettings>,
    pub store: SharedStore,
    pub clock: SharedClock,
    pub state: StateStore,
    /// Where release requests go to the release worker (`None`: the conductor is off).
    pub events: Option<rampart_core::events::SharedEventBus>,
    /// Where the commands that change settings record it (`None`: not recorded).
    pub audit: Option<Arc<rampart_audit::AuditLog>>,
}

impl Bot {
    /// A bot serving `commands`.
    pub fn new(
        commands: Vec<CommandSpec>,
        settings: Arc<LiveSettings>,
        store: SharedStore,
        clock: SharedClock,
    ) -> Self {
        Self {
            state: StateStore::new(store.clone(), clock.clone()),
            commands,
            settings,
            store,
            clock,
            events: None,
            audit: None,
        }
    }

    /// The same bot, recording setting changes in `audit`.
    pub fn with_audit(self, audit: Arc<rampart_audit::AuditLog>) -> Self {
        Self {
            audit: Some(audit),
            ..self
        }
    }

    /// The same bot, handing release requests to the worker through `events`.
    pub fn with_events(self, events: rampart_core::events::SharedEventBus) -> Self {
        Self {
            events: Some(events),
            ..self
        }
    }

    /// Whether the invoking member may run `spec` at all, by the settings last read (see
    /// [`LiveSettings::current`], which [`Bot::handle`] calls for gated commands).
    pub fn check(&self, spec: &CommandSpec, interaction: &Interaction) -> Result<(), Denial> {
        match spec.gate {
            Gate::Everyone => Ok(()),
            Gate::Roles => self.settings.matrix().check(
                spec.name,
                interaction.member.as_ref(),
                interaction.guild_id.as_deref(),
            ),
        }
    }

    /// Whether the invoking member may act on `env` (checked after [`Bot::check`]): an
    /// environment with roles of its own needs one of them.
    pub fn check_environment(&self, env: &str, interaction: &Interaction) -> Result<(), Denial> {
        self.settings
            .matrix()
            .check_environment(env, interaction.member.as_ref())
    }

    /// The gate of `spec` for this interaction: the command's roles, then, for a command with
    /// an `env` option, the environment's.
    async fn admit(&self, spec: &CommandSpec, interaction: &Interaction) -> Result<(), Denial> {
        if spec.gate == Gate::Everyone {
            return Ok(());
        }
        self.settings.current().await;
        self.check(spec, interaction)?;
        let env = crate::commands::ship::choice(interaction, "env", &[]);
        match env {
            Some(env) if spec.options.iter().any(|o| o.name == "env") => {
                self.check_environment(&env, interaction)
            }
            _ => Ok(()),
        }
    }

    /// Answers a command or a button click.
    pub async fn handle(&self, interaction: &Interaction) -> Reply {
        let result = match interaction.kind {
            InteractionKind::ApplicationCommand => self.command(interaction).await,
            InteractionKind::MessageComponent => self.component(interaction).await,
            _ => Ok(Reply::ephemeral(
                "This kind of interaction is not supported.",
            )),
        };
        result.unwrap_or_else(|error| {
            tracing::error!(%error, interaction_id = %interaction.id, "discord handler failed");
            Reply::ephemeral("Something went wrong on our side; try again in a moment.")
        })
    }

    async fn command(&self, interaction: &Interaction) -> Result<Reply, BotError> {
        let name = interaction.command_name().unwrap_or("?");
        let Some(spec) = self.commands.iter().find(|c| c.name == name) else {
            return Ok(Reply::ephemeral(format!(
                "`/{name}` is not a command this bot knows. Use `/help` to see what you may run."
            )));
        };
        if let Err(denial) = self.admit(spec, interaction).await {
            return Ok(denied(spec.name, &denial));
        }
        (spec.handler)(self, interaction).await
    }

    async fn component(&self, interaction: &Interaction) -> Result<Reply, BotError> {
        let parsed = interaction.custom_id().and_then(CustomId::parse);
        let found = parsed.as_ref().and_then(|id| {
            let spec = self.commands.iter().find(|c| c.name == id.command)?;
            Some((spec, spec.component?, id))
        });
        let Some((spec, handler, id)) = found else {
            return Ok(Reply::ephemeral("This button is no longer active."));
        };
        if let Err(denial) = self.admit(spec, interaction).await {
            return Ok(denied(spec.name, &denial));
        }
        handler(self, interaction, id).await
    }
}

/// The ephemeral refusal, naming the roles that may run the command and who to ask.
pub fn denied(command: &str, denial: &Denial) -> Reply {
    let text = match denial {
        Denial::DirectMessage => {
            format!("`/{command}` only works in a server channel, where your roles can be checked.")
        }
        Denial::OtherGuild => {
            format!("`/{command}` runs only in this team's own server.")
        }
        Denial::MissingRole { allowed } if allowed.is_empty() => format!(
            "You can't run `/{command}`: no role may run it yet. Ask an admin to add one to the \
             bot's settings."
        ),
        Denial::MissingEnvironmentRole { env, allowed } if allowed.is_empty() => format!(
            "You can't run `/{command}` against {env}: no role may act on {env} yet. Ask an \
             admin to add one to the bot's settings."
        ),
        Denial::MissingEnvironmentRole { env, allowed } => format!(
            "You can't run `/{command}` against {env}. {env} needs one of these roles: {}. Ask a \
             server admin to give you one.",
            mentions(allowed)
        ),
        Denial::MissingRole { allowed } => format!(
            "You can't run `/{command}`. It needs one of these roles: {}. Ask a server admin to \
             give you one.",
            mentions(allowed)
        ),
    };
    Reply::ephemeral(text)
}

fn mentions(roles: &[String]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
    roles.join(", ")
}
