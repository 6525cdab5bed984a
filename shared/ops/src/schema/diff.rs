//! What changed between two schemas, how risky each change is, and when to ship it.
//!
//! The weights and the window rule live here, in one place, and mirror public migration
//! linters (docs/internal/schema_diff.md has the table):
//! Atlas DS102 (drop table), DS103 (drop column), MF103 (required column without default),
//! MF104 (nullable to required), MF101 (unique index on existing data), BC102 (rename), and
//! squawk's changing-column-type.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Arity, Field, Model, PrismaSchema};

/// Risk weights, per operation.
pub mod weights {
    pub const DROP_MODEL: u32 = 10; // Atlas DS102
    pub const DROP_FIELD: u32 = 8; // Atlas DS103
    pub const ADD_REQUIRED_FIELD: u32 = 8; // Atlas MF103
    pub const OPTIONAL_TO_REQUIRED: u32 = 7; // Atlas MF104
    pub const ALTER_TYPE: u32 = 6; // squawk changing-column-type
    pub const RENAME_CANDIDATE: u32 = 6; // Atlas BC102
    pub const DROP_ENUM_VALUE: u32 = 6; // rows may still hold the value
    pub const ADD_UNIQUE: u32 = 5; // Atlas MF101
    pub const ADD_INDEX: u32 = 2; // builds under a lock unless created concurrently
    pub const REQUIRED_TO_OPTIONAL: u32 = 2;
    pub const DROP_UNIQUE: u32 = 2;
    pub const RELATION_FIELD: u32 = 1; // no column of its own
    pub const ADD_OPTIONAL_FIELD: u32 = 1;
    pub const ADD_MODEL: u32 = 1;
    pub const ADD_ENUM_VALUE: u32 = 1;
    pub const DROP_INDEX: u32 = 1;
}

/// The window rule: any op >= 8, or a total >= 12, needs a maintenance window; a largest op of
/// 5 to 7 a low-traffic window; anything less none.
pub fn window(ops: &[Op]) -> &'static str {
    let max = ops.iter().map(|o| o.risk).max().unwrap_or(0);
    let total: u32 = ops.iter().map(|o| o.risk).sum();
    if max >= 8 || total >= 12 {
        "maintenance"
    } else if max >= 5 {
        "low_traffic"
    } else {
        "none"
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    pub op: &'static str,
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub risk: u32,
}

/// The diff's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub ops: Vec<Op>,
    pub risk_score: u32,
    pub window_recommendation: &'static str,
}

fn op(op: &'static str, model: &str, field: Option<&str>, risk: u32) -> Op {
    Op {
        op,
        model: model.to_owned(),
        field: field.map(str::to_owned),
        from: None,
        to: None,
        risk,
    }
}

fn type_text(f: &Field) -> String {
    match f.arity {
        Arity::Required => f.ty.clone(),
        Arity::Optional => format!("{}?", f.ty),
        Arity::List => format!("{}[]", f.ty),
    }
}

fn has(f: &Field, attribute: &str) -> bool {
    f.attributes.iter().any(|a| a.name == attribute)
}

/// Block attributes of one kind (`index`, `unique`, ...), rendered.
fn block(model: &Model, names: &[&str]) -> BTreeSet<String> {
    model
        .attributes
        .iter()
        .filter(|a| names.contains(&a.name.as_str()))
        .map(|a| a.render())
        .collect()
}

