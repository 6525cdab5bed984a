//! The DynamoDB adapter: the port's calls as single DynamoDB requests.

mod convert;
mod expressions;
mod provision;
mod sdk_errors;
mod transaction;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use rampart_core::SharedClock;

use crate::cursor;
use crate::eval;
use crate::expr::{Cond, ReturnValues, Update};
use crate::port::{
    CancelReason, Key, Page, Query, Store, StoreError, TxOp, is_live, key_of_item, scan_start,
    validate_query, validate_transaction,
};
use crate::tables::{PK, SK, Table, TableNames};
use crate::value::Item;
use convert::{from_ddb_item, key_map, to_ddb_item};
use expressions::{Placeholders, render_cond, render_sort, render_update, touches};
use sdk_errors::{classify, condition_failed};

pub use provision::create_tables;

/// The DynamoDB store.
pub struct DynamoStore {
    client: Client,
    names: TableNames,
    clock: SharedClock,
    trips: AtomicU64,
}

impl DynamoStore {
    /// A store on `sdk`'s endpoint with tables named by `names`.
    pub fn new(sdk: &rampart_core::aws::SdkConfig, names: TableNames, clock: SharedClock) -> Self {
        Self {
            client: Client::new(sdk),
            names,
            clock,
            trips: AtomicU64::new(0),
        }
    }

    fn trip(&self) {
        self.trips.fetch_add(1, Ordering::Relaxed);
    }

    fn name(&self, table: Table) -> String {
        self.names.of(table)
    }
}

