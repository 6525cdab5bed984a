//! `POST /discord/interactions`: Discord's interactions webhook.
//!
//! The signature is checked over the raw body before anything is parsed (401 on any failure);
//! a PING is answered `{"type": 1}` whatever else it holds; a signed body we cannot read is a
//! 400; an interaction id seen in the last 15 minutes has no second effect; everything else is
//! answered by the bot's dispatcher (`rampart_discord::Bot`).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{ApiError, FieldError};
use rampart_discord::interaction::kind_of;
use rampart_discord::{Interaction, InteractionKind};
use rampart_store::{AttrValue, Cond, StoreError, TTL_ATTRIBUTE, Table, keys};
use serde_json::json;

use rampart_core::Clock;
use rampart_store::Store;

use crate::context::RequestContext;
use crate::response;
use crate::state::{DiscordParts, HandlerFuture};

/// How long an interaction id is remembered against replays.
const REPLAY_WINDOW_SECS: i64 = 15 * 60;

/// Verifies, parses and answers one interaction.
pub fn post<'a>(
    discord: Option<&'a DiscordParts>,
    store: &'a dyn Store,
    clock: &'a dyn Clock,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let discord = discord.ok_or_else(|| {
            ApiError::Internal("the Discord port is not declared for this function".into())
        })?;
        let key = discord.key.as_ref().ok_or_else(|| {
            ApiError::ServiceUnavailable("DISCORD_PUBLIC_KEY is not configured".to_owned())
        })?;
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        key.verify(
            header("x-signature-ed25519"),
            header("x-signature-timestamp"),
            req.body(),
            clock.now_secs(),
        )
        .map_err(|reason| {
            tracing::info!(%reason, "discord signature refused");
            ApiError::Unauthenticated
        })?;
        let kind = kind_of(req.body()).map_err(invalid)?;
        if kind == InteractionKind::Ping {
            return Ok(response::json(StatusCode::OK, &json!({"type": 1})));
        }
        let interaction = Interaction::parse(req.body()).map_err(invalid)?;
        if !first_sighting(store, clock, &interaction.id).await? {
            return Ok(ephemeral("This interaction was already handled."));
        }
        let reply = discord.bot.handle(&interaction).await;
        Ok(response::json(StatusCode::OK, &reply.to_json()))
    })
}

fn invalid(error: impl std::fmt::Display) -> ApiError {
    ApiError::Validation(vec![FieldError::new("body", error.to_string())])
}

/// Remembers the interaction id; false when it was already seen within the window.
async fn first_sighting(store: &dyn Store, clock: &dyn Clock, id: &str) -> Result<bool, ApiError> {
    let now = clock.now_secs();
    let mut item = keys::state::interaction(id).to_item();
    item.insert(TTL_ATTRIBUTE.into(), AttrValue::n(now + REPLAY_WINDOW_SECS));
    match store
        .put(Table::State, item, Some(Cond::absent_or_expired(now)))
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed { .. }) => Ok(false),
        Err(other) => Err(ApiError::ServiceUnavailable(other.to_string())),
    }
}

fn ephemeral(content: &str) -> http::Response<Bytes> {
    response::json(
        StatusCode::OK,
        &rampart_discord::Reply::ephemeral(content).to_json(),
    )
}
