//! DynamoDB's limits on keys, items, transactions and queries, checked by both adapters so
//! the embedded store refuses what DynamoDB would.

use super::*;

/// DynamoDB's limits on key values (bytes of UTF-8): a partition key of 1 to 2048, a sort
/// key of 1 to 1024.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
pub const MAX_SORT_KEY_BYTES: usize = 1024;
/// DynamoDB's item size limit, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// Checks a key against DynamoDB's limits, as DynamoDB does before it looks anything up.
pub(crate) fn validate_key(key: &Key) -> Result<(), StoreError> {
    validate_partition(&key.pk)?;
    if key.sk.is_empty() || key.sk.len() > MAX_SORT_KEY_BYTES {
        return Err(StoreError::Validation(format!(
            "a sort key value is 1 to {MAX_SORT_KEY_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Checks a partition key value against DynamoDB's limits.
pub(crate) fn validate_partition(pk: &str) -> Result<(), StoreError> {
    if pk.is_empty() || pk.len() > MAX_PARTITION_KEY_BYTES {
        return Err(StoreError::Validation(format!(
            "a partition key value is 1 to {MAX_PARTITION_KEY_BYTES} bytes"
        )));
    }
    Ok(())
}

/// An item's size as DynamoDB counts it (names and values; numbers at their digit count,
/// which bounds DynamoDB's figure from above), checked against the 400 KB limit.
pub(crate) fn validate_item_size(item: &Item) -> Result<(), StoreError> {
    fn value_size(value: &AttrValue) -> usize {
        match value {
            AttrValue::S(s) => s.len(),
            AttrValue::N(n) => n.as_str().len(),
            AttrValue::B(b) => b.len(),
            AttrValue::Bool(_) | AttrValue::Null => 1,
            AttrValue::L(items) => 3 + items.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
            AttrValue::M(map) => {
                3 + map
                    .iter()
                    .map(|(k, v)| 1 + k.len() + value_size(v))
                    .sum::<usize>()
            }
        }
    }
    let size: usize = item.iter().map(|(k, v)| k.len() + value_size(v)).sum();
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::Validation(format!(
            "an item is at most {MAX_ITEM_BYTES} bytes; this one is {size}"
        )));
    }
    Ok(())
}

/// Checks a transaction's size and that its targets are distinct.
pub(crate) fn validate_transaction(ops: &[TxOp]) -> Result<(), StoreError> {
    if ops.is_empty() || ops.len() > 100 {
        return Err(StoreError::Validation(
            "a transaction holds 1 to 100 operations".to_owned(),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for op in ops {
        let (table, key) = op.target();
        let key = key.ok_or_else(|| {
            StoreError::Validation(format!("an item needs string attributes {PK} and {SK}"))
        })?;
        if !seen.insert((table, key)) {
            return Err(StoreError::Validation(
                "a transaction cannot touch one item twice".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Checks a query's limit.
pub(crate) fn validate_query(query: &Query) -> Result<(), StoreError> {
    if let Some(limit) = query.limit
        && !(1..=1000).contains(&limit)
    {
        return Err(StoreError::Validation(
            "a query limit is 1 to 1000".to_owned(),
        ));
    }
    if let Some(index) = query.index
        && !query.table.indexes().contains(&index)
    {
        return Err(StoreError::Validation(format!(
            "table {} has no index {}",
            query.table.concern(),
            index.name()
        )));
    }
    Ok(())
}
