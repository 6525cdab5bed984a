//! Account export records: which exports a user made and where each one's file is.
//!
//! Layout: [`rampart_store::keys::users::export`], in the account's partition of the users
//! table (so deleting the account removes them), kept 7 days (the bucket's lifecycle rule
//! removes the files after the same time).

use rampart_store::{
    Cond, Item, ItemExt, Query, SharedStore, SortCond, StoreError, TTL_ATTRIBUTE, Table, keys,
};

/// How long an export is kept.
pub const EXPORT_SECS: i64 = 7 * 24 * 3600;

/// One export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub id: String,
    pub status: String,
    /// The blob key of the file.
    pub key: String,
    pub created_at: i64,
}

fn from_item(item: &Item) -> Option<Export> {
    Some(Export {
        id: item.str_attr("id")?.to_owned(),
        status: item.str_attr("status")?.to_owned(),
        key: item.str_attr("blob_key")?.to_owned(),
        created_at: item.i64_attr("created_at").unwrap_or(0),
    })
}

/// The export records.
#[derive(Clone)]
pub struct Exports {
    store: SharedStore,
}

impl Exports {
    /// The records on `store`.
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Records a finished export.
    pub async fn record(&self, user_id: &str, export: &Export) -> Result<(), StoreError> {
        let mut item = keys::users::export(user_id, &export.id).to_item();
        item.insert("id".into(), export.id.clone().into());
        item.insert("status".into(), export.status.clone().into());
        item.insert("blob_key".into(), export.key.clone().into());
        item.insert("created_at".into(), export.created_at.into());
        item.insert(
            TTL_ATTRIBUTE.into(),
            (export.created_at + EXPORT_SECS).into(),
        );
        self.store
            .put(Table::Users, item, Some(Cond::not_exists("pk")))
            .await
    }

    /// One of the user's exports.
    pub async fn get(&self, user_id: &str, export_id: &str) -> Result<Option<Export>, StoreError> {
        Ok(self
            .store
            .get(Table::Users, &keys::users::export(user_id, export_id))
            .await?
            .as_ref()
            .and_then(from_item))
    }

    /// Every live export of the user.
    pub async fn all(&self, user_id: &str) -> Result<Vec<Export>, StoreError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(
                    &Query::partition(Table::Users, keys::users::partition(user_id))
                        .sort(SortCond::BeginsWith(keys::users::EXPORT_PREFIX.into()))
                        .limit(100)
                        .after(cursor),
                )
                .await?;
            out.extend(page.items.iter().filter_map(from_item));
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }
}
