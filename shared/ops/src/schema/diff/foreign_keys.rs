//! Foreign keys and column defaults: what relation fields and `@default` mean in the database.
//!
//! A relation field has no column. What reaches the database is the foreign key its
//! `@relation(fields: [...], references: [...])` side implies: the constrained columns, the
//! referenced table and columns, and the referential actions, with Prisma's defaults filled in
//! (`onDelete`: `SetNull` for an optional relation, `Restrict` for a required one; `onUpdate`:
//! `Cascade`). With `relationMode = "prisma"` (or on MongoDB) there are no foreign keys at all.
//! A default reaches the database only when the database computes it: literals, `now()`,
//! `autoincrement()`, `dbgenerated(...)`, `sequence(...)`; `cuid()`, `uuid()`, `nanoid()` and
//! `ulid()` are filled in by Prisma Client and change nothing in the database.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::{Columns, Tables, db_name};
use super::{Op, op, weights};
use crate::schema::{Arity, Expr, Field, Model, ModelKind, PrismaSchema};

/// Whether the schema's database enforces foreign keys.
pub(super) fn enforces_foreign_keys(schema: &PrismaSchema) -> bool {
    !schema
        .configs
        .iter()
        .filter(|c| c.kind == "datasource")
        .flat_map(|c| &c.properties)
        .any(|(name, value)| match (name.as_str(), value) {
            ("relationMode" | "referentialIntegrity", Expr::String(mode)) => mode == "prisma",
            ("provider", Expr::String(provider)) => provider == "mongodb",
            _ => false,
        })
}

/// One foreign key's referenced side and actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Reference {
    /// `table(col, ...)`, by database names.
    pub target: String,
    pub on_delete: String,
    pub on_update: String,
}

impl Reference {
    pub(super) fn render(&self) -> String {
        format!(
            "{} onDelete: {} onUpdate: {}",
            self.target, self.on_delete, self.on_update
        )
    }
}

fn named<'a>(field: &'a Field, attribute: &str, arg: &str) -> Option<&'a Expr> {
    field
        .attributes
        .iter()
        .find(|a| a.name == attribute)?
        .args
        .iter()
        .find(|a| a.name.as_deref() == Some(arg))
        .map(|a| &a.value)
}

fn idents(expr: Option<&Expr>) -> Vec<String> {
    match expr {
        Some(Expr::Array(items)) => items.iter().map(Expr::render).collect(),
        Some(other) => vec![other.render()],
        None => Vec::new(),
    }
}

/// A model's foreign keys, keyed by their constrained columns (`[col, ...]`, database names).
/// Every lookup goes through the prebuilt `tables`, so this is linear in the model's size.
pub(super) fn foreign_keys(
    model: &Model,
    columns: &Columns<'_>,
    tables: &Tables<'_>,
) -> BTreeMap<String, Reference> {
    let mut out = BTreeMap::new();
    for field in &model.fields {
        let constrained = idents(named(field, "relation", "fields"));
        if constrained.is_empty() {
            continue;
        }
        let Some((referenced, referenced_columns)) = tables.get(&field.ty) else {
            continue;
        };
        let references: Vec<String> = idents(named(field, "relation", "references"))
            .iter()
            .map(|r| referenced_columns.column(r).to_owned())
            .collect();
        let constrained: Vec<String> = constrained
            .iter()
            .map(|c| columns.column(c).to_owned())
            .collect();
        let action = |arg: &str, default: &str| {
            named(field, "relation", arg).map_or_else(|| default.to_owned(), Expr::render)
        };
        let on_delete_default = if field.arity == Arity::Optional {
            "SetNull"
        } else {
            "Restrict"
        };
        out.insert(
            format!("[{}]", constrained.join(", ")),
            Reference {
                target: format!(
                    "{}({})",
                    db_name(&referenced.name, &referenced.attributes),
                    references.join(", ")
                ),
                on_delete: action("onDelete", on_delete_default),
                on_update: action("onUpdate", "Cascade"),
            },
        );
    }
    out
}

/// Functions whose values Prisma Client generates: no default in the database.
const CLIENT_SIDE: [&str; 4] = ["cuid", "uuid", "nanoid", "ulid"];

