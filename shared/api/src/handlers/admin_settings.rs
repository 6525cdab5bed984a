//! `GET|PUT /api/v1/admin/settings/discord`: the Discord bot's settings an admin changes
//! without a deploy (who may run which command, which environments need a role of their own,
//! whether and where the daily digest is posted). `PUT` replaces them whole, honours `If-Match`
//! against the document as `GET` shows it (and refuses a change that lost a race to another
//! with `412`), and stores the `configuration.discord_settings_changed` audit record in the
//! same transaction as the change. The functions that use them see a change within
//! [`rampart_discord::settings::CACHE_MS`].

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use rampart_audit::{AuditLog, Outcome};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock, Config, FieldError};
use rampart_discord::settings::{BotSettings, SettingsStore, StoredSettings, WriteError};
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::entity_tags::{etag, if_match_holds};
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// The audit event of a change.
pub const CHANGED: &str = "configuration.discord_settings_changed";

/// The settings item on `store`, with the built-in settings of `config`.
fn source(store: &SharedStore, config: &Config) -> Result<SettingsStore, ApiError> {
    let built_in = BotSettings::built_in(
        rampart_discord::permissions::DEFAULT_MATRIX,
        config.discord_status_channel_id.clone(),
    )
    .map_err(|reason| ApiError::Internal(reason.into()))?;
    Ok(SettingsStore::new(store.clone(), Arc::new(built_in)))
}

fn tag_of(document: &StoredSettings) -> String {
    etag(&serde_json::to_vec(document).unwrap_or_default())
}

fn tagged(document: &StoredSettings) -> Response<Bytes> {
    let mut response = response::json(StatusCode::OK, document);
    if let Ok(value) = HeaderValue::from_str(&tag_of(document)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// `GET /api/v1/admin/settings/discord`.
pub fn get<'a>(
    store: &'a SharedStore,
    config: &'a Config,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move { Ok(tagged(&source(store, config)?.read().await?)) })
}

/// `PUT /api/v1/admin/settings/discord`.
pub fn put<'a>(
    store: &'a SharedStore,
    config: &'a Config,
    clock: &'a dyn Clock,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let next: BotSettings = extract::body(ctx)?;
        let problems = next.problems();
        if !problems.is_empty() {
            return Err(ApiError::Validation(
                problems
                    .into_iter()
                    .map(|(field, message)| FieldError::new(field, message))
                    .collect(),
            ));
        }
        let caller = ctx
            .principal
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or(ApiError::Unauthenticated)?;
        let settings = source(store, config)?;
        let current = settings.read().await?;
        if !if_match_holds(req.headers(), &tag_of(&current)) {
            return Err(ApiError::PreconditionFailed);
        }
        let changed = next.changes_from(&current.settings);
        if changed.is_empty() {
            return Ok(tagged(&current));
        }
        let version = current.version + 1;
        let entry = audit.entry(
            ctx.audit_event(CHANGED, Outcome::Success)
                .target("settings:discord")
                .detail("changed", changed.join(","))
                .detail("version", version.to_string()),
        );
        let saved = settings
            .write(
                &next,
                current.version,
                &rfc3339(clock.now_ms()),
                &caller,
                vec![entry.write()],
            )
            .await
            .map_err(|error| match error {
                WriteError::Stale => ApiError::PreconditionFailed,
                WriteError::Store(error) => error.into(),
            })?;
        entry.committed();
        audit.tally(CHANGED).await;
        Ok(tagged(&saved))
    })
}
