//! An idempotency key's record as a request holds it: the key, the attempt holding its
//! record, and the answer a handler records in its own transaction ([`Answer`]). The pipeline
//! stage that takes keys and replays answers is [`crate::pipeline::idempotency`], which says
//! how the records work.

use bytes::Bytes;
use http::{HeaderName, Response};
use rampart_core::{ApiError, FieldError};
use rampart_store::{AttrValue, Cond, Item, SharedStore, StoreError, TTL_ATTRIBUTE, Table, TxOp};

use crate::context::RequestContext;

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

/// An attempt holding a key.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    /// The request's key.
    pub(crate) idempotency_key: IdempotencyKey,
    pub(crate) key: rampart_store::Key,
    pub(crate) id: String,
    pub(crate) fingerprint: String,
    pub(crate) expires_at: i64,
}

impl Attempt {
    /// Releases the key of an attempt whose request stopped before its handler (its
    /// credentials were refused, say), so the key is free again at once.
    pub(crate) async fn release(self, store: &SharedStore) {
        if let Err(error) = self.free(store).await {
            tracing::error!(%error, "idempotency key not released");
        }
    }

    /// Deletes this attempt's own record.
    async fn free(&self, store: &SharedStore) -> Result<(), StoreError> {
        store
            .delete(Table::State, &self.key, Some(self.ours()))
            .await
            .map(|_| ())
    }

    /// The record of `response` as this attempt's answer, when it is kept: under 500 and
    /// small enough.
    pub(crate) fn answer_item(&self, response: &Response<Bytes>) -> Option<Item> {
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
    pub(crate) fn ours(&self) -> Cond {
        Cond::eq("attempt", self.id.clone())
    }

    /// Stores the answer (under 500) for replays, or releases the key (an error, a 5xx, an
    /// answer too large to keep). Only this attempt's own record is touched: one whose lock
    /// ran out and was taken over is left to its new holder. Nothing is written when the
    /// handler's own transaction already stored the answer (`written`).
    pub(crate) async fn finish(
        self,
        store: &SharedStore,
        result: Result<Response<Bytes>, ApiError>,
        written: bool,
    ) -> Result<Response<Bytes>, ApiError> {
        if written && result.is_ok() {
            return result;
        }
        let answer = result.as_ref().ok().and_then(|r| self.answer_item(r));
        let keep = answer.is_some();
        let outcome = match answer {
            Some(item) => store.put(Table::State, item, Some(self.ours())).await,
            None => self.free(store).await,
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
