//! What changed between two schemas, how risky each change is, and when to ship it.
//!
//! The weights and the window rule live here, in one place, and mirror public migration
//! linters (docs/internal/schema_diff.md has the table):
//! Atlas DS102 (drop table), DS103 (drop column), MF103 (required column without default),
//! MF104 (nullable to required), MF101 (unique index on existing data), BC102 (rename), and
//! squawk's changing-column-type.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Arity, Attribute, Enum, Expr, Field, Model, ModelKind, PrismaSchema, render_args};

/// Risk weights, per operation.
pub mod weights {
    pub const DROP_MODEL: u32 = 10; // Atlas DS102
    pub const DROP_FIELD: u32 = 8; // Atlas DS103
    pub const ADD_REQUIRED_FIELD: u32 = 8; // Atlas MF103
    pub const OPTIONAL_TO_REQUIRED: u32 = 7; // Atlas MF104
    pub const ALTER_TYPE: u32 = 6; // squawk changing-column-type
    pub const ALTER_PRIMARY_KEY: u32 = 6; // squawk changing-column-type: a rewrite, and every foreign key
    pub const RENAME_CANDIDATE: u32 = 6; // Atlas BC102
    pub const DROP_ENUM_VALUE: u32 = 6; // rows may still hold the value
    pub const ADD_UNIQUE: u32 = 5; // Atlas MF101
    pub const ADD_INDEX: u32 = 2; // builds under a lock unless created concurrently
    pub const REQUIRED_TO_OPTIONAL: u32 = 2;
    pub const DROP_UNIQUE: u32 = 2;
    pub const DROP_ENUM: u32 = 2; // the columns using it change type, and count for that
    pub const RELATION_FIELD: u32 = 1; // no column of its own
    pub const ADD_OPTIONAL_FIELD: u32 = 1;
    pub const ADD_MODEL: u32 = 1;
    pub const ADD_ENUM: u32 = 1;
    pub const ADD_ENUM_VALUE: u32 = 1;
    pub const DROP_INDEX: u32 = 1;
    /// The most any op on a view or composite type weighs: Prisma Migrate creates no tables for
    /// them, so no stored rows are at stake.
    pub const NO_TABLE: u32 = 1;
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

/// The name in the database: the `@map("…")` / `@@map("…")` argument, else the schema name.
fn db_name<'a>(name: &'a str, attributes: &'a [Attribute]) -> &'a str {
    attributes
        .iter()
        .find(|a| a.name == "map")
        .and_then(|a| {
            a.args
                .iter()
                .find(|arg| arg.name.is_none() || arg.name.as_deref() == Some("name"))
        })
        .and_then(|arg| match &arg.value {
            Expr::String(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or(name)
}

/// The native database type (`@db.VarChar(255)`), if the field names one.
fn native_type(f: &Field) -> Option<String> {
    f.attributes
        .iter()
        .find(|a| a.name.starts_with("db."))
        .map(|a| format!("@{}", a.render()))
}

/// What the column stores, optionality aside: type, list-ness and native type.
fn column_type(f: &Field) -> String {
    let mut text = f.ty.clone();
    if f.arity == Arity::List {
        text.push_str("[]");
    }
    if let Some(native) = native_type(f) {
        text.push(' ');
        text.push_str(&native);
    }
    text
}

/// The field's type as written, for `from` / `to`.
fn type_text(f: &Field) -> String {
    let mut text = f.ty.clone();
    match f.arity {
        Arity::Required => {}
        Arity::Optional => text.push('?'),
        Arity::List => text.push_str("[]"),
    }
    if let Some(native) = native_type(f) {
        text.push(' ');
        text.push_str(&native);
    }
    text
}

fn has(f: &Field, attribute: &str) -> bool {
    f.attributes.iter().any(|a| a.name == attribute)
}

/// The columns a block attribute covers (`@@index([a, b(sort: Desc)])`, `fields: [...]`),
/// as database names, with per-column options kept (`b(sort: Desc)`).
fn covered(model: &Model, attribute: &Attribute) -> String {
    let list = attribute
        .args
        .iter()
        .find(|a| a.name.is_none() || a.name.as_deref() == Some("fields"))
        .map(|a| &a.value);
    let column = |name: &str| {
        model
            .fields
            .iter()
            .find(|f| f.name == name)
            .map_or(name, |f| db_name(&f.name, &f.attributes))
            .to_owned()
    };
    let items: Vec<String> = match list {
        Some(Expr::Array(items)) => items
            .iter()
            .map(|item| match item {
                Expr::Ident(name) => column(name),
                Expr::Call(name, args) => format!("{}({})", column(name), render_args(args)),
                other => other.render(),
            })
            .collect(),
        Some(other) => vec![other.render()],
        None => Vec::new(),
    };
    format!("[{}]", items.join(", "))
}

/// A model's constraints of one kind as sets of columns: `@@unique` with fields' `@unique`,
/// `@@index` with `@@fulltext` (kind-tagged), `@@id` with fields' `@id`. Index names (`map:`,
/// `name:`) are left out: renaming an index changes no data.
fn constraints(model: &Model, kind: &str) -> BTreeSet<String> {
    let (block_names, field_attribute): (&[&str], Option<&str>) = match kind {
        "unique" => (&["unique"], Some("unique")),
        "id" => (&["id"], Some("id")),
        _ => (&["index", "fulltext"], None),
    };
    let mut out: BTreeSet<String> = model
        .attributes
        .iter()
        .filter(|a| block_names.contains(&a.name.as_str()))
        .map(|a| {
            let columns = covered(model, a);
            if a.name == "fulltext" {
                format!("fulltext {columns}")
            } else {
                columns
            }
        })
        .collect();
    if let Some(attribute) = field_attribute {
        out.extend(
            model
                .fields
                .iter()
                .filter(|f| has(f, attribute))
                .map(|f| format!("[{}]", db_name(&f.name, &f.attributes))),
        );
    }
    out
}

/// The schema field whose column a one-column constraint covers, for the op's `field`.
fn single_field<'m>(model: &'m Model, columns: &str) -> Option<&'m str> {
    let inner = columns.strip_prefix('[')?.strip_suffix(']')?;
    model
        .fields
        .iter()
        .find(|f| db_name(&f.name, &f.attributes) == inner)
        .map(|f| f.name.as_str())
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
    let keyed = |schema: &'_ PrismaSchema| -> BTreeMap<String, usize> {
        schema
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (db_name(&m.name, &m.attributes).to_owned(), i))
            .collect()
    };
    let (before, after) = (keyed(base), keyed(target));
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
    let moved = |m: &Model| {
        m.kind == ModelKind::Model
            && added
                .iter()
                .chain(&dropped)
                .filter(|o| o.name == m.name && o.kind == m.kind)
                .count()
                == 2
    };
    for m in &dropped {
        if moved(m) {
            let new = added.iter().find(|a| a.name == m.name).expect("moved");
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
        fields(old, new, &is_relation, &mut ops);
        for o in &mut ops[before_len..] {
            o.risk = table_weight(new, o.risk);
        }
    }
    enums(base, target, &mut ops);
    let total: u32 = ops.iter().map(|o| o.risk).sum();
    Diff {
        window_recommendation: window(&ops),
        risk_score: total.min(100),
        ops,
    }
}

/// The ops between two versions of one model.
fn fields(old: &Model, new: &Model, is_relation: &dyn Fn(&Field) -> bool, ops: &mut Vec<Op>) {
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

/// The ops between the enums of two schemas, matched (and their values) by database name.
fn enums(base: &PrismaSchema, target: &PrismaSchema, ops: &mut Vec<Op>) {
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
