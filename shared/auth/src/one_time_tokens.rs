//! Single-use tokens sent by mail (email verification, password reset), stored hashed with an
//! expiry.
//!
//! Layout: one partition per token in the users table, by the SHA-256 of the token, with a
//! key space per purpose ([`rampart_store::keys::users::email_verification`]), naming the
//! account. Redeeming is one conditional delete ("exists and not expired"), so a token works
//! once even when two requests race with it.

use rampart_store::{
    Cond, ItemExt, Key, SharedStore, StoreError, TTL_ATTRIBUTE, Table, TxOp, Update, keys,
};

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
    /// The account attribute naming the hash of the one live token of this purpose: issuing
    /// a token replaces it, so only the newest token works.
    fn latest_attribute(self) -> &'static str {
        match self {
            Self::VerifyEmail => "latest_verify_token",
            Self::PasswordReset => "latest_reset_token",
        }
    }

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
    /// Issues a token of `purpose` for `user_id`: the token, and the account's record of it
    /// as the one live token of its purpose (retiring any older one), in one transaction.
    pub async fn issue(
        &self,
        purpose: TokenPurpose,
        user_id: &str,
        now: i64,
    ) -> Result<String, IssueError> {
        let token = random_token().map_err(|_| IssueError::Random)?;
        let hash = token_hash(&token);
        let mut item = purpose.key(&hash).to_item();
        item.insert("user_id".into(), user_id.into());
        item.insert(TTL_ATTRIBUTE.into(), (now + purpose.lifetime_secs()).into());
        self.store
            .transact(vec![
                TxOp::Put {
                    table: Table::Users,
                    item,
                    cond: Some(Cond::not_exists("pk")),
                },
                TxOp::Update {
                    table: Table::Users,
                    key: keys::users::account(user_id),
                    update: Update::new().set(purpose.latest_attribute(), hash),
                    cond: Some(Cond::exists("pk")),
                },
            ])
            .await?;
        Ok(token)
    }

    /// `update` with every live token of the account retired (a password change, a proof of
    /// the address): no token mailed before it works afterwards.
    pub fn retire_all(update: Update) -> Update {
        update
            .remove(TokenPurpose::VerifyEmail.latest_attribute())
            .remove(TokenPurpose::PasswordReset.latest_attribute())
    }

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
    /// Uses a token up and returns the account it names: only a live token that is still its
    /// account's newest of its purpose, deleted in one transaction with that check.
    pub async fn redeem(
        &self,
        purpose: TokenPurpose,
        token: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let Some(user_id) = self.peek(purpose, token).await? else {
            return Ok(None);
        };
        let hash = token_hash(token);
        let live = Cond::exists("pk").and(Cond::ge(TTL_ATTRIBUTE, now));
        let used = self
            .store
            .transact(vec![
                TxOp::Delete {
                    table: Table::Users,
                    key: purpose.key(&hash),
                    cond: Some(live.and(Cond::eq("user_id", user_id.as_str()))),
                },
                TxOp::Check {
                    table: Table::Users,
                    key: keys::users::account(&user_id),
                    cond: Cond::eq(purpose.latest_attribute(), hash.as_str()),
                },
            ])
            .await;
        match used {
            Ok(()) => Ok(Some(user_id)),
            Err(e) if e.is_condition_failed() => Ok(None),
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
        f.store
            .put(Table::Users, keys::users::account("u1").to_item(), None)
            .await
            .unwrap();
        let tokens = OneTimeTokens::new(f.store.clone());
        // Reads check expiry against the store's clock, as DynamoDB's TTL attribute is read.
        let now = rampart_core::Clock::now_secs(&*f.clock);
        let p = TokenPurpose::VerifyEmail;
        let t = tokens.issue(p, "u1", now).await.unwrap();
        assert_eq!(
            tokens.redeem(p, &t, now).await.unwrap().as_deref(),
            Some("u1")
        );
        assert_eq!(tokens.redeem(p, &t, now).await.unwrap(), None, "single use");
        let older = tokens.issue(p, "u1", now).await.unwrap();
        let late = tokens.issue(p, "u1", now).await.unwrap();
        assert_eq!(
            tokens.redeem(p, &older, now).await.unwrap(),
            None,
            "only the newest works"
        );
        assert_eq!(
            tokens.redeem(p, &late, now + 24 * 3600 + 1).await.unwrap(),
            None
        );
        let edge = tokens.issue(p, "u1", now).await.unwrap();
        assert!(
            tokens
                .redeem(p, &edge, now + 24 * 3600)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(tokens.redeem(p, "unknown", now).await.unwrap(), None);
    }
}
