//! Profile and settings (contract section 3).

use http::Method;
use rampart_content::Profiles;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::profile;
use crate::openapi::{ApiSpec, ok, schema};

/// Profile and settings: read and replace.
pub(super) const ROUTES: &[Entry] = entries![profile_get, profile_put, settings_get, settings_put];

fn store(s: &crate::state::AppState) -> Profiles {
    Profiles::new(s.store.clone())
}

pub fn profile_get() -> Route {
    Route {
        access: Access::Permission("profile:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Profile>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/profile",
            "profile-get",
            "the caller's profile.",
            |s, c, r| profile::get_profile(store(s), c, r),
        )
    }
}

pub fn profile_put() -> Route {
    Route {
        access: Access::Permission("profile:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        // The avatar is checked against the caller's media records.
        tables: &[TableAccess::Write(Table::Content)],
        api: ApiSpec {
            request: Some(schema::<rampart_content::Profile>),
            responses: const { &[ok::<rampart_content::Profile>(200)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PUT,
            "/api/v1/profile",
            "profile-put",
            "replaces the caller's profile (honours If-Match).",
            |s, c, r| profile::put_profile(store(s), c, r),
        )
    }
}

pub fn settings_get() -> Route {
    Route {
        access: Access::Permission("settings:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Settings>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/settings",
            "settings-get",
            "the caller's settings.",
            |s, c, r| profile::get_settings(store(s), c, r),
        )
    }
}

pub fn settings_put() -> Route {
    Route {
        access: Access::Permission("settings:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Write(Table::Content)],
        api: ApiSpec {
            request: Some(schema::<rampart_content::Settings>),
            responses: const { &[ok::<rampart_content::Settings>(200)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PUT,
            "/api/v1/settings",
            "settings-put",
            "replaces the caller's settings (honours If-Match).",
            |s, c, r| profile::put_settings(store(s), c, r),
        )
    }
}
