//! Opaque cursors: the last evaluated key, as base64url JSON of its string attributes.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::port::StoreError;
use crate::tables::{Index, PK, SK};
use crate::value::{Item, ItemExt};

/// The attributes of a last evaluated key (table key, plus index key for GSI queries).
pub(crate) type KeyAttrs = BTreeMap<String, String>;

/// Encodes a last evaluated key.
pub(crate) fn encode(key: &KeyAttrs) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The key attributes of `item` that name its position in a table or index query.
pub(crate) fn key_attrs(item: &Item, index: Option<Index>) -> KeyAttrs {
    let mut names = vec![PK, SK];
    if let Some(index) = index {
        let (ipk, isk) = index.key_attributes();
        names.extend([ipk, isk]);
    }
    names
        .into_iter()
        .filter_map(|n| Some((n.to_owned(), item.str_attr(n)?.to_owned())))
        .collect()
}

/// Decodes a cursor, checking it names exactly `expected` attributes.
pub(crate) fn decode(cursor: &str, expected: &[&str]) -> Result<KeyAttrs, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::InvalidCursor)?;
    let key: KeyAttrs = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let names_match =
        key.len() == expected.len() && expected.iter().all(|name| key.contains_key(*name));
    if names_match {
        Ok(key)
    } else {
        Err(StoreError::InvalidCursor)
    }
}

/// Decodes a query's cursor and checks that it could have come from this query: the names
/// its table or index has, its partition, key values DynamoDB would accept, and a sort key
/// inside the query's sort condition. DynamoDB answers anything else with a validation error
/// (a 500 to the client) where the embedded store would simply filter: both refuse it here as
/// `InvalidCursor` instead.
pub(crate) fn decode_for(
    cursor: &str,
    expected: &[&str],
    (pk_attr, sk_attr): (&str, &str),
    query: &crate::port::Query,
) -> Result<KeyAttrs, StoreError> {
    let key = decode(cursor, expected)?;
    let sane = key.iter().all(|(name, value)| {
        let max = if name.ends_with("pk") {
            crate::port::MAX_PARTITION_KEY_BYTES
        } else {
            crate::port::MAX_SORT_KEY_BYTES
        };
        !value.is_empty() && value.len() <= max
    });
    let in_partition = key.get(pk_attr).is_some_and(|pk| *pk == query.pk);
    let in_range = query.sort.as_ref().is_none_or(|cond| {
        key.get(sk_attr)
            .is_some_and(|sk| crate::eval::sort_matches(cond, sk))
    });
    if sane && in_partition && in_range {
        Ok(key)
    } else {
        Err(StoreError::InvalidCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_text() {
        let key: KeyAttrs = [
            ("pk".to_owned(), "a".to_owned()),
            ("sk".to_owned(), "b".to_owned()),
        ]
        .into_iter()
        .collect();
        let cursor = encode(&key);
        assert_eq!(decode(&cursor, &["pk", "sk"]).unwrap(), key);
        assert!(decode(&cursor, &["pk", "sk", "gsi1pk"]).is_err());
        assert!(decode("not base64 !", &["pk", "sk"]).is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("[1,2]"), &["pk", "sk"]).is_err());
    }
}
