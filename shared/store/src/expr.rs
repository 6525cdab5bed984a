//! Conditions, updates and sort-key conditions as typed trees, not strings.
//!
//! The embedded adapter evaluates them directly; the DynamoDB adapter renders them into
//! expressions with placeholder names and values, so no caller ever builds expression text.

use crate::value::{AttrValue, Number};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A condition on an item's top-level attributes, as in a DynamoDB `ConditionExpression`.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// `attribute_exists(name)`
    Exists(String),
    /// `attribute_not_exists(name)`
    NotExists(String),
    /// `name <op> value`; a missing attribute or a value of another type compares false,
    /// except for `<>`, which is then true.
    Cmp(String, CmpOp, AttrValue),
    /// `begins_with(name, prefix)`
    BeginsWith(String, String),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    /// `attribute_exists(name)`
    pub fn exists(name: impl Into<String>) -> Self {
        Self::Exists(name.into())
    }

    /// `attribute_not_exists(name)`
    pub fn not_exists(name: impl Into<String>) -> Self {
        Self::NotExists(name.into())
    }

    /// `name = value`
    pub fn eq(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Eq, value.into())
    }

    /// `name <> value`
    pub fn ne(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Ne, value.into())
    }

    /// `name < value`
    pub fn lt(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Lt, value.into())
    }

    /// `name <= value`
    pub fn le(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Le, value.into())
    }

    /// `name > value`
    pub fn gt(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Gt, value.into())
    }

    /// `name >= value`
    pub fn ge(name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        Self::Cmp(name.into(), CmpOp::Ge, value.into())
    }

    /// `begins_with(name, prefix)`
    pub fn begins_with(name: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::BeginsWith(name.into(), prefix.into())
    }

    /// `self AND other`
    pub fn and(self, other: Cond) -> Self {
        Self::And(Box::new(self), Box::new(other))
    }

    /// `self OR other`
    pub fn or(self, other: Cond) -> Self {
        Self::Or(Box::new(self), Box::new(other))
    }

    /// `NOT self`
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Self::Not(Box::new(self))
    }

    /// The item is absent, or present but past its TTL (`expires_at < now`): the condition
    /// to use where an expired item should count as gone before DynamoDB deletes it.
    pub fn absent_or_expired(now_secs: i64) -> Self {
        Self::not_exists(crate::tables::PK).or(Self::lt(crate::tables::TTL_ATTRIBUTE, now_secs))
    }
}

/// One action of an update.
#[derive(Clone, Debug, PartialEq)]
pub enum UpdateAction {
    /// `SET name = value`
    Set(String, AttrValue),
    /// `SET name = if_not_exists(name, value)`
    SetIfNotExists(String, AttrValue),
    /// `ADD name delta` (a missing attribute counts as 0)
    Add(String, Number),
    /// `REMOVE name`
    Remove(String),
}

impl UpdateAction {
    /// The attribute the action changes.
    pub fn name(&self) -> &str {
        match self {
            Self::Set(name, _)
            | Self::SetIfNotExists(name, _)
            | Self::Add(name, _)
            | Self::Remove(name) => name,
        }
    }
}

/// An `UpdateExpression`: a list of actions applied atomically.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    /// The actions, each on a distinct attribute.
    pub actions: Vec<UpdateAction>,
}

impl Update {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `SET name = value`.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        self.actions
            .push(UpdateAction::Set(name.into(), value.into()));
        self
    }

    /// Adds `SET name = if_not_exists(name, value)`.
    pub fn set_if_not_exists(
        mut self,
        name: impl Into<String>,
        value: impl Into<AttrValue>,
    ) -> Self {
        self.actions
            .push(UpdateAction::SetIfNotExists(name.into(), value.into()));
        self
    }

    /// Adds `ADD name delta`.
    pub fn add(mut self, name: impl Into<String>, delta: i64) -> Self {
        self.actions
            .push(UpdateAction::Add(name.into(), Number::from(delta)));
        self
    }

    /// Adds `REMOVE name`.
    pub fn remove(mut self, name: impl Into<String>) -> Self {
        self.actions.push(UpdateAction::Remove(name.into()));
        self
    }
}

/// What an update returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReturnValues {
    #[default]
    None,
    /// The whole item after the update.
    AllNew,
    /// The whole item before the update.
    AllOld,
    /// Only the updated attributes, after the update.
    UpdatedNew,
}

/// A condition on the sort key of a query.
#[derive(Clone, Debug, PartialEq)]
pub enum SortCond {
    Eq(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    Lt(String),
    Le(String),
    Gt(String),
    Ge(String),
}
