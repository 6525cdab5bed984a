//! API keys: `rk_` + 256 random bits, shown once, stored hashed with their permissions and
//! expiry.
//!
//! Layout ([`rampart_store::keys::users`]): the key by the SHA-256 of its secret in the users
//! table, found by id through GSI1, and linked from the creator's partition so an account's
//! keys go with it. Authentication is one read by hash; revocation deletes the key and its
//! link in one transaction; expiry is the table's TTL attribute, which every read checks.

use rampart_rbac::Permission;
use rampart_store::{
    AttrValue, Cond, Index, Item, ItemExt, Key, Query, SharedStore, SortCond, StoreError,
    TTL_ATTRIBUTE, Table, TxOp, keys,
};
use serde::Serialize;

use crate::secret_token::{random_token, token_hash};

/// The prefix every key carries.
pub const PREFIX: &str = "rk_";

/// An API key as stored (without the key itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub permissions: Vec<String>,
    /// Epoch seconds; `None` for keys that do not expire.
    #[serde(skip)]
    pub expires_at_secs: Option<i64>,
    pub created_by: String,
}

impl ApiKey {
    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Internal(format!("API key item has no {what}"));
        Ok(Self {
            id: item.str_attr("id").ok_or_else(|| bad("id"))?.to_owned(),
            name: item.str_attr("name").unwrap_or_default().to_owned(),
            permissions: match item.get("permissions") {
                Some(AttrValue::L(list)) => list
                    .iter()
                    .filter_map(AttrValue::as_s)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            },
            expires_at_secs: item.i64_attr(TTL_ATTRIBUTE),
            created_by: item.str_attr("created_by").unwrap_or_default().to_owned(),
        })
    }

    /// The key's permissions, parsed.
    pub fn grants(&self) -> Vec<Permission> {
        self.permissions
            .iter()
            .filter_map(|p| Permission::parse(p).ok())
            .collect()
    }
}

/// The creator's link to a key, in the creator's partition, so an account's keys can be
/// found and revoked with it.
fn link_item(created_by: &str, id: &str) -> Item {
    let mut link = keys::users::api_key_link(created_by, id).to_item();
    link.insert("id".into(), id.into());
    link
}

fn key_for(secret: &str) -> Key {
    keys::users::api_key(&token_hash(secret))
}

/// Why a key could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no randomness available")]
    Random,
}

/// The API key repository.
#[derive(Clone)]
pub struct ApiKeys {
    store: SharedStore,
}

impl ApiKeys {
    /// The repository on `store`.
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Creates a key; returns it with the secret, which is never stored or shown again.
    pub async fn create(
        &self,
        name: &str,
        permissions: &[Permission],
        expires_at_secs: Option<i64>,
        created_by: &str,
    ) -> Result<(ApiKey, rampart_core::Masked<String>), KeyError> {
        let secret = format!("{PREFIX}{}", random_token().map_err(|_| KeyError::Random)?);
        let id = rampart_core::ids::new_id();
        let mut item = key_for(&secret).to_item();
        item.insert("id".into(), id.clone().into());
        item.insert("gsi1pk".into(), keys::users::api_key_by_id(&id).into());
        item.insert("gsi1sk".into(), keys::users::API_KEY_BY_ID_SORT.into());
        item.insert("name".into(), name.into());
        item.insert(
            "permissions".into(),
            AttrValue::L(permissions.iter().map(|p| p.to_string().into()).collect()),
        );
        item.insert("created_by".into(), created_by.into());
        if let Some(at) = expires_at_secs {
            item.insert(TTL_ATTRIBUTE.into(), at.into());
        }
        let key = ApiKey::from_item(&item)?;
        self.store
            .transact(vec![
                TxOp::Put {
                    table: Table::Users,
                    item,
                    cond: Some(Cond::not_exists("pk")),
                },
                TxOp::Put {
                    table: Table::Users,
                    item: link_item(created_by, &id),
                    cond: None,
                },
            ])
            .await?;
        Ok((key, secret.into()))
    }

    /// The live key behind `secret`, if any.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<ApiKey>, StoreError> {
        if !secret.starts_with(PREFIX) || secret.len() > 128 {
            return Ok(None);
        }
        match self.store.get(Table::Users, &key_for(secret)).await? {
            Some(item) => ApiKey::from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    /// Revokes a key by id; `false` when there is no such live key.
    pub async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        let page = self
            .store
            .query(
                &Query::index(Table::Users, Index::Gsi1, keys::users::api_key_by_id(id)).limit(1),
            )
            .await?;
        let Some(item) = page.items.first() else {
            return Ok(false);
        };
        let Some(key) = Key::of(item) else {
            return Ok(false);
        };
        let creator = item.str_attr("created_by").unwrap_or_default();
        let link = link_item(creator, id);
        let result = self
            .store
            .transact(vec![
                TxOp::Delete {
                    table: Table::Users,
                    key,
                    cond: Some(Cond::exists("pk")),
                },
                TxOp::Delete {
                    table: Table::Users,
                    key: Key::of(&link).expect("link items carry keys"),
                    cond: None,
                },
            ])
            .await;
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Revokes every key a user created (when the account is deleted).
    pub async fn revoke_created_by(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut revoked = 0;
        loop {
            let links = self
                .store
                .query(
                    &Query::partition(Table::Users, keys::users::partition(user_id))
                        .sort(SortCond::BeginsWith(
                            keys::users::API_KEY_LINK_PREFIX.into(),
                        ))
                        .limit(25),
                )
                .await?;
            if links.items.is_empty() {
                return Ok(revoked);
            }
            for link in &links.items {
                if let Some(id) = link.str_attr("id") {
                    revoked += u64::from(self.revoke(id).await?);
                }
                // A link whose key is already gone is removed on its own.
                if let Some(k) = Key::of(link) {
                    self.store.delete(Table::Users, &k, None).await?;
                }
            }
        }
    }
}
