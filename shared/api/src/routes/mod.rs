//! The one route table. The local stack's router, the Lambda functions, `template.yaml`
//! (events and IAM policies) and docs/api/routes.md all follow it; tests prove they agree.

use http::Method;
pub use rampart_blob::BlobAccess;
use rampart_core::Feature;
use rampart_ratelimit::Policy;
use rampart_rbac::Permission;
use rampart_store::{Table, TableAccess};

use crate::openapi::ApiSpec;
use crate::state::Handler;

/// One entry of the table: the function building the route, and that function's path, which
/// a Lambda function's generated `main` names so that its binary links its own route alone.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// `rampart_api::routes::<module>::<function>`.
    pub path: &'static str,
    pub build: fn() -> Route,
}

/// The entries of a module's routes, each a `pub fn` named after its Lambda function.
macro_rules! entries {
    ($($name:ident),* $(,)?) => {
        &[$(super::Entry { path: concat!(module_path!(), "::", stringify!($name)), build: $name }),*]
    };
}

pub mod accounts;
pub mod admin;
pub mod admin_views;
pub mod community;
pub mod console;
pub mod internal;
pub mod knowledge;
pub mod media;
pub mod paths;
pub mod platform;
pub mod profile;
pub mod projects;
pub mod search;
pub mod sessions;
pub mod status;
pub mod support;
pub mod webhooks;

/// Who may call a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in caller holding this permission (`resource:action`).
    Permission(&'static str),
}

impl Access {
    /// The permission needed, parsed.
    pub fn permission(&self) -> Option<Permission> {
        match self {
            Self::Public => None,
            Self::Permission(p) => Permission::parse(p).ok(),
        }
    }
}

/// What body a route accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// None; anything sent is ignored.
    None,
    /// A JSON document (`application/json` or any `+json` type).
    Json,
    /// A JSON document that may also arrive under these extra media types.
    JsonAlso(&'static [&'static str]),
    /// Either no body at all, or a JSON document.
    OptionalJson,
}

/// A port beyond the store that a route's handler uses; each sets part of its function's
/// environment and IAM policy in `template.yaml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Port {
    /// The blob bucket (`BLOB_BUCKET`, object access).
    Blobs,
    /// The Discord application (`DISCORD_PUBLIC_KEY`, `ADMIN_ROLE_IDS`, `DISCORD_GUILD_ID`):
    /// the signature key, the command registry and permission matrix, the REST client.
    Discord,
    /// Account mail: SMTP when the secret holds `smtp_url`, else the log.
    Mailer,
    /// The GitHub and Google sign-in clients.
    OAuth,
    /// The PR risk scorer's sensitive-path globs (`PR_INTEL_SENSITIVE_PATHS`), compiled at
    /// start.
    PrRisk,
    /// Release requests handed to the release worker on the event bus (`EVENT_BUS_NAME`).
    Releases,
}

/// One route.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: Method,
    /// The path template, with `{name}` segments.
    pub path: &'static str,
    /// The Lambda function serving it (its folder under `functions/`).
    pub function: &'static str,
    /// One sentence on what the route does (docs, the function's description, OpenAPI).
    pub summary: &'static str,
    pub handler: Handler,
    pub access: Access,
    /// Whether the caller's email must be verified.
    pub verified: bool,
    pub rate_limit: Option<Policy>,
    /// The feature flag that switches the route off.
    pub feature: Option<Feature>,
    pub body: BodyKind,
    /// The tables the handler itself touches.
    pub tables: &'static [TableAccess],
    /// Whether the function needs the secret (signing keys, tokens) at cold start; the
    /// template gives exactly these functions `SECRETS_ARN` and read access to it.
    pub secrets: bool,
    /// The ports beyond the store that the handler uses.
    pub uses: &'static [Port],
    /// What the handler does with the bucket (with [`Port::Blobs`]); the IAM policy grants
    /// the matching S3 actions and nothing else.
    pub blobs: &'static [BlobAccess],
    /// Request and response bodies, for the OpenAPI document.
    pub api: ApiSpec,
    /// Whether an `Idempotency-Key` makes the request run at most once (the pipeline's
    /// idempotency stage; the record lives in the state table).
    pub idempotent: bool,
    /// The item the handler reads first, when the caller and the path name it: the pipeline
    /// reads it with the reads that authenticate, and the handler finds it in
    /// [`crate::context::RequestContext::prefetched`].
    pub prefetch: Option<Prefetch>,
    /// The memory (and with it the CPU) the route's function is given.
    pub memory: Memory,
}

