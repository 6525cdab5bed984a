//! The authenticator of the account system: `Authorization: Bearer rk_…` (API key),
//! `Authorization: Bearer <jwt>` (tooling), or the `access_token` cookie (browsers).

use async_trait::async_trait;
use http::request::Parts;
use rampart_auth::AuthService;
use rampart_auth::access_token::AccessClaims;
use rampart_core::{ApiError, Config, Feature};
use rampart_rbac::PrincipalKind;

use crate::cookies;
use crate::state::{Authenticated, Authenticator};

/// Authenticates with the account system's tokens and keys.
pub struct SessionAuthenticator {
    auth: AuthService,
    cookies_enabled: bool,
}

impl SessionAuthenticator {
    /// An authenticator over `auth`; the cookie is read only when `AUTH_COOKIES_ENABLED`.
    pub fn new(auth: AuthService, config: &Config) -> Self {
        Self {
            auth,
            cookies_enabled: config.enabled(Feature::AuthCookies),
        }
    }
}

/// The credential a request carries.
enum Credential {
    ApiKey(String),
    Jwt(String, PrincipalKind),
}

fn credential(parts: &Parts, cookies_enabled: bool) -> Result<Option<Credential>, ApiError> {
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
        let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::Unauthenticated);
        }
        let token = token.trim().to_owned();
        return Ok(Some(if token.starts_with(rampart_auth::api_keys::PREFIX) {
            Credential::ApiKey(token)
        } else {
            Credential::Jwt(token, PrincipalKind::Bearer)
        }));
    }
    if cookies_enabled && let Some(jwt) = cookies::read(parts, cookies::ACCESS) {
        if jwt.is_empty() {
            return Ok(None);
        }
        return Ok(Some(Credential::Jwt(jwt, PrincipalKind::Cookie)));
    }
    Ok(None)
}

/// An access token's claims as [`SessionAuthenticator::claim`] verified them, with the token
/// they came from.
#[derive(Clone)]
struct Verified {
    token: String,
    claims: AccessClaims,
}

#[async_trait]
impl Authenticator for SessionAuthenticator {
    fn claim(&self, parts: &mut Parts) -> Option<String> {
        let Ok(Some(Credential::Jwt(token, _))) = credential(parts, self.cookies_enabled) else {
            return None;
        };
        let claims = self.auth.verify_access(&token).ok()?;
        let user = claims.sub.clone();
        parts.extensions.insert(Verified { token, claims });
        Some(user)
    }

    async fn authenticate(&self, parts: &Parts) -> Result<Option<Authenticated>, ApiError> {
        Ok(Some(match credential(parts, self.cookies_enabled)? {
            None => return Ok(None),
            Some(Credential::ApiKey(key)) => self.auth.authenticate_api_key(&key).await?.into(),
            Some(Credential::Jwt(jwt, kind)) => {
                let verified = parts
                    .extensions
                    .get::<Verified>()
                    .filter(|v| v.token == jwt)
                    .map(|v| v.claims.clone());
                let claims = match verified {
                    Some(claims) => claims,
                    None => self.auth.verify_access(&jwt)?,
                };
                let (principal, account) = self.auth.authenticate_claims(&claims, kind).await?;
                Authenticated {
                    principal,
                    account: Some(account),
                }
            }
        }))
    }
}
