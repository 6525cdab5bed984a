//! Conditions, updates and sort-key conditions rendered as DynamoDB expression strings, with
//! their placeholder names and values.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::convert::to_ddb;
use crate::expr::{CmpOp, Cond, SortCond, Update, UpdateAction};

/// Collects placeholder names and values while rendering expressions.
#[derive(Default)]
pub(super) struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    pub(super) fn name(&mut self, attr: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attr) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    pub(super) fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    pub(super) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(super) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub(super) fn render_cond(cond: &Cond, p: &mut Placeholders) -> String {
    match cond {
        Cond::Exists(name) => format!("attribute_exists({})", p.name(name)),
        Cond::NotExists(name) => format!("attribute_not_exists({})", p.name(name)),
        Cond::Cmp(name, op, value) => {
            let op = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "<>",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("{} {op} {}", p.name(name), p.value(to_ddb(value)))
        }
        Cond::BeginsWith(name, prefix) => format!(
            "begins_with({}, {})",
            p.name(name),
            p.value(AttributeValue::S(prefix.clone()))
        ),
        Cond::And(a, b) => format!("({}) AND ({})", render_cond(a, p), render_cond(b, p)),
        Cond::Or(a, b) => format!("({}) OR ({})", render_cond(a, p), render_cond(b, p)),
        Cond::Not(a) => format!("NOT ({})", render_cond(a, p)),
    }
}

pub(super) fn render_update(update: &Update, p: &mut Placeholders) -> String {
    let (mut set, mut add, mut remove) = (Vec::new(), Vec::new(), Vec::new());
    for action in &update.actions {
        match action {
            UpdateAction::Set(name, value) => {
                set.push(format!("{} = {}", p.name(name), p.value(to_ddb(value))));
            }
            UpdateAction::SetIfNotExists(name, value) => {
                let n = p.name(name);
                set.push(format!(
                    "{n} = if_not_exists({n}, {})",
                    p.value(to_ddb(value))
                ));
            }
            UpdateAction::Add(name, delta) => add.push(format!(
                "{} {}",
                p.name(name),
                p.value(AttributeValue::N(delta.as_str().to_owned()))
            )),
            UpdateAction::Remove(name) => remove.push(p.name(name)),
        }
    }
    let mut clauses = Vec::new();
    for (keyword, parts) in [("SET", set), ("ADD", add), ("REMOVE", remove)] {
        if !parts.is_empty() {
            clauses.push(format!("{keyword} {}", parts.join(", ")));
        }
    }
    clauses.join(" ")
}

pub(super) fn render_sort(cond: &SortCond, sk_attr: &str, p: &mut Placeholders) -> String {
    let n = p.name(sk_attr);
    let mut v = |s: &String| p.value(AttributeValue::S(s.clone()));
    match cond {
        SortCond::Eq(x) => format!("{n} = {}", v(x)),
        SortCond::BeginsWith(x) => format!("begins_with({n}, {})", v(x)),
        SortCond::Between(a, b) => {
            let (a, b) = (v(a), v(b));
            format!("{n} BETWEEN {a} AND {b}")
        }
        SortCond::Lt(x) => format!("{n} < {}", v(x)),
        SortCond::Le(x) => format!("{n} <= {}", v(x)),
        SortCond::Gt(x) => format!("{n} > {}", v(x)),
        SortCond::Ge(x) => format!("{n} >= {}", v(x)),
    }
}

pub(super) fn touches(update: &Update, name: &str) -> bool {
    update.actions.iter().any(|action| match action {
        UpdateAction::Set(n, _) | UpdateAction::SetIfNotExists(n, _) | UpdateAction::Add(n, _) => {
            n == name
        }
        UpdateAction::Remove(_) => false,
    })
}
