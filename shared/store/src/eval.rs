//! Evaluating conditions and applying updates in memory, with DynamoDB's rules.

use std::cmp::Ordering;

use crate::expr::{CmpOp, Cond, SortCond, Update, UpdateAction};
use crate::port::StoreError;
use crate::value::{AttrValue, Item};

/// Evaluates `cond` against the current item (`None` when there is none).
pub(crate) fn matches(cond: &Cond, item: Option<&Item>) -> bool {
    let attr = |name: &str| item.and_then(|i| i.get(name));
    match cond {
        Cond::Exists(name) => attr(name).is_some(),
        Cond::NotExists(name) => attr(name).is_none(),
        Cond::Cmp(name, op, value) => match attr(name) {
            None => *op == CmpOp::Ne,
            Some(current) => compare(current, *op, value),
        },
        Cond::BeginsWith(name, prefix) => {
            matches!(attr(name), Some(AttrValue::S(s)) if s.starts_with(prefix.as_str()))
        }
        Cond::And(a, b) => matches(a, item) && matches(b, item),
        Cond::Or(a, b) => matches(a, item) || matches(b, item),
        Cond::Not(a) => !matches(a, item),
    }
}

fn compare(current: &AttrValue, op: CmpOp, value: &AttrValue) -> bool {
    match op {
        CmpOp::Eq => current == value || current.compare(value) == Some(Ordering::Equal),
        CmpOp::Ne => !(current == value || current.compare(value) == Some(Ordering::Equal)),
        CmpOp::Lt => current.compare(value) == Some(Ordering::Less),
        CmpOp::Le => matches!(
            current.compare(value),
            Some(Ordering::Less | Ordering::Equal)
        ),
        CmpOp::Gt => current.compare(value) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(
            current.compare(value),
            Some(Ordering::Greater | Ordering::Equal)
        ),
    }
}

/// Whether a sort key satisfies a sort-key condition.
pub(crate) fn sort_matches(cond: &SortCond, sk: &str) -> bool {
    let sk = sk.as_bytes();
    match cond {
        SortCond::Eq(v) => sk == v.as_bytes(),
        SortCond::BeginsWith(p) => sk.starts_with(p.as_bytes()),
        SortCond::Between(lo, hi) => sk >= lo.as_bytes() && sk <= hi.as_bytes(),
        SortCond::Lt(v) => sk < v.as_bytes(),
        SortCond::Le(v) => sk <= v.as_bytes(),
        SortCond::Gt(v) => sk > v.as_bytes(),
        SortCond::Ge(v) => sk >= v.as_bytes(),
    }
}

/// Applies `update` to `item` in place; returns the names it touched.
pub(crate) fn apply(update: &Update, item: &mut Item) -> Result<Vec<String>, StoreError> {
    let mut touched = Vec::with_capacity(update.actions.len());
    for action in &update.actions {
        match action {
            UpdateAction::Set(name, value) => {
                item.insert(name.clone(), value.clone());
                touched.push(name.clone());
            }
            UpdateAction::SetIfNotExists(name, value) => {
                item.entry(name.clone()).or_insert_with(|| value.clone());
                touched.push(name.clone());
            }
            UpdateAction::Add(name, delta) => {
                let next = match item.get(name) {
                    None => delta.clone(),
                    Some(AttrValue::N(current)) => current.add(delta),
                    Some(_) => {
                        return Err(StoreError::Validation(format!(
                            "ADD on {name}: the attribute is not a number"
                        )));
                    }
                };
                item.insert(name.clone(), AttrValue::N(next));
                touched.push(name.clone());
            }
            UpdateAction::Remove(name) => {
                item.remove(name);
            }
        }
    }
    Ok(touched)
}

/// Checks an update for what DynamoDB rejects before evaluating anything.
pub(crate) fn validate_update(update: &Update) -> Result<(), StoreError> {
    if update.actions.is_empty() {
        return Err(StoreError::Validation(
            "an update needs at least one action".into(),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for action in &update.actions {
        let name = match action {
            UpdateAction::Set(n, _)
            | UpdateAction::SetIfNotExists(n, _)
            | UpdateAction::Add(n, _)
            | UpdateAction::Remove(n) => n,
        };
        if name == crate::tables::PK || name == crate::tables::SK {
            return Err(StoreError::Validation(format!(
                "cannot update key attribute {name}"
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(StoreError::Validation(format!(
                "two actions in one update touch {name}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, AttrValue)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn conditions_follow_dynamodb_rules() {
        let it = item(&[("n", AttrValue::n(5)), ("s", AttrValue::s("abc"))]);
        let cases = [
            (Cond::exists("n"), true),
            (Cond::not_exists("n"), false),
            (Cond::lt("n", 6), true),
            (Cond::lt("missing", 6), false),
            (Cond::ne("missing", 6), true),
            (Cond::eq("n", "5"), false),
            (Cond::ne("n", "5"), true),
            (Cond::begins_with("s", "ab"), true),
            (Cond::begins_with("n", "5"), false),
            (Cond::lt("n", 3).or(Cond::exists("s")), true),
            (Cond::lt("n", 3).and(Cond::exists("s")), false),
            (Cond::exists("s").not(), false),
        ];
        for (cond, expected) in cases {
            assert_eq!(matches(&cond, Some(&it)), expected, "{cond:?}");
        }
        assert!(matches(&Cond::not_exists("pk"), None));
    }

    #[test]
    fn updates_add_set_and_remove() {
        let mut it = item(&[("n", AttrValue::n(1)), ("gone", AttrValue::Bool(true))]);
        let update = Update::new()
            .add("n", 2)
            .add("fresh", 3)
            .set_if_not_exists("n2", 9)
            .remove("gone");
        apply(&update, &mut it).unwrap();
        assert_eq!(it["n"], AttrValue::n(3));
        assert_eq!(it["fresh"], AttrValue::n(3));
        assert_eq!(it["n2"], AttrValue::n(9));
        assert!(!it.contains_key("gone"));
        let bad = Update::new().add("s", 1);
        let mut text = item(&[("s", AttrValue::s("x"))]);
        assert!(apply(&bad, &mut text).is_err());
    }

    #[test]
    fn updates_may_not_touch_keys_or_repeat_a_name() {
        assert!(validate_update(&Update::new().set("pk", "x")).is_err());
        assert!(validate_update(&Update::new().set("a", "x").remove("a")).is_err());
        assert!(validate_update(&Update::new()).is_err());
    }
}
