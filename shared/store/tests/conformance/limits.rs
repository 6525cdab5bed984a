//! DynamoDB's size limits, which the embedded adapter enforces as DynamoDB does (moto does
//! not, so these run on the embedded adapter only): key values of 1 to 2048 (partition) and
//! 1 to 1024 (sort) bytes, items of at most 400 KB. Code that would pass locally and fail on
//! AWS fails here too.

use rampart_store::{AttrValue, Key, Query, StoreError, Table, Update, testing};

fn is_validation<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Validation(_)))
}

#[tokio::test]
async fn keys_beyond_dynamodbs_limits_are_validation_errors() {
    let f = testing::embedded().await;
    let long_pk = Key::new("p".repeat(2049), "s");
    let long_sk = Key::new("p", "s".repeat(1025));
    let empty_sk = Key::new("p", "");
    for key in [&long_pk, &long_sk, &empty_sk] {
        assert!(is_validation(f.store.get(Table::Content, key).await));
        assert!(is_validation(
            f.store.put(Table::Content, key.to_item(), None).await
        ));
        assert!(is_validation(
            f.store.delete(Table::Content, key, None).await
        ));
        assert!(is_validation(
            f.store
                .update(
                    Table::Content,
                    key,
                    &Update::new().set("a", 1),
                    None,
                    rampart_store::ReturnValues::None,
                )
                .await
        ));
    }
    assert!(is_validation(
        f.store
            .query(&Query::partition(Table::Content, "p".repeat(2049)))
            .await
    ));
    // At the limits, fine.
    let edge = Key::new("p".repeat(2048), "s".repeat(1024));
    f.store
        .put(Table::Content, edge.to_item(), None)
        .await
        .unwrap();
    assert!(f.store.get(Table::Content, &edge).await.unwrap().is_some());
}

#[tokio::test]
async fn items_over_400_kb_are_validation_errors() {
    let f = testing::embedded().await;
    let mut item = Key::new("p", "big").to_item();
    item.insert("body".into(), AttrValue::s("x".repeat(400 * 1024)));
    assert!(is_validation(f.store.put(Table::Content, item, None).await));
    let mut fits = Key::new("p", "fits").to_item();
    fits.insert("body".into(), AttrValue::s("x".repeat(399 * 1024)));
    f.store
        .put(Table::Content, fits.clone(), None)
        .await
        .unwrap();
    // Growing an item past the limit by an update fails the same way, and leaves it as it
    // was, on tables with indexes and without, for an item that existed and one that did not.
    for table in [Table::RateLimits, Table::State] {
        f.store.put(table, fits.clone(), None).await.unwrap();
        let key = Key::new("p", "fits");
        let grow = Update::new().add("n", 1).set("more", "y".repeat(2 * 1024));
        let result = f
            .store
            .update(table, &key, &grow, None, rampart_store::ReturnValues::None)
            .await;
        assert!(is_validation(result), "{table:?}");
        assert_eq!(
            f.store.get(table, &key).await.unwrap().as_ref(),
            Some(&fits)
        );
        let absent = Key::new("p", "absent");
        let too_big = Update::new().set("body", "x".repeat(400 * 1024));
        let result = f
            .store
            .update(
                table,
                &absent,
                &too_big,
                None,
                rampart_store::ReturnValues::None,
            )
            .await;
        assert!(is_validation(result), "{table:?}");
        assert_eq!(
            f.store.get(table, &absent).await.unwrap(),
            None,
            "{table:?}"
        );
    }
    assert!(is_validation(
        f.store
            .update(
                Table::Content,
                &Key::new("p", "fits"),
                &Update::new().set("more", "y".repeat(2 * 1024)),
                None,
                rampart_store::ReturnValues::None,
            )
            .await
    ));
}
