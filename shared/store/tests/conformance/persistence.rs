//! The embedded adapter's file: data survives a restart, a torn last write is dropped.

use std::io::Write;
use std::sync::Arc;

use rampart_core::ManualClock;
use rampart_store::{AttrValue, EmbeddedStore, Key, Store, Table};

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rampart-store-{}", rampart_core::ids::new_id()));
    dir.join(name)
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let path = temp_path("store.jsonl");
    let clock = Arc::new(ManualClock::at_ms(rampart_store::testing::START_MS));
    {
        let store = EmbeddedStore::open(&path, clock.clone()).unwrap();
        let mut item = Key::new("kb", "entry#1").to_item();
        item.insert("title".into(), AttrValue::s("Survives"));
        store.put(Table::Content, item, None).await.unwrap();
        store
            .put(Table::Content, Key::new("kb", "gone").to_item(), None)
            .await
            .unwrap();
        store
            .delete(Table::Content, &Key::new("kb", "gone"), None)
            .await
            .unwrap();
    }
    let reopened = EmbeddedStore::open(&path, clock.clone()).unwrap();
    let item = reopened
        .get(Table::Content, &Key::new("kb", "entry#1"))
        .await
        .unwrap();
    assert_eq!(item.unwrap()["title"], AttrValue::s("Survives"));
    assert_eq!(
        reopened
            .get(Table::Content, &Key::new("kb", "gone"))
            .await
            .unwrap(),
        None
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_torn_last_line_is_dropped_and_earlier_writes_kept() {
    let path = temp_path("store.jsonl");
    let clock = Arc::new(ManualClock::at_ms(rampart_store::testing::START_MS));
    {
        let store = EmbeddedStore::open(&path, clock.clone()).unwrap();
        store
            .put(Table::State, Key::new("a", "1").to_item(), None)
            .await
            .unwrap();
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(br#"[{"op":"put","t":"state","item":{"pk":{"S":"a"#)
        .unwrap();
    drop(file);
    let reopened = EmbeddedStore::open(&path, clock).unwrap();
    assert!(
        reopened
            .get(Table::State, &Key::new("a", "1"))
            .await
            .unwrap()
            .is_some()
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_corrupt_middle_line_is_an_error_not_silent_loss() {
    let path = temp_path("store.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "garbage\n[]\n").unwrap();
    let clock = Arc::new(ManualClock::at_ms(rampart_store::testing::START_MS));
    assert!(EmbeddedStore::open(&path, clock).is_err());
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_file_in_use_by_another_store_is_refused_until_it_is_closed() {
    let path = temp_path("store.jsonl");
    let clock = Arc::new(ManualClock::at_ms(rampart_store::testing::START_MS));
    let first = EmbeddedStore::open(&path, clock.clone()).unwrap();
    match EmbeddedStore::open(&path, clock.clone()) {
        Err(rampart_store::StoreError::Unavailable(why)) => {
            assert!(why.contains("in use by another process"), "{why}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("a second store opened a file in use"),
    }
    drop(first);
    EmbeddedStore::open(&path, clock).unwrap();
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
