//! `POST /api/v1/auth/register {email, password}` → `201 {user}`.
//!
//! A taken address answers exactly like a new one (same status, same body shape, the same
//! hashing work) and mails the address's owner instead; nothing tells a caller which
//! addresses have accounts.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_rbac::Role;
use serde::Deserialize;

use super::Accounts;
use crate::context::RequestContext;
use crate::extract;
use crate::handlers::auth::documents::UserDocument;
use crate::response;
use crate::state::HandlerFuture;

/// A new account's credentials.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "Registration")]
pub struct Body {
    #[schemars(email, length(max = 254))]
    email: String,
    /// 12 to 128 characters, not a common or guessable one.
    #[schemars(length(min = 12, max = 128))]
    password: String,
}

/// Creates the account and mails a verification token.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx)?;
        let user = accounts
            .auth
            .register(&body.email, &body.password, Role::Viewer, false)
            .await?;
        Ok(response::json(StatusCode::CREATED, &UserDocument { user }))
    })
}
