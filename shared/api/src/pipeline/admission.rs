//! Admission: what runs before a route's handler once the route is known. Authentication,
//! the per-client limit and the handler's first read go out together; then CSRF, the access
//! guard and the route's rate limit.

use bytes::Bytes;
use rampart_core::ApiError;

use super::{App, csrf, guard, idempotency, rate_limit};
use crate::context::RequestContext;
use crate::routes::{Access, Route};
use crate::state::AppState;

impl App {
    /// Authentication, CSRF, the access guard and the rate limit. A route count made early
    /// (with the credentials' reads) and not used is left in `early`, to be given back.
    pub(super) async fn admit(
        state: &AppState,
        route: &Route,
        ctx: &mut RequestContext,
        parts: &mut http::request::Parts,
        body: &Bytes,
        early: &mut Early,
    ) -> Result<(), ApiError> {
        // Public routes never look at credentials: a stale cookie cannot break sign-in, and
        // they cost no user or session read.
        if route.access != Access::Public {
            // Protected routes count every request per client. A client already refused stops
            // at the deny cache, before any store call. Otherwise the per-client count, the
            // credentials' reads and, when a verified token names the caller, the route's
            // count for that caller all go out together: one sequential round trip. A refusal
            // of the per-client count still wins over whatever the credentials say.
            rate_limit::refuse_cached_pre_auth(state, ctx)?;
            let user = state.authenticator.claim(parts);
            // The handler's first read, when the route names one for this caller and path.
            let parts = &*parts;
            let first_read = user
                .as_deref()
                .and_then(|user| wanted(route, Some(user), ctx, parts));
            // The idempotency key, taken for the token's user (a malformed key is refused
            // in its usual place, after the guard).
            let keyed = user.as_deref().and_then(|user| {
                let caller = idempotency::Caller::User(user);
                idempotency::prepare(state, route, caller, ctx, parts, body)
                    .ok()
                    .flatten()
            });
            let (counted, caller, early_count, prefetched, taken) = futures_util::future::join5(
                rate_limit::enforce_pre_auth(state, ctx),
                state.authenticator.authenticate(parts),
                rate_limit::count_early(state, route, user),
                prefetch(state, first_read),
                async {
                    match keyed {
                        Some(attempt) => Some(idempotency::take(state, attempt).await),
                        None => None,
                    }
                },
            )
            .await;
            early.count = early_count;
            early.key = taken;
            if let Some((table, key, item)) = prefetched {
                ctx.set_prefetched(table, key, item);
            }
            counted?;
            if let Some(caller) = caller? {
                ctx.principal = Some(caller.principal);
                ctx.account = caller.account;
            }
        }
        csrf::check(state, route, ctx, parts)?;
        if let Err(refusal) = guard::authorize(route, ctx) {
            // A refused request spends the route's budget like an allowed one, so refusals
            // are bounded by the route's own limit (then the deny cache), not only by the
            // generous per-client limit before authentication.
            if ctx.principal.is_some() {
                rate_limit::enforce(state, route, ctx, parts, &mut early.count).await?;
            }
            return Err(refusal);
        }
        // A public route's first read, named by the request itself, goes out with its rate
        // limit; a client the deny cache refuses costs no read.
        let public_read = match route.access {
            Access::Public => wanted(route, None, ctx, parts),
            _ => None,
        };
        if public_read.is_some() {
            rate_limit::refuse_cached(state, route, ctx, parts)?;
        }
        let (limited, prefetched) = futures_util::future::join(
            rate_limit::enforce(state, route, ctx, parts, &mut early.count),
            prefetch(state, public_read),
        )
        .await;
        if let Some((table, key, item)) = prefetched {
            ctx.set_prefetched(table, key, item);
        }
        limited
    }
}

/// What the first wave did on the strength of a verified access token, before the store had
/// confirmed it: the route's count for the token's user, and the idempotency key taken for
/// that user. Undone when the request is refused before its handler.
#[derive(Default)]
pub(super) struct Early {
    pub(super) count: Option<rampart_ratelimit::Counted>,
    pub(super) key: Option<Result<idempotency::Begin, ApiError>>,
}

/// The item `route` names for its handler to find read ahead, if it names one.
fn wanted(
    route: &Route,
    caller: Option<&str>,
    ctx: &RequestContext,
    parts: &http::request::Parts,
) -> Option<(rampart_store::Table, rampart_store::Key)> {
    let prefetch = route.prefetch?;
    prefetch(&crate::routes::PrefetchInput {
        caller,
        params: &ctx.path_params,
        parts,
        json: ctx.json.as_ref(),
    })
}

/// Reads a route's prefetched item; a failed read is left to the handler, which reads again.
async fn prefetch(
    state: &AppState,
    wanted: Option<(rampart_store::Table, rampart_store::Key)>,
) -> Option<(
    rampart_store::Table,
    rampart_store::Key,
    Option<rampart_store::Item>,
)> {
    let (table, key) = wanted?;
    let item = state.store.get(table, &key).await.ok()?;
    Some((table, key, item))
}
