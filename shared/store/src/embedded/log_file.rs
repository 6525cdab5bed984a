//! The append-only file: one JSON line per committed batch, replayed at open and compacted to
//! one line per live item.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::state::State;
use crate::port::{Key, StoreError, key_of_item};
use crate::tables::Table;
use crate::value::Item;

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub(super) enum LogOp {
    Put { t: String, item: Item },
    Del { t: String, pk: String, sk: String },
}

pub(super) fn replay(path: &Path, state: &mut State) -> Result<(), StoreError> {
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

pub(super) fn write_snapshot(path: &Path, state: &State) -> std::io::Result<()> {
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
