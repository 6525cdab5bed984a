//! OpenID Connect (Google, or any issuer): discovery once per process, authorization code
//! with PKCE and a nonce, ID token verified against the issuer's JWKS.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use tokio::sync::OnceCell;

use super::http_client::ProviderHttp;
use super::{Credentials, Identity, OAuthError, Provider};
use crate::email::Email;

#[derive(Clone)]
pub(super) struct Oidc {
    credentials: Credentials,
    issuer: String,
    http: ProviderHttp,
    metadata: std::sync::Arc<OnceCell<CoreProviderMetadata>>,
}

fn provider_error(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::Provider(e.to_string())
}

impl Oidc {
    pub(super) fn new(credentials: Credentials, issuer: &str, http: ProviderHttp) -> Self {
        Self {
            credentials,
            issuer: issuer.to_owned(),
            http,
            metadata: std::sync::Arc::new(OnceCell::new()),
        }
    }

    /// The issuer's metadata, discovered on first use and kept for the life of the process.
    async fn metadata(&self) -> Result<&CoreProviderMetadata, OAuthError> {
        self.metadata
            .get_or_try_init(|| async {
                let issuer = IssuerUrl::new(self.issuer.clone()).map_err(provider_error)?;
                CoreProviderMetadata::discover_async(issuer, &self.http)
                    .await
                    .map_err(provider_error)
            })
            .await
    }

    async fn client(
        &self,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OAuthError,
    > {
        let metadata = self.metadata().await?.clone();
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.credentials.client_id.clone()),
            Some(ClientSecret::new(
                self.credentials.client_secret.expose().clone(),
            )),
        )
        .set_redirect_uri(
            RedirectUrl::new(self.credentials.redirect_uri.clone()).map_err(provider_error)?,
        ))
    }

    /// The authorization URL, the PKCE verifier and the nonce to keep.
    pub(super) async fn authorize_url(
        &self,
        state: &str,
    ) -> Result<(String, String, String), OAuthError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client().await?;
        let state = state.to_owned();
        let (url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.to_string(),
            verifier.secret().clone(),
            nonce.secret().clone(),
        ))
    }

    /// Exchanges the code and verifies the ID token.
    pub(super) async fn identity(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OAuthError> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(provider_error)?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(provider_error)?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OAuthError::Provider("no ID token in the token response".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned()))
            .map_err(provider_error)?;
        if claims.email_verified() != Some(true) {
            return Err(OAuthError::EmailNotVerified);
        }
        let email = claims
            .email()
            .and_then(|e| Email::parse(e.as_str()).ok())
            .ok_or(OAuthError::EmailNotVerified)?;
        Ok(Identity {
            provider: Provider::Google,
            subject: claims.subject().as_str().to_owned(),
            email,
        })
    }
}
