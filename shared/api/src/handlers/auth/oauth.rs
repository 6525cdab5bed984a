//! `GET /api/v1/auth/oauth/{provider}/start` → `302` to GitHub or Google (accounts and PKCE
//! kept 10 minutes); `GET /api/v1/auth/oauth/{provider}/callback` → `302` to
//! `FRONTEND_BASE_URL` with the session cookies. An unconfigured provider answers
//! `404 feature_disabled`; a bad `state` `400 invalid_state`. When the provider refuses or has
//! no verified address, the browser goes back to the frontend with `?oauth_error=<reason>`;
//! an account with two-factor authentication gets `#challenge_token=<token>` (a fragment,
//! which browsers never send to servers) to finish with `POST /api/v1/auth/2fa/verify`.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use rampart_auth::SignInStep;
use rampart_auth::oauth::{OAuthError, Provider};
use rampart_auth::oauth_flow::OAuthSignInError;
use rampart_core::{ApiError, Feature};

use super::{Accounts, audit_login, empty, origin};
use crate::context::RequestContext;
use crate::cookies;
use crate::extract;
use crate::state::HandlerFuture;

fn provider(accounts: Accounts<'_>, ctx: &RequestContext) -> Result<Provider, ApiError> {
    let provider = ctx
        .param("provider")
        .and_then(Provider::parse)
        .ok_or(ApiError::ResourceNotFound)?;
    if !accounts.auth.oauth_configured(provider) {
        return Err(ApiError::FeatureDisabled);
    }
    Ok(provider)
}

fn redirect(location: &str) -> Response<Bytes> {
    let mut response = empty(StatusCode::FOUND);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Where the browser goes after the callback.
fn frontend(accounts: Accounts<'_>) -> String {
    accounts
        .config
        .frontend_base_url
        .as_deref()
        .map(|b| b.trim_end_matches('/').to_owned())
        .unwrap_or_default()
        + "/"
}

/// Sends the browser to the provider.
pub fn start<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let provider = provider(accounts, ctx)?;
        let started = accounts
            .auth
            .oauth_start(provider)
            .await
            .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
        let mut response = redirect(&started.url);
        let binder = cookies::set_cookie(
            accounts.config,
            cookies::OAUTH_BINDER,
            &started.binder,
            rampart_auth::oauth::state::STATE_SECS,
        );
        if let Ok(value) = HeaderValue::from_str(&binder) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Ok(response)
    })
}

/// Finishes the sign-in the provider sends back; the binder cookie is cleared whatever the
/// outcome (the accounts it was bound to is spent).
pub fn callback<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let mut response = finish(accounts, ctx, req).await?;
        let cleared = cookies::set_cookie(accounts.config, cookies::OAUTH_BINDER, "", 0);
        if let Ok(value) = HeaderValue::from_str(&cleared) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Ok(response)
    })
}

async fn finish(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    req: Request<Bytes>,
) -> Result<Response<Bytes>, ApiError> {
    let provider = provider(accounts, ctx)?;
    let query = extract::query(req.uri());
    let state_param = query.get("state").cloned().unwrap_or_default();
    let code = match (query.get("code"), query.get("error")) {
        (Some(code), None) => code.clone(),
        (_, error) => {
            // The provider refused (the user cancelled, say): the accounts is spent either way.
            let reason = error.map_or("missing_code", String::as_str);
            let valid = accounts
                .auth
                .oauth_abandon(provider, &state_param)
                .await
                .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
            if !valid {
                return Err(ApiError::feature(&rampart_auth::problems::INVALID_STATE));
            }
            return Ok(back_with_error(accounts, reason));
        }
    };
    let two_factor_on = accounts.config.enabled(Feature::TwoFactor);
    let (parts, _) = req.into_parts();
    let binder = cookies::read(&parts, cookies::OAUTH_BINDER);
    let step = match accounts
        .auth
        .oauth_complete(
            provider,
            &code,
            &state_param,
            binder.as_deref(),
            &origin(ctx),
            two_factor_on,
        )
        .await
    {
        Ok(step) => step,
        Err(OAuthSignInError::OAuth(OAuthError::InvalidState)) => {
            return Err(ApiError::feature(&rampart_auth::problems::INVALID_STATE));
        }
        Err(OAuthSignInError::OAuth(OAuthError::EmailNotVerified)) => {
            return Ok(back_with_error(accounts, "email_not_verified"));
        }
        Err(OAuthSignInError::OAuth(OAuthError::Provider(why))) => {
            tracing::warn!(
                provider = provider.as_str(),
                why,
                "OAuth provider step failed"
            );
            return Ok(back_with_error(accounts, "provider_error"));
        }
        Err(OAuthSignInError::OAuth(OAuthError::NotConfigured)) => {
            return Err(ApiError::FeatureDisabled);
        }
        Err(OAuthSignInError::OAuth(OAuthError::Store(e))) => {
            return Err(rampart_auth::AuthError::from(e).into());
        }
        Err(OAuthSignInError::Auth(e)) => return Err(e.into()),
    };
    match step {
        SignInStep::SignedIn(signed_in) => {
            audit_login(accounts, ctx, &signed_in, provider.as_str()).await;
            let mut response = redirect(&frontend(accounts));
            if accounts.config.enabled(Feature::AuthCookies) {
                for cookie in cookies::session_cookies(accounts.config, &signed_in.tokens) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
            Ok(response)
        }
        SignInStep::TwoFactorRequired { challenge_token } => Ok(redirect(&format!(
            "{}#challenge_token={}",
            frontend(accounts),
            challenge_token.expose()
        ))),
    }
}

fn back_with_error(accounts: Accounts<'_>, reason: &str) -> Response<Bytes> {
    let reason: String = reason
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    redirect(&format!("{}?oauth_error={reason}", frontend(accounts)))
}
