//! The Discord webhook's parts: its key, the bot with its settings, and the REST client.

use super::*;

/// The bot's settings on `store`: the built-in matrix and the deployment's status channel
/// until an admin stores others.
pub(crate) fn bot_settings(
    config: &Config,
    store: &SharedStore,
) -> Result<rampart_discord::settings::SettingsStore, StartError> {
    let built_in = rampart_discord::settings::BotSettings::built_in(
        rampart_discord::permissions::DEFAULT_MATRIX,
        config.discord_status_channel_id.clone(),
    )
    .map_err(|reason| StartError::Setting {
        variable: "DISCORD_STATUS_CHANNEL_ID (with the built-in permission matrix)",
        reason,
    })?;
    Ok(rampart_discord::settings::SettingsStore::new(
        store.clone(),
        Arc::new(built_in),
    ))
}

/// The webhook's key, the bot and, with a bot token, the REST client.
pub(super) fn discord(
    config: &Config,
    adapters: &Adapters,
    store: &SharedStore,
) -> Result<DiscordParts, StartError> {
    let key = config
        .discord_public_key
        .as_deref()
        .map(rampart_discord::PublicKey::from_hex)
        .transpose()
        .map_err(|error| StartError::Setting {
            variable: "DISCORD_PUBLIC_KEY",
            reason: error.to_string(),
        })?;
    let settings = rampart_discord::settings::LiveSettings::new(
        bot_settings(config, store)?,
        adapters.clock.clone(),
        config.admin_role_ids.clone(),
        config.enabled(Feature::Rbac),
        config.discord_guild_id.clone(),
    );
    let bot = rampart_discord::Bot::new(
        rampart_discord::registry::commands(),
        Arc::new(settings),
        store.clone(),
        adapters.clock.clone(),
    )
    .with_audit(Arc::new(AuditLog::new(
        store.clone(),
        adapters.clock.clone(),
        config.audit_retention_days,
    )));
    let api = match &adapters.secrets.discord_bot_token {
        Some(token) => Some(rest_client(config, adapters, Some(token.clone()))?),
        None => None,
    };
    Ok(DiscordParts { key, bot, api })
}

/// Discord's REST client at `DISCORD_API_BASE` (default: Discord's own), with `bot_token` when
/// its calls need one (webhook edits use the interaction's token instead).
pub(crate) fn rest_client(
    config: &Config,
    adapters: &Adapters,
    bot_token: Option<rampart_core::Masked<String>>,
) -> Result<Arc<dyn rampart_discord::rest::DiscordApi>, StartError> {
    let base = config
        .discord_api_base
        .clone()
        .unwrap_or_else(|| rampart_discord::rest::DEFAULT_BASE_URL.to_owned());
    let client = rampart_discord::rest::RestClient::new(
        base,
        bot_token,
        Arc::new(rampart_discord::rest::TokioSleeper),
        adapters.clock.clone(),
    )
    .map_err(|error| StartError::Setting {
        variable: "DISCORD_API_BASE",
        reason: error.to_string(),
    })?;
    Ok(Arc::new(client))
}