/// The default the database applies to a column, rendered; `None` when it has none.
pub(super) fn database_default(field: &Field) -> Option<String> {
    let value = &field
        .attributes
        .iter()
        .find(|a| a.name == "default")?
        .args
        .iter()
        .find(|a| a.name.is_none() || a.name.as_deref() == Some("value"))?
        .value;
    match value {
        Expr::Call(name, _) if CLIENT_SIDE.contains(&name.as_str()) => None,
        other => Some(other.render()),
    }
}

/// The foreign-key ops of a model present in both versions: keys compared by their
/// constrained columns; a key whose referenced side or actions change is dropped and added
/// again by Prisma (`alterForeignKey`), re-validating every row.
pub(super) fn foreign_key_ops(
    model: &str,
    was: &BTreeMap<String, Reference>,
    now: &BTreeMap<String, Reference>,
    ops: &mut Vec<Op>,
) {
    for (columns, old) in was {
        match now.get(columns) {
            None => ops.push(Op {
                from: Some(format!("{columns} -> {}", old.render())),
                ..op("dropForeignKey", model, None, weights::DROP_FOREIGN_KEY)
            }),
            Some(new) if new != old => ops.push(Op {
                from: Some(format!("{columns} -> {}", old.render())),
                to: Some(format!("{columns} -> {}", new.render())),
                ..op("alterForeignKey", model, None, weights::ALTER_FOREIGN_KEY)
            }),
            Some(_) => {}
        }
    }
    for (columns, new) in now {
        if !was.contains_key(columns) {
            ops.push(Op {
                to: Some(format!("{columns} -> {}", new.render())),
                ..op("addForeignKey", model, None, weights::ADD_FOREIGN_KEY)
            });
        }
    }
}

/// The join tables of implicit many-to-many relations (a list relation field on both sides,
/// neither with `fields:`), which Prisma Migrate creates: `_<relation name>`, or `_<A>To<B>`
/// with the two model names in order.
pub(super) fn implicit_join_tables(schema: &PrismaSchema) -> BTreeSet<String> {
    if schema
        .configs
        .iter()
        .filter(|c| c.kind == "datasource")
        .flat_map(|c| &c.properties)
        .any(|(name, value)| name == "provider" && *value == Expr::String("mongodb".into()))
    {
        return BTreeSet::new();
    }
    fn relation_name(f: &Field) -> Option<&str> {
        f.attributes
            .iter()
            .find(|a| a.name == "relation")?
            .args
            .iter()
            .find(|a| a.name.is_none() || a.name.as_deref() == Some("name"))
            .and_then(|a| match &a.value {
                Expr::String(name) => Some(name.as_str()),
                _ => None,
            })
    }
    let tables: foldhash::HashSet<&str> = schema
        .models
        .iter()
        .filter(|m| m.kind == ModelKind::Model)
        .map(|m| m.name.as_str())
        .collect();
    // Every list relation field without `fields:`, once: (its model, the model it points at,
    // its relation name) → how many. A field has a back relation when the reverse key is
    // there (for a relation of a model with itself, a second field of the same key).
    let mut sides: foldhash::HashMap<(&str, &str, Option<&str>), usize> = Default::default();
    let mut lists = Vec::new();
    for model in schema.models.iter().filter(|m| m.kind == ModelKind::Model) {
        for field in model.fields.iter().filter(|f| f.arity == Arity::List) {
            if !tables.contains(field.ty.as_str()) || named(field, "relation", "fields").is_some() {
                continue;
            }
            let key = (model.name.as_str(), field.ty.as_str(), relation_name(field));
            *sides.entry(key).or_default() += 1;
            // Both sides name the same table: one of them is enough to look from.
            if key.0 <= key.1 {
                lists.push(key);
            }
        }
    }
    let mut out: Vec<String> = lists
        .into_iter()
        .filter(|(model, other, name)| {
            let needed = if model == other { 2 } else { 1 };
            sides.get(&(*other, *model, *name)).copied().unwrap_or(0) >= needed
        })
        .map(|(model, other, name)| match name {
            Some(name) => format!("_{name}"),
            // `model <= other`: the pair is already in order.
            None => format!("_{model}To{other}"),
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out.into_iter().collect()
}
