//! The CSRF stage: a cookie-authenticated request that changes state must carry the
//! `XSRF-TOKEN` cookie's value in `X-CSRF-Token`, and that token must be bound to the
//! caller's session. Bearer tokens and API keys are not sent by browsers on their own, so
//! they need none.

use http::request::Parts;
use rampart_auth::csrf::CsrfCheck;
use rampart_core::{ApiError, Feature};
use rampart_rbac::PrincipalKind;

use crate::context::RequestContext;
use crate::cookies;
use crate::routes::Route;
use crate::state::AppState;

/// The request header carrying the token.
pub const HEADER: &str = "x-csrf-token";

pub(super) fn check(
    state: &AppState,
    route: &Route,
    ctx: &RequestContext,
    parts: &Parts,
) -> Result<(), ApiError> {
    if !state.config.enabled(Feature::Csrf) || !route.is_write() {
        return Ok(());
    }
    let Some(principal) = &ctx.principal else {
        return Ok(());
    };
    if principal.kind != PrincipalKind::Cookie {
        return Ok(());
    }
    let header = parts.headers.get(HEADER).and_then(|v| v.to_str().ok());
    let Some(session_id) = principal.session_id.as_deref() else {
        return Err(ApiError::CsrfMismatch);
    };
    let cookie = cookies::read(parts, cookies::CSRF);
    match state
        .auth
        .check_csrf(session_id, header, cookie.as_deref())?
    {
        CsrfCheck::Valid => Ok(()),
        CsrfCheck::Missing => Err(ApiError::CsrfMissing),
        CsrfCheck::Mismatch => Err(ApiError::CsrfMismatch),
    }
}
