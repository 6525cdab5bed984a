//! Declared table access, and a store that enforces it.
//!
//! Each route declares the tables it touches and how; a function's IAM policy grants exactly
//! that on AWS. [`ScopedStore`] grants exactly that everywhere else too (local stack, tests),
//! so a handler that touches an undeclared table fails a test instead of failing on AWS with
//! `AccessDeniedException`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::expr::{ReturnValues, Update};
use crate::port::{Key, Page, Query, SharedStore, Store, StoreError, TxOp};
use crate::tables::{Index, Table};
use crate::value::Item;

/// How a function uses a table; each kind maps to one IAM action list (see
/// [`TableAccess::actions`]), on the table itself or, for [`TableAccess::Index`], one index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableAccess {
    /// `GetItem`, `Query` on the table (not its indexes).
    Read(Table),
    /// Reads plus `ConditionCheckItem`: a transaction's writes elsewhere may be conditioned on
    /// an item here, which is never written (a refresh rotates its session only while the
    /// account still honours it).
    Checked(Table),
    /// `PutItem` only: records are added, never read, changed or removed (the audit log).
    Append(Table),
    /// `GetItem`, `PutItem`, `UpdateItem`: counters read, created and bumped, never queried
    /// or deleted (rate limits; records expire by TTL).
    Counter(Table),
    /// Reads plus `PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem`, transactions.
    Write(Table),
    /// `Query` on one index of the table.
    Index(Table, Index),
    /// `GetItem`, `UpdateItem` of the items of one partition key and no other (IAM's
    /// `dynamodb:LeadingKeys`): every function reads and notes the configuration it started
    /// with in one state item.
    Item(Table, &'static str),
}

impl TableAccess {
    /// The table.
    pub fn table(self) -> Table {
        match self {
            Self::Read(t)
            | Self::Checked(t)
            | Self::Append(t)
            | Self::Counter(t)
            | Self::Write(t)
            | Self::Item(t, _) => t,
            Self::Index(t, _) => t,
        }
    }

    /// The access kind's name (`read`, `append`, `counter`, `write`, `index`).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Read(_) => "read",
            Self::Checked(_) => "checked",
            Self::Append(_) => "append",
            Self::Counter(_) => "counter",
            Self::Write(_) => "write",
            Self::Index(..) => "index",
            Self::Item(..) => "item",
        }
    }

    /// The DynamoDB actions the access needs (the IAM policy grants exactly these).
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Self::Read(_) => &["dynamodb:GetItem", "dynamodb:Query"],
            Self::Checked(_) => &[
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
            ],
            Self::Append(_) => &["dynamodb:PutItem"],
            Self::Counter(_) => &[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ],
            Self::Write(_) => &[
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem",
            ],
            Self::Index(..) => &["dynamodb:Query"],
            Self::Item(..) => &["dynamodb:GetItem", "dynamodb:UpdateItem"],
        }
    }

    /// The smallest equivalent list: sorted, without duplicates, without a read, a check, an
    /// append, a counter or an item of a table that is also written (a write grants them all),
    /// without an item of a table kept as counters (which grants getting and updating any
    /// item), and without a read of a table that is also checked.
    pub fn normalize(mut all: Vec<TableAccess>) -> Vec<TableAccess> {
        let tables = |all: &[TableAccess], kind: fn(&TableAccess) -> bool| -> Vec<Table> {
            all.iter().filter(|a| kind(a)).map(|a| a.table()).collect()
        };
        let written = tables(&all, |a| matches!(a, Self::Write(_)));
        let checked = tables(&all, |a| matches!(a, Self::Checked(_)));
        let counted = tables(&all, |a| matches!(a, Self::Counter(_)));
        all.retain(|a| {
            matches!(a, Self::Write(_) | Self::Index(..)) || !written.contains(&a.table())
        });
        all.retain(|a| !matches!(a, Self::Item(t, _) if counted.contains(t)));
        all.retain(|a| !matches!(a, Self::Read(t) if checked.contains(t)));
        all.sort();
        all.dedup();
        all
    }
}

/// What one store operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Get,
    Query,
    Put,
    Update,
    Delete,
    Check,
}

/// What a set of declarations allows on one table.
#[derive(Clone, Debug, Default)]
struct Allowed {
    get: bool,
    query: bool,
    put: bool,
    update: bool,
    delete: bool,
    check: bool,
    indexes: Vec<Index>,
    /// Partition keys whose items may be got and updated beyond the above.
    items: Vec<&'static str>,
}

impl Allowed {
    fn permits(&self, need: Need, key: Option<&Key>) -> bool {
        let item = || key.is_some_and(|k| self.items.contains(&k.pk.as_str()));
        match need {
            Need::Get => self.get || item(),
            Need::Query => self.query,
            Need::Put => self.put,
            Need::Update => self.update || item(),
            Need::Delete => self.delete,
            Need::Check => self.check,
        }
    }
}

