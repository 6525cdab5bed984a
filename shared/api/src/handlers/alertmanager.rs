//! `POST /webhooks/alertmanager` (contract section 5): Alertmanager's webhook, authenticated by
//! `Authorization: Bearer <alertmanager_token>` (what Alertmanager's `http_config` sends) or
//! `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (a signing relay), both
//! compared in constant time before the body is read.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::{AuditLog, Outcome};
use rampart_core::metrics;
use rampart_core::secrets::SecretBundle;
use rampart_core::{ApiError, Clock};
use rampart_ops::alerts::{self, Incoming};
use rampart_ops::signature::{self, SignatureError};
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// The signature header of a signing relay.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";

/// The shortest token or HMAC secret used: a short one can be guessed.
const MIN_SECRET_BYTES: usize = 16;

fn usable(secret: Option<&rampart_core::Masked<String>>) -> Option<&[u8]> {
    secret
        .map(|s| s.expose().as_bytes())
        .filter(|s| s.len() >= MIN_SECRET_BYTES)
}

/// Whether the request is Alertmanager's (or its relay's).
fn authenticate(secrets: &SecretBundle, req: &Request<Bytes>) -> Result<(), ApiError> {
    let token = usable(secrets.alertmanager_token.as_ref());
    let hmac = usable(secrets.alertmanager_hmac_secret.as_ref());
    if token.is_none() && hmac.is_none() {
        return Err(ApiError::ServiceUnavailable(
            "neither alertmanager_token nor alertmanager_hmac_secret (16 bytes or more) is configured".into(),
        ));
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let invalid = || ApiError::feature(&rampart_ops::problems::INVALID_SIGNATURE);
    if let Some(signed) = header(SIGNATURE_HEADER) {
        let secret = hmac.ok_or_else(invalid)?;
        return signature::verify(secret, req.body(), Some(signed)).map_err(|e| match e {
            SignatureError::Missing => ApiError::Unauthenticated,
            SignatureError::Invalid => invalid(),
        });
    }
    if let Some(authorization) = header("authorization") {
        let token = token.ok_or_else(invalid)?;
        return if signature::bearer_matches(token, authorization) {
            Ok(())
        } else {
            Err(invalid())
        };
    }
    Err(ApiError::Unauthenticated)
}

/// How many refusals an audit record lists in full.
const AUDITED_REFUSALS: usize = 10;

/// Checks the sender, then stores every valid alert and reports the refused ones. Only a body
/// that is not Alertmanager's v4 webhook at all is a `400`: Alertmanager treats a 4xx as final
/// and would resend the whole group, valid alerts included, on every flush.
pub fn post<'a>(
    secrets: &'a SecretBundle,
    store: &'a SharedStore,
    clock: &'a dyn Clock,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        authenticate(secrets, &req)?;
        let incoming: Incoming = extract::json_bytes(&req)?;
        incoming.validate().map_err(ApiError::Validation)?;
        let status = incoming.status.clone();
        let received = alerts::record(store, incoming.sort(), clock.now_secs()).await?;
        tracing::info!(
            alerts = received.alerts,
            accepted = received.accepted,
            refused = received.refused.len(),
            status = status.as_str(),
            "Alertmanager notification stored"
        );
        if !received.refused.is_empty() {
            metrics::count_n(
                metrics::ALERTMANAGER_ALERTS_REFUSED,
                ("route", "webhooks-alertmanager"),
                received.refused.len() as u64,
                clock.now_ms(),
            );
            let listed = received
                .refused
                .iter()
                .take(AUDITED_REFUSALS)
                .map(|r| format!("{}:{}", r.index, r.field))
                .collect::<Vec<_>>()
                .join(",");
            let event = ctx
                .audit_event("alertmanager.alerts_refused", Outcome::Denied)
                .target("webhook:alertmanager")
                .detail("refused", received.refused.len().to_string())
                .detail("accepted", received.accepted.to_string())
                .detail("alerts", listed);
            if let Err(error) = audit.record(event).await {
                tracing::error!(%error, "refused alerts not audited");
            }
        }
        Ok(response::json(StatusCode::OK, &received))
    })
}
