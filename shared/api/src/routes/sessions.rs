//! Sign-in, tokens, refresh, logout, two-factor authentication, OAuth and the session list
//! (contract section 2).

use http::Method;
use rampart_core::Feature;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Memory, Port, Route, TableAccess};
use crate::extract::Page;
use crate::handlers::auth;
use crate::handlers::auth::{Accounts, documents};
use crate::openapi::{ApiSpec, PAGINATION, QueryParam, empty, ok, schema};

fn text(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string"})
}

/// What a provider sends back to the callback.
const OAUTH_CALLBACK_QUERY: [QueryParam; 3] = [
    QueryParam {
        name: "code",
        description: "The authorization code.",
        required: false,
        schema: text,
    },
    QueryParam {
        name: "state",
        description: "The state the sign-in started with.",
        required: false,
        schema: text,
    },
    QueryParam {
        name: "error",
        description: "The provider's error, when the user declined.",
        required: false,
        schema: text,
    },
];

const USERS: TableAccess = TableAccess::Write(Table::Users);
const SESSIONS: TableAccess = TableAccess::Write(Table::Sessions);
const READ_USERS: TableAccess = TableAccess::Read(Table::Users);
/// Read, and checked by a refresh's transaction (the account still honours the session).
const CHECK_USERS: TableAccess = TableAccess::Checked(Table::Users);
const STATE: TableAccess = TableAccess::Write(Table::State);

/// The sign-in and session routes.
pub(super) const ROUTES: &[Entry] = entries![
    auth_login,
    auth_token,
    auth_refresh,
    auth_logout,
    auth_2fa_setup,
    auth_2fa_enable,
    auth_2fa_verify,
    auth_2fa_disable,
    auth_oauth_start,
    auth_oauth_callback,
    auth_sessions_list,
    auth_sessions_revoke,
    auth_sessions_revoke_others
];