/// A store limited to declared table accesses; anything else fails with
/// [`StoreError::AccessDenied`] before the inner store is asked.
pub struct ScopedStore {
    inner: SharedStore,
    allowed: BTreeMap<Table, Allowed>,
}

impl ScopedStore {
    /// `inner`, limited to `access`.
    pub fn new(inner: SharedStore, access: &[TableAccess]) -> Self {
        let mut allowed: BTreeMap<Table, Allowed> = BTreeMap::new();
        for a in access {
            let entry = allowed.entry(a.table()).or_default();
            match a {
                TableAccess::Read(_) => {
                    entry.get = true;
                    entry.query = true;
                }
                TableAccess::Checked(_) => {
                    entry.get = true;
                    entry.query = true;
                    entry.check = true;
                }
                TableAccess::Append(_) => entry.put = true,
                TableAccess::Counter(_) => {
                    entry.get = true;
                    entry.put = true;
                    entry.update = true;
                }
                TableAccess::Write(_) => {
                    entry.get = true;
                    entry.query = true;
                    entry.put = true;
                    entry.update = true;
                    entry.delete = true;
                    entry.check = true;
                }
                TableAccess::Index(_, index) => entry.indexes.push(*index),
                TableAccess::Item(_, pk) => entry.items.push(pk),
            }
        }
        Self { inner, allowed }
    }

    fn check(&self, table: Table, need: Need, operation: &'static str) -> Result<(), StoreError> {
        self.check_key(table, need, None, operation)
    }

    /// [`Self::check`] of an operation on the item at `key`, which an item access may allow.
    fn check_key(
        &self,
        table: Table,
        need: Need,
        key: Option<&Key>,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let permitted = self
            .allowed
            .get(&table)
            .is_some_and(|a| a.permits(need, key));
        if permitted {
            Ok(())
        } else {
            Err(StoreError::AccessDenied {
                table: table.concern(),
                operation,
            })
        }
    }

    /// The first table this store may read whole, for the cold-start warm-up.
    fn readable(&self) -> Option<Table> {
        self.allowed
            .iter()
            .find(|(_, a)| a.get)
            .map(|(table, _)| *table)
    }
}

#[async_trait]
impl Store for ScopedStore {
    async fn get(&self, table: Table, key: &Key) -> Result<Option<Item>, StoreError> {
        self.check_key(table, Need::Get, Some(key), "GetItem")?;
        self.inner.get(table, key).await
    }

    async fn put(
        &self,
        table: Table,
        item: Item,
        cond: Option<crate::expr::Cond>,
    ) -> Result<(), StoreError> {
        self.check(table, Need::Put, "PutItem")?;
        self.inner.put(table, item, cond).await
    }

    async fn update(
        &self,
        table: Table,
        key: &Key,
        update: &Update,
        cond: Option<crate::expr::Cond>,
        returns: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        self.check_key(table, Need::Update, Some(key), "UpdateItem")?;
        self.inner.update(table, key, update, cond, returns).await
    }

    async fn delete(
        &self,
        table: Table,
        key: &Key,
        cond: Option<crate::expr::Cond>,
    ) -> Result<Option<Item>, StoreError> {
        self.check(table, Need::Delete, "DeleteItem")?;
        self.inner.delete(table, key, cond).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        for op in &ops {
            match op {
                TxOp::Put { table, .. } => self.check(*table, Need::Put, "PutItem")?,
                TxOp::Update { table, key, .. } => {
                    self.check_key(*table, Need::Update, Some(key), "UpdateItem")?
                }
                TxOp::Delete { table, .. } => self.check(*table, Need::Delete, "DeleteItem")?,
                TxOp::Check { table, .. } => {
                    self.check(*table, Need::Check, "ConditionCheckItem")?
                }
            }
        }
        self.inner.transact(ops).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        match query.index {
            None => self.check(query.table, Need::Query, "Query")?,
            Some(index) => {
                let declared = self
                    .allowed
                    .get(&query.table)
                    .is_some_and(|a| a.indexes.contains(&index));
                if !declared {
                    return Err(StoreError::AccessDenied {
                        table: query.table.concern(),
                        operation: index_operation(index),
                    });
                }
            }
        }
        self.inner.query(query).await
    }

    async fn scan(
        &self,
        table: Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError> {
        self.check(table, Need::Query, "Scan")?;
        self.inner.scan(table, limit, cursor).await
    }

    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }

    /// Reads a table the function may read (nothing at all when it may read none), so the
    /// warm-up never asks for a table the function's role cannot touch.
    async fn ping(&self) -> Result<(), StoreError> {
        match self.readable() {
            Some(table) => self
                .inner
                .get(table, &crate::keys::ping())
                .await
                .map(|_| ()),
            None => Ok(()),
        }
    }
}

/// How a refused index query is named in the error.
fn index_operation(index: Index) -> &'static str {
    match index {
        Index::Gsi1 => "Query on index gsi1",
        Index::Gsi2 => "Query on index gsi2",
    }
}

#[cfg(test)]
mod tests;
