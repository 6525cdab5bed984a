//! The `Store` port: what handlers see instead of an SDK.

use std::sync::Arc;

use async_trait::async_trait;

use crate::expr::{Cond, ReturnValues, SortCond, Update};
use crate::tables::{Index, PK, SK, TTL_ATTRIBUTE, Table};
use crate::value::{AttrValue, Item, ItemExt};

mod limits;
pub use limits::{MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
pub(crate) use limits::{
    validate_item_size, validate_key, validate_partition, validate_query, validate_transaction,
};

/// A store shared by every handler of a process.
pub type SharedStore = Arc<dyn Store>;

/// An item's primary key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key of an item, when it has string `pk` and `sk`.
    pub fn of(item: &Item) -> Option<Self> {
        Some(Self::new(item.str_attr(PK)?, item.str_attr(SK)?))
    }

    /// An item holding only this key.
    pub fn to_item(&self) -> Item {
        let mut item = Item::new();
        item.insert(PK.to_owned(), AttrValue::s(&self.pk));
        item.insert(SK.to_owned(), AttrValue::s(&self.sk));
        item
    }
}

/// A query on one partition of a table or of one of its GSIs.
#[derive(Clone, Debug)]
pub struct Query {
    pub table: Table,
    /// `None` queries the table itself.
    pub index: Option<Index>,
    /// The partition key value (of the index when `index` is set).
    pub pk: String,
    pub sort: Option<SortCond>,
    /// At most this many live items (1..=1000); `None` means the whole partition.
    pub limit: Option<u32>,
    /// Where a previous page stopped.
    pub cursor: Option<String>,
    /// Ascending by sort key when true.
    pub forward: bool,
}

impl Query {
    /// A forward query of a table partition.
    pub fn partition(table: Table, pk: impl Into<String>) -> Self {
        Self {
            table,
            index: None,
            pk: pk.into(),
            sort: None,
            limit: None,
            cursor: None,
            forward: true,
        }
    }

    /// A forward query of a GSI partition.
    pub fn index(table: Table, index: Index, pk: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::partition(table, pk)
        }
    }

    /// Restricts the sort key.
    pub fn sort(mut self, cond: SortCond) -> Self {
        self.sort = Some(cond);
        self
    }

    /// Caps the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after a previous page.
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Descending by sort key.
    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }
}

/// One page of a query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present exactly when more live items follow (the store reads one item ahead, so a
    /// cursor never leads to an empty page, unlike DynamoDB's raw `LastEvaluatedKey`).
    pub cursor: Option<String>,
}

/// One operation of a transaction.
#[derive(Clone, Debug)]
pub enum TxOp {
    Put {
        table: Table,
        item: Item,
        cond: Option<Cond>,
    },
    Update {
        table: Table,
        key: Key,
        update: Update,
        cond: Option<Cond>,
    },
    Delete {
        table: Table,
        key: Key,
        cond: Option<Cond>,
    },
    Check {
        table: Table,
        key: Key,
        cond: Cond,
    },
}

impl TxOp {
    pub(crate) fn target(&self) -> (Table, Option<Key>) {
        match self {
            Self::Put { table, item, .. } => (*table, Key::of(item)),
            Self::Update { table, key, .. }
            | Self::Delete { table, key, .. }
            | Self::Check { table, key, .. } => (*table, Some(key.clone())),
        }
    }
}

/// Why one operation of a cancelled transaction failed.
#[derive(Clone, Debug, PartialEq)]
pub enum CancelReason {
    /// This operation was fine; another one cancelled the transaction.
    None,
    /// Its condition failed; carries the item as it was.
    ConditionalCheckFailed(Option<Item>),
    /// Another reason DynamoDB gives (conflict, throttling, ...).
    Other(String),
}

/// What can go wrong in the store.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition was false; carries the item as it was (`None` if absent).
    #[error("the condition of the write failed")]
    ConditionFailed { existing: Option<Box<Item>> },
    /// A transaction was cancelled; one reason per operation, in order.
    #[error("the transaction was cancelled")]
    TransactionCanceled { reasons: Vec<CancelReason> },
    /// A cursor that this store did not issue.
    #[error("the cursor is not valid")]
    InvalidCursor,
    /// A request the store rejects (bad key, empty update, duplicate transaction target, ...).
    #[error("invalid store request: {0}")]
    Validation(String),
    /// The store cannot be reached or is throttling; worth retrying later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The operation is outside what the function declared (on AWS: `AccessDeniedException`
    /// from the function's IAM policy). A defect of the route's declaration, never of input.
    #[error("access denied: {operation} on table {table} is not declared for this function")]
    AccessDenied {
        table: &'static str,
        operation: &'static str,
    },
    /// Anything else.
    #[error("store failure: {0}")]
    Internal(String),
}

