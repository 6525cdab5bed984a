//! The embedded adapter: every table in memory, optionally persisted to an append-only log.
//!
//! One mutex guards all tables, so every operation (and every transaction) is atomic and
//! serialisable, like a single DynamoDB partition. With a file, each committed write appends
//! one JSON line before it becomes visible; at open the log is replayed, a torn last line is
//! dropped, and the file is compacted to one line per live item.

mod log_file;
mod range_reads;
mod state;

use std::fs::{self, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use rampart_core::SharedClock;

use crate::cursor;
use crate::eval;
use crate::expr::{Cond, ReturnValues, Update};
use crate::port::{
    CancelReason, Key, Page, Query, Store, StoreError, TxOp, is_live, key_of_item, scan_start,
    validate_key, validate_partition, validate_query, validate_transaction,
};
use crate::tables::Table;
use crate::value::Item;
use log_file::{replay, write_snapshot};
use range_reads::{index_items, partition_items};
use state::{State, TableData};

/// The embedded store: memory, or memory backed by a file.
pub struct EmbeddedStore {
    state: Mutex<State>,
    clock: SharedClock,
    trips: AtomicU64,
    path: Option<PathBuf>,
    /// Held while the store is open: one process per file (`<file>.lock`).
    _lock: Option<fs::File>,
}

impl EmbeddedStore {
    /// A store that lives only as long as the process.
    pub fn memory(clock: SharedClock) -> Self {
        Self {
            state: Mutex::new(State::default()),
            clock,
            trips: AtomicU64::new(0),
            path: None,
            _lock: None,
        }
    }

    /// A store persisted in `path` (created with its folder if absent).
    pub fn open(path: impl AsRef<Path>, clock: SharedClock) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io = |what: &str, e: std::io::Error| {
            StoreError::Unavailable(format!("{what} {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| io("creating the folder of", e))?;
        }
        // Two processes appending to (and compacting) one file would lose writes: the second
        // to open it is refused while the first holds the lock.
        let lock_path = path.with_extension("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io("locking", e))?;
        if let Err(e) = lock.try_lock() {
            return Err(StoreError::Unavailable(match e {
                fs::TryLockError::WouldBlock => format!(
                    "{} is in use by another process (a running local stack?); stop it first",
                    path.display()
                ),
                fs::TryLockError::Error(e) => format!("locking {}: {e}", lock_path.display()),
            }));
        }
        let mut state = State::default();
        if path.exists() {
            replay(&path, &mut state)?;
        }
        let tmp = path.with_extension("compacting");
        write_snapshot(&tmp, &state).map_err(|e| io("compacting", e))?;
        fs::rename(&tmp, &path).map_err(|e| io("replacing", e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io("opening", e))?;
        state.log = Some(BufWriter::new(file));
        Ok(Self {
            state: Mutex::new(state),
            clock,
            trips: AtomicU64::new(0),
            path: Some(path),
            _lock: Some(lock),
        })
    }

    /// The backing file, when persisted.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.trips.fetch_add(1, Ordering::Relaxed);
        // A panic while holding the lock cannot leave a half-applied write: commit mutates
        // only after the log line is written, so the data behind a poisoned lock is sound.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }
}

fn check(cond: Option<&Cond>, current: Option<&Item>) -> Result<(), StoreError> {
    match cond {
        Some(cond) if !eval::matches(cond, current) => Err(StoreError::ConditionFailed {
            existing: current.cloned().map(Box::new),
        }),
        _ => Ok(()),
    }
}

fn updated(
    key: &Key,
    current: Option<&Item>,
    update: &Update,
) -> Result<(Item, Vec<String>), StoreError> {
    let mut next = current.cloned().unwrap_or_else(|| key.to_item());
    let touched = eval::apply(update, &mut next)?;
    Ok((next, touched))
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, table: Table, key: &Key) -> Result<Option<Item>, StoreError> {
        validate_key(key)?;
        let now = self.now_secs();
        let state = self.lock();
        Ok(state
            .current(table, key)
            .filter(|item| is_live(item, now))
            .cloned())
    }

    async fn put(&self, table: Table, item: Item, cond: Option<Cond>) -> Result<(), StoreError> {
        let key = key_of_item(&item)?;
        let mut state = self.lock();
        check(cond.as_ref(), state.current(table, &key))?;
        state.commit(vec![(table, key, Some(item))])
    }

    async fn update(
        &self,
        table: Table,
        key: &Key,
        update: &Update,
        cond: Option<Cond>,
        returns: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        eval::validate_update(update)?;
        validate_key(key)?;
        let mut state = self.lock();
        // The item is read in place; only what the caller asked back is copied.
        let current = state.current(table, key);
        check(cond.as_ref(), current)?;
        if state.log.is_none() && table.indexes().is_empty() && returns != ReturnValues::AllOld {
            // Nothing to write to a file and no index to keep: the item changes where it lies.
            return state.update_in_place(table, key, update, returns);
        }
        let (next, touched) = updated(key, current, update)?;
        let answer = match returns {
            ReturnValues::None => None,
            ReturnValues::AllOld => current.cloned(),
            ReturnValues::AllNew => Some(next.clone()),
            ReturnValues::UpdatedNew => Some(
                next.iter()
                    .filter(|(name, _)| touched.contains(name))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
            ),
        };
        state.commit(vec![(table, key.clone(), Some(next))])?;
        Ok(answer)
    }

    async fn delete(
        &self,
        table: Table,
        key: &Key,
        cond: Option<Cond>,
    ) -> Result<Option<Item>, StoreError> {
        validate_key(key)?;
        let mut state = self.lock();
        let current = state.current(table, key).cloned();
        check(cond.as_ref(), current.as_ref())?;
        if current.is_some() {
            state.commit(vec![(table, key.clone(), None)])?;
        }
        Ok(current)
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        for op in &ops {
            if let TxOp::Update { update, .. } = op {
                eval::validate_update(update)?;
            }
        }
        let mut state = self.lock();
        let mut reasons = Vec::with_capacity(ops.len());
        let mut writes = Vec::with_capacity(ops.len());
        for op in &ops {
            let (table, key) = op.target();
            let key = key.ok_or_else(|| StoreError::Validation("missing key".into()))?;
            let current = state.current(table, &key);
            let cond = match op {
                TxOp::Put { cond, .. } | TxOp::Update { cond, .. } | TxOp::Delete { cond, .. } => {
                    cond.as_ref()
                }
                TxOp::Check { cond, .. } => Some(cond),
            };
            if check(cond, current).is_err() {
                reasons.push(CancelReason::ConditionalCheckFailed(current.cloned()));
                continue;
            }
            reasons.push(CancelReason::None);
            match op {
                TxOp::Put { item, .. } => writes.push((table, key, Some(item.clone()))),
                TxOp::Update { update, .. } => {
                    let (next, _) = updated(&key, current, update)?;
                    writes.push((table, key, Some(next)));
                }
                TxOp::Delete { .. } => writes.push((table, key, None)),
                TxOp::Check { .. } => {}
            }
        }
        if reasons.iter().any(|r| *r != CancelReason::None) {
            return Err(StoreError::TransactionCanceled { reasons });
        }
        state.commit(writes)
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        validate_query(query)?;
        validate_partition(&query.pk)?;
        let now = self.now_secs();
        let state = self.lock();
        let empty = TableData::default();
        let data = state.tables.get(&query.table).unwrap_or(&empty);
        let candidates: Vec<&Item> = match query.index {
            None => partition_items(data, query)?,
            Some(index) => index_items(data, index, query)?,
        };
        let mut items = Vec::new();
        let mut cursor = None;
        for item in candidates.into_iter().filter(|i| is_live(i, now)) {
            if query.limit.is_some_and(|l| items.len() == l as usize) {
                cursor = items
                    .last()
                    .map(|last| cursor::encode(&cursor::key_attrs(last, query.index)));
                break;
            }
            items.push(item.clone());
        }
        Ok(Page { items, cursor })
    }

    async fn scan(
        &self,
        table: Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError> {
        use std::ops::Bound;
        let start = scan_start(limit, cursor)?;
        let now = self.now_secs();
        let state = self.lock();
        let Some(data) = state.tables.get(&table) else {
            return Ok(Page::default());
        };
        let lower = match start {
            Some(key) => Bound::Excluded((key.pk, key.sk)),
            None => Bound::Unbounded,
        };
        let mut live = data
            .items
            .range((lower, Bound::Unbounded))
            .map(|(_, item)| item)
            .filter(|item| is_live(item, now));
        let items: Vec<Item> = live.by_ref().take(limit as usize).cloned().collect();
        let cursor = match live.next() {
            Some(_) => items
                .last()
                .map(|last| cursor::encode(&cursor::key_attrs(last, None))),
            None => None,
        };
        Ok(Page { items, cursor })
    }

    fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }
}
