//! Idempotency keys (contract section 1), one stage for every route that declares
//! `idempotent`: a request carrying `Idempotency-Key` runs at most once per caller, route and
//! key; a retry gets the first answer again.
//!
//! - The record's key is a digest of the caller (the user, or the API key), the route's
//!   function and the key, so two callers' keys never meet.
//! - The request's fingerprint is a digest of its method, path and body (the JSON body in
//!   canonical form, so whitespace and key order do not make a retry look different).
//! - The first request takes the record with a conditional write (`in_progress`, locked for
//!   [`LOCK_SECS`]): the write succeeds only where no record lives, the record has expired
//!   (expiry is read from the record, not left to the table's TTL sweep), or an earlier attempt
//!   crashed and its lock ran out. Exactly one of any number of concurrent requests wins.
//! - A response under 500 is stored (status, the headers a client relies on, body) by the
//!   attempt that holds the lock; a 5xx or an error releases the key, so a failed first attempt
//!   does not poison it. A handler whose effect is one transaction writes the answer in that
//!   same transaction ([`Answer`]): the effect and its answer are stored together or not at
//!   all, and the request costs no further round trip.
//! - A later request with the key: another fingerprint is `422 idempotency_key_reused`; the
//!   same one gets the stored answer with `Idempotent-Replayed: true`, or `409
//!   idempotency_in_progress` with `Retry-After: 1` while the first still runs.

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use rampart_core::ApiError;
use rampart_rbac::PrincipalKind;
use rampart_store::{AttrValue, Cond, Item, ItemExt, StoreError, TTL_ATTRIBUTE, Table, keys};
use sha2::{Digest, Sha256};

use crate::context::RequestContext;
use crate::idempotency::{Attempt, IdempotencyKey};
use crate::routes::Route;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The response header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long an attempt holds the key before another may take it over: longer than any
/// function runs (Lambda's timeout is 10 s).
pub const LOCK_SECS: i64 = 30;
/// What the stage decided before the handler.
pub(super) enum Begin {
    /// No key: the request runs as usual.
    Unkeyed,
    /// This attempt holds the key; [`Attempt::finish`] stores or releases it.
    Run(Attempt),
    /// The first answer, replayed.
    Replay(Response<Bytes>),
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// Takes the key of a request to an idempotent route, or answers from its record.
pub(super) async fn begin(
    state: &AppState,
    route: &Route,
    ctx: &RequestContext,
    parts: &Parts,
    body: &Bytes,
) -> Result<Begin, ApiError> {
    // Protected routes only: the guard has run, so a caller is known.
    let Some(principal) = &ctx.principal else {
        return Ok(Begin::Unkeyed);
    };
    let caller = match principal.kind {
        PrincipalKind::ApiKey => Caller::Key(&principal.id),
        _ => Caller::User(&principal.id),
    };
    match prepare(state, route, caller, ctx, parts, body)? {
        Some(attempt) => take(state, attempt).await,
        None => Ok(Begin::Unkeyed),
    }
}

/// Whose keys a record holds.
pub(super) enum Caller<'a> {
    /// A signed-in user, by id.
    User(&'a str),
    /// An API key, by id.
    Key(&'a str),
}

/// The attempt a keyed request to an idempotent route makes (`None`: no key, or not an
/// idempotent route); `400` for a malformed key.
pub(super) fn prepare(
    state: &AppState,
    route: &Route,
    caller: Caller<'_>,
    ctx: &RequestContext,
    parts: &Parts,
    body: &Bytes,
) -> Result<Option<Attempt>, ApiError> {
    if !route.idempotent {
        return Ok(None);
    }
    let Some(raw) = parts.headers.get(HEADER) else {
        return Ok(None);
    };
    let key = IdempotencyKey::parse(raw.as_bytes())?;
    let caller = match caller {
        Caller::Key(id) => format!("key:{id}"),
        Caller::User(id) => format!("user:{id}"),
    };
    let scope = sha256_hex(&[
        caller.as_bytes(),
        route.function.as_bytes(),
        key.as_str().as_bytes(),
    ]);
    let canonical = ctx
        .json
        .as_ref()
        .map(|json| Bytes::from(json.to_string()))
        .unwrap_or_else(|| body.clone());
    let fingerprint = sha256_hex(&[
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        &canonical,
    ]);
    let now = state.clock.now_secs();
    Ok(Some(Attempt {
        idempotency_key: key,
        key: keys::state::idempotency(&scope),
        id: rampart_core::ids::new_id(),
        fingerprint,
        expires_at: now + i64::from(state.config.idempotency_ttl_secs),
    }))
}

/// Takes the attempt's key with a conditional write, or answers from the record holding it.
pub(super) async fn take(state: &AppState, attempt: Attempt) -> Result<Begin, ApiError> {
    let now = state.clock.now_secs();
    let mut item = attempt.key.to_item();
    item.insert("state".into(), "in_progress".into());
    item.insert("attempt".into(), attempt.id.clone().into());
    item.insert("fingerprint".into(), attempt.fingerprint.clone().into());
    item.insert("locked_until".into(), (now + LOCK_SECS).into());
    item.insert(TTL_ATTRIBUTE.into(), attempt.expires_at.into());
    // Free when no live record holds the key, or when an attempt crashed holding it.
    let free = Cond::absent_or_expired(now)
        .or(Cond::eq("state", "in_progress").and(Cond::lt("locked_until", now)));
    match state.store.put(Table::State, item, Some(free)).await {
        Ok(()) => Ok(Begin::Run(attempt)),
        Err(StoreError::ConditionFailed { existing }) => {
            let Some(existing) = existing else {
                // Gone between the write and its answer: another attempt is finishing.
                return Err(ApiError::IdempotencyInProgress);
            };
            if existing.str_attr("fingerprint") != Some(attempt.fingerprint.as_str()) {
                return Err(ApiError::IdempotencyKeyReused);
            }
            match existing.str_attr("state") {
                Some("completed") => Ok(Begin::Replay(replay(&existing)?)),
                _ => Err(ApiError::IdempotencyInProgress),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// The stored answer, with `Idempotent-Replayed: true`.
fn replay(record: &Item) -> Result<Response<Bytes>, ApiError> {
    let unreadable = || ApiError::Internal("an idempotency record is unreadable".into());
    let status = record
        .i64_attr("status")
        .and_then(|n| u16::try_from(n).ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .ok_or_else(unreadable)?;
    let body = match record.get("body") {
        Some(AttrValue::B(bytes)) => Bytes::from(bytes.clone()),
        _ => return Err(unreadable()),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Some(AttrValue::M(headers)) = record.get("headers") {
        for (name, value) in headers {
            if let (Ok(name), AttrValue::S(value)) =
                (HeaderName::from_bytes(name.as_bytes()), value)
                && let Ok(value) = HeaderValue::from_str(value)
            {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        for ok in ["a", "order-42", "~!#$%&'*+.^_`|", &"k".repeat(255)] {
            assert!(IdempotencyKey::parse(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " ",
            "has space",
            "tab\t",
            "é",
            &"k".repeat(256),
            "line\n",
        ] {
            assert!(IdempotencyKey::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digests_keep_their_parts_apart() {
        assert_ne!(sha256_hex(&[b"ab", b"c"]), sha256_hex(&[b"a", b"bc"]));
    }
}
