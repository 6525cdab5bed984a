//! Test fixtures: a fresh store of either kind, on a manual clock (feature `testing`).
//!
//! The moto half never skips silently: without `RAMPART_TEST_AWS_ENDPOINT` it panics and says
//! how to get one (`scripts/test.sh` starts moto's server mode and sets it).

use std::sync::Arc;

use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_core::{Clock, ManualClock};

use crate::{DynamoStore, EmbeddedStore, SharedStore, TableNames, create_tables};

/// 2026-11-22T09:00:00Z, where every fixture's clock starts.
pub const START_MS: i64 = 1_795_338_000_000;

/// A store and the clock it reads.
pub struct Fixture {
    pub store: SharedStore,
    pub clock: Arc<ManualClock>,
}

impl Fixture {
    /// The fixture clock's time in epoch seconds.
    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }
}

/// An in-memory embedded store.
pub async fn embedded() -> Fixture {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    Fixture {
        store: Arc::new(EmbeddedStore::memory(clock.clone())),
        clock,
    }
}

/// The emulator's endpoint, from `RAMPART_TEST_AWS_ENDPOINT`.
pub fn aws_endpoint() -> String {
    std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "RAMPART_TEST_AWS_ENDPOINT is not set. Run the tests with scripts/test.sh, which \
             installs moto into .venv-test and starts its server mode on a free loopback port."
        )
    })
}

/// A DynamoDB store on moto, with a fresh set of tables under a unique prefix.
pub async fn dynamo() -> Fixture {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    let sdk = load_sdk_config(&AwsSettings::emulator(aws_endpoint())).await;
    let prefix = format!("t{}-", rampart_core::ids::new_id().to_lowercase());
    let names = TableNames::new(prefix);
    create_tables(&sdk, &names)
        .await
        .unwrap_or_else(|e| panic!("creating tables on moto at {}: {e}", aws_endpoint()));
    Fixture {
        store: Arc::new(DynamoStore::new(&sdk, names, clock.clone())),
        clock,
    }
}

/// Generates one test per adapter for each named `async fn(Fixture)`: modules `embedded` and
/// `moto`, so the output shows every assertion running against both.
#[macro_export]
macro_rules! both_adapters {
    ($($name:ident),* $(,)?) => {
        /// On the embedded adapter.
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::testing::embedded().await).await;
                }
            )*
        }
        /// On DynamoDB's API, served by moto.
        mod moto {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::testing::dynamo().await).await;
                }
            )*
        }
    };
}

/// Decides whether a write goes through (`None`) or fails with the error it returns.
pub type WriteFault = Box<dyn Fn(&WriteAttempt<'_>) -> Option<crate::StoreError> + Send + Sync>;

/// A write a [`Faulty`] store is asked to make.
pub enum WriteAttempt<'a> {
    Put(crate::Table, &'a crate::Item),
    Transact(&'a [crate::TxOp]),
}

/// A store that delegates everything to `inner`, except that each put and transaction is first
/// shown to `fault`, which may fail it: throttling, a lost race, a conflicting transaction.
pub struct Faulty {
    pub inner: SharedStore,
    pub fault: WriteFault,
}

#[async_trait::async_trait]
impl crate::Store for Faulty {
    async fn get(
        &self,
        table: crate::Table,
        key: &crate::Key,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.inner.get(table, key).await
    }

    async fn put(
        &self,
        table: crate::Table,
        item: crate::Item,
        cond: Option<crate::Cond>,
    ) -> Result<(), crate::StoreError> {
        if let Some(error) = (self.fault)(&WriteAttempt::Put(table, &item)) {
            return Err(error);
        }
        self.inner.put(table, item, cond).await
    }

    async fn update(
        &self,
        table: crate::Table,
        key: &crate::Key,
        update: &crate::Update,
        cond: Option<crate::Cond>,
        returns: crate::ReturnValues,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.inner.update(table, key, update, cond, returns).await
    }

    async fn delete(
        &self,
        table: crate::Table,
        key: &crate::Key,
        cond: Option<crate::Cond>,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.inner.delete(table, key, cond).await
    }

    async fn transact(&self, ops: Vec<crate::TxOp>) -> Result<(), crate::StoreError> {
        if let Some(error) = (self.fault)(&WriteAttempt::Transact(&ops)) {
            return Err(error);
        }
        self.inner.transact(ops).await
    }

    async fn query(&self, query: &crate::Query) -> Result<crate::Page, crate::StoreError> {
        self.inner.query(query).await
    }

    async fn scan(
        &self,
        table: crate::Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<crate::Page, crate::StoreError> {
        self.inner.scan(table, limit, cursor).await
    }

    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
}

/// Every live item of `table`, page after page (test stores are small).
pub async fn scan_all(store: &dyn crate::Store, table: crate::Table) -> Vec<crate::Item> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .scan(table, 1_000, cursor.as_deref())
            .await
            .expect("the scan succeeds");
        items.extend(page.items);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

/// A store that counts, besides its calls, how many of them the caller waited for one after
/// another: a call that starts while none is in flight begins a new wave; calls started
/// together (in one poll of a `join`) share one. Each call yields once before it ends, so
/// the calls a `join` starts are all in flight together even over the embedded store, which
/// answers without waiting. On DynamoDB each wave is one round trip of latency.
pub struct Sequenced {
    pub inner: SharedStore,
    in_flight: std::sync::atomic::AtomicU64,
    waves: std::sync::atomic::AtomicU64,
}

impl Sequenced {
    pub fn new(inner: SharedStore) -> Self {
        Self {
            inner,
            in_flight: std::sync::atomic::AtomicU64::new(0),
            waves: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The waves so far.
    pub fn waves(&self) -> u64 {
        self.waves.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn track<T>(&self, call: impl std::future::Future<Output = T>) -> T {
        use std::sync::atomic::Ordering::SeqCst;
        if self.in_flight.fetch_add(1, SeqCst) == 0 {
            self.waves.fetch_add(1, SeqCst);
        }
        let answer = call.await;
        tokio::task::yield_now().await;
        self.in_flight.fetch_sub(1, SeqCst);
        answer
    }
}

#[async_trait::async_trait]
impl crate::Store for Sequenced {
    async fn get(
        &self,
        table: crate::Table,
        key: &crate::Key,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.track(self.inner.get(table, key)).await
    }

    async fn put(
        &self,
        table: crate::Table,
        item: crate::Item,
        cond: Option<crate::Cond>,
    ) -> Result<(), crate::StoreError> {
        self.track(self.inner.put(table, item, cond)).await
    }

    async fn update(
        &self,
        table: crate::Table,
        key: &crate::Key,
        update: &crate::Update,
        cond: Option<crate::Cond>,
        returns: crate::ReturnValues,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.track(self.inner.update(table, key, update, cond, returns))
            .await
    }

    async fn delete(
        &self,
        table: crate::Table,
        key: &crate::Key,
        cond: Option<crate::Cond>,
    ) -> Result<Option<crate::Item>, crate::StoreError> {
        self.track(self.inner.delete(table, key, cond)).await
    }

    async fn transact(&self, ops: Vec<crate::TxOp>) -> Result<(), crate::StoreError> {
        self.track(self.inner.transact(ops)).await
    }

    async fn query(&self, query: &crate::Query) -> Result<crate::Page, crate::StoreError> {
        self.track(self.inner.query(query)).await
    }

    async fn scan(
        &self,
        table: crate::Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<crate::Page, crate::StoreError> {
        self.track(self.inner.scan(table, limit, cursor)).await
    }

    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
}
