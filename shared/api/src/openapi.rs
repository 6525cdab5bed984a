//! The OpenAPI 3.1 document, built from the route table: each route declares its request and
//! response bodies as Rust types ([`ApiSpec`]), whose JSON Schemas `schemars` derives; paths,
//! parameters, security and the problem responses follow from the rest of the route.
//! `cargo run -p rampart-codegen` writes it to docs/api/openapi.json.

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Derives the schema of a type, registering its definitions.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T` (a `$ref` into the document's components).
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A query parameter of a route.
#[derive(Clone, Copy, Debug)]
pub struct QueryParam {
    pub name: &'static str,
    pub description: &'static str,
    /// Whether the request must carry it (a path parameter always does).
    pub required: bool,
    /// The parameter's schema (as it reads in the query string: strings or integers).
    pub schema: SchemaFn,
}

/// A response a route gives when it succeeds.
#[derive(Clone, Copy, Debug)]
pub struct Success {
    pub status: u16,
    /// The body's schema; `None` for a response without a body.
    pub body: Option<SchemaFn>,
    /// The media types the body comes as.
    pub media: &'static [&'static str],
}

/// What a route accepts and answers, for the OpenAPI document.
#[derive(Clone, Copy, Debug)]
pub struct ApiSpec {
    /// The request body's schema, for routes that take a JSON body.
    pub request: Option<SchemaFn>,
    /// Other media types the request body may arrive as, beyond JSON (schema: a string).
    pub other_media: &'static [&'static str],
    pub query: &'static [QueryParam],
    /// The success responses; errors are problem documents, declared for every route.
    pub responses: &'static [Success],
    /// Path parameters whose schema is narrower than the default (1 to 128 characters).
    pub path: &'static [QueryParam],
    /// For a public route that checks a credential of its own (a webhook's signature, the
    /// Discord signature, the refresh cookie): the alternatives it accepts, each a list of
    /// [`SCHEMES`] names that go together; an empty alternative means "or none". Routes that
    /// need a permission leave this empty: theirs follow from [`Access`].
    pub credentials: &'static [&'static [&'static str]],
    /// Whether the route honours `If-Match` (a change refused with `412` when the resource's
    /// `ETag` differs).
    pub if_match: bool,
}

impl ApiSpec {
    /// Nothing declared yet; a test refuses a route left like this.
    pub const UNDECLARED: ApiSpec = ApiSpec {
        request: None,
        other_media: &[],
        query: &[],
        responses: &[],
        path: &[],
        credentials: &[],
        if_match: false,
    };
}

/// A success with a JSON body of type `T`.
pub const fn ok<T: JsonSchema>(status: u16) -> Success {
    Success {
        status,
        body: Some(schema::<T>),
        media: &["application/json"],
    }
}

fn text(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string"})
}

/// A success whose body is a web page.
pub const fn html(status: u16) -> Success {
    Success {
        status,
        body: Some(text),
        media: &["text/html"],
    }
}

/// A success whose body is a file of one of these media types.
pub const fn file(status: u16, media: &'static [&'static str]) -> Success {
    Success {
        status,
        body: Some(text),
        media,
    }
}

/// A success without a body.
pub const fn empty(status: u16) -> Success {
    Success {
        status,
        body: None,
        media: &[],
    }
}

fn page_number(_: &mut SchemaGenerator) -> Schema {
    // Numbered pages reach the first `MAX_NUMBERED_ITEMS` items: that many pages of one.
    schemars::json_schema!({"type": "integer", "minimum": 1,
        "maximum": rampart_content::listing::MAX_NUMBERED_ITEMS})
}

fn page_size(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "integer", "minimum": 1, "maximum": crate::extract::MAX_PAGE_SIZE})
}

fn cursor(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "minLength": 1})
}

/// `?page=&page_size=`: lists paged by number.
pub const PAGE_NUMBERS: [QueryParam; 2] = [
    QueryParam {
        name: "page",
        description: "The page, from 1.",
        required: false,
        schema: page_number,
    },
    QueryParam {
        name: "page_size",
        description: "Items per page, 1 to 100 (default 20).",
        required: false,
        schema: page_size,
    },
];

/// `?page=&page_size=&cursor=`: lists paged by number or by cursor.
pub const PAGINATION: [QueryParam; 3] = [
    PAGE_NUMBERS[0],
    PAGE_NUMBERS[1],
    QueryParam {
        name: "cursor",
        description: "Where the previous page stopped (its `next_cursor`); not with `page`. \
            Page numbers reach the first 1000 items (`page` × `page_size` ≤ 1000); the \
            cursor goes on from there.",
        required: false,
        schema: cursor,
    },
];

/// The security schemes a route may name, with what each means.
pub const SCHEMES: [(&str, &str); 9] = [
    (
        "bearer",
        "An access token (JWT) from `POST /api/v1/auth/token` or a sign-in.",
    ),
    (
        "apiKey",
        "An API key (`rk_...`) from `POST /api/v1/admin/api-keys`, as a bearer token.",
    ),
    (
        "cookie",
        "The `access_token` session cookie set by a sign-in.",
    ),
    (
        "csrf",
        "With the session cookie, every write sends `X-CSRF-Token` equal to the `XSRF-TOKEN` cookie.",
    ),
    (
        "refreshCookie",
        "The `refresh_token` cookie (path `/api/v1/auth`), rotated by every refresh.",
    ),
    (
        "alertmanagerBearer",
        "Alertmanager's `http_config` bearer credentials: `ALERTMANAGER_TOKEN`.",
    ),
    (
        "webhookSignature",
        "`X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.",
    ),
    (
        "hubSignature",
        "`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, PR_INTEL_WEBHOOK_SECRET)>`.",
    ),
    (
        "discordSignature",
        "`X-Signature-Ed25519`: Discord's Ed25519 signature over `X-Signature-Timestamp` and the raw body, checked against `DISCORD_PUBLIC_KEY`; a timestamp older than 5 minutes is refused.",
    ),
];

