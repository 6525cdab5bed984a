//! What the database sees of a schema: names (`@map`), column types and the column sets of
//! constraints. The diff matches on these, not on schema names.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use crate::schema::{Arity, Attribute, Expr, Field, Model, PrismaSchema, render_args};

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

/// A model's columns by schema field name and by database name, built once per model so that
/// every lookup is O(1) and a diff stays linear in the schema's size.
pub(super) struct Columns<'m> {
    by_field: HashMap<&'m str, &'m str>,
    by_column: HashMap<&'m str, &'m str>,
}

impl<'m> Columns<'m> {
    /// The columns of `model`.
    pub(super) fn of(model: &'m Model) -> Self {
        let mut by_field = HashMap::with_capacity(model.fields.len());
        let mut by_column = HashMap::with_capacity(model.fields.len());
        for f in &model.fields {
            let column = db_name(&f.name, &f.attributes);
            by_field.insert(f.name.as_str(), column);
            // The first field of a column names it, as a scan in field order would.
            by_column.entry(column).or_insert(f.name.as_str());
        }
        Self {
            by_field,
            by_column,
        }
    }

    /// The column of the field `name` (the name itself when the model has no such field).
    pub(super) fn column<'a>(&self, name: &'a str) -> &'a str
    where
        'm: 'a,
    {
        self.by_field.get(name).copied().unwrap_or(name)
    }

    /// The field whose column is `column`.
    pub(super) fn field(&self, column: &str) -> Option<&'m str> {
        self.by_column.get(column).copied()
    }
}

/// A schema's models by name, each with its [`Columns`], built once per schema.
pub(super) struct Tables<'s> {
    models: HashMap<&'s str, (&'s Model, Columns<'s>)>,
}

impl<'s> Tables<'s> {
    /// The models of `schema`.
    pub(super) fn of(schema: &'s PrismaSchema) -> Self {
        Self {
            models: schema
                .models
                .iter()
                .map(|m| (m.name.as_str(), (m, Columns::of(m))))
                .collect::<HashMap<_, _>>(),
        }
    }

    /// The table named `name` (a model, not a view or type), with its columns.
    pub(super) fn get(&self, name: &str) -> Option<&(&'s Model, Columns<'s>)> {
        self.models
            .get(name)
            .filter(|(m, _)| m.kind == crate::schema::ModelKind::Model)
    }

    /// The columns of the model, view or type named `name`.
    pub(super) fn columns(&self, name: &str) -> Option<&Columns<'s>> {
        self.models.get(name).map(|(_, columns)| columns)
    }
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
fn covered(columns: &Columns<'_>, attribute: &Attribute) -> String {
    let list = attribute
        .args
        .iter()
        .find(|a| a.name.is_none() || a.name.as_deref() == Some("fields"))
        .map(|a| &a.value);
    let items: Vec<String> = match list {
        Some(Expr::Array(items)) => items
            .iter()
            .map(|item| match item {
                Expr::Ident(name) => columns.column(name).to_owned(),
                Expr::Call(name, args) => {
                    format!("{}({})", columns.column(name), render_args(args))
                }
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
pub(super) fn constraints(model: &Model, columns: &Columns<'_>, kind: &str) -> BTreeSet<String> {
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
            let covered = covered(columns, a);
            if a.name == "fulltext" {
                format!("fulltext {covered}")
            } else {
                covered
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
pub(super) fn single_field<'m>(columns: &Columns<'m>, covered: &str) -> Option<&'m str> {
    let inner = covered.strip_prefix('[')?.strip_suffix(']')?;
    columns.field(inner)
}
