use std::sync::Arc;

use super::*;
use crate::embedded::EmbeddedStore;
use crate::value::AttrValue;

fn item(pk: &str) -> Item {
    let mut item = Key::new(pk, "x").to_item();
    item.insert("n".to_owned(), AttrValue::s("1"));
    item
}

fn scoped(access: &[TableAccess]) -> ScopedStore {
    let clock = Arc::new(rampart_core::ManualClock::at_ms(0));
    ScopedStore::new(Arc::new(EmbeddedStore::memory(clock)), access)
}

fn denied(result: Result<impl std::fmt::Debug, StoreError>) -> bool {
    matches!(result, Err(StoreError::AccessDenied { .. }))
}

#[tokio::test]
async fn an_undeclared_table_is_denied_for_every_operation() {
    let store = scoped(&[TableAccess::Write(Table::Users)]);
    let key = Key::new("a", "x");
    assert!(denied(store.get(Table::Content, &key).await));
    assert!(denied(store.put(Table::Content, item("a"), None).await));
    assert!(denied(
        store.delete(Table::Content, &key, None).await.map(|_| ())
    ));
    assert!(denied(
        store
            .query(&Query::partition(Table::Content, "a"))
            .await
            .map(|_| ())
    ));
    let tx = vec![
        TxOp::Put {
            table: Table::Users,
            item: item("a"),
            cond: None,
        },
        TxOp::Put {
            table: Table::Content,
            item: item("a"),
            cond: None,
        },
    ];
    assert!(denied(store.transact(tx).await));
    // Nothing of the refused transaction was written.
    assert_eq!(store.get(Table::Users, &key).await.unwrap(), None);
    store.put(Table::Users, item("a"), None).await.unwrap();
    assert!(store.get(Table::Users, &key).await.unwrap().is_some());
}

#[tokio::test]
async fn append_allows_puts_only_and_read_allows_reads_only() {
    let store = scoped(&[
        TableAccess::Append(Table::Audit),
        TableAccess::Read(Table::Health),
    ]);
    let key = Key::new("a", "x");
    store.put(Table::Audit, item("a"), None).await.unwrap();
    assert!(denied(store.get(Table::Audit, &key).await));
    assert!(denied(
        store.delete(Table::Audit, &key, None).await.map(|_| ())
    ));
    assert!(store.get(Table::Health, &key).await.unwrap().is_none());
    assert!(denied(store.put(Table::Health, item("a"), None).await));
}

#[tokio::test]
async fn the_warm_up_reads_only_a_readable_table() {
    // Append-only: nothing to read, so the warm-up asks nothing.
    let store = scoped(&[TableAccess::Append(Table::Audit)]);
    store.ping().await.unwrap();
    assert_eq!(store.round_trips(), 0);
    let store = scoped(&[TableAccess::Read(Table::Users)]);
    store.ping().await.unwrap();
    assert_eq!(store.round_trips(), 1);
}

#[tokio::test]
async fn counters_get_put_and_update_only_and_indexes_need_their_own_declaration() {
    let store = scoped(&[
        TableAccess::Counter(Table::RateLimits),
        TableAccess::Write(Table::Content),
        TableAccess::Index(Table::Content, Index::Gsi2),
    ]);
    let key = Key::new("a", "x");
    store.put(Table::RateLimits, item("a"), None).await.unwrap();
    assert!(store.get(Table::RateLimits, &key).await.unwrap().is_some());
    store
        .update(
            Table::RateLimits,
            &key,
            &Update::new().set("n", AttrValue::s("2")),
            None,
            ReturnValues::None,
        )
        .await
        .unwrap();
    assert!(denied(
        store
            .delete(Table::RateLimits, &key, None)
            .await
            .map(|_| ())
    ));
    assert!(denied(
        store
            .query(&Query::partition(Table::RateLimits, "a"))
            .await
            .map(|_| ())
    ));
    // A write of the table does not reach its indexes; the declared one is open.
    assert!(denied(
        store
            .query(&Query::index(Table::Content, Index::Gsi1, "p"))
            .await
            .map(|_| ())
    ));
    store
        .query(&Query::index(Table::Content, Index::Gsi2, "p"))
        .await
        .unwrap();
    store
        .query(&Query::partition(Table::Content, "a"))
        .await
        .unwrap();
}

