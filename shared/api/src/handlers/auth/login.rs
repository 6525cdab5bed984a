//! `POST /api/v1/auth/login {email, password}` → `200 {user}` and the session cookies.
//! Unknown address and wrong password answer the same `401 invalid_credentials` after the
//! same hashing work. Limited per address and per account by the pipeline.

use bytes::Bytes;
use http::Request;
use rampart_audit::Outcome;
use serde::Deserialize;

use super::{audit, origin, signed_in_response};
use crate::context::RequestContext;
use crate::extract;
use crate::state::{AppState, HandlerFuture};

#[derive(Deserialize)]
pub(crate) struct Credentials {
    pub email: String,
    pub password: String,
}

/// Checks the password and opens a session.
pub fn post<'a>(
    state: &'a AppState,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Credentials = extract::body(ctx)?;
        let user = state
            .auth
            .check_password(&body.email, &body.password)
            .await?;
        let signed_in = state.auth.sign_in(user, &origin(ctx)).await?;
        audit(
            state,
            ctx,
            "auth.login",
            Outcome::Success,
            Some(&signed_in.user.id),
            &[("session_id", &signed_in.tokens.session_id)],
        )
        .await;
        Ok(signed_in_response(state, &signed_in))
    })
}