/// Compares two schemas.
pub fn diff(base: &PrismaSchema, target: &PrismaSchema) -> Diff {
    let composite: BTreeSet<&str> = base
        .models
        .iter()
        .chain(&target.models)
        .map(|m| m.name.as_str())
        .collect();
    let is_relation = |f: &Field| composite.contains(f.ty.as_str());
    let mut ops = Vec::new();
    let before: BTreeMap<&str, &Model> = base.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let after: BTreeMap<&str, &Model> =
        target.models.iter().map(|m| (m.name.as_str(), m)).collect();
    for (name, _) in before.iter().filter(|(n, _)| !after.contains_key(*n)) {
        ops.push(op("dropModel", name, None, weights::DROP_MODEL));
    }
    for (name, _) in after.iter().filter(|(n, _)| !before.contains_key(*n)) {
        ops.push(op("addModel", name, None, weights::ADD_MODEL));
    }
    for (name, old) in &before {
        let Some(new) = after.get(name) else { continue };
        let old_fields: BTreeMap<&str, &Field> =
            old.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        let new_fields: BTreeMap<&str, &Field> =
            new.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        let dropped: Vec<&Field> = old
            .fields
            .iter()
            .filter(|f| !new_fields.contains_key(f.name.as_str()))
            .collect();
        let added: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old_fields.contains_key(f.name.as_str()))
            .collect();
        let scalar_dropped: Vec<&&Field> = dropped.iter().filter(|f| !is_relation(f)).collect();
        let scalar_added: Vec<&&Field> = added.iter().filter(|f| !is_relation(f)).collect();
        // One scalar field out and one of the same type in: most likely a rename.
        let rename = (scalar_dropped.len() == 1
            && scalar_added.len() == 1
            && type_text(scalar_dropped[0]) == type_text(scalar_added[0]))
        .then(|| (scalar_dropped[0].name.clone(), scalar_added[0].name.clone()));
        if let Some((from, to)) = &rename {
            ops.push(Op {
                from: Some(from.clone()),
                to: Some(to.clone()),
                ..op("renameCandidate", name, Some(to), weights::RENAME_CANDIDATE)
            });
        }
        let renamed = |f: &Field| {
            rename
                .as_ref()
                .is_some_and(|(from, to)| &f.name == from || &f.name == to)
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
        for (field, o) in &old_fields {
            let Some(n) = new_fields.get(field) else {
                continue;
            };
            if o.ty != n.ty {
                ops.push(Op {
                    from: Some(type_text(o)),
                    to: Some(type_text(n)),
                    ..op("alterType", name, Some(field), weights::ALTER_TYPE)
                });
            } else if o.arity != n.arity {
                let risk = match (&o.arity, &n.arity) {
                    (Arity::Optional, Arity::Required) if !is_relation(n) => {
                        weights::OPTIONAL_TO_REQUIRED
                    }
                    (Arity::Optional, Arity::Required) => weights::RELATION_FIELD,
                    _ => weights::REQUIRED_TO_OPTIONAL,
                };
                ops.push(Op {
                    from: Some(type_text(o)),
                    to: Some(type_text(n)),
                    ..op("alterOptionality", name, Some(field), risk)
                });
            }
            match (has(o, "unique"), has(n, "unique")) {
                (false, true) => ops.push(op("addUnique", name, Some(field), weights::ADD_UNIQUE)),
                (true, false) => {
                    ops.push(op("dropUnique", name, Some(field), weights::DROP_UNIQUE))
                }
                _ => {}
            }
        }
        for (kinds, add, drop, add_risk, drop_risk) in [
            (
                &["index", "fulltext"][..],
                "addIndex",
                "dropIndex",
                weights::ADD_INDEX,
                weights::DROP_INDEX,
            ),
            (
                &["unique"][..],
                "addUnique",
                "dropUnique",
                weights::ADD_UNIQUE,
                weights::DROP_UNIQUE,
            ),
        ] {
            let (was, now) = (block(old, kinds), block(new, kinds));
            for gone in was.difference(&now) {
                ops.push(Op {
                    from: Some(gone.clone()),
                    ..op(drop, name, None, drop_risk)
                });
            }
            for new_one in now.difference(&was) {
                ops.push(Op {
                    to: Some(new_one.clone()),
                    ..op(add, name, None, add_risk)
                });
            }
        }
    }
    for old in &base.enums {
        let Some(new) = target.enums.iter().find(|e| e.name == old.name) else {
            ops.push(op("dropModel", &old.name, None, weights::DROP_ENUM_VALUE));
            continue;
        };
        let was: BTreeSet<&str> = old.values.iter().map(|v| v.name.as_str()).collect();
        let now: BTreeSet<&str> = new.values.iter().map(|v| v.name.as_str()).collect();
        for v in was.difference(&now) {
            ops.push(Op {
                from: Some((*v).to_owned()),
                ..op("dropEnumValue", &old.name, None, weights::DROP_ENUM_VALUE)
            });
        }
        for v in now.difference(&was) {
            ops.push(Op {
                to: Some((*v).to_owned()),
                ..op("addEnumValue", &old.name, None, weights::ADD_ENUM_VALUE)
            });
        }
    }
    for new in target
        .enums
        .iter()
        .filter(|e| !base.enums.iter().any(|o| o.name == e.name))
    {
        ops.push(op("addModel", &new.name, None, weights::ADD_MODEL));
    }
    let total: u32 = ops.iter().map(|o| o.risk).sum();
    Diff {
        window_recommendation: window(&ops),
        risk_score: total.min(100),
        ops,
    }
}
