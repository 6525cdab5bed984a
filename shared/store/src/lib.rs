//! The `Store` port with DynamoDB's semantics, and its two adapters.
//!
//! - [`EmbeddedStore`]: in memory, optionally persisted to an append-only file (local stack, tests).
//! - [`DynamoStore`]: DynamoDB through `aws-sdk-dynamodb` (production, and moto in tests).
//!
//! Both honour the same contract, proven by one conformance suite (`tests/conformance`):
//! conditional writes that return the existing item on failure, atomic `ADD`, all-or-nothing
//! transactions with per-operation cancellation reasons, queries by partition with sort-key
//! conditions, limits and opaque cursors, sparse GSIs, and a TTL attribute that every read checks
//! (an expired item is invisible to reads but, as in DynamoDB, still seen by conditions until it
//! is deleted).
//!
//! [`keys`] owns every table's key layout: no other module spells a key prefix.

mod access;
mod cursor;
mod dynamo;
mod embedded;
mod eval;
mod expr;
pub mod keys;
mod port;
mod tables;
#[cfg(feature = "testing")]
pub mod testing;
mod value;

pub use access::{ScopedStore, TableAccess};
pub use dynamo::{DynamoStore, create_tables};
pub use embedded::EmbeddedStore;
pub use expr::{CmpOp, Cond, ReturnValues, SortCond, Update, UpdateAction};
pub use port::{
    CancelReason, Key, Page, Query, SharedStore, Store, StoreError, TxOp, is_live, query_all,
};
pub use tables::{Index, TTL_ATTRIBUTE, Table, TableNames};
pub use value::{AttrValue, Item, ItemExt, Number};
