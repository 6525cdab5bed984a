//! The request pipeline, declared per route in the route table:
//! request id → route match → body limit → content type and JSON → authentication → CSRF →
//! email-verified gate → RBAC → rate limit → idempotency key → handler → conditional GET (ETag,
//! 304) → audit → security headers.
//!
//! Each stage is a small function in its own module with its own tests.

mod admission;
mod audit_hook;
mod body;
pub(crate) mod conditional;
mod csrf;
mod edge;
mod guard;
pub mod idempotency;
mod rate_limit;
mod security_headers;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use rampart_core::{ApiError, RequestId};
use tracing::Instrument;

use crate::client_ip::{SourceIp, client_ip, client_ip_via_edge};
use crate::context::RequestContext;
use crate::response::problem;
use crate::router::{Match, Router};
use crate::routes::Route;
use crate::state::AppState;
use admission::Early;

const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The longest path parameter (`{id}`, `{pr_number}`, ...) a route is given.
const MAX_PATH_PARAM_BYTES: usize = 128;

/// The application: a router over a route table, and the state of each function serving it.
#[derive(Clone)]
pub struct App {
    /// The process-wide state: configuration for the stages before a route is known.
    state: Arc<AppState>,
    /// Each function's own state (its scoped store and its clients), by function name.
    functions: Arc<BTreeMap<&'static str, Arc<AppState>>>,
    router: Arc<Router>,
    /// The security headers that depend on the configuration alone.
    security: Arc<security_headers::Prepared>,
}

impl App {
    /// An app serving `routes`, all with one state (use [`crate::compose::build_app`] to
    /// give each function its own).
    pub fn new(state: AppState, routes: Vec<Route>) -> Self {
        Self::with_states(Arc::new(state), BTreeMap::new(), routes)
    }

    /// An app serving `routes`, each with its function's state from `functions` (or
    /// `state` for a function without one).
    pub fn with_states(
        state: Arc<AppState>,
        functions: BTreeMap<&'static str, Arc<AppState>>,
        routes: Vec<Route>,
    ) -> Self {
        Self {
            security: Arc::new(security_headers::Prepared::new(&state.config)),
            state,
            functions: Arc::new(functions),
            router: Arc::new(Router::new(routes)),
        }
    }

    /// The process-wide state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The state `function`'s handlers run with.
    pub fn function_state(&self, function: &str) -> &AppState {
        self.functions.get(function).unwrap_or(&self.state)
    }

