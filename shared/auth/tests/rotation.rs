//! Field-encryption key rotation against both store adapters: 10,000 sealed fields re-sealed
//! under the newest key by a run stopped half-way and a run that resumes it, a value that does
//! not open audited and left alone, and a second pass that finds nothing to do.

use std::collections::BTreeMap;

use rampart_audit::{AuditLog, FieldCipher};
use rampart_auth::rotation::{Budget, Rotation};
use rampart_core::Masked;
use rampart_core::secrets::KeyEntry;
use rampart_store::testing::Fixture;
use rampart_store::{
    Cond, Item, ItemExt, Key, Page, Query, ReturnValues, StoreError, Table, TxOp, Update, keys,
};

const SESSIONS: usize = 9_000;
const TOTP_SECRETS: usize = 1_000;
/// Sessions already sealed under the new key when the job starts.
const ALREADY_CURRENT: usize = 200;

fn entry(kid: &str) -> KeyEntry {
    KeyEntry {
        kid: kid.into(),
        secret: Masked::new(format!("{kid}-field-key-material-0123456789abcdef")),
    }
}

fn cipher(kids: &[&str]) -> FieldCipher {
    let entries: Vec<KeyEntry> = kids.iter().map(|k| entry(k)).collect();
    FieldCipher::from_entries(&entries).unwrap()
}

/// Where a sealed field lives: its table's name and its item's key.
type At = (&'static str, String, String);

fn at(table: Table, key: &Key) -> At {
    (table.concern(), key.pk.clone(), key.sk.clone())
}

async fn put_all(f: &Fixture, writes: Vec<(Table, Item)>) {
    let puts = writes
        .into_iter()
        .map(|(table, item)| f.store.put(table, item, None));
    for result in futures_util::future::join_all(puts).await {
        result.unwrap();
    }
}

/// Writes the sealed fields, 50 at a time; returns what each must open to, with the
/// attribute and context it is sealed under.
async fn seed(f: &Fixture) -> BTreeMap<At, (&'static str, String, Vec<u8>)> {
    let old = cipher(&["f1"]);
    let new = cipher(&["f1", "f2"]);
    let mut expected = BTreeMap::new();
    let mut writes = Vec::new();
    for n in 0..SESSIONS + TOTP_SECRETS {
        let plain = format!("secret-{n:05}").into_bytes();
        let (table, key, attribute, context, mut item) = if n < SESSIONS {
            let id = format!("S{n:05}");
            let key = keys::sessions::session(&id);
            let mut item = key.to_item();
            item.insert("id".into(), id.as_str().into());
            item.insert("user_id".into(), "u1".into());
            let context = format!("session:{id}:refresh");
            (Table::Sessions, key, "current_sealed", context, item)
        } else {
            let user = format!("U{n:05}");
            let key = keys::users::totp(&user);
            let item = key.to_item();
            let context = format!("user:{user}:totp");
            (Table::Users, key, "sealed", context, item)
        };
        let sealer = if n < ALREADY_CURRENT { &new } else { &old };
        item.insert(
            attribute.into(),
            sealer.seal(&plain, &context).unwrap().into(),
        );
        expected.insert(at(table, &key), (attribute, context, plain));
        writes.push((table, item));
        if writes.len() == 50 {
            put_all(f, std::mem::take(&mut writes)).await;
        }
    }
    // One value sealed under a key nobody has any more: it cannot be re-sealed.
    let mut lost = keys::users::totp("ULOST").to_item();
    lost.insert(
        "sealed".into(),
        cipher(&["f0"])
            .seal(b"gone", "user:ULOST:totp")
            .unwrap()
            .into(),
    );
    f.store.put(Table::Users, lost, None).await.unwrap();
    // Items without a sealed field are passed over.
    let mut profile = Key::new("user#U00001", "profile").to_item();
    profile.insert("name".into(), "no secret here".into());
    f.store.put(Table::Users, profile, None).await.unwrap();
    expected
}

fn rotation(f: &Fixture) -> Rotation {
    Rotation::new(
        f.store.clone(),
        cipher(&["f1", "f2"]),
        AuditLog::new(f.store.clone(), f.clock.clone(), 30),
        f.clock.clone(),
    )
}

async fn ten_thousand_fields_are_resealed_by_a_run_stopped_half_way_and_its_resumption(f: Fixture) {
    let expected = seed(&f).await;
    assert_eq!(expected.len(), 10_000);
    let job = rotation(&f);

    let mut pages = 0;
    let first = job
        .run(
            Budget {
                max_values: Some(4_321),
                deadline_ms: None,
            },
            |_| pages += 1,
        )
        .await
        .unwrap();
    assert!(!first.done, "{first:?}");
    assert_eq!(first.visited_this_run, 4_321);
    assert!(pages >= 43, "progress after each page: {pages}");

    let second = job.run(Budget::default(), |_| {}).await.unwrap();
    assert!(second.done, "{second:?}");
    assert_eq!(second.target_kid, "f2");
    // The page the first run stopped inside is read again: its first part is current now.
    assert_eq!(second.visited, 10_001);
    assert_eq!(second.resealed + second.current, 10_000);
    assert!(second.current >= ALREADY_CURRENT as u64);
    assert_eq!((second.changed, second.failed), (0, 1));
    assert!(!second.old_keys_retirable());
    eprintln!(
        "rotation: {} values in {} ms ({} values/s)",
        second.visited_this_run, second.elapsed_ms, second.values_per_sec
    );

    // Every value is under the new key, opens with it alone, to what was sealed.
    let new_only = cipher(&["f2"]);
    let mut found = 0;
    for table in [Table::Sessions, Table::Users] {
        for item in rampart_store::testing::scan_all(&*f.store, table).await {
            let key = Key::of(&item).unwrap();
            let Some((attribute, context, plain)) = expected.get(&at(table, &key)) else {
                continue;
            };
            let sealed = item.str_attr(attribute).unwrap();
            assert!(sealed.starts_with("f2:"), "{key:?} still {sealed}");
            assert_eq!(&new_only.open(sealed, context).unwrap(), plain);
            found += 1;
        }
    }
    assert_eq!(found, 10_000);
    let lost = f
        .store
        .get(Table::Users, &keys::users::totp("ULOST"))
        .await
        .unwrap()
        .unwrap();
    assert!(lost.str_attr("sealed").unwrap().starts_with("f0:"));

    // The value that did not open is audited, naming the record and not its contents.
    let failures: Vec<Item> = rampart_store::testing::scan_all(&*f.store, Table::Audit)
        .await
        .into_iter()
        .filter(|i| i.str_attr("event") == Some("crypto.decrypt_failed"))
        .collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].str_attr("target"), Some("users/user#ULOST"));
    assert_eq!(failures[0].str_attr("actor"), Some("system:key-rotation"));
    let completed = rampart_store::testing::scan_all(&*f.store, Table::Audit)
        .await
        .into_iter()
        .filter(|i| i.str_attr("event") == Some("keys.field_rotation_completed"))
        .count();
    assert_eq!(completed, 1);

    // Run again: a fresh pass, nothing left to re-seal.
    let again = job.run(Budget::default(), |_| {}).await.unwrap();
    assert!(again.done);
    assert_eq!(
        (again.resealed, again.current, again.failed),
        (0, 10_000, 1)
    );
}