// ---- the port ----------------------------------------------------------------------------

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, table: Table, key: &Key) -> Result<Option<Item>, StoreError> {
        self.trip();
        let out = self
            .client
            .get_item()
            .table_name(self.name(table))
            .set_key(Some(key_map(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        let now = self.clock.now_secs();
        match out.item() {
            Some(item) => Ok(Some(from_ddb_item(item)?).filter(|i| is_live(i, now))),
            None => Ok(None),
        }
    }

    async fn put(&self, table: Table, item: Item, cond: Option<Cond>) -> Result<(), StoreError> {
        key_of_item(&item)?;
        self.trip();
        let mut p = Placeholders::default();
        let expr = cond.as_ref().map(|c| render_cond(c, &mut p));
        let result = self
            .client
            .put_item()
            .table_name(self.name(table))
            .set_item(Some(to_ddb_item(&item)))
            .set_condition_expression(expr)
            .set_expression_attribute_names(p.names())
            .set_expression_attribute_values(p.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let item = match e.err() {
                    aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item(),
                    _ => None,
                };
                Err(condition_failed(item))
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn update(
        &self,
        table: Table,
        key: &Key,
        update: &Update,
        cond: Option<Cond>,
        returns: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        eval::validate_update(update)?;
        self.trip();
        let mut p = Placeholders::default();
        let update_expr = render_update(update, &mut p);
        let cond_expr = cond.as_ref().map(|c| render_cond(c, &mut p));
        let return_value = match returns {
            ReturnValues::None => ReturnValue::None,
            ReturnValues::AllNew => ReturnValue::AllNew,
            ReturnValues::AllOld => ReturnValue::AllOld,
            ReturnValues::UpdatedNew => ReturnValue::UpdatedNew,
        };
        let result = self
            .client
            .update_item()
            .table_name(self.name(table))
            .set_key(Some(key_map(key)))
            .update_expression(update_expr)
            .set_condition_expression(cond_expr)
            .set_expression_attribute_names(p.names())
            .set_expression_attribute_values(p.values())
            .return_values(return_value)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => match (returns, out.attributes()) {
                (ReturnValues::None, _) | (_, None) => Ok(None),
                (ReturnValues::UpdatedNew, Some(attrs)) => {
                    // Only the attributes the update named, whatever the server sends back.
                    let mut item = from_ddb_item(attrs)?;
                    item.retain(|name, _| touches(update, name));
                    Ok(Some(item))
                }
                (_, Some(attrs)) => Ok(Some(from_ddb_item(attrs)?)),
            },
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let item = match e.err() {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => c.item(),
                    _ => None,
                };
                Err(condition_failed(item))
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn delete(
        &self,
        table: Table,
        key: &Key,
        cond: Option<Cond>,
    ) -> Result<Option<Item>, StoreError> {
        self.trip();
        let mut p = Placeholders::default();
        let expr = cond.as_ref().map(|c| render_cond(c, &mut p));
        let result = self
            .client
            .delete_item()
            .table_name(self.name(table))
            .set_key(Some(key_map(key)))
            .set_condition_expression(expr)
            .set_expression_attribute_names(p.names())
            .set_expression_attribute_values(p.values())
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => out.attributes().map(from_ddb_item).transpose(),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let item = match e.err() {
                    aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c) => c.item(),
                    _ => None,
                };
                Err(condition_failed(item))
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let items = ops
            .iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>, _>>()?;
        self.trip();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                    let reasons = c
                        .cancellation_reasons()
                        .iter()
                        .map(|r| match r.code() {
                            None | Some("None") => CancelReason::None,
                            Some("ConditionalCheckFailed") => CancelReason::ConditionalCheckFailed(
                                r.item().and_then(|i| from_ddb_item(i).ok()),
                            ),
                            Some(other) => CancelReason::Other(other.to_owned()),
                        })
                        .collect();
                    Err(StoreError::TransactionCanceled { reasons })
                }
                _ => Err(classify(SdkError::ServiceError(e))),
            },
            Err(e) => Err(classify(e)),
        }
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        validate_query(query)?;
        let (pk_attr, sk_attr) = match query.index {
            Some(index) => index.key_attributes(),
            None => (PK, SK),
        };
        let cursor_names: Vec<&str> = match query.index {
            Some(_) => vec![PK, SK, pk_attr, sk_attr],
            None => vec![PK, SK],
        };
        let mut start = match &query.cursor {
            Some(c) => {
                let attrs = cursor::decode_for(c, &cursor_names, (pk_attr, sk_attr), query)?;
                Some(
                    attrs
                        .into_iter()
                        .map(|(k, v)| (k, AttributeValue::S(v)))
                        .collect::<HashMap<_, _>>(),
                )
            }
            None => None,
        };
        let now = self.clock.now_secs();
        // Read one item past the limit, so a cursor is returned only when more items follow.
        let wanted = query.limit.map(|l| l as usize + 1);
        let mut items = Vec::new();
        loop {
            let mut p = Placeholders::default();
            let mut key_expr = format!(
                "{} = {}",
                p.name(pk_attr),
                p.value(AttributeValue::S(query.pk.clone()))
            );
            if let Some(sort) = &query.sort {
                key_expr = format!("{key_expr} AND {}", render_sort(sort, sk_attr, &mut p));
            }
            let remaining = wanted.map(|w| (w - items.len()).min(1000) as i32);
            self.trip();
            let out = self
                .client
                .query()
                .table_name(self.name(query.table))
                .set_index_name(query.index.map(|i| i.name().to_owned()))
                .key_condition_expression(key_expr)
                .set_expression_attribute_names(p.names())
                .set_expression_attribute_values(p.values())
                .scan_index_forward(query.forward)
                .consistent_read(query.index.is_none())
                .set_limit(remaining)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            for raw in out.items() {
                let item = from_ddb_item(raw)?;
                if is_live(&item, now) {
                    items.push(item);
                }
            }
            let last = out.last_evaluated_key().cloned();
            if let (Some(limit), Some(wanted)) = (query.limit, wanted)
                && items.len() >= wanted
            {
                items.truncate(limit as usize);
                let cursor = items
                    .last()
                    .map(|i| cursor::encode(&cursor::key_attrs(i, query.index)));
                return Ok(Page { items, cursor });
            }
            match last {
                Some(last) => start = Some(last),
                None => {
                    return Ok(Page {
                        items,
                        cursor: None,
                    });
                }
            }
        }
    }

    async fn scan(
        &self,
        table: Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError> {
        let mut start = scan_start(limit, cursor)?.map(|key| key_map(&key));
        let now = self.clock.now_secs();
        let mut items = Vec::new();
        loop {
            self.trip();
            let out = self
                .client
                .scan()
                .table_name(self.name(table))
                .consistent_read(true)
                .limit((limit as usize - items.len()) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(classify)?;
            for raw in out.items() {
                let item = from_ddb_item(raw)?;
                if is_live(&item, now) {
                    items.push(item);
                }
            }
            let more = out.last_evaluated_key().is_some();
            if !more || items.len() >= limit as usize {
                let cursor = items
                    .last()
                    .filter(|_| more)
                    .map(|last| cursor::encode(&cursor::key_attrs(last, None)));
                return Ok(Page { items, cursor });
            }
            start = out.last_evaluated_key().cloned();
        }
    }

    fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }
}
