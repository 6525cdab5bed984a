//! Admin routes that read what the console shows beyond contract section 4: an account by its
//! address or id, the rate limits as applied, the release history.

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, Entry, Route, TableAccess};
use crate::handlers::{admin_rate_limits, admin_releases, admin_users};
use crate::openapi::{ApiSpec, PAGINATION, QueryParam, ok};

/// Admin views: accounts, rate limits, releases.
pub(super) const ROUTES: &[Entry] = entries![
    admin_users_find,
    admin_users_get,
    admin_rate_limits_get,
    admin_releases_list
];

fn email(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "format": "email", "minLength": 3, "maxLength": 254})
}

/// `?email=`: the account to find.
const FIND_QUERY: [QueryParam; 1] = [QueryParam {
    name: "email",
    description: "The account's email address (as registered, in any case).",
    required: true,
    schema: email,
}];

pub fn admin_users_find() -> Route {
    Route {
        access: Access::Permission("users:manage"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Users)],
        api: ApiSpec {
            query: &FIND_QUERY,
            responses: const { &[ok::<admin_users::ManagedUser>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/users",
            "admin-users-find",
            "finds an account by its email address: its role and grants (admins).",
            |s, c, r| admin_users::find(&s.auth, &s.audit, c, r),
        )
    }
}

pub fn admin_users_get() -> Route {
    Route {
        access: Access::Permission("users:manage"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Users)],
        api: ApiSpec {
            responses: const { &[ok::<admin_users::ManagedUser>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/users/{id}",
            "admin-users-get",
            "an account's role and grants (admins).",
            |s, c, r| admin_users::get(&s.auth, &s.audit, c, r),
        )
    }
}

pub fn admin_rate_limits_get() -> Route {
    Route {
        access: Access::Permission("security:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        api: ApiSpec {
            responses: const { &[ok::<admin_rate_limits::RateLimits>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/rate-limits",
            "admin-rate-limits-get",
            "every rate limit as this deployment applies it, overrides included (admins).",
            |s, c, r| admin_rate_limits::get(&s.config, &s.limiter, c, r),
        )
    }
}

pub fn admin_releases_list() -> Route {
    Route {
        access: Access::Permission("audit:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Intel)],
        api: ApiSpec {
            query: &PAGINATION,
            responses: const { &[ok::<admin_releases::ReleasePage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/admin/releases",
            "admin-releases-list",
            "the release history of 90 days, newest first: each release's steps and decisions (admins).",
            |s, c, r| admin_releases::list(&s.store, c, r),
        )
    }
}
