//! Registers the bot's slash commands with Discord from the command registry.
//!
//! ```sh
//! DISCORD_APPLICATION_ID=... DISCORD_BOT_TOKEN=... [DISCORD_GUILD_ID=...] \
//!   cargo run -p rampart-local --bin register-commands
//! ```
//!
//! With `DISCORD_GUILD_ID` the commands are registered in that guild only (they appear at
//! once, which suits iteration); without it globally. `DISCORD_API_BASE` overrides the API root.

use std::sync::Arc;

use rampart_core::{Masked, SystemClock};
use rampart_discord::registry::register;
use rampart_discord::rest::{DEFAULT_BASE_URL, RestClient, TokioSleeper};

#[tokio::main]
async fn main() -> Result<(), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let application_id =
        var("DISCORD_APPLICATION_ID").ok_or("DISCORD_APPLICATION_ID is required")?;
    let token = var("DISCORD_BOT_TOKEN").ok_or("DISCORD_BOT_TOKEN is required")?;
    let guild_id = var("DISCORD_GUILD_ID");
    let base = var("DISCORD_API_BASE").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let api = RestClient::new(
        base,
        Some(Masked::new(token)),
        Arc::new(TokioSleeper),
        Arc::new(SystemClock),
    )
    .map_err(|e| e.to_string())?;
    let count = register(&api, &application_id, guild_id.as_deref()).await?;
    match guild_id {
        Some(guild) => println!("registered {count} commands in guild {guild}"),
        None => println!("registered {count} commands globally (they may take a while to appear)"),
    }
    Ok(())
}
