//! The assertions every adapter must pass, run once per adapter by the macro at the bottom.

use std::sync::Arc;

use rampart_store::{
    AttrValue, CancelReason, Cond, Index, Item, ItemExt, Key, Query, ReturnValues, SortCond,
    StoreError, Table, TxOp, Update,
};

use rampart_store::testing::Fixture;

fn item(pk: &str, sk: &str, extra: &[(&str, AttrValue)]) -> Item {
    let mut item = Key::new(pk, sk).to_item();
    for (name, value) in extra {
        item.insert((*name).to_owned(), value.clone());
    }
    item
}

fn sks(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i.str_attr("sk").unwrap_or("?"))
        .collect()
}

async fn put_then_get_round_trips_every_type(f: Fixture) {
    let mut nested = std::collections::BTreeMap::new();
    nested.insert("inner".to_owned(), AttrValue::n(7));
    let original = item(
        "user#1",
        "profile",
        &[
            ("name", AttrValue::s("Ada Lovelace — ü")),
            ("count", AttrValue::n(-42)),
            (
                "ratio",
                AttrValue::N(rampart_store::Number::parse("3.25").unwrap()),
            ),
            ("blob", AttrValue::B(vec![0, 1, 2, 255])),
            ("flag", AttrValue::Bool(true)),
            ("nothing", AttrValue::Null),
            (
                "list",
                AttrValue::L(vec![AttrValue::s("a"), AttrValue::n(1)]),
            ),
            ("map", AttrValue::M(nested)),
        ],
    );
    f.store
        .put(Table::Users, original.clone(), None)
        .await
        .unwrap();
    let read = f
        .store
        .get(Table::Users, &Key::new("user#1", "profile"))
        .await
        .unwrap();
    assert_eq!(read, Some(original));
    let missing = f
        .store
        .get(Table::Users, &Key::new("user#1", "other"))
        .await
        .unwrap();
    assert_eq!(missing, None);
}

async fn a_conditional_put_fails_and_returns_the_existing_item(f: Fixture) {
    let first = item("k", "v", &[("owner", AttrValue::s("first"))]);
    let only_new = || Some(Cond::not_exists("pk"));
    f.store
        .put(Table::State, first.clone(), only_new())
        .await
        .unwrap();
    let second = item("k", "v", &[("owner", AttrValue::s("second"))]);
    match f.store.put(Table::State, second, only_new()).await {
        Err(StoreError::ConditionFailed { existing }) => {
            assert_eq!(existing.as_deref(), Some(&first));
        }
        other => panic!("expected ConditionFailed, got {other:?}"),
    }
}

async fn conditional_updates_and_deletes_compare_values(f: Fixture) {
    let key = Key::new("doc", "1");
    f.store
        .put(
            Table::Content,
            item("doc", "1", &[("version", AttrValue::n(1))]),
            None,
        )
        .await
        .unwrap();
    let bump = Update::new().add("version", 1).set("title", "new");
    let new = f
        .store
        .update(
            Table::Content,
            &key,
            &bump,
            Some(Cond::eq("version", 1)),
            ReturnValues::AllNew,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.i64_attr("version"), Some(2));
    assert_eq!(new.str_attr("title"), Some("new"));
    let stale = f
        .store
        .update(
            Table::Content,
            &key,
            &bump,
            Some(Cond::eq("version", 1)),
            ReturnValues::None,
        )
        .await;
    match stale {
        Err(StoreError::ConditionFailed { existing }) => {
            assert_eq!(existing.unwrap().i64_attr("version"), Some(2));
        }
        other => panic!("expected ConditionFailed, got {other:?}"),
    }
    let old = f
        .store
        .update(
            Table::Content,
            &key,
            &Update::new().remove("title"),
            None,
            ReturnValues::AllOld,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.str_attr("title"), Some("new"));
    let refused = f
        .store
        .delete(Table::Content, &key, Some(Cond::lt("version", 2)))
        .await;
    assert!(refused.unwrap_err().is_condition_failed());
    let deleted = f
        .store
        .delete(Table::Content, &key, Some(Cond::ge("version", 2)))
        .await
        .unwrap();
    assert_eq!(deleted.unwrap().i64_attr("version"), Some(2));
    assert_eq!(f.store.get(Table::Content, &key).await.unwrap(), None);
    let nothing = f.store.delete(Table::Content, &key, None).await.unwrap();
    assert_eq!(nothing, None);
}

