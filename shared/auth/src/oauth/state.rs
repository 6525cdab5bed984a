//! OAuth state, kept server-side for 10 minutes: the PKCE verifier and the OIDC nonce, found
//! by the `state` parameter (stored hashed) and redeemed once by a conditional delete.

use rampart_store::{Cond, ItemExt, Key, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys};

use crate::secret_token::token_hash;

/// How long a sign-in may take at the provider.
pub const STATE_SECS: i64 = 600;

/// What the callback needs to finish a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignIn {
    pub provider: String,
    pub pkce_verifier: String,
    pub nonce: Option<String>,
    /// The hash of the browser binder: a random value set as a cookie in the browser that
    /// started the sign-in, which the callback must present.
    pub binder_hash: String,
}

fn key(state: &str) -> Key {
    keys::state::oauth(&token_hash(state))
}

/// Stores the pending sign-in under `state`.
pub async fn remember(
    store: &SharedStore,
    state: &str,
    pending: &PendingSignIn,
    now: i64,
) -> Result<(), StoreError> {
    let mut item = key(state).to_item();
    item.insert("provider".into(), pending.provider.clone().into());
    item.insert("pkce_verifier".into(), pending.pkce_verifier.clone().into());
    if let Some(nonce) = &pending.nonce {
        item.insert("nonce".into(), nonce.clone().into());
    }
    item.insert("binder_hash".into(), pending.binder_hash.clone().into());
    item.insert(TTL_ATTRIBUTE.into(), (now + STATE_SECS).into());
    store
        .put(Table::State, item, Some(Cond::not_exists("pk")))
        .await
}

/// Redeems `state` once; `None` when it is unknown, used or expired.
pub async fn redeem(
    store: &SharedStore,
    state: &str,
    now: i64,
) -> Result<Option<PendingSignIn>, StoreError> {
    if state.is_empty() || state.len() > 128 {
        return Ok(None);
    }
    let live = Cond::exists("pk").and(Cond::ge(TTL_ATTRIBUTE, now));
    match store.delete(Table::State, &key(state), Some(live)).await {
        Ok(Some(item)) => Ok(Some(PendingSignIn {
            provider: item.str_attr("provider").unwrap_or_default().to_owned(),
            pkce_verifier: item
                .str_attr("pkce_verifier")
                .unwrap_or_default()
                .to_owned(),
            nonce: item.str_attr("nonce").map(str::to_owned),
            binder_hash: item.str_attr("binder_hash").unwrap_or_default().to_owned(),
        })),
        Ok(None) | Err(StoreError::ConditionFailed { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use rampart_store::testing;

    use super::*;

    #[tokio::test]
    async fn state_is_redeemed_once_within_ten_minutes() {
        let f = testing::embedded().await;
        let pending = PendingSignIn {
            provider: "github".into(),
            pkce_verifier: "v".into(),
            nonce: None,
            binder_hash: "h".into(),
        };
        let now = f.now_secs();
        remember(&f.store, "s1", &pending, now).await.unwrap();
        assert_eq!(
            redeem(&f.store, "s1", now).await.unwrap(),
            Some(pending.clone())
        );
        assert_eq!(redeem(&f.store, "s1", now).await.unwrap(), None);
        remember(&f.store, "s2", &pending, now).await.unwrap();
        assert_eq!(
            redeem(&f.store, "s2", now + STATE_SECS + 1).await.unwrap(),
            None
        );
        assert_eq!(redeem(&f.store, "", now).await.unwrap(), None);
    }
}
