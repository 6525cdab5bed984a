//! GitHub: OAuth 2.0 authorization code with PKCE, then the primary verified address from
//! `GET /user/emails` and the user id from `GET /user`.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;

use super::http_client::ProviderHttp;
use super::{Credentials, Endpoints, Identity, OAuthError, Provider};
use crate::email::Email;

#[derive(Clone)]
pub(super) struct GitHub {
    credentials: Credentials,
    authorize: String,
    token: String,
    api: String,
    http: ProviderHttp,
}

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
}

fn provider_error(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::Provider(e.to_string())
}

impl GitHub {
    pub(super) fn new(credentials: Credentials, endpoints: &Endpoints, http: ProviderHttp) -> Self {
        Self {
            credentials,
            authorize: endpoints.github_authorize.clone(),
            token: endpoints.github_token.clone(),
            api: endpoints.github_api.trim_end_matches('/').to_owned(),
            http,
        }
    }

    fn client(
        &self,
    ) -> Result<
        BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
        OAuthError,
    > {
        Ok(
            BasicClient::new(ClientId::new(self.credentials.client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    self.credentials.client_secret.expose().clone(),
                ))
                .set_auth_uri(AuthUrl::new(self.authorize.clone()).map_err(provider_error)?)
                .set_token_uri(TokenUrl::new(self.token.clone()).map_err(provider_error)?)
                .set_redirect_uri(
                    RedirectUrl::new(self.credentials.redirect_uri.clone())
                        .map_err(provider_error)?,
                ),
        )
    }

    /// The authorization URL and the PKCE verifier to keep.
    pub(super) fn authorize_url(&self, state: &str) -> Result<(String, String), OAuthError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        let (url, _) = self
            .client()?
            .authorize_url(move || CsrfToken::new(state))
            .add_scope(Scope::new("read:user".into()))
            .add_scope(Scope::new("user:email".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), verifier.secret().clone()))
    }

    /// Exchanges the code and reads the account's primary verified address.
    pub(super) async fn identity(
        &self,
        code: &str,
        verifier: &str,
    ) -> Result<Identity, OAuthError> {
        let token = self
            .client()?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(provider_error)?;
        let bearer = token.access_token().secret();
        let get = |path: &str| {
            self.http
                .client()
                .get(format!("{}{path}", self.api))
                .bearer_auth(bearer)
                .header("accept", "application/vnd.github+json")
                .send()
        };
        let user: GitHubUser = get("/user")
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| provider_error(e.without_url()))?
            .json()
            .await
            .map_err(|e| provider_error(e.without_url()))?;
        let emails: Vec<GitHubEmail> = get("/user/emails")
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| provider_error(e.without_url()))?
            .json()
            .await
            .map_err(|e| provider_error(e.without_url()))?;
        let email = emails
            .iter()
            .find(|e| e.primary && e.verified)
            .and_then(|e| Email::parse(&e.email).ok())
            .ok_or(OAuthError::EmailNotVerified)?;
        Ok(Identity {
            provider: Provider::GitHub,
            subject: user.id.to_string(),
            email,
        })
    }
}