impl StoreError {
    /// Whether this is a failed condition (including in a transaction).
    pub fn is_condition_failed(&self) -> bool {
        match self {
            Self::ConditionFailed { .. } => true,
            Self::TransactionCanceled { reasons } => reasons
                .iter()
                .any(|r| matches!(r, CancelReason::ConditionalCheckFailed(_))),
            _ => false,
        }
    }
}

/// The one conversion to the API's error: an unreachable or throttling store is a 503 the
/// client may retry, a cursor the store did not issue is the client's 400, and anything else
/// is a 500 whose cause is kept for the log.
impl From<StoreError> for rampart_core::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(why) => Self::ServiceUnavailable(why),
            StoreError::InvalidCursor => Self::Validation(vec![rampart_core::FieldError::new(
                "cursor",
                "is not a cursor this list issued",
            )]),
            other => Self::internal(other),
        }
    }
}

/// Whether an item is live at `now_secs`: it has no TTL attribute, or its TTL is not yet past.
pub fn is_live(item: &Item, now_secs: i64) -> bool {
    match item.get(TTL_ATTRIBUTE) {
        Some(AttrValue::N(n)) => n.as_i64().is_none_or(|ttl| ttl >= now_secs),
        _ => true,
    }
}

/// The store port, with DynamoDB's semantics.
#[async_trait]
pub trait Store: Send + Sync {
    /// A strongly consistent read; an item past its TTL reads as absent.
    async fn get(&self, table: Table, key: &Key) -> Result<Option<Item>, StoreError>;

    /// Writes a whole item if `cond` holds (evaluated against the current item, expired or not).
    async fn put(&self, table: Table, item: Item, cond: Option<Cond>) -> Result<(), StoreError>;

    /// Updates (or creates) an item atomically if `cond` holds.
    async fn update(
        &self,
        table: Table,
        key: &Key,
        update: &Update,
        cond: Option<Cond>,
        returns: ReturnValues,
    ) -> Result<Option<Item>, StoreError>;

    /// Deletes an item if `cond` holds; returns the item as it was.
    async fn delete(
        &self,
        table: Table,
        key: &Key,
        cond: Option<Cond>,
    ) -> Result<Option<Item>, StoreError>;

    /// Applies up to 100 operations on distinct items, all or none.
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError>;

    /// One page of live items of a partition, in sort-key order.
    async fn query(&self, query: &Query) -> Result<Page, StoreError>;

    /// One page of at most `limit` (1 to 1,000) live items of a whole table, in no particular
    /// order, starting after `cursor`. For maintenance jobs (key rotation), never for a request:
    /// it reads every partition. Unlike a query's, a scan's cursor may lead to an empty page.
    async fn scan(
        &self,
        table: Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError>;

    /// Requests sent to the backing store so far (for round-trip accounting in tests).
    fn round_trips(&self) -> u64;

    /// Checks that the store answers, with one cheap read.
    async fn ping(&self) -> Result<(), StoreError> {
        self.get(Table::Health, &crate::keys::ping())
            .await
            .map(|_| ())
    }
}

/// Every live item `query` matches, reading page after page of at most 1,000 items (its own
/// `limit` and `cursor` are replaced).
pub async fn query_all(store: &dyn Store, query: Query) -> Result<Vec<Item>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(&query.clone().limit(1_000).after(cursor))
            .await?;
        all.extend(page.items);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// Checks a scan's page size and decodes its cursor into the table key it names.
pub(crate) fn scan_start(limit: u32, cursor: Option<&str>) -> Result<Option<Key>, StoreError> {
    if !(1..=1_000).contains(&limit) {
        return Err(StoreError::Validation(format!(
            "a scan's limit must be 1 to 1000, not {limit}"
        )));
    }
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let attrs = crate::cursor::decode(cursor, &[PK, SK])?;
    let key = Key::new(attrs[PK].clone(), attrs[SK].clone());
    validate_key(&key).map_err(|_| StoreError::InvalidCursor)?;
    Ok(Some(key))
}

/// Checks that an item to write carries string `pk` and `sk`.
pub(crate) fn key_of_item(item: &Item) -> Result<Key, StoreError> {
    Key::of(item).ok_or_else(|| {
        StoreError::Validation(format!("an item needs string attributes {PK} and {SK}"))
    })
}
