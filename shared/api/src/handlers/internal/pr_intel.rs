//! `POST /internal/pr-intel/ingest` (signed with `X-Hub-Signature-256`) and
//! `GET /internal/pr-intel/{pr_number}` (API key with `internal:read`, or an admin).
//!
//! The signature is checked over the raw body before anything else reads it: an unsigned or
//! wrongly signed request learns nothing about what the body should look like.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, FieldError};
use rampart_ops::pr_intel::{self, Delivery, PrRecord, PrSubmission};
use rampart_ops::signature::{self, SignatureError};
use serde_json::json;

use rampart_core::Clock;
use rampart_core::secrets::SecretBundle;
use rampart_ops::pr_intel::SensitivePaths;
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// The header GitHub (and our CI steps) sign with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The shortest webhook secret accepted: a short one can be guessed offline from one signed
/// delivery.
const MIN_SECRET_BYTES: usize = 16;

/// Verifies, computes and stores a PR's record; answers it.
pub fn ingest<'a>(
    secrets: &'a SecretBundle,
    sensitive_paths: Option<&'a SensitivePaths>,
    store: &'a SharedStore,
    clock: &'a dyn Clock,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let secret = secrets.pr_intel_webhook_secret.as_ref().ok_or_else(|| {
            ApiError::ServiceUnavailable("pr_intel_webhook_secret is not configured".into())
        })?;
        if secret.expose().len() < MIN_SECRET_BYTES {
            return Err(ApiError::ServiceUnavailable(format!(
                "pr_intel_webhook_secret is shorter than {MIN_SECRET_BYTES} bytes"
            )));
        }
        let header = req
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok());
        signature::verify(secret.expose().as_bytes(), req.body(), header).map_err(|e| match e {
            SignatureError::Missing => ApiError::Unauthenticated,
            SignatureError::Invalid => ApiError::feature(&rampart_ops::problems::INVALID_SIGNATURE),
        })?;
        let submission: PrSubmission = extract::json_bytes(&req)?;
        submission.validate().map_err(ApiError::Validation)?;
        let sensitive_paths = sensitive_paths.ok_or_else(|| {
            ApiError::Internal("the PrRisk port is not declared for this function".into())
        })?;
        let record = PrRecord::compute(submission, sensitive_paths, rfc3339(clock.now_ms()));
        let digest = pr_intel::body_digest(req.body());
        match pr_intel::save(store, &record, &digest)
            .await
            .map_err(ApiError::from)?
        {
            Delivery::Stored => {}
            Delivery::Repeated(current) => {
                return Ok(response::json(StatusCode::OK, &json!(current)));
            }
            Delivery::Replayed => {
                tracing::warn!(
                    pr_number = record.pr_number,
                    "refused a replayed PR intel delivery"
                );
                return Err(ApiError::feature(&rampart_ops::problems::REPLAYED_DELIVERY));
            }
        }
        tracing::info!(
            pr_number = record.pr_number,
            risk_score = record.risk_score,
            "PR intel ingested"
        );
        Ok(response::json(StatusCode::OK, &json!(record)))
    })
}

/// A PR's stored record.
pub fn get<'a>(
    store: &'a SharedStore,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let number: u64 = ctx
            .param("pr_number")
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=1_000_000_000).contains(n))
            .ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    "pr_number",
                    "must be a whole number from 1 to 1000000000",
                )])
            })?;
        let record = pr_intel::load(store, number)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::ResourceNotFound)?;
        Ok(response::json(StatusCode::OK, &json!(record)))
    })
}
