//! Prisma schemas: a parser of our own (no Prisma crate exists) into [`PrismaSchema`].
//!
//! Covers models, views, composite `type`s, enums (values with attributes such as `@map`),
//! `datasource` and `generator` blocks, field types with `?`, `[]` and `Unsupported("...")`,
//! field (`@`) and block (`@@`) attributes with arguments (`@db.VarChar(255)`,
//! `@@index([a, b(sort: Desc)], map: "x")`, `@relation(fields: [...], references: [...])`),
//! and `//` / `///` comments. Errors carry line and column.

pub mod diff;
mod lexer;
mod parser;

pub use diff::{Diff, Op, diff};
pub use parser::{MAX_BLOCKS, MAX_MEMBERS, parse};

/// A parsed schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrismaSchema {
    pub models: Vec<Model>,
    pub enums: Vec<Enum>,
    /// `datasource` and `generator` blocks.
    pub configs: Vec<ConfigBlock>,
}

/// What kind of field block a [`Model`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Model,
    View,
    Type,
}

/// A `model`, `view` or composite `type`.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub kind: ModelKind,
    pub name: String,
    pub fields: Vec<Field>,
    pub attributes: Vec<Attribute>,
    pub line: usize,
}

/// How a field's type is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arity {
    Required,
    Optional,
    List,
}

/// One field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    /// The type name; `Unsupported("...")` keeps its text as `Unsupported(...)`.
    pub ty: String,
    pub arity: Arity,
    pub attributes: Vec<Attribute>,
    pub line: usize,
}

/// An enum.
#[derive(Clone, Debug, PartialEq)]
pub struct Enum {
    pub name: String,
    pub values: Vec<EnumValue>,
    pub attributes: Vec<Attribute>,
    pub line: usize,
}

/// An enum value.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub attributes: Vec<Attribute>,
}

/// A `datasource` or `generator` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigBlock {
    pub kind: String,
    pub name: String,
    pub properties: Vec<(String, Expr)>,
}

/// `@name(args)` or `@@name(args)`; `name` may be dotted (`db.VarChar`).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub args: Vec<Arg>,
}

/// An attribute argument, positional (`name` is `None`) or named.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Expr,
}

/// A value in the schema language.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    String(String),
    Number(String),
    /// An identifier or dotted path (`Cascade`, `true`, `db.Text`).
    Ident(String),
    Array(Vec<Expr>),
    /// `name(args)`: `env("X")`, `now()`, `created_at(sort: Desc)`.
    Call(String, Vec<Arg>),
}

impl Expr {
    /// A compact, canonical rendering (for comparing attributes across versions).
    pub fn render(&self) -> String {
        match self {
            Self::String(s) => format!("{s:?}"),
            Self::Number(n) | Self::Ident(n) => n.clone(),
            Self::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Expr::render)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Call(name, args) => format!("{name}({})", render_args(args)),
        }
    }
}

/// Arguments rendered as written, canonically spaced.
pub fn render_args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| match &a.name {
            Some(n) => format!("{n}: {}", a.value.render()),
            None => a.value.render(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Attribute {
    /// `@name(args)` rendered canonically.
    pub fn render(&self) -> String {
        if self.args.is_empty() {
            self.name.clone()
        } else {
            format!("{}({})", self.name, render_args(&self.args))
        }
    }
}

/// A syntax error with its position (1-based).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}