async fn comparisons_with_missing_attributes_follow_dynamodb(f: Fixture) {
    let key = Key::new("cmp", "1");
    f.store
        .put(Table::State, key.to_item(), None)
        .await
        .unwrap();
    let touch = Update::new().set("seen", true);
    // `<>` against a missing attribute holds; `<` does not.
    f.store
        .update(
            Table::State,
            &key,
            &touch,
            Some(Cond::ne("status", "done")),
            ReturnValues::None,
        )
        .await
        .unwrap();
    let lt = f
        .store
        .update(
            Table::State,
            &key,
            &touch,
            Some(Cond::lt("status", "z")),
            ReturnValues::None,
        )
        .await;
    assert!(lt.unwrap_err().is_condition_failed());
    // Values of another type never compare equal or ordered.
    f.store
        .update(
            Table::State,
            &key,
            &Update::new().set("n", 5),
            None,
            ReturnValues::None,
        )
        .await
        .unwrap();
    let typed = f
        .store
        .update(
            Table::State,
            &key,
            &touch,
            Some(Cond::eq("n", "5")),
            ReturnValues::None,
        )
        .await;
    assert!(typed.unwrap_err().is_condition_failed());
    f.store
        .update(
            Table::State,
            &key,
            &touch,
            Some(Cond::begins_with("pk", "cm")),
            ReturnValues::None,
        )
        .await
        .unwrap();
}

async fn add_counts_atomically_under_concurrency(f: Fixture) {
    let key = Key::new("counter", "c");
    let mut tasks = Vec::new();
    for _ in 0..25 {
        let store = f.store.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store
                .update(
                    Table::RateLimits,
                    &key,
                    &Update::new().add("n", 1),
                    None,
                    ReturnValues::UpdatedNew,
                )
                .await
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        let updated = task.await.unwrap().unwrap().unwrap();
        assert_eq!(
            updated.len(),
            1,
            "UPDATED_NEW returns only the updated attribute"
        );
        seen.push(updated.i64_attr("n").unwrap());
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=25).collect::<Vec<_>>(),
        "every increment saw a distinct value"
    );
    let final_item = f.store.get(Table::RateLimits, &key).await.unwrap().unwrap();
    assert_eq!(final_item.i64_attr("n"), Some(25));
}

async fn fifty_concurrent_conditional_puts_have_exactly_one_winner(f: Fixture) {
    let store = f.store.clone();
    let mut tasks = Vec::new();
    for contender in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let it = item("race", "key", &[("winner", AttrValue::n(contender))]);
            store
                .put(Table::State, it, Some(Cond::not_exists("pk")))
                .await
        }));
    }
    let mut wins = 0;
    let mut losses = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::ConditionFailed { existing }) => {
                assert!(existing.is_some(), "a loser sees the winner's item");
                losses += 1;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!((wins, losses), (1, 49));
}

