//! The tables in memory, with their GSIs, and the commit that makes writes durable, then visible.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};

use super::log_file::LogOp;
use crate::eval;
use crate::expr::{ReturnValues, Update};
use crate::port::{Key, StoreError, validate_item_size, validate_key};
use crate::tables::{Index, PK, SK, Table};
use crate::value::{AttrValue, Item, ItemExt};

pub(super) type IndexKey = (String, String, String, String);

#[derive(Default)]
pub(super) struct TableData {
    pub(super) items: BTreeMap<(String, String), Item>,
    pub(super) indexes: HashMap<Index, BTreeSet<IndexKey>>,
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

    pub(super) fn insert(&mut self, table: Table, key: Key, item: Item) {
        self.remove(table, &key);
        for index in table.indexes() {
            if let Some(ik) = Self::index_key(*index, &item) {
                self.indexes.entry(*index).or_default().insert(ik);
            }
        }
        self.items.insert((key.pk, key.sk), item);
    }

    pub(super) fn remove(&mut self, table: Table, key: &Key) -> Option<Item> {
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

#[derive(Default)]
pub(super) struct State {
    pub(super) tables: HashMap<Table, TableData>,
    pub(super) log: Option<BufWriter<File>>,
}

impl State {
    pub(super) fn table(&mut self, table: Table) -> &mut TableData {
        self.tables.entry(table).or_default()
    }

    pub(super) fn current(&self, table: Table, key: &Key) -> Option<&Item> {
        self.tables.get(&table).and_then(|t| t.get(key))
    }

    /// Applies `update` to the item at `key` where it lies (creating it when absent), for a
    /// table without indexes and a store without a file: no copy of the item is made, which
    /// for a rate-limit counter (64 windows in one item) is most of an update's cost. A failed
    /// update (an `ADD` to a string, an item grown past its size limit) is undone, so it
    /// changes nothing, as a refused write on DynamoDB.
    pub(super) fn update_in_place(
        &mut self,
        table: Table,
        key: &Key,
        update: &Update,
        returns: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        let items = &mut self.table(table).items;
        let slot = (key.pk.clone(), key.sk.clone());
        let created = !items.contains_key(&slot);
        let item = items.entry(slot.clone()).or_insert_with(|| key.to_item());
        let saved: Vec<(&str, Option<AttrValue>)> = update
            .actions
            .iter()
            .map(|action| {
                let name = action.name();
                (name, item.get(name).cloned())
            })
            .collect();
        let applied = eval::apply(update, item)
            .and_then(|touched| validate_item_size(item).map(|()| touched));
        let touched = match applied {
            Ok(touched) => touched,
            Err(error) => {
                if created {
                    items.remove(&slot);
                } else {
                    for (name, value) in saved {
                        match value {
                            Some(value) => item.insert(name.to_owned(), value),
                            None => item.remove(name),
                        };
                    }
                }
                return Err(error);
            }
        };
        Ok(match returns {
            ReturnValues::None => None,
            ReturnValues::AllNew => Some(item.clone()),
            ReturnValues::UpdatedNew => Some(
                touched
                    .into_iter()
                    .filter_map(|name| item.get(&name).cloned().map(|value| (name, value)))
                    .collect(),
            ),
            // Asked only of the path that copies the item before changing it.
            ReturnValues::AllOld => None,
        })
    }

    /// Makes a batch of writes durable (when persisted), then visible.
    pub(super) fn commit(
        &mut self,
        writes: Vec<(Table, Key, Option<Item>)>,
    ) -> Result<(), StoreError> {
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
