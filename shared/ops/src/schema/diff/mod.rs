//! What changed between two schemas, how risky each change is, and when to ship it.
//!
//! The weights and the window rule live here, in one place, and mirror public migration
//! linters (docs/internal/schema_diff.md has the table):
//! Atlas DS102 (drop table), DS103 (drop column), MF103 (required column without default),
//! MF104 (nullable to required), MF101 (unique index on existing data), BC102 (rename), and
//! squawk's changing-column-type.

mod columns;
mod enum_ops;
mod field_ops;
mod foreign_keys;
mod risk;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Field, Model, ModelKind, PrismaSchema};
use columns::{Tables, db_name};
use enum_ops::enums;
use field_ops::fields;

pub use risk::{weights, window};

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Op {
    /// `addModel`, `dropColumn`, `alterColumnType`, ... (docs/internal/schema_diff.md).
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Diff {
    pub ops: Vec<Op>,
    /// 0 to 100.
    pub risk_score: u32,
    /// `none`, `low_traffic` or `maintenance`.
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

/// Compares two schemas. Models, fields, enums and enum values are matched by their database
/// names, so renaming one in the schema while keeping its `@map` changes nothing, and changing
/// a `@map` is a change of the table, column or value.
pub fn diff(base: &PrismaSchema, target: &PrismaSchema) -> Diff {
    // Relation fields point at models (or views); composite types are embedded data.
    let relation_targets: BTreeSet<&str> = base
        .models
        .iter()
        .chain(&target.models)
        .filter(|m| m.kind != ModelKind::Type)
        .map(|m| m.name.as_str())
        .collect();
    let is_relation = |f: &Field| relation_targets.contains(f.ty.as_str());
    let mut ops = Vec::new();
    let enforced = foreign_keys::enforces_foreign_keys;
    let keyed = |schema: &'_ PrismaSchema| -> BTreeMap<String, usize> {
        schema
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (db_name(&m.name, &m.attributes).to_owned(), i))
            .collect()
    };
    let (before, after) = (keyed(base), keyed(target));
    // Every model's columns, indexed once per schema: lookups stay O(1) however large.
    let (base_tables, target_tables) = (Tables::of(base), Tables::of(target));
    let dropped: Vec<&Model> = before
        .iter()
        .filter(|(key, i)| {
            after
                .get(*key)
                .is_none_or(|j| target.models[*j].kind != base.models[**i].kind)
        })
        .map(|(_, i)| &base.models[*i])
        .collect();
    let added: Vec<&Model> = after
        .iter()
        .filter(|(key, j)| {
            before
                .get(*key)
                .is_none_or(|i| base.models[*i].kind != target.models[**j].kind)
        })
        .map(|(_, j)| &target.models[*j])
        .collect();
    let table_weight = |m: &Model, risk: u32| {
        if m.kind == ModelKind::Model {
            risk
        } else {
            risk.min(weights::NO_TABLE)
        }
    };
    // The same schema name on a new table name: a table rename (or a drop and a create).
    // Counted once by name, so matching stays linear in the number of models.
    let mut by_name: BTreeMap<&str, (usize, Option<&Model>)> = BTreeMap::new();
    for m in added.iter().chain(&dropped) {
        if m.kind == ModelKind::Model {
            by_name.entry(m.name.as_str()).or_default().0 += 1;
        }
    }
    for m in &added {
        if let Some(entry) = by_name.get_mut(m.name.as_str()) {
            entry.1 = Some(m);
        }
    }
    let moved_to = |m: &Model| -> Option<&Model> {
        match by_name.get(m.name.as_str()) {
            Some((2, Some(new))) if m.kind == ModelKind::Model => Some(*new),
            _ => None,
        }
    };
    let moved = |m: &Model| moved_to(m).is_some();
    for m in &dropped {
        if let Some(new) = moved_to(m) {
            ops.push(Op {
                from: Some(db_name(&m.name, &m.attributes).to_owned()),
                to: Some(db_name(&new.name, &new.attributes).to_owned()),
                ..op("renameCandidate", &m.name, None, weights::RENAME_CANDIDATE)
            });
        } else {
            ops.push(op(
                "dropModel",
                &m.name,
                None,
                table_weight(m, weights::DROP_MODEL),
            ));
        }
    }
    for m in added.iter().filter(|m| !moved(m)) {
        ops.push(op("addModel", &m.name, None, weights::ADD_MODEL));
    }
    for (key, i) in &before {
        let old = &base.models[*i];
        let Some(new) = after.get(key).map(|j| &target.models[*j]) else {
            continue;
        };
        if old.kind != new.kind {
            continue;
        }
        let before_len = ops.len();
        let (Some(old_columns), Some(new_columns)) = (
            base_tables.columns(&old.name),
            target_tables.columns(&new.name),
        ) else {
            continue;
        };
        fields(
            (old, old_columns),
            (new, new_columns),
            &is_relation,
            &mut ops,
        );
        if new.kind == ModelKind::Model {
            let keys =
                |schema: &PrismaSchema, tables: &Tables<'_>, m: &Model| match tables.get(&m.name) {
                    Some((_, columns)) if enforced(schema) => {
                        foreign_keys::foreign_keys(m, columns, tables)
                    }
                    _ => BTreeMap::new(),
                };
            foreign_keys::foreign_key_ops(
                &new.name,
                &keys(base, &base_tables, old),
                &keys(target, &target_tables, new),
                &mut ops,
            );
        }
        for o in &mut ops[before_len..] {
            o.risk = table_weight(new, o.risk);
        }
    }
    let (joins_before, joins_after) = (
        foreign_keys::implicit_join_tables(base),
        foreign_keys::implicit_join_tables(target),
    );
    for gone in joins_before.difference(&joins_after) {
        // The links of a many-to-many relation live only there.
        ops.push(op("dropModel", gone, None, weights::DROP_MODEL));
    }
    for new in joins_after.difference(&joins_before) {
        ops.push(op("addModel", new, None, weights::ADD_MODEL));
    }
    enums(base, target, &mut ops);
    let total: u32 = ops.iter().map(|o| o.risk).sum();
    Diff {
        window_recommendation: window(&ops),
        risk_score: total.min(100),
        ops,
    }
}
