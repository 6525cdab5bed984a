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
use rampart_core::{ApiError, FieldError};
use rampart_rbac::PrincipalKind;
use rampart_store::{AttrValue, Cond, Item, ItemExt, StoreError, TTL_ATTRIBUTE, Table, TxOp, keys};
use sha2::{Digest, Sha256};

use crate::context::RequestContext;
use crate::routes::Route;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The response header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long an attempt holds the key before another may take it over: longer than any
/// function runs (Lambda's timeout is 10 s).
pub const LOCK_SECS: i64 = 30;
/// The largest answer stored; a larger one is answered but not kept (the key is released).
const MAX_STORED_BODY: usize = 300 * 1024;
/// The response headers a replay repeats.
const KEPT_HEADERS: [HeaderName; 4] = [
    http::header::CONTENT_TYPE,
    http::header::LOCATION,
    http::header::ETAG,
    http::header::CACHE_CONTROL,
];

/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of `value`, or `400 validation_failed` naming the header.
    pub fn parse(value: &[u8]) -> Result<Self, ApiError> {
        let visible =
            (1..=255).contains(&value.len()) && value.iter().all(|b| (0x21..=0x7e).contains(b));
        match std::str::from_utf8(value) {
            Ok(text) if visible => Ok(Self(text.to_owned())),
            _ => Err(ApiError::Validation(vec![FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )])),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the stage decided before the handler.
pub(super) enum Begin {
    /// No key: the request runs as usual.
    Unkeyed,
    /// This attempt holds the key; [`Attempt::finish`] stores or releases it.
    Run(Attempt),
    /// The first answer, replayed.
    Replay(Response<Bytes>),
}

/// An attempt holding a key.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    /// The request's key.
    pub(super) idempotency_key: IdempotencyKey,
    key: rampart_store::Key,
    id: String,
    fingerprint: String,
    expires_at: i64,
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

impl Attempt {
    /// Releases the key of an attempt whose request stopped before its handler (its
    /// credentials were refused, say), so the key is free again at once.
    pub(super) async fn release(self, state: &AppState) {
        if let Err(error) = self.free(state).await {
            tracing::error!(%error, "idempotency key not released");
        }
    }

    /// Deletes this attempt's own record.
    async fn free(&self, state: &AppState) -> Result<(), StoreError> {
        state
            .store
            .delete(Table::State, &self.key, Some(self.ours()))
            .await
            .map(|_| ())
    }

    /// The record of `response` as this attempt's answer, when it is kept: under 500 and
    /// small enough.
    fn answer_item(&self, response: &Response<Bytes>) -> Option<Item> {
        if response.status().as_u16() >= 500 || response.body().len() > MAX_STORED_BODY {
            return None;
        }
        let mut item = self.key.to_item();
        item.insert("state".into(), "completed".into());
        item.insert("attempt".into(), self.id.clone().into());
        item.insert("fingerprint".into(), self.fingerprint.clone().into());
        item.insert(TTL_ATTRIBUTE.into(), self.expires_at.into());
        item.insert(
            "status".into(),
            i64::from(response.status().as_u16()).into(),
        );
        let mut headers = std::collections::BTreeMap::new();
        for name in &KEPT_HEADERS {
            if let Some(value) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
                headers.insert(name.as_str().to_owned(), AttrValue::s(value));
            }
        }
        item.insert("headers".into(), AttrValue::M(headers));
        item.insert("body".into(), AttrValue::B(response.body().to_vec()));
        Some(item)
    }

    /// The condition of every write to the record: this attempt still holds it.
    fn ours(&self) -> Cond {
        Cond::eq("attempt", self.id.clone())
    }

    /// Stores the answer (under 500) for replays, or releases the key (an error, a 5xx, an
    /// answer too large to keep). Only this attempt's own record is touched: one whose lock
    /// ran out and was taken over is left to its new holder. Nothing is written when the
    /// handler's own transaction already stored the answer (`written`).
    pub(super) async fn finish(
        self,
        state: &AppState,
        result: Result<Response<Bytes>, ApiError>,
        written: bool,
    ) -> Result<Response<Bytes>, ApiError> {
        if written && result.is_ok() {
            return result;
        }
        let answer = result.as_ref().ok().and_then(|r| self.answer_item(r));
        let keep = answer.is_some();
        let outcome = match answer {
            Some(item) => state.store.put(Table::State, item, Some(self.ours())).await,
            None => self.free(state).await,
        };
        if let Err(error) = outcome {
            // The answer stands; a retry with the key meets the lock until it runs out, then
            // runs again.
            tracing::error!(%error, stored = keep, "idempotency record not updated");
        }
        result
    }
}

/// A handler's answer to a request that may hold an `Idempotency-Key`, recorded in the same
/// transaction as the handler's own writes: a retry then finds the effect and its answer
/// together, and the request makes no further write after the handler's.
///
/// The handler gives [`Answer::record`] the response it will send once its transaction
/// commits, adds the writes it returns to that transaction, and sends
/// [`Answer::committed`]. A request without a key, or an answer not kept, adds no write;
/// the pipeline then stores or releases the key as usual.
pub struct Answer<'a> {
    ctx: &'a RequestContext,
    response: Option<Response<Bytes>>,
    recorded: bool,
}

impl<'a> Answer<'a> {
    /// The answer to the request of `ctx`, not given yet.
    pub fn new(ctx: &'a RequestContext) -> Self {
        Self {
            ctx,
            response: None,
            recorded: false,
        }
    }

    /// Takes `response` as the answer (replacing an earlier one, when the handler's write is
    /// retried) and returns the writes that record it.
    pub fn record(&mut self, response: Response<Bytes>) -> Vec<TxOp> {
        let write = self.ctx.idempotency.as_ref().and_then(|attempt| {
            attempt.answer_item(&response).map(|item| TxOp::Put {
                table: Table::State,
                item,
                cond: Some(attempt.ours()),
            })
        });
        self.recorded = write.is_some();
        self.response = Some(response);
        write.into_iter().collect()
    }

    /// The answer, once the transaction holding its record has committed.
    pub fn committed(self) -> Result<Response<Bytes>, ApiError> {
        let response = self
            .response
            .ok_or_else(|| ApiError::Internal("a handler committed no answer".into()))?;
        if self.recorded {
            self.ctx.note_answer_written();
        }
        Ok(response)
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