/// The document's tags: the first path segment after `/api/v1/` (or after `/`) names the
/// area, some merged into a neighbour. A test refuses a route whose area has no tag.
pub const TAGS: [(&str, &str); 14] = [
    (
        "auth",
        "Registration, sign-in, tokens, refresh, sessions, 2FA, password reset and OAuth.",
    ),
    (
        "account",
        "The caller's own account, profile, settings and data export.",
    ),
    (
        "admin",
        "Users, roles, grants, API keys, audit log, alerts and the security summary.",
    ),
    ("projects", "Projects, with ETags and `If-Match`."),
    ("support", "Support tickets."),
    ("community", "Community posts."),
    ("knowledge", "The knowledge base and its query."),
    ("media", "Media uploads through presigned URLs."),
    ("search", "Search across the caller's content."),
    ("status", "Service status, its events and the health check."),
    (
        "internal",
        "CI tooling: PR intelligence, test reports and flaky tests, schema diffs, the synthetic journey.",
    ),
    (
        "webhooks",
        "Alertmanager notifications and browsers' CSP reports.",
    ),
    ("discord", "The Discord interactions endpoint."),
    (
        "console",
        "The operator console's pages and their assets (HTML, script, stylesheet).",
    ),
];

/// The tag of a path.
pub fn tag_of(path: &str) -> &'static str {
    let rest = path.strip_prefix("/api/v1/").unwrap_or(&path[1..]);
    let area = rest.split('/').next().unwrap_or_default();
    let area = match area {
        "profile" | "settings" => "account",
        "health" => "status",
        "csp-report" => "webhooks",
        other => other,
    };
    TAGS.iter()
        .map(|(name, _)| *name)
        .find(|name| *name == area)
        .unwrap_or("")
}

mod document;
pub use document::document;

#[cfg(test)]
mod tests;
