//! Range reads of one partition, of a table or of a GSI, in sort order from a cursor.

use std::ops::Bound;

use super::state::{IndexKey, TableData};
use crate::cursor;
use crate::eval;
use crate::port::{Query, StoreError};
use crate::tables::{Index, PK, SK};
use crate::value::Item;

fn sort_ok(query: &Query, sk: &str) -> bool {
    query
        .sort
        .as_ref()
        .is_none_or(|c| eval::sort_matches(c, sk))
}

pub(super) fn partition_items<'a>(
    data: &'a TableData,
    query: &Query,
) -> Result<Vec<&'a Item>, StoreError> {
    let pk = query.pk.clone();
    let after = match &query.cursor {
        Some(c) => {
            let k = cursor::decode_for(c, &[PK, SK], (PK, SK), query)?;
            Some(k[SK].clone())
        }
        None => None,
    };
    let lower = (pk.clone(), String::new());
    let range = data
        .items
        .range((Bound::Included(lower), Bound::Unbounded))
        .take_while(|((p, _), _)| *p == pk)
        .filter(|((_, sk), _)| sort_ok(query, sk));
    let mut out: Vec<(&String, &Item)> = range.map(|((_, sk), item)| (sk, item)).collect();
    if !query.forward {
        out.reverse();
    }
    if let Some(after) = after {
        out.retain(|(sk, _)| {
            if query.forward {
                sk.as_bytes() > after.as_bytes()
            } else {
                sk.as_bytes() < after.as_bytes()
            }
        });
    }
    Ok(out.into_iter().map(|(_, item)| item).collect())
}

pub(super) fn index_items<'a>(
    data: &'a TableData,
    index: Index,
    query: &Query,
) -> Result<Vec<&'a Item>, StoreError> {
    let (ipk, isk) = index.key_attributes();
    let after: Option<IndexKey> = match &query.cursor {
        Some(c) => {
            let k = cursor::decode_for(c, &[PK, SK, ipk, isk], (ipk, isk), query)?;
            Some((k[ipk].clone(), k[isk].clone(), k[PK].clone(), k[SK].clone()))
        }
        None => None,
    };
    let Some(set) = data.indexes.get(&index) else {
        return Ok(Vec::new());
    };
    let lower = (
        query.pk.clone(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut keys: Vec<&IndexKey> = set
        .range((Bound::Included(lower), Bound::Unbounded))
        .take_while(|k| k.0 == query.pk)
        .filter(|k| sort_ok(query, &k.1))
        .collect();
    if !query.forward {
        keys.reverse();
    }
    if let Some(after) = after {
        keys.retain(|k| {
            if query.forward {
                **k > after
            } else {
                **k < after
            }
        });
    }
    Ok(keys
        .into_iter()
        .filter_map(|k| data.items.get(&(k.2.clone(), k.3.clone())))
        .collect())
}