    /// Changes every state before the app serves anything (tests replace a command
    /// registry this way). Fails once the app has been cloned.
    pub fn adjust(&mut self, change: impl Fn(&mut AppState)) -> Result<(), &'static str> {
        const SHARED: &str = "the app is already shared";
        let functions = Arc::get_mut(&mut self.functions).ok_or(SHARED)?;
        // A function whose state is the process-wide one (an app of one function) is changed
        // once, through the process-wide state.
        let same: Vec<&'static str> = functions
            .iter()
            .filter(|(_, state)| Arc::ptr_eq(state, &self.state))
            .map(|(name, _)| *name)
            .collect();
        for name in &same {
            functions.remove(name);
        }
        for state in functions.values_mut() {
            change(Arc::get_mut(state).ok_or(SHARED)?);
        }
        if let Some(state) = Arc::get_mut(&mut self.state) {
            change(state);
        }
        for name in same {
            functions.insert(name, self.state.clone());
        }
        self.security = Arc::new(security_headers::Prepared::new(&self.state.config));
        Ok(())
    }

    /// The routes served.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.router.routes()
    }

    /// Runs one request through the pipeline. Never fails: every error becomes a problem
    /// document, and every response carries the request id and the security headers.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let started = Instant::now();
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let request_id = RequestId::from_header(header("x-request-id"));
        let source = req.extensions().get::<SourceIp>().map(|s| s.0);
        let forwarded_for: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let edge = edge::check(&self.state.config, req.headers());
        let ip = match edge {
            edge::Edge::Vouched => {
                client_ip_via_edge(source, &forwarded_for, &self.state.config.trusted_proxies)
            }
            _ => client_ip(source, &forwarded_for, &self.state.config.trusted_proxies),
        };
        let user_agent = header("user-agent").map(str::to_owned);
        let mut ctx = RequestContext::new(request_id, ip, user_agent);
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        // `correlation_id` is what the caller sees in `X-Request-Id`; `request_id` is the id
        // the service gave the request, under which its audit records are filed.
        let span = tracing::info_span!(
            "request",
            correlation_id = %ctx.request_id,
            request_id = %ctx.request_id.own(),
            method = %method,
            path = %path,
        );
        // Boxed: the request's whole state machine is moved once, as a pointer, not copied
        // into the span's wrapper and on into the connection's future.
        Box::pin(async move {
            let (result, matched) = if edge == edge::Edge::Bypassed {
                (Err(ApiError::feature(&edge::ORIGIN_NOT_ALLOWED)), None)
            } else {
                self.run(req, &mut ctx).await
            };
            let function = matched.map(|(function, _)| function);
            let state = function.map_or(&*self.state, |f| self.function_state(f));
            ctx.settle_rate_limit();
            let mut undecryptable = None;
            let (mut response, code) = match result {
                Ok(response) => (response, None),
                Err(error) => {
                    if error.status() >= 500 {
                        tracing::error!(error = %error.chain(), "request failed");
                    }
                    if let ApiError::Internal(source) = &error {
                        undecryptable = rampart_audit::DecryptionFailed::find(&**source).cloned();
                    }
                    (problem(&error, ctx.request_id.as_str()), Some(error.code()))
                }
            };
            if let Some(failure) = undecryptable {
                audit_hook::decryption_failed(state, &ctx, failure).await;
            }
            // Refusals are counted and tallied by the route's template, so a caller choosing
            // ever new paths makes no new counters; the audit record keeps the path too.
            let route = matched.map_or(path.as_str(), |(_, template)| template);
            audit_hook::after(state, &ctx, route, &path, response.status(), code).await;
            if let Some(function) = function {
                audit_hook::count(function, response.status(), code, state.clock.now_ms());
            }
            if let Some(decision) = &ctx.rate_limit {
                for (name, value) in rampart_ratelimit::rate_limit_headers(decision) {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        response.headers_mut().insert(name, value);
                    }
                }
            }
            security_headers::apply(
                &self.security,
                &path,
                ctx.principal.is_some(),
                response.headers_mut(),
            );
            if let Ok(value) = HeaderValue::from_str(ctx.request_id.as_str()) {
                response.headers_mut().insert(X_REQUEST_ID, value);
            }
            let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            if let Some(traffic) = &state.traffic {
                traffic.record(
                    function.unwrap_or("fallback"),
                    response.status().as_u16(),
                    latency_us,
                    state.clock.now_ms(),
                );
            }
            tracing::info!(status = response.status().as_u16(), latency_us, "request");
            response
        })
        .instrument(span)
        .await
    }

    /// The response (or error), and the function and path template of the route that matched.
    async fn run(
        &self,
        req: Request<Bytes>,
        ctx: &mut RequestContext,
    ) -> (
        Result<Response<Bytes>, ApiError>,
        Option<(&'static str, &'static str)>,
    ) {
        let route = match self.router.find(req.method(), req.uri().path()) {
            Match::Found(route, params) => {
                // Ids we issue are short; a longer one names nothing, and refusing it here
                // keeps it out of store keys (which DynamoDB caps at 1 KB and 2 KB).
                if params.values().any(|v| v.len() > MAX_PATH_PARAM_BYTES) {
                    return (Err(ApiError::ResourceNotFound), None);
                }
                ctx.path_params = params;
                route
            }
            Match::MethodNotAllowed(allow) => {
                return (Err(ApiError::MethodNotAllowed { allow }), None);
            }
            Match::NotFound => return (Err(ApiError::NotFound), None),
        };
        let state = self.function_state(route.function);
        (
            Self::serve(state, route, req, ctx).await,
            Some((route.function, route.path)),
        )
    }

    /// The stages from the feature flag to the conditional GET, for a matched route.
    async fn serve(
        state: &AppState,
        route: &Route,
        req: Request<Bytes>,
        ctx: &mut RequestContext,
    ) -> Result<Response<Bytes>, ApiError> {
        if let Some(feature) = route.feature
            && !state.config.enabled(feature)
        {
            return Err(ApiError::FeatureDisabled);
        }
        // A feature switched off for failing answers at once, before any other work.
        let degradable = route.feature.filter(|f| crate::degradation::degradable(*f));
        if let Some(feature) = degradable
            && state
                .degradation
                .switched_off(&state.store, &*state.clock, feature)
                .await
                .is_some()
        {
            return Err(ApiError::FeatureDegraded {
                retry_after_secs: state.degradation.retry_after_secs(),
            });
        }
        body::check(route, &req, ctx)?;
        let (mut parts, body) = req.into_parts();
        ctx.api_key_presented = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.get(7..))
            .is_some_and(|token| token.trim_start().starts_with("rk_"));
        let mut early = Early::default();
        let admitted = Self::admit(state, route, ctx, &mut parts, &body, &mut early).await;
        if let Some(unspent) = early.count {
            rate_limit::give_back(state, unspent).await;
        }
        if let Err(refusal) = admitted {
            if let Some(Ok(idempotency::Begin::Run(attempt))) = early.key {
                attempt.release(&state.store).await;
            }
            return Err(refusal);
        }
        let method = parts.method.clone();
        let if_none_match: Vec<HeaderValue> = parts
            .headers
            .get_all(http::header::IF_NONE_MATCH)
            .iter()
            .cloned()
            .collect();
        let begin = match early.key {
            Some(taken) => taken?,
            None => idempotency::begin(state, route, ctx, &parts, &body).await?,
        };
        let attempt = match begin {
            idempotency::Begin::Unkeyed => None,
            idempotency::Begin::Run(attempt) => {
                ctx.idempotency_key = Some(attempt.idempotency_key.clone());
                ctx.idempotency = Some(attempt.clone());
                Some(attempt)
            }
            idempotency::Begin::Replay(response) => return Ok(response),
        };
        let result = (route.handler)(state, ctx, Request::from_parts(parts, body)).await;
        if let Some(feature) = degradable {
            let server_error = match &result {
                Ok(response) => response.status().is_server_error(),
                Err(error) => error.status() >= 500,
            };
            state
                .degradation
                .observe(
                    &state.store,
                    &*state.clock,
                    &state.audit,
                    ctx.request_id.as_str(),
                    feature,
                    server_error,
                )
                .await;
        }
        let mut response = match attempt {
            Some(attempt) => {
                let written = ctx.answer_written();
                attempt.finish(&state.store, result, written).await?
            }
            None => result?,
        };
        conditional::apply(&method, &if_none_match, &mut response);
        Ok(response)
    }
}
