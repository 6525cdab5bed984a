//! The embedded adapter: every table in memory, optionally persisted to an append-only log.
//!
//! One mutex guards all tables, so every operation (and every transaction) is atomic and
//! serialisable, like a single DynamoDB partition. With a file, each committed write appends
//! one JSON line before it becomes visible; at open the log is replayed, a torn last line is
//! dropped, and the file is compacted to one line per live item.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use rampart_core::SharedClock;
use serde::{Deserialize, Serialize};

use crate::cursor;
use crate::eval;
use crate::expr::{Cond, ReturnValues, Update};
use crate::port::{
    CancelReason, Key, Page, Query, Store, StoreError, TxOp, is_live, key_of_item,
    validate_item_size, validate_key, validate_partition, validate_query, validate_transaction,
};
use crate::tables::{Index, PK, SK, Table};
use crate::value::{Item, ItemExt};

type IndexKey = (String, String, String, String);

#[derive(Default)]
struct TableData {
    items: BTreeMap<(String, String), Item>,
    indexes: HashMap<Index, BTreeSet<IndexKey>>,
}

impl TableData {
    fn index_key(index: Index, item: &Item) -> Option<IndexKey> {
        let (ipk, isk) = index.key_attributes();
        Some((
            item.str_attr(ipk)?.to_owned(),
            item.str_attr(isk)?.to_owned(),
            item.str_attr(PK)?.to_owned(),
            item.str_attr(SK)?.to_owned(),
        ))
    }

    fn insert(&mut self, table: Table, key: Key, item: Item) {
        self.remove(table, &key);
        for index in table.indexes() {
            if let Some(ik) = Self::index_key(*index, &item) {
                self.indexes.entry(*index).or_default().insert(ik);
            }
        }
        self.items.insert((key.pk, key.sk), item);
    }

    fn remove(&mut self, table: Table, key: &Key) -> Option<Item> {
        let old = self.items.remove(&(key.pk.clone(), key.sk.clone()))?;
        for index in table.indexes() {
            if let Some(ik) = Self::index_key(*index, &old)
                && let Some(set) = self.indexes.get_mut(index)
            {
                set.remove(&ik);
            }
        }
        Some(old)
    }

