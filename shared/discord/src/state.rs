//! The bot's state store on the Store port: values with a TTL, and a consume-once read for
//! button decisions (a conditional delete, so two clicks can never both apply).

use rampart_core::SharedClock;
use rampart_store::{
    AttrValue, Cond, ItemExt, Key, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys,
};
use serde_json::Value;

/// State kept for the bot in the state table ([`rampart_store::keys::state::discord`]).
#[derive(Clone)]
pub struct StateStore {
    store: SharedStore,
    clock: SharedClock,
}

fn key(name: &str) -> Key {
    keys::state::discord(name)
}

impl StateStore {
    /// A state store on `store`.
    pub fn new(store: SharedStore, clock: SharedClock) -> Self {
        Self { store, clock }
    }

    /// The store beneath.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Now, in epoch seconds, by the store's clock.
    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Stores `value` under `name` for `ttl_secs`.
    pub async fn put(&self, name: &str, value: &Value, ttl_secs: i64) -> Result<(), StoreError> {
        let mut item = key(name).to_item();
        item.insert("value".into(), AttrValue::s(value.to_string()));
        item.insert(
            TTL_ATTRIBUTE.into(),
            AttrValue::n(self.clock.now_secs() + ttl_secs),
        );
        self.store.put(Table::State, item, None).await
    }

    /// The value under `name`, unless absent or expired.
    pub async fn get(&self, name: &str) -> Result<Option<Value>, StoreError> {
        let item = self.store.get(Table::State, &key(name)).await?;
        Ok(item.and_then(|i| {
            i.str_attr("value")
                .and_then(|v| serde_json::from_str(v).ok())
        }))
    }

    /// Removes the value under `name`.
    pub async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.store
            .delete(Table::State, &key(name), None)
            .await
            .map(|_| ())
    }

    /// Takes the value under `name` exactly once: of any number of concurrent callers, one
    /// gets it and the others get `None`, as do callers after it expired.
    pub async fn consume(&self, name: &str) -> Result<Option<Value>, StoreError> {
        let now = self.clock.now_secs();
        let live = Cond::exists("pk").and(Cond::ge(TTL_ATTRIBUTE, now));
        match self
            .store
            .delete(Table::State, &key(name), Some(live))
            .await
        {
            Ok(old) => Ok(old.and_then(|i| {
                i.str_attr("value")
                    .and_then(|v| serde_json::from_str(v).ok())
            })),
            Err(StoreError::ConditionFailed { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
