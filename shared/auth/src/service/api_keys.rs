//! API keys: creating, revoking, and the principal behind one.

use rampart_core::Masked;
use rampart_rbac::{Authority, Permission, Principal, PrincipalKind};

use super::AuthService;
use crate::AuthError;
use crate::api_keys::{ApiKey, KeyError};

impl AuthService {
    /// The principal behind an API key. A key lives no longer than the account that created
    /// it (revoking a deleted account's keys walks an eventually consistent index and can
    /// miss one), and acts with no more than that account holds now: the creator is read on
    /// every use and its role and grants become the key's ceiling. A key of an account whose
    /// address is not verified counts as unverified.
    pub async fn authenticate_api_key(&self, secret: &str) -> Result<Principal, AuthError> {
        let key = self
            .api_keys
            .authenticate(secret)
            .await?
            .ok_or(AuthError::Unauthenticated)?;
        let creator = self
            .users
            .get(&key.created_by)
            .await?
            .ok_or(AuthError::Unauthenticated)?;
        Ok(Principal {
            id: key.id.clone(),
            role: None,
            grants: key.grants(),
            email_verified: creator.email_verified,
            kind: PrincipalKind::ApiKey,
            session_id: None,
            ceiling: Some(Authority {
                role: creator.role,
                grants: creator.grants,
            }),
        })
    }

    /// Creates an API key.
    pub async fn create_api_key(
        &self,
        name: &str,
        permissions: &[Permission],
        expires_at_secs: Option<i64>,
        created_by: &str,
    ) -> Result<(ApiKey, Masked<String>), AuthError> {
        self.api_keys
            .create(name, permissions, expires_at_secs, created_by)
            .await
            .map_err(|e| match e {
                KeyError::Store(e) => e.into(),
                KeyError::Random => AuthError::Internal("no randomness".into()),
            })
    }

    /// Revokes an API key by id.
    pub async fn revoke_api_key(&self, id: &str) -> Result<bool, AuthError> {
        Ok(self.api_keys.revoke(id).await?)
    }
}
