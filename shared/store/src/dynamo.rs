//! The DynamoDB adapter: the port's calls as single DynamoDB requests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    self as ddb, AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem,
};
use rampart_core::SharedClock;

use crate::cursor;
use crate::eval;
use crate::expr::{CmpOp, Cond, ReturnValues, SortCond, Update, UpdateAction};
use crate::port::{
    CancelReason, Key, Page, Query, Store, StoreError, TxOp, is_live, key_of_item, validate_query,
    validate_transaction,
};
use crate::tables::{PK, SK, TTL_ATTRIBUTE, Table, TableNames};
use crate::value::{AttrValue, Item, Number};

/// The DynamoDB store.
pub struct DynamoStore {
    client: Client,
    names: TableNames,
    clock: SharedClock,
    trips: AtomicU64,
}

impl DynamoStore {
    /// A store on `sdk`'s endpoint with tables named by `names`.
    pub fn new(sdk: &aws_config::SdkConfig, names: TableNames, clock: SharedClock) -> Self {
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

// ---- values ------------------------------------------------------------------------------

fn to_ddb(value: &AttrValue) -> AttributeValue {
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

fn to_ddb_item(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_ddb(v))).collect()
}

fn from_ddb_item(item: &HashMap<String, AttributeValue>) -> Result<Item, StoreError> {
    item.iter()
        .map(|(k, v)| Ok((k.clone(), from_ddb(v)?)))
        .collect()
}

fn key_map(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

// ---- expressions -------------------------------------------------------------------------

/// Collects placeholder names and values while rendering expressions.
#[derive(Default)]
struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    fn name(&mut self, attr: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attr) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

fn render_cond(cond: &Cond, p: &mut Placeholders) -> String {
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

fn render_update(update: &Update, p: &mut Placeholders) -> String {
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

fn render_sort(cond: &SortCond, sk_attr: &str, p: &mut Placeholders) -> String {
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

fn touches(update: &Update, name: &str) -> bool {
    update.actions.iter().any(|action| match action {
        UpdateAction::Set(n, _) | UpdateAction::SetIfNotExists(n, _) | UpdateAction::Add(n, _) => {
            n == name
        }
        UpdateAction::Remove(_) => false,
    })
}

// ---- errors ------------------------------------------------------------------------------

fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(text)
        }
        SdkError::ServiceError(service) => match service.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "ThrottlingException"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "ResourceNotFoundException",
            ) => StoreError::Unavailable(text),
            Some("ValidationException") => StoreError::Validation(text),
            _ => StoreError::Internal(text),
        },
        _ => StoreError::Internal(text),
    }
}

fn condition_failed(item: Option<&HashMap<String, AttributeValue>>) -> StoreError {
    StoreError::ConditionFailed {
        existing: item.and_then(|i| from_ddb_item(i).ok()).map(Box::new),
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

    fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }
}

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
    fn transact_item(&self, op: &TxOp) -> Result<TransactWriteItem, StoreError> {
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

/// Creates every table (keys, GSIs, TTL) if absent and waits until each exists. For tests and
/// the local stack pointed at an emulator; deployed stages get their tables from `template.yaml`.
pub async fn create_tables(
    sdk: &aws_config::SdkConfig,
    names: &TableNames,
) -> Result<(), StoreError> {
    let client = Client::new(sdk);
    for table in Table::ALL {
        let name = names.of(table);
        let mut attrs = vec![PK, SK];
        let mut gsis = Vec::new();
        for index in table.indexes() {
            let (ipk, isk) = index.key_attributes();
            attrs.extend([ipk, isk]);
            gsis.push(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name())
                    .key_schema(key_element(ipk, KeyType::Hash)?)
                    .key_schema(key_element(isk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))?,
            );
        }
        let definitions = attrs
            .iter()
            .map(|a| {
                AttributeDefinition::builder()
                    .attribute_name(*a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let created = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .set_attribute_definitions(Some(definitions))
            .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => continue,
            Err(e) => return Err(classify(e)),
        }
        client
            .wait_until_table_exists()
            .table_name(&name)
            .wait(std::time::Duration::from_secs(60))
            .await
            .map_err(|e| StoreError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .map_err(|e| StoreError::Validation(e.to_string()))?,
            )
            .send()
            .await
            .map_err(classify)?;
    }
    Ok(())
}

fn key_element(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| StoreError::Validation(e.to_string()))
}