#[test]
fn a_write_subsumes_reads_and_appends_of_its_table() {
    assert_eq!(
        TableAccess::normalize(vec![
            TableAccess::Append(Table::Audit),
            TableAccess::Write(Table::Content),
            TableAccess::Read(Table::Content),
            TableAccess::Read(Table::Audit),
            TableAccess::Append(Table::Audit),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Counter(Table::Content),
        ]),
        [
            TableAccess::Read(Table::Audit),
            TableAccess::Append(Table::Audit),
            TableAccess::Write(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
        ]
    );
}

#[test]
fn a_check_subsumes_a_read_and_a_write_subsumes_a_check() {
    assert_eq!(
        TableAccess::normalize(vec![
            TableAccess::Read(Table::Users),
            TableAccess::Checked(Table::Users),
            TableAccess::Checked(Table::Content),
            TableAccess::Write(Table::Content),
        ]),
        [
            TableAccess::Checked(Table::Users),
            TableAccess::Write(Table::Content),
        ]
    );
}

#[tokio::test]
async fn a_checked_table_may_be_read_and_named_in_a_condition_but_not_written() {
    let store = scoped(&[
        TableAccess::Checked(Table::Users),
        TableAccess::Write(Table::Sessions),
    ]);
    let key = Key::new("a", "x");
    store.get(Table::Users, &key).await.unwrap();
    let check = TxOp::Check {
        table: Table::Users,
        key: key.clone(),
        cond: crate::expr::Cond::not_exists("pk"),
    };
    store.transact(vec![check]).await.unwrap();
    assert!(denied(store.put(Table::Users, item("a"), None).await));
}

#[tokio::test]
async fn an_item_access_gets_and_updates_its_partition_and_nothing_else() {
    use crate::expr::{ReturnValues, Update};
    let store = scoped(&[TableAccess::Item(Table::State, "config#overrides")]);
    let mine = Key::new("config#overrides", "overrides");
    let other = Key::new("settings#discord", "settings");
    let set = Update::new().set("n", AttrValue::s("2"));
    store
        .update(Table::State, &mine, &set, None, ReturnValues::None)
        .await
        .unwrap();
    assert!(store.get(Table::State, &mine).await.unwrap().is_some());
    // In a transaction too.
    let tx = |key: &Key| {
        vec![TxOp::Update {
            table: Table::State,
            key: key.clone(),
            update: set.clone(),
            cond: None,
        }]
    };
    store.transact(tx(&mine)).await.unwrap();
    assert!(denied(store.transact(tx(&other)).await));
    assert!(denied(store.get(Table::State, &other).await));
    assert!(denied(
        store
            .update(Table::State, &other, &set, None, ReturnValues::None)
            .await
    ));
    // Never a put, a delete or a query, even of its own partition.
    assert!(denied(
        store
            .put(Table::State, item("config#overrides"), None)
            .await
    ));
    assert!(denied(
        store.delete(Table::State, &mine, None).await.map(|_| ())
    ));
    assert!(denied(
        store
            .query(&Query::partition(Table::State, "config#overrides"))
            .await
            .map(|_| ())
    ));
}

#[test]
fn a_write_or_a_counter_of_the_table_covers_an_item_access() {
    let item = TableAccess::Item(Table::State, "config#overrides");
    assert_eq!(
        TableAccess::normalize(vec![item, TableAccess::Write(Table::State)]),
        vec![TableAccess::Write(Table::State)]
    );
    assert_eq!(
        TableAccess::normalize(vec![item, TableAccess::Counter(Table::State)]),
        vec![TableAccess::Counter(Table::State)]
    );
    assert_eq!(
        TableAccess::normalize(vec![item, TableAccess::Read(Table::State)]),
        vec![TableAccess::Read(Table::State), item]
    );
}
