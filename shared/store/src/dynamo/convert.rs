//! Our values and keys as the SDK's attribute values, and back.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::port::{Key, StoreError};
use crate::tables::{PK, SK};
use crate::value::{AttrValue, Item, Number};

pub(super) fn to_ddb(value: &AttrValue) -> AttributeValue {
    match value {
        AttrValue::S(s) => AttributeValue::S(s.clone()),
        AttrValue::N(n) => AttributeValue::N(n.as_str().to_owned()),
        AttrValue::B(b) => AttributeValue::B(Blob::new(b.clone())),
        AttrValue::Bool(b) => AttributeValue::Bool(*b),
        AttrValue::Null => AttributeValue::Null(true),
        AttrValue::L(list) => AttributeValue::L(list.iter().map(to_ddb).collect()),
        AttrValue::M(map) => {
            AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), to_ddb(v))).collect())
        }
    }
}

fn from_ddb(value: &AttributeValue) -> Result<AttrValue, StoreError> {
    Ok(match value {
        AttributeValue::S(s) => AttrValue::S(s.clone()),
        AttributeValue::N(n) => AttrValue::N(
            Number::parse(n).ok_or_else(|| StoreError::Internal(format!("bad number {n}")))?,
        ),
        AttributeValue::B(b) => AttrValue::B(b.as_ref().to_vec()),
        AttributeValue::Bool(b) => AttrValue::Bool(*b),
        AttributeValue::Null(_) => AttrValue::Null,
        AttributeValue::L(list) => {
            AttrValue::L(list.iter().map(from_ddb).collect::<Result<_, _>>()?)
        }
        AttributeValue::M(map) => AttrValue::M(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), from_ddb(v)?)))
                .collect::<Result<_, StoreError>>()?,
        ),
        other => {
            return Err(StoreError::Internal(format!(
                "unsupported attribute type {other:?}"
            )));
        }
    })
}

pub(super) fn to_ddb_item(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_ddb(v))).collect()
}

pub(super) fn from_ddb_item(item: &HashMap<String, AttributeValue>) -> Result<Item, StoreError> {
    item.iter()
        .map(|(k, v)| Ok((k.clone(), from_ddb(v)?)))
        .collect()
}

pub(super) fn key_map(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}
