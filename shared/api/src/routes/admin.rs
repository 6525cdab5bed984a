//! Admin routes of contract section 4 beyond API keys (those are in `accounts.rs`).

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::{
    admin_alerts, admin_audit, admin_export, admin_features, admin_security, admin_settings,
    admin_users,
};
use crate::openapi::{ApiSpec, PAGINATION, QueryParam, ok, schema};

/// Admin: the audit trail, roles and grants, the bot's settings.
pub(super) const ROUTES: &[Entry] = entries![
    admin_alerts_list,
    admin_audit_list,
    admin_export_get,
    admin_features_list,
    admin_features_restore,
    admin_security_summary,
    admin_settings_discord_get,
    admin_settings_discord_put,
    admin_users_role_put,
    admin_users_grants_create,
    admin_users_grants_delete
];

/// What role and grant changes touch: the account, the set of admins.
const USERS: TableAccess = TableAccess::Write(Table::Users);

pub fn admin_users_role_put() -> Route {
    Route {
        access: Access::Permission("users:manage"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[USERS],
        api: ApiSpec {
            request: Some(schema::<admin_users::RoleBody>),
            responses: const { &[ok::<admin_users::ManagedUser>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PUT,
            "/api/v1/admin/users/{id}/role",
            "admin-users-role-put",
            "sets an account's role; the last admin cannot be demoted (admins).",
            |s, c, r| admin_users::set_role(&s.auth, &s.audit, c, r),
        )
    }
}

pub fn admin_users_grants_create() -> Route {
    Route {
        access: Access::Permission("users:manage"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[USERS],
        api: ApiSpec {
            request: Some(schema::<admin_users::GrantBody>),
            responses: const { &[ok::<admin_users::ManagedUser>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/admin/users/{id}/grants",
            "admin-users-grants-create",
            "grants an account a known permission (admins).",
            |s, c, r| admin_users::grant(&s.auth, &s.audit, c, r),
        )
    }
}

pub fn admin_users_grants_delete() -> Route {
    Route {
        access: Access::Permission("users:manage"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[USERS],
        api: ApiSpec {
            request: Some(schema::<admin_users::GrantBody>),
            responses: const { &[ok::<admin_users::ManagedUser>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::DELETE,
            "/api/v1/admin/users/{id}/grants",
            "admin-users-grants-delete",
            "removes a permission granted to an account (admins).",
            |s, c, r| admin_users::revoke(&s.auth, &s.audit, c, r),
        )
    }
}

fn text(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "minLength": 1, "maxLength": 128})
}

fn time(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "format": "date-time"})
}

const AUDIT_QUERY: [QueryParam; 6] = [
    QueryParam {
        name: "event",
        description: "Only this event; without an event or an actor, every event of the last 7 days.",
        required: false,
        schema: text,
    },
    QueryParam {
        name: "actor",
        description: "Only this actor's events.",
        required: false,
        schema: text,
    },
    QueryParam {
        name: "since",
        description: "Only events at or after this RFC 3339 time.",
        required: false,
        schema: time,
    },
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
];

fn alert_status(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["firing", "resolved"]})
}

const ALERTS_QUERY: [QueryParam; 4] = [
    QueryParam {
        name: "status",
        description: "firing (default) or resolved.",
        required: false,
        schema: alert_status,
    },
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
];

pub fn admin_alerts_list() -> Route {
    Route {
        access: Access::Permission("alerts:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[
            TableAccess::Read(Table::Intel),
            TableAccess::Index(Table::Intel, Index::Gsi1),
        ],
        api: ApiSpec {
            query: &ALERTS_QUERY,
            responses: const { &[ok::<admin_alerts::AlertPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/alerts",
            "admin-alerts-list",
            "recent Alertmanager alerts by status, newest first (admins).",
            |s, c, r| admin_alerts::list(&s.store, c, r),
        )
    }
}

pub fn admin_security_summary() -> Route {
    Route {
        access: Access::Permission("security:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        // The counters live in the rate-limit table, which the pipeline already writes.
        tables: &[TableAccess::Read(Table::RateLimits)],
        api: ApiSpec {
            responses: const { &[ok::<crate::security_stats::SecuritySummary>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/security/summary",
            "admin-security-summary",
            "failed sign-ins, rate-limit violations and permission denials over 24 hours (admins).",
            |s, c, r| admin_security::get(&s.store, &*s.clock, &s.limiter, c, r),
        )
    }
}

pub fn admin_export_get() -> Route {
    Route {
        access: Access::Permission("exports:read"),
        verified: true,
        rate_limit: Some(Policy::Export),
        tables: &[
            TableAccess::Read(Table::Intel),
            TableAccess::Read(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Index(Table::Intel, Index::Gsi1),
        ],
        api: ApiSpec {
            responses: const { &[ok::<admin_export::AdminExport>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/export",
            "admin-export-get",
            "alerts, knowledge and status as one JSON document (admins, 5 a minute).",
            |s, c, r| admin_export::get(&s.store, &*s.clock, &s.audit, c, r),
        )
    }
}

pub fn admin_audit_list() -> Route {
    Route {
        access: Access::Permission("audit:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        // Read through its indexes; the query itself is recorded.
        tables: &[
            TableAccess::Read(Table::Audit),
            TableAccess::Index(Table::Audit, Index::Gsi1),
            TableAccess::Index(Table::Audit, Index::Gsi2),
        ],
        api: ApiSpec {
            query: &AUDIT_QUERY,
            responses: const { &[ok::<admin_audit::AuditPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/audit",
            "admin-audit-list",
            "audit events newest first: every event of the last 7 days, or by event or actor (admins).",
            |s, c, r| admin_audit::list(&s.store, &*s.clock, &s.audit, c, r),
        )
    }
}

pub fn admin_settings_discord_get() -> Route {
    Route {
        access: Access::Permission("configuration:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::State)],
        api: ApiSpec {
            responses: const { &[ok::<rampart_discord::settings::StoredSettings>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/settings/discord",
            "admin-settings-discord-get",
            "the Discord bot's settings in force: command roles, environment roles, daily digest (admins).",
            |s, c, r| admin_settings::get(&s.store, &s.config, c, r),
        )
    }
}

pub fn admin_settings_discord_put() -> Route {
    Route {
        access: Access::Permission("configuration:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        // The settings item, and the audit record of the change in the same transaction.
        tables: &[
            TableAccess::Write(Table::State),
            TableAccess::Append(Table::Audit),
        ],
        api: ApiSpec {
            request: Some(schema::<rampart_discord::settings::BotSettings>),
            responses: const { &[ok::<rampart_discord::settings::StoredSettings>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PUT,
            "/api/v1/admin/settings/discord",
            "admin-settings-discord-put",
            "replaces the Discord bot's settings, audited; functions see them within 30 s (admins).",
            |s, c, r| admin_settings::put(&s.store, &s.config, &*s.clock, &s.audit, c, r),
        )
    }
}

pub fn admin_features_list() -> Route {
    Route {
        access: Access::Permission("configuration:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::State)],
        api: ApiSpec {
            responses: const { &[ok::<admin_features::FeatureList>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/features",
            "admin-features-list",
            "the features that switch off when failing: flag, and whether switched off (admins).",
            |s, c, r| admin_features::list(&s.store, &s.config, c, r),
        )
    }
}

pub fn admin_features_restore() -> Route {
    Route {
        access: Access::Permission("configuration:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Write(Table::State)],
        api: ApiSpec {
            responses: const { &[crate::openapi::empty(204)] },
            path: &[FEATURE],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::DELETE,
            "/api/v1/admin/features/{feature}/degradation",
            "admin-features-restore",
            "switches back on a feature that switched off for failing, audited (admins).",
            |s, c, r| admin_features::restore(&s.store, &s.audit, c, r),
        )
    }
}

fn feature_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<String> = crate::degradation::DEGRADABLE
        .iter()
        .map(|f| crate::degradation::name(*f))
        .collect();
    schemars::json_schema!({"type": "string", "enum": names})
}

const FEATURE: QueryParam = QueryParam {
    name: "feature",
    description: "A feature that switches off when failing.",
    required: false,
    schema: feature_name,
};
