//! The one command registry: names, descriptions, options, who may run each command and its
//! handlers. It drives dispatch, registration with Discord and docs/orchestrator/commands.md.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use crate::bot::Bot;
use crate::custom_id::CustomId;
use crate::interaction::Interaction;
use crate::reply::Reply;

/// The future a command or component handler returns.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Reply, crate::BotError>> + Send + 'a>>;
/// Handles a slash command.
pub type CommandHandler = for<'a> fn(&'a Bot, &'a Interaction) -> HandlerFuture<'a>;
/// Handles a click on one of the command's buttons.
pub type ComponentHandler = for<'a> fn(&'a Bot, &'a Interaction, &'a CustomId) -> HandlerFuture<'a>;

/// A fixed choice of a string option.
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    pub name: &'static str,
    pub value: &'static str,
}

/// A string option.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub choices: &'static [Choice],
}

/// Who may run a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Any member, and in DMs.
    Everyone,
    /// Members holding a role the permission matrix lists for the command (or an admin role).
    Roles,
}

/// One command.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub options: &'static [OptionSpec],
    pub gate: Gate,
    pub handler: CommandHandler,
    /// Handles `<name>:<action>:<id>` button clicks, when the command has buttons.
    pub component: Option<ComponentHandler>,
}

/// The environment option of the release commands.
const ENV: OptionSpec = OptionSpec {
    name: "env",
    description: "The environment",
    required: true,
    choices: &[
        Choice {
            name: "staging",
            value: "staging",
        },
        Choice {
            name: "prod",
            value: "prod",
        },
    ],
};

/// The features that switch themselves off when failing (the API's `degradation::DEGRADABLE`,
/// by name; a test of the API keeps the two lists the same).
pub const FEATURES: &[Choice] = &[
    Choice {
        name: "pr_intel",
        value: "pr_intel",
    },
    Choice {
        name: "flaky_detector",
        value: "flaky_detector",
    },
    Choice {
        name: "schema_diff",
        value: "schema_diff",
    },
    Choice {
        name: "synthetic_journey",
        value: "synthetic_journey",
    },
];

/// Every command the bot serves.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec {
            name: "status-digest",
            description: "Latency, error rate and test pass rate against the 7-day average",
            options: &[],
            gate: Gate::Everyone,
            handler: crate::commands::status_digest::run,
            component: Some(crate::commands::status_digest::click),
        },
        CommandSpec {
            name: "triage",
            description: "Urgent tickets, firing alerts, flaky tests and the riskiest open PRs",
            options: &[],
            gate: Gate::Roles,
            handler: crate::commands::triage::run,
            component: None,
        },
        CommandSpec {
            name: "verify-run",
            description: "Probe an environment and run the synthetic journey against it",
            options: &[ENV],
            gate: Gate::Roles,
            handler: crate::commands::verify_run::run,
            component: None,
        },
        CommandSpec {
            name: "ship",
            description: "Deploy, verify, then Promote or Roll back",
            options: &[
                ENV,
                OptionSpec {
                    name: "strategy",
                    description: "Canary (10 % first) or all at once",
                    required: true,
                    choices: &[
                        Choice {
                            name: "canary",
                            value: "canary",
                        },
                        Choice {
                            name: "full",
                            value: "full",
                        },
                    ],
                },
            ],
            gate: Gate::Roles,
            handler: crate::commands::ship::run,
            component: Some(crate::commands::ship::click),
        },
        CommandSpec {
            name: "deploy-client",
            description: "Deploy the web client at a git ref",
            options: &[
                ENV,
                OptionSpec {
                    name: "ref",
                    description: "A branch, tag or commit",
                    required: true,
                    choices: &[],
                },
            ],
            gate: Gate::Roles,
            handler: crate::commands::deploy_client::run,
            component: None,
        },
        CommandSpec {
            name: "restore-feature",
            description: "Switch back on a feature that switched itself off for failing",
            options: &[OptionSpec {
                name: "feature",
                description: "The feature",
                required: true,
                choices: FEATURES,
            }],
            gate: Gate::Roles,
            handler: crate::commands::restore_feature::run,
            component: None,
        },
        CommandSpec {
            name: "help",
            description: "The commands you may run here",
            options: &[],
            gate: Gate::Everyone,
            handler: crate::commands::help::run,
            component: None,
        },
    ]
}