/// How much memory a route's function gets on Lambda, which gives CPU in proportion (one vCPU
/// at 1,769 MB). Chosen by measurement: `infra/bench/sizing.py` measures each main request's
/// CPU and sequential store round trips, and docs/benchmarks.md ("Memory sized by
/// measurement") has the figures behind these sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Memory {
    /// A request that mostly waits for the store: at the smallest size its CPU time is still
    /// shorter than its store waits.
    #[default]
    Standard,
    /// A request that hashes or verifies a password with Argon2id (tens of milliseconds of one
    /// core by design): sized so that the hash takes at most 50 ms of wall time.
    PasswordHashing,
}

impl Memory {
    /// The function's `MemorySize`.
    pub const fn megabytes(self) -> u32 {
        match self {
            Self::Standard => 128,
            Self::PasswordHashing => 896,
        }
    }
}

pub use crate::context::{Prefetch, PrefetchInput};

impl Route {
    /// A public route with no body, no limit, no tables and no ports, to be filled in with
    /// struct update syntax (`Route { tables: &[..], ..Route::new(..) }`).
    pub fn new(
        method: Method,
        path: &'static str,
        function: &'static str,
        summary: &'static str,
        handler: Handler,
    ) -> Self {
        Self {
            method,
            path,
            function,
            summary,
            handler,
            access: Access::Public,
            verified: false,
            rate_limit: None,
            feature: None,
            body: BodyKind::None,
            tables: &[],
            secrets: false,
            uses: &[],
            blobs: &[],
            api: ApiSpec::UNDECLARED,
            idempotent: false,
            prefetch: None,
            memory: Memory::Standard,
        }
    }

    /// Whether the handler uses `port`.
    pub fn uses(&self, port: Port) -> bool {
        self.uses.contains(&port)
    }

    /// The `source` of every event the route publishes (mail requests, release requests):
    /// its IAM policy allows `events:PutEvents` with exactly these sources.
    pub fn event_sources(&self) -> Vec<&'static str> {
        let mut sources = Vec::new();
        if self.uses(Port::Mailer) {
            sources.push(rampart_core::events::SOURCE);
        }
        if self.uses(Port::Releases) {
            sources.push(rampart_core::events::RELEASE_SOURCE);
        }
        sources
    }

    /// Every table access of the route: the handler's, plus what the pipeline needs (the
    /// rate-limit table for limited routes, the audit table wherever a 401/403/429 can occur,
    /// the users and sessions tables where callers are authenticated).
    pub fn table_access(&self) -> Vec<TableAccess> {
        let mut all: Vec<TableAccess> = self.tables.to_vec();
        if self.access != Access::Public {
            all.push(TableAccess::Read(Table::Users));
            all.push(TableAccess::Read(Table::Sessions));
        }
        // Protected routes are limited per client before authentication, whatever their own
        // policy.
        if self.rate_limit.is_some() || self.access != Access::Public {
            all.push(TableAccess::Counter(Table::RateLimits));
        }
        if self.rate_limit.is_some() || self.access != Access::Public {
            // The audit hook only ever adds records.
            all.push(TableAccess::Append(Table::Audit));
        }
        if self.idempotent {
            all.push(TableAccess::Write(Table::State));
        }
        // A feature that switches off when failing reads, and may write, its state.
        if self.feature.is_some_and(crate::degradation::degradable) {
            all.push(TableAccess::Counter(Table::State));
        }
        // Every function reads, at cold start, the overrides the deployment last started with,
        // notes its own and records a change as a `configuration` event.
        all.push(TableAccess::Item(
            Table::State,
            rampart_store::keys::state::OVERRIDES_PK,
        ));
        all.push(TableAccess::Append(Table::Audit));
        TableAccess::normalize(all)
    }

    /// Whether the function needs the secret: it says so, or it authenticates callers (access
    /// tokens are verified with the signing keys).
    pub fn needs_secrets(&self) -> bool {
        self.secrets || self.limits_clients()
    }

    /// Whether the route counts requests per client (its own policy, or the per-client limit
    /// every protected route has before authentication): it then hashes client addresses
    /// under the secret's `rate_limit_key`.
    pub fn limits_clients(&self) -> bool {
        self.rate_limit.is_some() || self.access != Access::Public
    }

    /// Whether the method changes state.
    pub fn is_write(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// The function behind API Gateway's `$default` route: it serves no route of the table and
/// answers every unmatched request with the contract's 404 / 405 problem documents.
pub const FALLBACK_FUNCTION: &str = "fallback";

/// Every entry of the table, in order.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    [
        platform::ROUTES,
        accounts::ROUTES,
        sessions::ROUTES,
        internal::ROUTES,
        projects::ROUTES,
        support::ROUTES,
        community::ROUTES,
        status::ROUTES,
        profile::ROUTES,
        knowledge::ROUTES,
        webhooks::ROUTES,
        media::ROUTES,
        search::ROUTES,
        admin::ROUTES,
        admin_views::ROUTES,
        console::ROUTES,
    ]
    .into_iter()
    .flatten()
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    entries().map(|entry| (entry.build)()).collect()
}

#[cfg(test)]
mod tests;