async fn transactions_are_all_or_nothing_with_reasons(f: Fixture) {
    f.store
        .put(
            Table::Users,
            item("email#a@x.io", "claim", &[("user", AttrValue::s("u0"))]),
            None,
        )
        .await
        .unwrap();
    let ops = vec![
        TxOp::Put {
            table: Table::Users,
            item: item("user#u1", "profile", &[]),
            cond: Some(Cond::not_exists("pk")),
        },
        TxOp::Put {
            table: Table::Users,
            item: item("email#a@x.io", "claim", &[("user", AttrValue::s("u1"))]),
            cond: Some(Cond::not_exists("pk")),
        },
        TxOp::Update {
            table: Table::Content,
            key: Key::new("stats", "users"),
            update: Update::new().add("n", 1),
            cond: None,
        },
    ];
    match f.store.transact(ops).await {
        Err(StoreError::TransactionCanceled { reasons }) => {
            assert_eq!(reasons.len(), 3);
            assert_eq!(reasons[0], CancelReason::None);
            match &reasons[1] {
                CancelReason::ConditionalCheckFailed(Some(existing)) => {
                    assert_eq!(existing.str_attr("user"), Some("u0"));
                }
                other => panic!("expected the claim's condition to fail, got {other:?}"),
            }
            assert_eq!(reasons[2], CancelReason::None);
        }
        other => panic!("expected TransactionCanceled, got {other:?}"),
    }
    assert_eq!(
        f.store
            .get(Table::Users, &Key::new("user#u1", "profile"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.store
            .get(Table::Content, &Key::new("stats", "users"))
            .await
            .unwrap(),
        None
    );

    let ok = vec![
        TxOp::Put {
            table: Table::Users,
            item: item("user#u2", "profile", &[]),
            cond: Some(Cond::not_exists("pk")),
        },
        TxOp::Check {
            table: Table::Users,
            key: Key::new("email#a@x.io", "claim"),
            cond: Cond::eq("user", "u0"),
        },
        TxOp::Delete {
            table: Table::Users,
            key: Key::new("nothing", "here"),
            cond: None,
        },
        TxOp::Update {
            table: Table::Content,
            key: Key::new("stats", "users"),
            update: Update::new().add("n", 1),
            cond: None,
        },
    ];
    f.store.transact(ok).await.unwrap();
    assert!(
        f.store
            .get(Table::Users, &Key::new("user#u2", "profile"))
            .await
            .unwrap()
            .is_some()
    );
    let stats = f
        .store
        .get(Table::Content, &Key::new("stats", "users"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.i64_attr("n"), Some(1));
}

async fn a_transaction_may_not_touch_one_item_twice(f: Fixture) {
    let ops = vec![
        TxOp::Put {
            table: Table::State,
            item: item("a", "b", &[]),
            cond: None,
        },
        TxOp::Delete {
            table: Table::State,
            key: Key::new("a", "b"),
            cond: None,
        },
    ];
    assert!(matches!(
        f.store.transact(ops).await,
        Err(StoreError::Validation(_))
    ));
}

async fn queries_select_by_sort_key_and_page_with_cursors(f: Fixture) {
    for sk in ["a#1", "a#2", "a#3", "a#4", "a#5", "b#1"] {
        f.store
            .put(Table::Content, item("p", sk, &[]), None)
            .await
            .unwrap();
    }
    f.store
        .put(Table::Content, item("other", "a#1", &[]), None)
        .await
        .unwrap();

    let all = f
        .store
        .query(&Query::partition(Table::Content, "p"))
        .await
        .unwrap();
    assert_eq!(sks(&all.items), ["a#1", "a#2", "a#3", "a#4", "a#5", "b#1"]);
    assert_eq!(all.cursor, None);

    let prefix = Query::partition(Table::Content, "p").sort(SortCond::BeginsWith("a#".into()));
    let first = f.store.query(&prefix.clone().limit(2)).await.unwrap();
    assert_eq!(sks(&first.items), ["a#1", "a#2"]);
    let second = f
        .store
        .query(&prefix.clone().limit(2).after(first.cursor))
        .await
        .unwrap();
    assert_eq!(sks(&second.items), ["a#3", "a#4"]);
    let third = f
        .store
        .query(&prefix.clone().limit(2).after(second.cursor))
        .await
        .unwrap();
    assert_eq!(sks(&third.items), ["a#5"]);
    assert_eq!(third.cursor, None);

    let between =
        Query::partition(Table::Content, "p").sort(SortCond::Between("a#2".into(), "a#4".into()));
    assert_eq!(
        sks(&f.store.query(&between).await.unwrap().items),
        ["a#2", "a#3", "a#4"]
    );
    let gt = Query::partition(Table::Content, "p").sort(SortCond::Gt("a#4".into()));
    assert_eq!(
        sks(&f.store.query(&gt).await.unwrap().items),
        ["a#5", "b#1"]
    );

    let back = Query::partition(Table::Content, "p").backward().limit(3);
    let page = f.store.query(&back).await.unwrap();
    assert_eq!(sks(&page.items), ["b#1", "a#5", "a#4"]);
    let rest = f
        .store
        .query(&back.clone().after(page.cursor))
        .await
        .unwrap();
    assert_eq!(sks(&rest.items), ["a#3", "a#2", "a#1"]);
    assert_eq!(
        rest.cursor, None,
        "a page that ends the partition carries no cursor"
    );
}

async fn a_foreign_cursor_is_refused(f: Fixture) {
    let q = Query::partition(Table::Content, "p").after(Some("bm90LWEtY3Vyc29y".into()));
    assert!(matches!(
        f.store.query(&q).await,
        Err(StoreError::InvalidCursor)
    ));
    // Well-formed cursors this query could never have produced: DynamoDB would answer them
    // with a validation error, so both adapters refuse them up front.
    let forged = |pk: &str, sk: String| {
        let json = serde_json::json!({ "pk": pk, "sk": sk }).to_string();
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, json)
    };
    let ranged = || {
        Query::partition(Table::Content, "p")
            .sort(rampart_store::SortCond::BeginsWith("post#".into()))
    };
    for cursor in [
        forged("p", String::new()),
        forged("p", "x".repeat(1_025)),
        forged("p", "note#1".into()),
        forged("other", "post#1".into()),
    ] {
        assert!(
            matches!(
                f.store.query(&ranged().after(Some(cursor.clone()))).await,
                Err(StoreError::InvalidCursor)
            ),
            "{cursor}"
        );
    }
    let fine = ranged().after(Some(forged("p", "post#1".into())));
    assert!(f.store.query(&fine).await.is_ok());
}

async fn gsis_are_sparse_and_paged(f: Fixture) {
    for (i, (owner, at)) in [
        ("ann", "2026-01"),
        ("bob", "2026-02"),
        ("ann", "2026-03"),
        ("ann", "2026-02"),
    ]
    .iter()
    .enumerate()
    {
        let it = item(
            &format!("project#{i}"),
            "meta",
            &[
                ("gsi1pk", AttrValue::s(format!("owner#{owner}"))),
                ("gsi1sk", AttrValue::s(*at)),
            ],
        );
        f.store.put(Table::Content, it, None).await.unwrap();
    }
    f.store
        .put(Table::Content, item("project#x", "meta", &[]), None)
        .await
        .unwrap();
    let q = Query::index(Table::Content, Index::Gsi1, "owner#ann").limit(2);
    let first = f.store.query(&q).await.unwrap();
    let pks: Vec<_> = first
        .items
        .iter()
        .map(|i| i.str_attr("pk").unwrap())
        .collect();
    assert_eq!(pks, ["project#0", "project#3"]);
    let second = f.store.query(&q.clone().after(first.cursor)).await.unwrap();
    let pks: Vec<_> = second
        .items
        .iter()
        .map(|i| i.str_attr("pk").unwrap())
        .collect();
    assert_eq!(pks, ["project#2"]);
    let bob = Query::index(Table::Content, Index::Gsi1, "owner#bob")
        .sort(SortCond::BeginsWith("2026".into()));
    assert_eq!(f.store.query(&bob).await.unwrap().items.len(), 1);
    let no_index = Query::index(Table::State, Index::Gsi1, "x");
    assert!(matches!(
        f.store.query(&no_index).await,
        Err(StoreError::Validation(_))
    ));
}

async fn expired_items_are_invisible_to_reads_but_not_to_conditions(f: Fixture) {
    let now = f.now_secs();
    let ttl = |at: i64| ("expires_at", AttrValue::n(at));
    f.store
        .put(Table::State, item("idem", "k1", &[ttl(now + 60)]), None)
        .await
        .unwrap();
    f.store
        .put(Table::State, item("idem", "k2", &[ttl(now + 600)]), None)
        .await
        .unwrap();
    let key = Key::new("idem", "k1");
    assert!(f.store.get(Table::State, &key).await.unwrap().is_some());

    f.clock.advance_secs(61);
    let now = f.now_secs();
    assert_eq!(
        f.store.get(Table::State, &key).await.unwrap(),
        None,
        "expired reads as absent"
    );
    let page = f
        .store
        .query(&Query::partition(Table::State, "idem"))
        .await
        .unwrap();
    assert_eq!(sks(&page.items), ["k2"]);
    let limited = f
        .store
        .query(&Query::partition(Table::State, "idem").limit(1))
        .await
        .unwrap();
    assert_eq!(
        sks(&limited.items),
        ["k2"],
        "a limit counts live items only"
    );

    // DynamoDB deletes expired items only eventually, so conditions still see them ...
    let naive = f
        .store
        .put(
            Table::State,
            item("idem", "k1", &[]),
            Some(Cond::not_exists("pk")),
        )
        .await;
    assert!(naive.unwrap_err().is_condition_failed());
    // ... and callers that mean "absent or expired" say so.
    f.store
        .put(
            Table::State,
            item("idem", "k1", &[ttl(now + 60)]),
            Some(Cond::absent_or_expired(now)),
        )
        .await
        .unwrap();
    assert!(f.store.get(Table::State, &key).await.unwrap().is_some());
}

async fn invalid_requests_are_refused_before_they_run(f: Fixture) {
    let no_key = Item::from([("pk".to_owned(), AttrValue::s("only-pk"))]);
    assert!(matches!(
        f.store.put(Table::State, no_key, None).await,
        Err(StoreError::Validation(_))
    ));
    let key = Key::new("a", "b");
    let touches_key = Update::new().set("pk", "other");
    let result = f
        .store
        .update(Table::State, &key, &touches_key, None, ReturnValues::None)
        .await;
    assert!(matches!(result, Err(StoreError::Validation(_))));
    let zero = Query::partition(Table::State, "a").limit(0);
    assert!(matches!(
        f.store.query(&zero).await,
        Err(StoreError::Validation(_))
    ));
}

async fn every_call_is_counted_as_a_round_trip(f: Fixture) {
    let before = f.store.round_trips();
    f.store
        .put(Table::State, item("rt", "1", &[]), None)
        .await
        .unwrap();
    f.store
        .get(Table::State, &Key::new("rt", "1"))
        .await
        .unwrap();
    f.store
        .update(
            Table::State,
            &Key::new("rt", "1"),
            &Update::new().add("n", 1),
            None,
            ReturnValues::None,
        )
        .await
        .unwrap();
    assert_eq!(f.store.round_trips() - before, 3);
    let _ = Arc::clone(&f.store);
}

async fn a_scan_pages_through_every_live_item_once(f: Fixture) {
    let now = f.now_secs();
    for n in 0..7 {
        let ttl = if n == 3 { now - 60 } else { now + 3_600 };
        let extra = [(rampart_store::TTL_ATTRIBUTE, AttrValue::n(ttl))];
        f.store
            .put(
                Table::Sessions,
                item(&format!("p{n}"), &format!("s{n}"), &extra),
                None,
            )
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = f
            .store
            .scan(Table::Sessions, 3, cursor.as_deref())
            .await
            .unwrap();
        assert!(page.items.len() <= 3, "a page holds at most its limit");
        seen.extend(
            page.items
                .iter()
                .map(|i| i.str_attr("pk").unwrap().to_owned()),
        );
        pages += 1;
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["p0", "p1", "p2", "p4", "p5", "p6"]);
    assert!(pages >= 2);
    let empty = f.store.scan(Table::Intel, 10, None).await.unwrap();
    assert!(empty.items.is_empty() && empty.cursor.is_none());
    for limit in [0, 1_001] {
        assert!(matches!(
            f.store.scan(Table::Sessions, limit, None).await,
            Err(StoreError::Validation(_))
        ));
    }
    assert!(matches!(
        f.store.scan(Table::Sessions, 5, Some("not-a-cursor")).await,
        Err(StoreError::InvalidCursor)
    ));
}

/// An update that fails part-way (its second action adds to a string) changes nothing, on a
/// table with indexes and on one without, as on DynamoDB, where an `UpdateItem` is atomic.
/// Embedded adapter only: moto keeps the actions before the failing one.
#[tokio::test]
async fn a_failed_update_changes_nothing() {
    let f = rampart_store::testing::embedded().await;
    for table in [Table::RateLimits, Table::State, Table::Content] {
        let before = item(
            "fail",
            "one",
            &[("n", AttrValue::n(1)), ("s", AttrValue::s("text"))],
        );
        f.store.put(table, before.clone(), None).await.unwrap();
        let half = Update::new().add("n", 1).add("s", 1);
        let key = Key::new("fail", "one");
        let result = f
            .store
            .update(table, &key, &half, None, ReturnValues::AllNew)
            .await;
        assert!(
            matches!(result, Err(StoreError::Validation(_))),
            "{table:?}: {result:?}"
        );
        assert_eq!(
            f.store.get(table, &key).await.unwrap(),
            Some(before),
            "{table:?}"
        );
    }
}

rampart_store::both_adapters!(
    a_scan_pages_through_every_live_item_once,
    put_then_get_round_trips_every_type,
    a_conditional_put_fails_and_returns_the_existing_item,
    conditional_updates_and_deletes_compare_values,
    comparisons_with_missing_attributes_follow_dynamodb,
    add_counts_atomically_under_concurrency,
    fifty_concurrent_conditional_puts_have_exactly_one_winner,
    transactions_are_all_or_nothing_with_reasons,
    a_transaction_may_not_touch_one_item_twice,
    queries_select_by_sort_key_and_page_with_cursors,
    a_foreign_cursor_is_refused,
    gsis_are_sparse_and_paged,
    expired_items_are_invisible_to_reads_but_not_to_conditions,
    invalid_requests_are_refused_before_they_run,
    every_call_is_counted_as_a_round_trip,
);
