//! What the pipeline knows about one request by the time a handler runs.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rampart_auth::User;
use rampart_core::RequestId;
use rampart_ratelimit::Decision;
use rampart_rbac::Principal;
use rampart_store::{Item, Key, Table};

/// Per-request facts gathered by the pipeline.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The request id, echoed in `X-Request-Id` and carried by every log line.
    pub request_id: RequestId,
    /// The client's address (see [`crate::client_ip`]).
    pub client_ip: IpAddr,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// The authenticated caller, if any.
    pub principal: Option<Principal>,
    /// The caller's account, when the caller is a signed-in user (read while authenticating).
    pub account: Option<User>,
    /// Values of the route's `{name}` path segments.
    pub path_params: BTreeMap<String, String>,
    /// The parsed body of a JSON route.
    pub json: Option<serde_json::Value>,
    /// The request's `Idempotency-Key`, parsed by the idempotency stage of an idempotent route.
    pub idempotency_key: Option<crate::idempotency::IdempotencyKey>,
    /// The key's record this request holds, for [`crate::idempotency::Answer`].
    pub(crate) idempotency: Option<crate::idempotency::Attempt>,
    /// Whether the handler's own transaction stored the answer to the key.
    answer_written: Arc<AtomicBool>,
    /// The rate-limit decision, when the route is limited.
    pub rate_limit: Option<Decision>,
    /// Whether the request presented an API key (`Authorization: Bearer rk_…`), valid or not:
    /// a refusal is then audited as the key's use denied.
    pub api_key_presented: bool,
    /// A decision a handler reached on a limit it checks itself (once it knows the account),
    /// reported with the response's headers and audited like the pipeline's.
    handler_rate_limit: Arc<Mutex<Option<Decision>>>,
    /// The item the route's prefetch named and what the store answered for it.
    prefetched: Option<(Table, Key, Option<Item>)>,
}

impl RequestContext {
    /// An audit event of this request: filed under the id the service gave the request (the
    /// caller's `X-Request-Id`, if any, kept as `client_request_id`), with the caller, its
    /// address and its user agent.
    pub fn audit_event(
        &self,
        name: &str,
        outcome: rampart_audit::Outcome,
    ) -> rampart_audit::AuditEvent {
        let mut event = rampart_audit::AuditEvent::new(name, outcome, self.request_id.own());
        if let Some(theirs) = self.request_id.caller_supplied() {
            event = event.detail("client_request_id", theirs);
        }
        event.actor = self.principal.as_ref().map(|p| p.id.clone());
        event.ip = Some(self.client_ip);
        event.user_agent = self.user_agent.clone();
        event
    }

    /// A context for a request that has not been through the pipeline yet.
    pub fn new(request_id: RequestId, client_ip: IpAddr, user_agent: Option<String>) -> Self {
        Self {
            request_id,
            client_ip,
            user_agent,
            api_key_presented: false,
            principal: None,
            account: None,
            path_params: BTreeMap::new(),
            json: None,
            idempotency_key: None,
            idempotency: None,
            answer_written: Arc::default(),
            rate_limit: None,
            handler_rate_limit: Arc::default(),
            prefetched: None,
        }
    }

    /// The item at `key` of `table` as the pipeline read it alongside authentication (see
    /// [`Prefetch`]): `Some(None)` when it does not exist, `None` when it was
    /// not read (the handler reads it then).
    pub fn prefetched(&self, table: Table, key: &Key) -> Option<Option<Item>> {
        self.prefetched
            .as_ref()
            .filter(|(t, k, _)| *t == table && k == key)
            .map(|(_, _, item)| item.clone())
    }

    /// Notes that the handler's transaction stored the answer to the request's key.
    pub(crate) fn note_answer_written(&self) {
        self.answer_written.store(true, Ordering::Relaxed);
    }

    /// Whether the handler's transaction stored the answer to the request's key.
    pub(crate) fn answer_written(&self) -> bool {
        self.answer_written.load(Ordering::Relaxed)
    }

    pub(crate) fn set_prefetched(&mut self, table: Table, key: Key, item: Option<Item>) {
        self.prefetched = Some((table, key, item));
    }

    /// Records the decision of a limit the handler checked; the tighter of it and the
    /// pipeline's is what the response reports.
    pub fn record_rate_limit(&self, decision: Decision) {
        if let Ok(mut slot) = self.handler_rate_limit.lock() {
            *slot = Some(decision);
        }
    }

    /// Folds a handler's decision into `rate_limit`.
    pub(crate) fn settle_rate_limit(&mut self) {
        let Some(decision) = self
            .handler_rate_limit
            .lock()
            .ok()
            .and_then(|mut s| s.take())
        else {
            return;
        };
        let tighter = !decision.allowed
            || self
                .rate_limit
                .as_ref()
                .is_none_or(|current| current.allowed && decision.remaining <= current.remaining);
        if tighter {
            self.rate_limit = Some(decision);
        }
    }

    /// A path parameter by name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.path_params.get(name).map(String::as_str)
    }
}

/// The item a handler reads first, named by what the request says (`None` when it names
/// none): on a protected route, the caller a verified access token claims and the path
/// parameters, read with the reads that authenticate; on a public route, the request itself
/// (a refresh token's session), read with the route's rate limit. It is read before anything
/// is confirmed, so a handler uses it only when its own key, from what it then authenticated,
/// is the same.
pub type Prefetch = fn(&PrefetchInput<'_>) -> Option<(rampart_store::Table, rampart_store::Key)>;

/// What a [`Prefetch`] names its item from.
pub struct PrefetchInput<'a> {
    /// The user a verified access token names (protected routes only).
    pub caller: Option<&'a str>,
    /// The route's path parameters.
    pub params: &'a std::collections::BTreeMap<String, String>,
    /// The request's head.
    pub parts: &'a http::request::Parts,
    /// The parsed body of a JSON route.
    pub json: Option<&'a serde_json::Value>,
}
