//! The ops between two versions of one model: fields, indexes, unique constraints and the
//! primary key.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::{Columns, column_type, constraints, db_name, has, single_field, type_text};
use super::foreign_keys::database_default;
use super::{Op, op, weights};
use crate::schema::{Arity, Field, Model};

/// The ops between two versions of one model.
pub(super) fn fields(
    (old, old_columns): (&Model, &Columns<'_>),
    (new, new_columns): (&Model, &Columns<'_>),
    is_relation: &dyn Fn(&Field) -> bool,
    ops: &mut Vec<Op>,
) {
    let name = new.name.as_str();
    let column = |f: &Field| db_name(&f.name, &f.attributes).to_owned();
    // Relation fields have no column: only the foreign keys they imply reach the database
    // (compared in `foreign_keys`).
    let old_list = columns_of(old, is_relation);
    let new_list = columns_of(new, is_relation);
    let old_fields: BTreeMap<String, &Field> = old_list.iter().cloned().collect();
    let new_fields: BTreeMap<String, &Field> = new_list.iter().cloned().collect();
    let dropped: Vec<&Field> = old_list
        .iter()
        .filter(|(c, _)| !new_fields.contains_key(c))
        .map(|(_, f)| *f)
        .collect();
    let added: Vec<&Field> = new_list
        .iter()
        .filter(|(c, _)| !old_fields.contains_key(c))
        .map(|(_, f)| *f)
        .collect();
    // One column out and one of the same type in: most likely a rename.
    let rename =
        (dropped.len() == 1 && added.len() == 1 && type_text(dropped[0]) == type_text(added[0]))
            .then(|| (column(dropped[0]), column(added[0])));
    if let Some((from, to)) = &rename {
        ops.push(Op {
            from: Some(from.clone()),
            to: Some(to.clone()),
            ..op(
                "renameCandidate",
                name,
                Some(&added[0].name),
                weights::RENAME_CANDIDATE,
            )
        });
    }
    let renamed = |f: &Field| {
        rename
            .as_ref()
            .is_some_and(|(from, to)| &column(f) == from || &column(f) == to)
    };
    for f in dropped.iter().filter(|f| !renamed(f)) {
        ops.push(op("dropField", name, Some(&f.name), weights::DROP_FIELD));
    }
    for f in added.iter().filter(|f| !renamed(f)) {
        let risk = if f.arity == Arity::Required && !has(f, "default") && !has(f, "updatedAt") {
            weights::ADD_REQUIRED_FIELD
        } else {
            weights::ADD_OPTIONAL_FIELD
        };
        ops.push(Op {
            to: Some(type_text(f)),
            ..op("addField", name, Some(&f.name), risk)
        });
    }
    for (key, o) in &old_fields {
        let Some(n) = new_fields.get(key) else {
            continue;
        };
        let change = |kind, risk| Op {
            from: Some(type_text(o)),
            to: Some(type_text(n)),
            ..op(kind, name, Some(&n.name), risk)
        };
        if column_type(o) != column_type(n) {
            ops.push(change("alterType", weights::ALTER_TYPE));
        }
        let optional = |f: &Field| f.arity == Arity::Optional;
        if optional(o) != optional(n) && o.arity != Arity::List && n.arity != Arity::List {
            let risk = if optional(o) {
                weights::OPTIONAL_TO_REQUIRED
            } else {
                weights::REQUIRED_TO_OPTIONAL
            };
            ops.push(change("alterOptionality", risk));
        }
        let (was, now) = (database_default(o), database_default(n));
        if was != now {
            ops.push(Op {
                from: was,
                to: now,
                ..op("alterDefault", name, Some(&n.name), weights::ALTER_DEFAULT)
            });
        }
    }
    let field_of = |covered: &str| {
        single_field(new_columns, covered).or_else(|| single_field(old_columns, covered))
    };
    for (kind, add, drop, add_risk, drop_risk) in [
        (
            "index",
            "addIndex",
            "dropIndex",
            weights::ADD_INDEX,
            weights::DROP_INDEX,
        ),
        (
            "unique",
            "addUnique",
            "dropUnique",
            weights::ADD_UNIQUE,
            weights::DROP_UNIQUE,
        ),
    ] {
        let (was, now) = (
            constraints(old, old_columns, kind),
            constraints(new, new_columns, kind),
        );
        for gone in was.difference(&now) {
            ops.push(Op {
                from: Some(gone.clone()),
                ..op(drop, name, field_of(gone), drop_risk)
            });
        }
        for new_one in now.difference(&was) {
            ops.push(Op {
                to: Some(new_one.clone()),
                ..op(add, name, field_of(new_one), add_risk)
            });
        }
    }
    let (was, now) = (
        constraints(old, old_columns, "id"),
        constraints(new, new_columns, "id"),
    );
    if was != now && !was.is_empty() && !now.is_empty() {
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" ");
        ops.push(Op {
            from: Some(list(&was)),
            to: Some(list(&now)),
            ..op("alterPrimaryKey", name, None, weights::ALTER_PRIMARY_KEY)
        });
    }
}

/// A model's columns (its fields but the relation fields), by database name, in order.
fn columns_of<'m>(m: &'m Model, is_relation: &dyn Fn(&Field) -> bool) -> Vec<(String, &'m Field)> {
    m.fields
        .iter()
        .filter(|f| !is_relation(f))
        .map(|f| (db_name(&f.name, &f.attributes).to_owned(), f))
        .collect()
}