/// The body of `PUT /applications/{id}/commands` (or the guild variant).
pub fn registration_body(commands: &[CommandSpec]) -> Value {
    Value::Array(
        commands
            .iter()
            .map(|c| {
                let options: Vec<Value> = c
                    .options
                    .iter()
                    .map(|o| {
                        json!({
                            "type": 3,
                            "name": o.name,
                            "description": o.description,
                            "required": o.required,
                            "choices": o.choices.iter().map(|ch| json!({"name": ch.name, "value": ch.value})).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"type": 1, "name": c.name, "description": c.description, "options": options})
            })
            .collect(),
    )
}

/// Registers every command with Discord (globally, or in one guild for fast iteration) after
/// checking the registry is valid; returns how many were registered.
pub async fn register(
    api: &dyn crate::rest::DiscordApi,
    application_id: &str,
    guild_id: Option<&str>,
) -> Result<usize, String> {
    let all = commands();
    let invalid = problems(&all);
    if !invalid.is_empty() {
        return Err(format!("the registry is invalid: {}", invalid.join("; ")));
    }
    api.put_commands(application_id, guild_id, &registration_body(&all))
        .await
        .map_err(|e| e.to_string())?;
    Ok(all.len())
}

/// What Discord would reject about the registry; empty when it is valid.
pub fn problems(commands: &[CommandSpec]) -> Vec<String> {
    let mut problems = Vec::new();
    let name_ok = |n: &str| {
        (1..=32).contains(&n.chars().count())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    let text_ok = |d: &str| (1..=100).contains(&d.chars().count());
    let mut names = std::collections::BTreeSet::new();
    if commands.len() > 100 {
        problems.push("more than 100 commands".to_owned());
    }
    for c in commands {
        if !names.insert(c.name) {
            problems.push(format!("/{} is registered twice", c.name));
        }
        if !name_ok(c.name) {
            problems.push(format!(
                "/{}: name must be 1..32 lower-case characters",
                c.name
            ));
        }
        if !text_ok(c.description) {
            problems.push(format!(
                "/{}: description must be 1..100 characters",
                c.name
            ));
        }
        if c.options.len() > 25 {
            problems.push(format!("/{}: more than 25 options", c.name));
        }
        for o in c.options {
            if !name_ok(o.name) || !text_ok(o.description) {
                problems.push(format!(
                    "/{} {}: invalid option name or description",
                    c.name, o.name
                ));
            }
            if o.choices.len() > 25 {
                problems.push(format!("/{} {}: more than 25 choices", c.name, o.name));
            }
            for ch in o.choices {
                if !text_ok(ch.name) || ch.value.is_empty() || ch.value.len() > 100 {
                    problems.push(format!(
                        "/{} {} {}: invalid choice",
                        c.name, o.name, ch.name
                    ));
                }
            }
        }
    }
    problems
}

/// The registry as Markdown, for docs/orchestrator/commands.md (a test keeps it current).
pub fn commands_markdown(commands: &[CommandSpec]) -> String {
    let mut out = String::from(
        "# Discord commands\n\nGenerated from the command registry in \
         `shared/discord/src/registry.rs`; a test fails when this file and the registry \
         disagree (regenerate with `RAMPART_BLESS=1 cargo test -p rampart-discord commands_doc`).\n\n\
         | command | options | who | buttons | description |\n|---|---|---|---|---|\n",
    );
    for c in commands {
        let options: Vec<String> = c
            .options
            .iter()
            .map(|o| {
                let choices: Vec<&str> = o.choices.iter().map(|ch| ch.value).collect();
                format!(
                    "`{}`{} ({})",
                    o.name,
                    if o.required { "" } else { "?" },
                    choices.join("\\|")
                )
            })
            .collect();
        let who = match c.gate {
            Gate::Everyone => "everyone",
            Gate::Roles if c.options.iter().any(|o| o.name == "env") => {
                "a role the bot's settings list for the command and, if they list any, for the \
                 environment; or `ADMIN_ROLE_IDS`"
            }
            Gate::Roles => "a role the bot's settings list for the command, or `ADMIN_ROLE_IDS`",
        };
        out.push_str(&format!(
            "| `/{}` | {} | {} | {} | {} |\n",
            c.name,
            if options.is_empty() {
                "-".to_owned()
            } else {
                options.join(", ")
            },
            who,
            if c.component.is_some() { "yes" } else { "-" },
            c.description
        ));
    }
    out
}

#[cfg(test)]
mod tests;
