//! The ops between the enums of two schemas.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::db_name;
use super::{Op, op, weights};
use crate::schema::{Enum, PrismaSchema};

/// The ops between the enums of two schemas, matched (and their values) by database name.
pub(super) fn enums(base: &PrismaSchema, target: &PrismaSchema, ops: &mut Vec<Op>) {
    let keyed = |schema: &'_ PrismaSchema| -> BTreeMap<String, usize> {
        schema
            .enums
            .iter()
            .enumerate()
            .map(|(i, e)| (db_name(&e.name, &e.attributes).to_owned(), i))
            .collect()
    };
    let (before, after) = (keyed(base), keyed(target));
    for (key, i) in &before {
        let old = &base.enums[*i];
        let Some(new) = after.get(key).map(|j| &target.enums[*j]) else {
            ops.push(op("dropEnum", &old.name, None, weights::DROP_ENUM));
            continue;
        };
        let values = |e: &Enum| -> BTreeSet<String> {
            e.values
                .iter()
                .map(|v| db_name(&v.name, &v.attributes).to_owned())
                .collect()
        };
        let (was, now) = (values(old), values(new));
        for v in was.difference(&now) {
            ops.push(Op {
                from: Some(v.clone()),
                ..op("dropEnumValue", &new.name, None, weights::DROP_ENUM_VALUE)
            });
        }
        for v in now.difference(&was) {
            ops.push(Op {
                to: Some(v.clone()),
                ..op("addEnumValue", &new.name, None, weights::ADD_ENUM_VALUE)
            });
        }
    }
    for (key, j) in &after {
        if !before.contains_key(key) {
            ops.push(op(
                "addEnum",
                &target.enums[*j].name,
                None,
                weights::ADD_ENUM,
            ));
        }
    }
}
