//! What the database sees of a schema: names (`@map`), column types and the column sets of
//! constraints. The diff matches on these, not on schema names.

use std::collections::BTreeSet;

use crate::schema::{Arity, Attribute, Expr, Field, Model, render_args};

/// The name in the database: the `@map("…")` / `@@map("…")` argument, else the schema name.
pub(super) fn db_name<'a>(name: &'a str, attributes: &'a [Attribute]) -> &'a str {
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
pub(super) fn column_type(f: &Field) -> String {
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
pub(super) fn type_text(f: &Field) -> String {
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

pub(super) fn has(f: &Field, attribute: &str) -> bool {
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
pub(super) fn constraints(model: &Model, kind: &str) -> BTreeSet<String> {
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
pub(super) fn single_field<'m>(model: &'m Model, columns: &str) -> Option<&'m str> {
    let inner = columns.strip_prefix('[')?.strip_suffix(']')?;
    model
        .fields
        .iter()
        .find(|f| db_name(&f.name, &f.attributes) == inner)
        .map(|f| f.name.as_str())
}
