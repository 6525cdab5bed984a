//! Accounts and auth (contract section 2) and API keys (section 4).

use http::Method;
use rampart_core::Feature;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BodyKind, Route, TableAccess};
use crate::handlers::{account, account_export, admin_api_keys, auth};
use crate::state::Handler;

/// A public route with no body, no limit and no tables, to be filled in.
fn route(method: Method, path: &'static str, function: &'static str, handler: Handler) -> Route {
    Route {
        method,
        path,
        function,
        handler,
        access: Access::Public,
        verified: false,
        rate_limit: None,
        feature: None,
        body: BodyKind::None,
        tables: &[],
        secrets: false,
        blobs: false,
    }
}

const USERS: TableAccess = TableAccess::Write(Table::Users);
const SESSIONS: TableAccess = TableAccess::Write(Table::Sessions);
const READ_USERS: TableAccess = TableAccess::Read(Table::Users);
const STATE: TableAccess = TableAccess::Write(Table::State);

/// The account routes.
pub(super) fn routes() -> Vec<Route> {
    let post = Method::POST;
    vec![
        Route {
            rate_limit: Some(Policy::AuthCredentials),
            body: BodyKind::Json,
            tables: &[USERS],
            // Mail goes out through the secret's SMTP URL.
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/register",
                "auth-register",
                auth::register::post,
            )
        },
        Route {
            rate_limit: Some(Policy::Auth),
            body: BodyKind::Json,
            tables: &[USERS],
            ..route(
                post.clone(),
                "/api/v1/auth/verify-email",
                "auth-verify-email",
                auth::verify_email::post,
            )
        },
        Route {
            rate_limit: Some(Policy::ResendVerification),
            body: BodyKind::Json,
            tables: &[USERS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/resend-verification",
                "auth-resend-verification",
                auth::resend_verification::post,
            )
        },
        Route {
            rate_limit: Some(Policy::AuthPassword),
            body: BodyKind::Json,
            tables: &[READ_USERS, SESSIONS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/login",
                "auth-login",
                auth::login::post,
            )
        },
        Route {
            rate_limit: Some(Policy::AuthPassword),
            body: BodyKind::Json,
            tables: &[READ_USERS, SESSIONS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/token",
                "auth-token",
                auth::token::post,
            )
        },
        Route {
            rate_limit: Some(Policy::Auth),
            body: BodyKind::OptionalJson,
            tables: &[READ_USERS, SESSIONS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/refresh",
                "auth-refresh",
                auth::refresh::post,
            )
        },
        Route {
            rate_limit: Some(Policy::Auth),
            body: BodyKind::OptionalJson,
            tables: &[SESSIONS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/logout",
                "auth-logout",
                auth::logout::post,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            verified: true,
            rate_limit: Some(Policy::Auth),
            feature: Some(Feature::TwoFactor),
            tables: &[USERS],
            ..route(
                post.clone(),
                "/api/v1/auth/2fa/setup",
                "auth-2fa-setup",
                auth::two_factor::setup,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            verified: true,
            rate_limit: Some(Policy::Auth),
            feature: Some(Feature::TwoFactor),
            body: BodyKind::Json,
            tables: &[USERS],
            // Mails the owner.
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/2fa/enable",
                "auth-2fa-enable",
                auth::two_factor::enable,
            )
        },
        Route {
            rate_limit: Some(Policy::AuthCredentials),
            feature: Some(Feature::TwoFactor),
            body: BodyKind::Json,
            tables: &[USERS, SESSIONS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/2fa/verify",
                "auth-2fa-verify",
                auth::two_factor::verify,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            rate_limit: Some(Policy::Auth),
            feature: Some(Feature::TwoFactor),
            body: BodyKind::Json,
            tables: &[USERS],
            secrets: true,
            ..route(
                post.clone(),
                "/api/v1/auth/2fa/disable",
                "auth-2fa-disable",
                auth::two_factor::disable,
            )
        },
        Route {
            rate_limit: Some(Policy::Auth),
            tables: &[STATE],
            // OAuth client credentials.
            secrets: true,
            ..route(
                Method::GET,
                "/api/v1/auth/oauth/{provider}/start",
                "auth-oauth-start",
                auth::oauth::start,
            )
        },
        Route {
            rate_limit: Some(Policy::Auth),
            tables: &[STATE, USERS, SESSIONS],
            secrets: true,
            ..route(
                Method::GET,
                "/api/v1/auth/oauth/{provider}/callback",
                "auth-oauth-callback",
                auth::oauth::callback,
            )
        },
        Route {
            access: Access::Permission("account:read"),
            rate_limit: Some(Policy::Auth),
            ..route(
                Method::GET,
                "/api/v1/auth/sessions",
                "auth-sessions-list",
                auth::sessions::list,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            rate_limit: Some(Policy::Auth),
            tables: &[SESSIONS],
            ..route(
                post.clone(),
                "/api/v1/auth/sessions/{id}/revoke",
                "auth-sessions-revoke",
                auth::sessions::revoke,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            rate_limit: Some(Policy::Auth),
            tables: &[SESSIONS],
            ..route(
                post.clone(),
                "/api/v1/auth/sessions/revoke-others",
                "auth-sessions-revoke-others",
                auth::sessions::revoke_others,
            )
        },
        Route {
            access: Access::Permission("account:read"),
            rate_limit: Some(Policy::Standard),
            ..route(Method::GET, "/api/v1/account", "account-get", account::get)
        },
        Route {
            access: Access::Permission("account:write"),
            rate_limit: Some(Policy::Standard),
            body: BodyKind::Json,
            tables: &[USERS, SESSIONS],
            secrets: true,
            // Deletes the account's export files.
            blobs: true,
            ..route(
                Method::DELETE,
                "/api/v1/account",
                "account-delete",
                account::delete,
            )
        },
        Route {
            access: Access::Permission("account:write"),
            rate_limit: Some(Policy::Export),
            tables: &[USERS, TableAccess::Read(Table::Audit)],
            blobs: true,
            ..route(
                post.clone(),
                "/api/v1/account/export",
                "account-export-create",
                account_export::create,
            )
        },
        Route {
            access: Access::Permission("account:read"),
            rate_limit: Some(Policy::Standard),
            tables: &[READ_USERS],
            blobs: true,
            ..route(
                Method::GET,
                "/api/v1/account/export/{id}",
                "account-export-get",
                account_export::get,
            )
        },
        Route {
            access: Access::Permission("admin:write"),
            verified: true,
            rate_limit: Some(Policy::Standard),
            body: BodyKind::Json,
            tables: &[USERS],
            ..route(
                post,
                "/api/v1/admin/api-keys",
                "admin-api-keys-create",
                admin_api_keys::create,
            )
        },
        Route {
            access: Access::Permission("admin:write"),
            rate_limit: Some(Policy::Standard),
            tables: &[USERS],
            ..route(
                Method::DELETE,
                "/api/v1/admin/api-keys/{id}",
                "admin-api-keys-delete",
                admin_api_keys::delete,
            )
        },
    ]
}
