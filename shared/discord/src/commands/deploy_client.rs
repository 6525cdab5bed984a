//! `/deploy-client env ref`: hands a deploy of the web client to the release worker and
//! confirms, ephemerally.

use crate::bot::Bot;
use crate::commands::ship::{NOT_CONFIGURED, choice, hand_off, request};
use crate::interaction::Interaction;
use crate::registry::HandlerFuture;
use crate::release::{DEPLOY_CLIENT_REQUESTED, ENVIRONMENTS};
use crate::reply::Reply;

/// Git refs accepted: a branch, tag or commit name, no spaces or shell-looking characters, and
/// nothing a tool would read as an option (a leading `-`) or a path (a leading `/` or `.`).
fn ref_ok(git_ref: &str) -> bool {
    (1..=100).contains(&git_ref.len())
        && git_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !git_ref.contains("..")
        && !git_ref.starts_with(['-', '/', '.'])
        && !git_ref.ends_with(['/', '.'])
}

pub fn run<'a>(bot: &'a Bot, interaction: &'a Interaction) -> HandlerFuture<'a> {
    Box::pin(async move {
        let env = choice(interaction, "env", &ENVIRONMENTS);
        let git_ref = choice(interaction, "ref", &[]).filter(|r| ref_ok(r));
        let (Some(env), Some(git_ref)) = (env, git_ref) else {
            return Ok(Reply::ephemeral(
                "`/deploy-client` needs `env` (staging or prod) and `ref` (a branch, tag or commit).",
            ));
        };
        let id = rampart_core::ids::new_id();
        let mut req = request(interaction, &id, &env);
        req.git_ref = Some(git_ref.clone());
        match hand_off(bot, &req, DEPLOY_CLIENT_REQUESTED).await? {
            Some(()) => Ok(Reply::ephemeral(format!(
                "Deploy of the web client at `{git_ref}` to {env} requested (release {id})."
            ))),
            None => Ok(Reply::ephemeral(NOT_CONFIGURED)),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn refs_are_names_not_commands() {
        for good in ["main", "v1.2.3", "release/2026-11", "a1b2c3d"] {
            assert!(super::ref_ok(good), "{good}");
        }
        for bad in ["", "main; rm -rf /", "../etc", "a b", &"x".repeat(101)] {
            assert!(!super::ref_ok(bad), "{bad}");
        }
    }

    #[test]
    fn refs_that_a_tool_could_read_as_options_or_paths_are_refused() {
        for bad in [
            "-main",
            "--upload-pack=x",
            "/etc",
            ".hidden",
            "a..b",
            "main/",
        ] {
            assert!(!super::ref_ok(bad), "{bad}");
        }
    }
}
