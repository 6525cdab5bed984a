//! Registration, verification, passwords and the account (contract section 2), and API keys
//! (section 4). Sign-in and sessions are in `sessions.rs`.

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BlobAccess, BodyKind, Entry, Memory, Port, Route, TableAccess};
use crate::handlers::account::ExportFiles;
use crate::handlers::auth::{Accounts, documents};
use crate::handlers::{account, account_export, admin_api_keys, auth};
use crate::openapi::{ApiSpec, empty, ok, schema};

const USERS: TableAccess = TableAccess::Write(Table::Users);
const SESSIONS: TableAccess = TableAccess::Write(Table::Sessions);
const READ_USERS: TableAccess = TableAccess::Read(Table::Users);
/// The account routes.
pub(super) const ROUTES: &[Entry] = entries![
    auth_register,
    auth_verify_email,
    auth_resend_verification,
    auth_password_forgot,
    auth_password_reset,
    auth_password_change,
    account_get,
    account_delete,
    account_export_create,
    account_export_get,
    admin_api_keys_create,
    admin_api_keys_delete
];

pub fn auth_register() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        uses: &[Port::Mailer],
        rate_limit: Some(Policy::AuthCredentials),
        body: BodyKind::Json,
        tables: &[USERS],
        api: ApiSpec {
            request: Some(schema::<auth::register::Body>),
            responses: const { &[ok::<documents::UserDocument>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/register",
            "auth-register",
            "creates an account and queues its verification mail.",
            |s, c, r| auth::register::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_verify_email() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        rate_limit: Some(Policy::Auth),
        body: BodyKind::Json,
        tables: &[
            USERS,
            SESSIONS,
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        // Sessions are revoked with the signing keys' session store.
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::verify_email::Body>),
            responses: const { &[ok::<documents::UserDocument>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/verify-email",
            "auth-verify-email",
            "redeems an email verification token.",
            |s, c, r| auth::verify_email::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_resend_verification() -> Route {
    Route {
        uses: &[Port::Mailer],
        rate_limit: Some(Policy::ResendVerification),
        body: BodyKind::Json,
        // Only the rate limit and the queued request: the mail worker looks the address up.
        api: ApiSpec {
            request: Some(schema::<auth::resend_verification::Body>),
            responses: const { &[ok::<documents::Nothing>(202)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/resend-verification",
            "auth-resend-verification",
            "queues a fresh verification mail.",
            |s, c, r| auth::resend_verification::post(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_password_forgot() -> Route {
    Route {
        uses: &[Port::Mailer],
        rate_limit: Some(Policy::PasswordForgot),
        body: BodyKind::Json,
        // Only the rate limit and the queued request: the mail worker looks the address up.
        api: ApiSpec {
            request: Some(schema::<auth::password::ForgotBody>),
            responses: const { &[ok::<documents::Nothing>(202)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/password/forgot",
            "auth-password-forgot",
            "queues a password-reset mail, sent only when the address has an account.",
            |s, c, r| auth::password::forgot(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_password_reset() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        // Tells the owner the password changed.
        uses: &[Port::Mailer],
        rate_limit: Some(Policy::Auth),
        body: BodyKind::Json,
        tables: &[
            USERS,
            SESSIONS,
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<auth::password::ResetBody>),
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/password/reset",
            "auth-password-reset",
            "sets a new password with a reset token, ending every session.",
            |s, c, r| auth::password::reset(Accounts::of(s), c, r),
        )
    }
}

pub fn auth_password_change() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        access: Access::Permission("account:write"),
        verified: true,
        uses: &[Port::Mailer],
        rate_limit: Some(Policy::Auth),
        body: BodyKind::Json,
        tables: &[
            USERS,
            SESSIONS,
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        api: ApiSpec {
            request: Some(schema::<auth::password::ChangeBody>),
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/auth/password/change",
            "auth-password-change",
            "replaces the caller's password, ending every other session.",
            |s, c, r| auth::password::change(Accounts::of(s), c, r),
        )
    }
}

pub fn account_get() -> Route {
    Route {
        access: Access::Permission("account:read"),
        rate_limit: Some(Policy::Standard),
        api: ApiSpec {
            responses: const { &[ok::<documents::UserDocument>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/account",
            "account-get",
            "the caller's account.",
            |s, c, r| account::get(Accounts::of(s), c, r),
        )
    }
}

pub fn account_delete() -> Route {
    Route {
        // Argon2id: sized so a hash takes at most 50 ms.
        memory: Memory::PasswordHashing,
        access: Access::Permission("account:write"),
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[
            USERS,
            SESSIONS,
            TableAccess::Write(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Index(Table::Sessions, Index::Gsi1),
            TableAccess::Index(Table::Users, Index::Gsi1),
        ],
        secrets: true,
        // Deletes the account's export files.
        uses: &[Port::Blobs, Port::Mailer],
        blobs: &[BlobAccess::Delete, BlobAccess::List],
        api: ApiSpec {
            request: Some(schema::<account::DeleteBody>),
            responses: const { &[empty(204)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::DELETE,
            "/api/v1/account",
            "account-delete",
            "deletes the caller's account.",
            |s, c, r| account::delete(Accounts::of(s), ExportFiles::of(s), c, r),
        )
    }
}

pub fn account_export_create() -> Route {
    Route {
        access: Access::Permission("account:write"),
        rate_limit: Some(Policy::Export),
        tables: &[
            USERS,
            TableAccess::Read(Table::Audit),
            TableAccess::Read(Table::Content),
            TableAccess::Index(Table::Audit, Index::Gsi2),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Index(Table::Sessions, Index::Gsi1),
        ],
        uses: &[Port::Blobs],
        blobs: &[BlobAccess::Write],
        api: ApiSpec {
            responses: const { &[ok::<account_export::ExportStarted>(202)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/account/export",
            "account-export-create",
            "exports the caller's account as a JSON file.",
            |s, c, r| account_export::create(Accounts::of(s), ExportFiles::of(s), &*s.clock, c, r),
        )
    }
}

pub fn account_export_get() -> Route {
    Route {
        access: Access::Permission("account:read"),
        rate_limit: Some(Policy::Standard),
        tables: &[READ_USERS],
        uses: &[Port::Blobs],
        blobs: &[BlobAccess::Read],
        api: ApiSpec {
            responses: const { &[ok::<account_export::ExportView>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/account/export/{id}",
            "account-export-get",
            "an export's status and download URL.",
            |s, c, r| account_export::get(ExportFiles::of(s), &*s.clock, c, r),
        )
    }
}

pub fn admin_api_keys_create() -> Route {
    Route {
        access: Access::Permission("admin:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[USERS],
        api: ApiSpec {
            request: Some(schema::<admin_api_keys::CreateBody>),
            responses: const { &[ok::<admin_api_keys::CreatedKey>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/admin/api-keys",
            "admin-api-keys-create",
            "creates an API key, shown once.",
            |s, c, r| admin_api_keys::create(Accounts::of(s), &*s.clock, c, r),
        )
    }
}

pub fn admin_api_keys_delete() -> Route {
    Route {
        access: Access::Permission("admin:write"),
        rate_limit: Some(Policy::Standard),
        tables: &[USERS, TableAccess::Index(Table::Users, Index::Gsi1)],
        api: ApiSpec {
            responses: const { &[empty(204)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::DELETE,
            "/api/v1/admin/api-keys/{id}",
            "admin-api-keys-delete",
            "revokes an API key.",
            |s, c, r| admin_api_keys::delete(Accounts::of(s), c, r),
        )
    }
}