/// A store where a request rewrites a session between the job's read and its write.
struct Racing {
    inner: rampart_store::SharedStore,
    rewrite: std::sync::Mutex<Option<Item>>,
}

#[async_trait::async_trait]
impl rampart_store::Store for Racing {
    async fn get(&self, t: Table, k: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(t, k).await
    }
    async fn put(&self, t: Table, i: Item, c: Option<Cond>) -> Result<(), StoreError> {
        self.inner.put(t, i, c).await
    }
    async fn update(
        &self,
        t: Table,
        k: &Key,
        u: &Update,
        c: Option<Cond>,
        r: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        let pending = self.rewrite.lock().unwrap().take();
        if let Some(item) = pending {
            self.inner.put(t, item, None).await?;
        }
        self.inner.update(t, k, u, c, r).await
    }
    async fn delete(&self, t: Table, k: &Key, c: Option<Cond>) -> Result<Option<Item>, StoreError> {
        self.inner.delete(t, k, c).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
    async fn query(&self, q: &Query) -> Result<Page, StoreError> {
        self.inner.query(q).await
    }
    async fn scan(&self, t: Table, l: u32, c: Option<&str>) -> Result<Page, StoreError> {
        self.inner.scan(t, l, c).await
    }
    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
}

async fn a_value_a_request_rewrote_meanwhile_is_left_as_the_request_wrote_it(f: Fixture) {
    let old = cipher(&["f1"]);
    let key = keys::sessions::session("S1");
    let mut item = key.to_item();
    item.insert("id".into(), "S1".into());
    item.insert(
        "current_sealed".into(),
        old.seal(b"first", "session:S1:refresh").unwrap().into(),
    );
    f.store
        .put(Table::Sessions, item.clone(), None)
        .await
        .unwrap();
    // The request rotates the token (under the old key, as a process not yet restarted would)
    // after the job has read the first value.
    let mut newer = item.clone();
    newer.insert(
        "current_sealed".into(),
        old.seal(b"second", "session:S1:refresh").unwrap().into(),
    );
    let racing: rampart_store::SharedStore = std::sync::Arc::new(Racing {
        inner: f.store.clone(),
        rewrite: std::sync::Mutex::new(Some(newer)),
    });
    let job = Rotation::new(
        racing,
        cipher(&["f1", "f2"]),
        AuditLog::new(f.store.clone(), f.clock.clone(), 30),
        f.clock.clone(),
    );
    let first = job.run(Budget::default(), |_| {}).await.unwrap();
    assert_eq!((first.resealed, first.changed), (0, 1));
    let stored = f.store.get(Table::Sessions, &key).await.unwrap().unwrap();
    let sealed = stored.str_attr("current_sealed").unwrap();
    assert_eq!(old.open(sealed, "session:S1:refresh").unwrap(), b"second");
    // The next pass re-seals what the request wrote.
    let second = job.run(Budget::default(), |_| {}).await.unwrap();
    assert_eq!((second.resealed, second.changed), (1, 0));
    let stored = f.store.get(Table::Sessions, &key).await.unwrap().unwrap();
    let sealed = stored.str_attr("current_sealed").unwrap();
    assert_eq!(
        cipher(&["f2"]).open(sealed, "session:S1:refresh").unwrap(),
        b"second"
    );
}

rampart_store::both_adapters!(
    ten_thousand_fields_are_resealed_by_a_run_stopped_half_way_and_its_resumption,
    a_value_a_request_rewrote_meanwhile_is_left_as_the_request_wrote_it,
);
