//! Single-use tokens sent by mail (email verification, password reset), stored hashed with an
//! expiry.
//!
//! Layout: one partition per token in the users table, by the SHA-256 of the token, with a
//! key space per purpose ([`rampart_store::keys::users::email_verification`]), naming the
//! account. Redeeming is one conditional delete ("exists and not expired"), so a token works
//! once even when two requests race with it.

use rampart_store::{Cond, ItemExt, Key, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys};

use crate::secret_token::{random_token, token_hash};

/// What a one-time token is for; each purpose has its own key space and lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Email verification, 24 hours.
    VerifyEmail,
    /// Password reset, 1 hour.
    PasswordReset,
}

impl TokenPurpose {
    /// The key of a token of this purpose, by the token's hash.
    fn key(self, token_hash: &str) -> Key {
        match self {
            Self::VerifyEmail => keys::users::email_verification(token_hash),
            Self::PasswordReset => keys::users::password_reset(token_hash),
        }
    }

    /// How long a token lives.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Self::VerifyEmail => 24 * 3600,
            Self::PasswordReset => 3600,
        }
    }
}

/// The token store.
#[derive(Clone)]
pub struct OneTimeTokens {
    store: SharedStore,
}

fn key(purpose: TokenPurpose, token: &str) -> Key {
    purpose.key(&token_hash(token))
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no randomness available")]
    Random,
}

impl OneTimeTokens {
    /// The token store on `store`.
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// A new token for `user_id`; only its hash is stored.
    pub async fn issue(
        &self,
        purpose: TokenPurpose,
        user_id: &str,
        now: i64,
    ) -> Result<String, IssueError> {
        let token = random_token().map_err(|_| IssueError::Random)?;
        let mut item = key(purpose, &token).to_item();
        item.insert("user_id".into(), user_id.into());
        item.insert(TTL_ATTRIBUTE.into(), (now + purpose.lifetime_secs()).into());
        self.store
            .put(Table::Users, item, Some(Cond::not_exists("pk")))
            .await?;
        Ok(token)
    }

    /// The account a live token names, without using it up (so a request that fails for
    /// another reason, a weak new password say, does not cost the token).
    pub async fn peek(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<Option<String>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        Ok(self
            .store
            .get(Table::Users, &key(purpose, token))
            .await?
            .and_then(|item| item.str_attr("user_id").map(str::to_owned)))
    }

    /// Redeems a token: the account it names, or `None` when it is unknown, used or expired.
    pub async fn redeem(
        &self,
        purpose: TokenPurpose,
        token: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let live = Cond::exists("pk").and(Cond::ge(TTL_ATTRIBUTE, now));
        match self
            .store
            .delete(Table::Users, &key(purpose, token), Some(live))
            .await
        {
            Ok(Some(item)) => Ok(item.str_attr("user_id").map(str::to_owned)),
            Ok(None) | Err(StoreError::ConditionFailed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use rampart_store::testing;

    use super::*;

    #[tokio::test]
    async fn tokens_work_once_and_expire_after_a_day() {
        let f = testing::embedded().await;
        let tokens = OneTimeTokens::new(f.store.clone());
        let p = TokenPurpose::VerifyEmail;
        let t = tokens.issue(p, "u1", 1_000).await.unwrap();
        assert_eq!(
            tokens.redeem(p, &t, 1_000).await.unwrap().as_deref(),
            Some("u1")
        );
        assert_eq!(
            tokens.redeem(p, &t, 1_000).await.unwrap(),
            None,
            "single use"
        );
        let late = tokens.issue(p, "u1", 1_000).await.unwrap();
        assert_eq!(
            tokens
                .redeem(p, &late, 1_000 + 24 * 3600 + 1)
                .await
                .unwrap(),
            None
        );
        let edge = tokens.issue(p, "u1", 1_000).await.unwrap();
        assert!(
            tokens
                .redeem(p, &edge, 1_000 + 24 * 3600)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(tokens.redeem(p, "unknown", 1_000).await.unwrap(), None);
    }
}
