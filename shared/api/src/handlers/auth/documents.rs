//! The bodies the auth routes answer with, typed so the OpenAPI document derives their
//! schemas from the same types the handlers serialise.

use rampart_auth::{SignedIn, UserView};
use schemars::JsonSchema;
use serde::Serialize;

/// `{user}`.
#[derive(Serialize, JsonSchema)]
pub struct UserDocument {
    pub user: UserView,
}

/// A bearer token pair (`/auth/token`, and login or refresh with cookies off).
#[derive(Serialize, JsonSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// The account, when the pair stands in for the session cookies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
}

impl TokenPair {
    /// The pair of a fresh session.
    pub fn of(signed_in: &SignedIn, with_user: bool) -> Self {
        Self {
            access_token: signed_in.tokens.access_token.expose().clone(),
            refresh_token: signed_in.tokens.refresh_token.expose().clone(),
            token_type: "Bearer",
            expires_in: signed_in.tokens.expires_in,
            user: with_user.then(|| signed_in.user.view()),
        }
    }
}

/// The password was right, and the account needs its second factor.
#[derive(Serialize, JsonSchema)]
pub struct Challenge {
    /// Always `true`.
    pub two_factor_required: bool,
    /// Completes the sign-in at `POST /api/v1/auth/2fa/verify` (five minutes, once).
    pub challenge_token: String,
}

/// What a sign-in answers: the account (tokens in cookies), a token pair (cookies off), or a
/// second-factor challenge.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SignInResult {
    Session(UserDocument),
    Tokens(TokenPair),
    Challenge(Challenge),
}

/// What `/auth/token` answers: a token pair, or a second-factor challenge.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TokenResult {
    Tokens(TokenPair),
    Challenge(Challenge),
}

/// An empty object (`202` answers that say nothing more on purpose).
#[derive(Serialize, JsonSchema)]
pub struct Nothing {}