pub fn auth_login() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        rate_limit: Some(Policy::AuthPassword),
        body: BodyKind::Json,
        tables: &[READ_USERS, SESSIONS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::login::Credentials>),
            responses: const { &[ok::<documents::SignInResult>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/login",
            "auth-login",
            "signs in with email and password, setting the session cookies.",
            |s, c, r| auth::login::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_token() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        rate_limit: Some(Policy::AuthPassword),
        body: BodyKind::Json,
        tables: &[CHECK_USERS, SESSIONS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::token::Body>),
            responses: const { &[ok::<documents::TokenResult>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/token",
            "auth-token",
            "issues a bearer token pair for tooling.",
            |s, c, r| auth::token::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_refresh() -> Route {
    Route {
        // The session the refresh token names is read with the rate limit.
        prefetch: Some(auth::refresh::prefetch),
        rate_limit: Some(Policy::Refresh),
        body: BodyKind::OptionalJson,
        tables: &[CHECK_USERS, SESSIONS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::RefreshTokenBody>),
            responses: const { &[ok::<documents::SignInResult>(200)] },
            credentials: &[&["refreshCookie"], &[]],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/refresh",
            "auth-refresh",
            "rotates the refresh token.",
            |s, c, r| auth::refresh::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_logout() -> Route {
    Route {
        rate_limit: Some(Policy::Auth),
        body: BodyKind::OptionalJson,
        tables: &[SESSIONS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::RefreshTokenBody>),
            responses: const { &[empty(204)] },
            credentials: &[&["cookie"], &["bearer"], &[]],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/logout",
            "auth-logout",
            "revokes the session and clears the cookies.",
            |s, c, r| auth::logout::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_2fa_setup() -> Route {
    Route {
        access: Access::Permission("account:write"),
        verified: true,
        rate_limit: Some(Policy::Auth),
        feature: Some(Feature::TwoFactor),
        tables: &[USERS],
        api: ApiSpec {
            responses: const { &[ok::<auth::two_factor::Enrolment>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/2fa/setup",
            "auth-2fa-setup",
            "starts TOTP enrolment.",
            |s, c, r| auth::two_factor::setup(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_2fa_enable() -> Route {
    Route {
        // Mails the owner that two-factor authentication changed.
        uses: &[Port::Mailer],
        access: Access::Permission("account:write"),
        verified: true,
        rate_limit: Some(Policy::Auth),
        feature: Some(Feature::TwoFactor),
        body: BodyKind::Json,
        tables: &[USERS],
        // Mails the owner.
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::two_factor::CodeBody>),
            responses: const { &[ok::<auth::two_factor::RecoveryCodes>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            "auth-2fa-enable",
            "confirms TOTP enrolment and issues recovery codes.",
            |s, c, r| auth::two_factor::enable(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_2fa_verify() -> Route {
    Route {
        rate_limit: Some(Policy::AuthCredentials),
        feature: Some(Feature::TwoFactor),
        body: BodyKind::Json,
        tables: &[USERS, SESSIONS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::two_factor::VerifyBody>),
            responses: const { &[ok::<documents::SignInResult>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/2fa/verify",
            "auth-2fa-verify",
            "completes a sign-in with a TOTP or recovery code.",
            |s, c, r| auth::two_factor::verify(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_2fa_disable() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        // Mails the owner that two-factor authentication changed.
        uses: &[Port::Mailer],
        access: Access::Permission("account:write"),
        rate_limit: Some(Policy::Auth),
        feature: Some(Feature::TwoFactor),
        body: BodyKind::Json,
        tables: &[USERS],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::two_factor::DisableBody>),
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/2fa/disable",
            "auth-2fa-disable",
            "turns two-factor authentication off.",
            |s, c, r| auth::two_factor::disable(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_oauth_start() -> Route {
    Route {
        uses: &[Port::OAuth],
        rate_limit: Some(Policy::Auth),
        tables: &[STATE],
        // OAuth client credentials.
        secrets: true,
        api: ApiSpec {
            responses: const { &[empty(302)] },
            path: &[PROVIDER],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/auth/oauth/{provider}/start",
            "auth-oauth-start",
            "sends the browser to GitHub or Google.",
            |s, c, r| auth::oauth::start(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_oauth_callback() -> Route {
    Route {
        uses: &[Port::OAuth],
        rate_limit: Some(Policy::Auth),
        tables: &[
            STATE,
            USERS,
            SESSIONS,
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        secrets: true,
        api: ApiSpec {
            query: &OAUTH_CALLBACK_QUERY,
            responses: const { &[empty(302)] },
            path: &[PROVIDER],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/auth/oauth/{provider}/callback",
            "auth-oauth-callback",
            "finishes an OAuth sign-in.",
            |s, c, r| auth::oauth::callback(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_sessions_list() -> Route {
    Route {
        access: Access::Permission("account:read"),
        tables: &[TableAccess::Index(Table::Sessions, Index::Gsi1)],
        rate_limit: Some(Policy::Auth),
        api: ApiSpec {
            query: &PAGINATION,
            responses: const { &[ok::<Page<auth::sessions::SessionView>>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/auth/sessions",
            "auth-sessions-list",
            "lists the caller's sessions.",
            |s, c, r| auth::sessions::list(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_sessions_revoke() -> Route {
    Route {
        access: Access::Permission("account:write"),
        rate_limit: Some(Policy::Auth),
        tables: &[SESSIONS],
        api: ApiSpec {
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/sessions/{id}/revoke",
            "auth-sessions-revoke",
            "revokes one of the caller's sessions.",
            |s, c, r| auth::sessions::revoke(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_sessions_revoke_others() -> Route {
    Route {
        access: Access::Permission("account:write"),
        rate_limit: Some(Policy::Auth),
        // Refusing older sessions on the account itself.
        tables: &[
            USERS,
            SESSIONS,
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        api: ApiSpec {
            responses: const { &[ok::<auth::sessions::Revoked>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/sessions/revoke-others",
            "auth-sessions-revoke-others",
            "revokes the caller's other sessions.",
            |s, c, r| auth::sessions::revoke_others(Accounts::of(s), c, r),
        )
    }
}

fn provider(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["github", "google"]})
}

/// `{provider}`: the sign-in providers there are (one not configured answers `404`).
const PROVIDER: crate::openapi::QueryParam = crate::openapi::QueryParam {
    name: "provider",
    description: "`github` or `google`; one this deployment has not configured answers `404`.",
    required: false,
    schema: provider,
};
