//! The ops between two versions of one model: fields, indexes, unique constraints and the
//! primary key.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::{column_type, constraints, db_name, has, single_field, type_text};
use super::{Op, op, weights};
use crate::schema::{Arity, Field, Model};

/// The ops between two versions of one model.
pub(super) fn fields(
    old: &Model,
    new: &Model,
    is_relation: &dyn Fn(&Field) -> bool,
    ops: &mut Vec<Op>,
) {
    let name = new.name.as_str();
    let column = |f: &Field| db_name(&f.name, &f.attributes).to_owned();
    let old_fields: BTreeMap<String, &Field> = old.fields.iter().map(|f| (column(f), f)).collect();
    let new_fields: BTreeMap<String, &Field> = new.fields.iter().map(|f| (column(f), f)).collect();
    let dropped: Vec<&Field> = old
        .fields
        .iter()
        .filter(|f| !new_fields.contains_key(&column(f)))
        .collect();
    let added: Vec<&Field> = new
        .fields
        .iter()
        .filter(|f| !old_fields.contains_key(&column(f)))
        .collect();
    let scalar_dropped: Vec<&&Field> = dropped.iter().filter(|f| !is_relation(f)).collect();
    let scalar_added: Vec<&&Field> = added.iter().filter(|f| !is_relation(f)).collect();
    // One scalar column out and one of the same type in: most likely a rename.
    let rename = (scalar_dropped.len() == 1
        && scalar_added.len() == 1
        && type_text(scalar_dropped[0]) == type_text(scalar_added[0]))
    .then(|| (column(scalar_dropped[0]), column(scalar_added[0])));
    if let Some((from, to)) = &rename {
        ops.push(Op {
            from: Some(from.clone()),
            to: Some(to.clone()),
            ..op(
                "renameCandidate",
                name,
                Some(&scalar_added[0].name),
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
        let risk = if is_relation(f) {
            weights::RELATION_FIELD
        } else {
            weights::DROP_FIELD
        };
        ops.push(op("dropField", name, Some(&f.name), risk));
    }
    for f in added.iter().filter(|f| !renamed(f)) {
        let risk = if is_relation(f) {
            weights::RELATION_FIELD
        } else if f.arity == Arity::Required && !has(f, "default") && !has(f, "updatedAt") {
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
        let relation = is_relation(o) && is_relation(n);
        let change = |kind, risk| Op {
            from: Some(type_text(o)),
            to: Some(type_text(n)),
            ..op(kind, name, Some(&n.name), risk)
        };
        if column_type(o) != column_type(n) {
            let risk = if relation {
                weights::RELATION_FIELD
            } else {
                weights::ALTER_TYPE
            };
            ops.push(change("alterType", risk));
        }
        let optional = |f: &Field| f.arity == Arity::Optional;
        if optional(o) != optional(n) && o.arity != Arity::List && n.arity != Arity::List {
            let risk = match (relation, optional(o)) {
                (true, _) => weights::RELATION_FIELD,
                (false, true) => weights::OPTIONAL_TO_REQUIRED,
                (false, false) => weights::REQUIRED_TO_OPTIONAL,
            };
            ops.push(change("alterOptionality", risk));
        }
    }
    let field_of =
        |columns: &str| single_field(new, columns).or_else(|| single_field(old, columns));
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
        let (was, now) = (constraints(old, kind), constraints(new, kind));
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
    let (was, now) = (constraints(old, "id"), constraints(new, "id"));
    if was != now && !was.is_empty() && !now.is_empty() {
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" ");
        ops.push(Op {
            from: Some(list(&was)),
            to: Some(list(&now)),
            ..op("alterPrimaryKey", name, None, weights::ALTER_PRIMARY_KEY)
        });
    }
}
