//! `POST /api/v1/auth/token` for tooling: `{email, password}` or `{refresh_token}` →
//! `200 {access_token, refresh_token, token_type: "Bearer", expires_in}`, no cookies.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{ApiError, FieldError};
use serde::Deserialize;

use super::{Accounts, password_step, refresh::refresh_or_audit, token_body};
use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// A password grant or a refresh grant.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "TokenRequest")]
pub enum Body {
    Password { email: String, password: String },
    Refresh { refresh_token: String },
}

/// Issues a token pair from a password or a refresh token.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "body",
                "send {email, password} or {refresh_token}",
            )])
        })?;
        let signed_in = match body {
            Body::Password { email, password } => {
                match password_step(accounts, ctx, &email, &password, "token").await? {
                    Ok(signed_in) => signed_in,
                    Err(challenge) => return Ok(challenge),
                }
            }
            Body::Refresh { refresh_token } => {
                refresh_or_audit(accounts, ctx, &refresh_token).await?
            }
        };
        Ok(response::json(StatusCode::OK, &token_body(&signed_in)))
    })
}