    fn get(&self, key: &Key) -> Option<&Item> {
        self.items.get(&(key.pk.clone(), key.sk.clone()))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum LogOp {
    Put { t: String, item: Item },
    Del { t: String, pk: String, sk: String },
}

#[derive(Default)]
struct State {
    tables: HashMap<Table, TableData>,
    log: Option<BufWriter<File>>,
}

impl State {
    fn table(&mut self, table: Table) -> &mut TableData {
        self.tables.entry(table).or_default()
    }

    fn current(&self, table: Table, key: &Key) -> Option<&Item> {
        self.tables.get(&table).and_then(|t| t.get(key))
    }

    /// Makes a batch of writes durable (when persisted), then visible.
    fn commit(&mut self, writes: Vec<(Table, Key, Option<Item>)>) -> Result<(), StoreError> {
        for (_, key, item) in &writes {
            validate_key(key)?;
            if let Some(item) = item {
                validate_item_size(item)?;
            }
        }
        if let Some(log) = self.log.as_mut() {
            let ops: Vec<LogOp> = writes
                .iter()
                .map(|(table, key, item)| match item {
                    Some(item) => LogOp::Put {
                        t: table.concern().to_owned(),
                        item: item.clone(),
                    },
                    None => LogOp::Del {
                        t: table.concern().to_owned(),
                        pk: key.pk.clone(),
                        sk: key.sk.clone(),
                    },
                })
                .collect();
            let mut line = serde_json::to_vec(&ops)
                .map_err(|e| StoreError::Internal(format!("encoding the log record: {e}")))?;
            line.push(b'\n');
            log.write_all(&line)
                .and_then(|()| log.flush())
                .map_err(|e| StoreError::Unavailable(format!("writing the store file: {e}")))?;
        }
        for (table, key, item) in writes {
            let data = self.table(table);
            match item {
                Some(item) => data.insert(table, key, item),
                None => {
                    data.remove(table, &key);
                }
            }
        }
        Ok(())
    }
}

/// The embedded store: memory, or memory backed by a file.
pub struct EmbeddedStore {
    state: Mutex<State>,
    clock: SharedClock,
    trips: AtomicU64,
    path: Option<PathBuf>,
}

impl EmbeddedStore {
    /// A store that lives only as long as the process.
    pub fn memory(clock: SharedClock) -> Self {
        Self {
            state: Mutex::new(State::default()),
            clock,
            trips: AtomicU64::new(0),
            path: None,
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

fn replay(path: &Path, state: &mut State) -> Result<(), StoreError> {
    let file = File::open(path)
        .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| StoreError::Unavailable(format!("reading {}: {e}", path.display())))?;
    let last = lines.len().saturating_sub(1);
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ops: Vec<LogOp> = match serde_json::from_str(line) {
            Ok(ops) => ops,
            // A torn final line is a write that never committed.
            Err(_) if number == last => break,
            Err(e) => {
                return Err(StoreError::Internal(format!(
                    "{} line {}: {e}",
                    path.display(),
                    number + 1
                )));
            }
        };
        for op in ops {
            match op {
                LogOp::Put { t, item } => {
                    let table = table_named(&t)?;
                    let key = key_of_item(&item)?;
                    state.table(table).insert(table, key, item);
                }
                LogOp::Del { t, pk, sk } => {
                    let table = table_named(&t)?;
                    state.table(table).remove(table, &Key::new(pk, sk));
                }
            }
        }
    }
    Ok(())
}

fn table_named(name: &str) -> Result<Table, StoreError> {
    Table::from_concern(name)
        .ok_or_else(|| StoreError::Internal(format!("the store file names unknown table {name}")))
}

fn write_snapshot(path: &Path, state: &State) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for table in Table::ALL {
        let Some(data) = state.tables.get(&table) else {
            continue;
        };
        for item in data.items.values() {
            let op = [LogOp::Put {
                t: table.concern().to_owned(),
                item: item.clone(),
            }];
            serde_json::to_writer(&mut out, &op)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    out.get_ref().sync_all()
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
        let current = state.current(table, key).cloned();
        check(cond.as_ref(), current.as_ref())?;
        let (next, touched) = updated(key, current.as_ref(), update)?;
        state.commit(vec![(table, key.clone(), Some(next.clone()))])?;
        Ok(match returns {
            ReturnValues::None => None,
            ReturnValues::AllOld => current,
            ReturnValues::AllNew => Some(next),
            ReturnValues::UpdatedNew => Some(
                next.into_iter()
                    .filter(|(name, _)| touched.contains(name))
                    .collect(),
            ),
        })
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

    fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }
}

fn sort_ok(query: &Query, sk: &str) -> bool {
    query
        .sort
        .as_ref()
        .is_none_or(|c| eval::sort_matches(c, sk))
}

fn partition_items<'a>(data: &'a TableData, query: &Query) -> Result<Vec<&'a Item>, StoreError> {
    let pk = query.pk.clone();
    let after = match &query.cursor {
        Some(c) => {
            let k = cursor::decode_for(c, &[PK, SK], (PK, SK), query)?;
            Some(k[SK].clone())
        }
        None => None,
    };
    let lower = (pk.clone(), String::new());
    let range = data
        .items
        .range((Bound::Included(lower), Bound::Unbounded))
        .take_while(|((p, _), _)| *p == pk)
        .filter(|((_, sk), _)| sort_ok(query, sk));
    let mut out: Vec<(&String, &Item)> = range.map(|((_, sk), item)| (sk, item)).collect();
    if !query.forward {
        out.reverse();
    }
    if let Some(after) = after {
        out.retain(|(sk, _)| {
            if query.forward {
                sk.as_bytes() > after.as_bytes()
            } else {
                sk.as_bytes() < after.as_bytes()
            }
        });
    }
    Ok(out.into_iter().map(|(_, item)| item).collect())
}

fn index_items<'a>(
    data: &'a TableData,
    index: Index,
    query: &Query,
) -> Result<Vec<&'a Item>, StoreError> {
    let (ipk, isk) = index.key_attributes();
    let after: Option<IndexKey> = match &query.cursor {
        Some(c) => {
            let k = cursor::decode_for(c, &[PK, SK, ipk, isk], (ipk, isk), query)?;
            Some((k[ipk].clone(), k[isk].clone(), k[PK].clone(), k[SK].clone()))
        }
        None => None,
    };
    let Some(set) = data.indexes.get(&index) else {
        return Ok(Vec::new());
    };
    let lower = (
        query.pk.clone(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut keys: Vec<&IndexKey> = set
        .range((Bound::Included(lower), Bound::Unbounded))
        .take_while(|k| k.0 == query.pk)
        .filter(|k| sort_ok(query, &k.1))
        .collect();
    if !query.forward {
        keys.reverse();
    }
    if let Some(after) = after {
        keys.retain(|k| {
            if query.forward {
                **k > after
            } else {
                **k < after
            }
        });
    }
    Ok(keys
        .into_iter()
        .filter_map(|k| data.items.get(&(k.2.clone(), k.3.clone())))
        .collect())
}
