//! A transaction's operations as DynamoDB `TransactWriteItem`s.

use aws_sdk_dynamodb::types::{
    self as ddb, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::DynamoStore;
use super::convert::{key_map, to_ddb_item};
use super::expressions::{Placeholders, render_cond, render_update};
use crate::port::{StoreError, TxOp};

/// Applies the setters every transaction operation shares: table, condition with its
/// placeholders, and the item as it was on condition failure.
macro_rules! conditioned {
    ($builder:expr, $table:expr, $placeholders:expr, $condition:expr) => {
        $builder
            .table_name($table)
            .set_condition_expression($condition)
            .set_expression_attribute_names($placeholders.names())
            .set_expression_attribute_values($placeholders.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Validation(e.to_string()))?
    };
}

impl DynamoStore {
    pub(super) fn transact_item(&self, op: &TxOp) -> Result<TransactWriteItem, StoreError> {
        let mut p = Placeholders::default();
        let built = match op {
            TxOp::Put { table, item, cond } => {
                let expr = cond.as_ref().map(|c| render_cond(c, &mut p));
                let put = ddb::Put::builder().set_item(Some(to_ddb_item(item)));
                TransactWriteItem::builder().put(conditioned!(put, self.name(*table), p, expr))
            }
            TxOp::Update {
                table,
                key,
                update,
                cond,
            } => {
                let update_expr = render_update(update, &mut p);
                let expr = cond.as_ref().map(|c| render_cond(c, &mut p));
                let update = ddb::Update::builder()
                    .set_key(Some(key_map(key)))
                    .update_expression(update_expr);
                TransactWriteItem::builder().update(conditioned!(
                    update,
                    self.name(*table),
                    p,
                    expr
                ))
            }
            TxOp::Delete { table, key, cond } => {
                let expr = cond.as_ref().map(|c| render_cond(c, &mut p));
                let delete = ddb::Delete::builder().set_key(Some(key_map(key)));
                TransactWriteItem::builder().delete(conditioned!(
                    delete,
                    self.name(*table),
                    p,
                    expr
                ))
            }
            TxOp::Check { table, key, cond } => {
                let expr = Some(render_cond(cond, &mut p));
                let check = ddb::ConditionCheck::builder().set_key(Some(key_map(key)));
                TransactWriteItem::builder().condition_check(conditioned!(
                    check,
                    self.name(*table),
                    p,
                    expr
                ))
            }
        };
        Ok(built.build())
    }
}
