//! Attribute values, mirroring DynamoDB's data types.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An item: attribute name to value.
pub type Item = BTreeMap<String, AttrValue>;

/// A DynamoDB number: kept as its decimal text, compared and added by value.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Number(String);

impl Number {
    /// Parses decimal text; `None` when it is not a finite number.
    pub fn parse(text: &str) -> Option<Self> {
        let value: f64 = text.trim().parse().ok()?;
        value.is_finite().then(|| Self(canonical(text.trim())))
    }

    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as an integer, when it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as a float.
    pub fn as_f64(&self) -> f64 {
        self.0.parse().unwrap_or(0.0)
    }

    /// `self + other`, exact for integers.
    pub fn add(&self, other: &Number) -> Number {
        match (self.0.parse::<i128>(), other.0.parse::<i128>()) {
            (Ok(a), Ok(b)) => Number(a.saturating_add(b).to_string()),
            _ => Number(canonical(&(self.as_f64() + other.as_f64()).to_string())),
        }
    }
}

/// Normalises integer text (`+007` -> `7`, `-0` -> `0`), leaving decimals as written.
fn canonical(text: &str) -> String {
    match text.parse::<i128>() {
        Ok(v) => v.to_string(),
        Err(_) => text.to_owned(),
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.0.parse::<i128>(), other.0.parse::<i128>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => self.as_f64().total_cmp(&other.as_f64()),
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Self(v.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One attribute value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttrValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<AttrValue>),
    M(BTreeMap<String, AttrValue>),
}

impl AttrValue {
    /// A string value.
    pub fn s(v: impl Into<String>) -> Self {
        Self::S(v.into())
    }

    /// An integer value.
    pub fn n(v: i64) -> Self {
        Self::N(Number::from(v))
    }

    /// The string, when this is one.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            Self::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when this is one.
    pub fn as_n(&self) -> Option<&Number> {
        match self {
            Self::N(n) => Some(n),
            _ => None,
        }
    }

    /// Orders two values of the same scalar type the way DynamoDB compares them; `None` for
    /// values of different types or of types that have no order.
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Self::S(a), Self::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Self::N(a), Self::N(b)) => Some(a.cmp(b)),
            (Self::B(a), Self::B(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        Self::S(v.to_owned())
    }
}

impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        Self::S(v)
    }
}

impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        Self::n(v)
    }
}

impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// Typed reads of an item's attributes.
pub trait ItemExt {
    /// A string attribute.
    fn str_attr(&self, name: &str) -> Option<&str>;
    /// An integer attribute.
    fn i64_attr(&self, name: &str) -> Option<i64>;
}

impl ItemExt for Item {
    fn str_attr(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(AttrValue::as_s)
    }

    fn i64_attr(&self, name: &str) -> Option<i64> {
        self.get(name)
            .and_then(AttrValue::as_n)
            .and_then(Number::as_i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_and_add_by_value() {
        let n = |s: &str| Number::parse(s).unwrap();
        assert_eq!(n("10"), n("010"));
        assert!(n("9") < n("10"), "numeric, not lexical");
        assert!(n("-1.5") < n("1"));
        assert_eq!(
            n("9007199254740993").add(&n("1")).as_str(),
            "9007199254740994"
        );
        assert_eq!(n("1.5").add(&n("1")).as_f64(), 2.5);
        assert!(Number::parse("NaN").is_none() && Number::parse("abc").is_none());
    }

    #[test]
    fn strings_order_by_utf8_bytes_and_types_do_not_mix() {
        assert_eq!(
            AttrValue::s("Z").compare(&AttrValue::s("a")),
            Some(Ordering::Less)
        );
        assert_eq!(AttrValue::s("1").compare(&AttrValue::n(1)), None);
    }
}
