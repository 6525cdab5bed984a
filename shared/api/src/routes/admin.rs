//! Admin routes of contract section 4 beyond API keys (those are in `accounts.rs`).

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, Entry, Route, TableAccess};
use crate::handlers::admin_audit;
use crate::openapi::{ApiSpec, PAGINATION, QueryParam, ok};

/// Admin: the audit trail.
pub(super) const ROUTES: &[Entry] = entries![admin_audit_list];

fn text(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "minLength": 1, "maxLength": 128})
}

fn time(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "format": "date-time"})
}

const AUDIT_QUERY: [QueryParam; 6] = [
    QueryParam {
        name: "event",
        description: "Only this event (an event or an actor is needed).",
        schema: text,
    },
    QueryParam {
        name: "actor",
        description: "Only this actor's events.",
        schema: text,
    },
    QueryParam {
        name: "since",
        description: "Only events at or after this RFC 3339 time.",
        schema: time,
    },
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
];

pub fn admin_audit_list() -> Route {
    Route {
        access: Access::Permission("audit:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        // Read through its indexes; the query itself is recorded.
        tables: &[TableAccess::Read(Table::Audit)],
        api: ApiSpec {
            query: &AUDIT_QUERY,
            responses: const { &[ok::<admin_audit::AuditPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/audit",
            "admin-audit-list",
            "audit events by event or actor, newest first (admins).",
            |s, c, r| admin_audit::list(&s.store, &s.audit, c, r),
        )
    }
}
