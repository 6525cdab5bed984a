//! Routes of the platform itself: health, CSP reports, the Discord webhook.

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Port, Route, TableAccess};
use crate::handlers::{csp_report, discord_interactions, health};
use crate::openapi::{ApiSpec, empty, ok, schema};

/// Health, CSP reports and the Discord webhook.
pub(super) const ROUTES: &[Entry] = entries![health, csp_report, discord_interactions];

pub fn health() -> Route {
    Route {
        method: Method::GET,
        path: "/health",
        function: "health",
        summary: "liveness and store reachability.",
        handler: |s, c, r| health::get(&*s.store, s.version, c, r),
        access: Access::Public,
        verified: false,
        rate_limit: None,
        feature: None,
        body: BodyKind::None,
        tables: &[TableAccess::Read(Table::Health)],
        secrets: false,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            responses: const { &[ok::<health::Health>(200), ok::<health::Health>(503)] },
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn csp_report() -> Route {
    Route {
        method: Method::POST,
        path: "/csp-report",
        function: "csp-report",
        summary: "Content-Security-Policy violation reports.",
        handler: |s, c, r| csp_report::post(&*s.store, &*s.clock, c, r),
        access: Access::Public,
        verified: false,
        rate_limit: Some(Policy::Standard),
        feature: None,
        body: BodyKind::JsonAlso(&["application/csp-report"]),
        tables: &[TableAccess::Write(Table::Intel)],
        secrets: false,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            request: Some(schema::<csp_report::CspReports>),
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn discord_interactions() -> Route {
    Route {
        method: Method::POST,
        path: "/discord/interactions",
        function: "discord-interactions",
        summary: "the Discord interactions webhook.",
        handler: |s, c, r| {
            discord_interactions::post(s.discord.as_ref(), &*s.store, &*s.clock, c, r)
        },
        // Authenticated by Discord's Ed25519 signature in the handler, over the raw body.
        access: Access::Public,
        verified: false,
        rate_limit: None,
        feature: None,
        body: BodyKind::None,
        tables: &[
            TableAccess::Write(Table::State),
            TableAccess::Read(Table::Health),
            // `/triage`: tickets, firing alerts, flaky-test candidates.
            TableAccess::Read(Table::Content),
            TableAccess::Read(Table::Intel),
            // A bad signature answers 401, which the audit hook records like any other;
            // `/restore-feature` records its change, counted by category.
            TableAccess::Append(Table::Audit),
            TableAccess::Counter(Table::RateLimits),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Index(Table::Intel, Index::Gsi1),
        ],
        // The bot token for Discord's REST API.
        secrets: true,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        // Long work (a release) leaves the request as an event for the release worker.
        uses: &[Port::Discord, Port::Releases],
        api: ApiSpec {
            // Discord's interaction object, read after the signature check.
            request: Some(interaction),
            responses: const { &[ok::<serde_json::Value>(200)] },
            credentials: &[&["discordSignature"]],
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

/// The fields of Discord's interaction object that the endpoint reads: a PING (`type` 1)
/// with anything else, or an interaction with its id and token; everything else is ignored.
fn interaction(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let text_or_null = serde_json::json!({"type": ["string", "null"]});
    let user = serde_json::json!({"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "username": text_or_null}});
    let member = serde_json::json!({"type": "object", "properties": {
        "roles": {"type": "array", "items": {"type": "string"}},
        "permissions": text_or_null,
        "user": {"anyOf": [user, {"type": "null"}]},
    }});
    schemars::json_schema!({
        "description": "Discord's interaction object (the fields read; others are ignored).",
        "oneOf": [
            {"type": "object", "required": ["type"], "properties": {"type": {"const": 1}}},
            {"type": "object", "required": ["type", "id", "token"], "properties": {
                "type": {"type": "integer", "minimum": 0, "maximum": u64::MAX, "not": {"const": 1}},
                "id": {"type": "string"},
                "token": {"type": "string"},
                "application_id": text_or_null,
                "guild_id": text_or_null,
                "channel_id": text_or_null,
                "member": {"anyOf": [member, {"type": "null"}]},
                "user": {"anyOf": [user, {"type": "null"}]},
                "data": {},
            }},
        ],
    })
}
