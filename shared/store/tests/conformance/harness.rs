//! Builds a fresh store of either kind for one test.

use std::sync::Arc;

use rampart_core::ManualClock;
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_store::{DynamoStore, EmbeddedStore, SharedStore, TableNames, create_tables};

/// 2026-11-22T09:00:00Z
pub const START_MS: i64 = 1_795_338_000_000;

pub struct Fixture {
    pub store: SharedStore,
    pub clock: Arc<ManualClock>,
}

impl Fixture {
    pub fn now_secs(&self) -> i64 {
        use rampart_core::Clock;
        self.clock.now_secs()
    }
}

pub async fn embedded() -> Fixture {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    Fixture {
        store: Arc::new(EmbeddedStore::memory(clock.clone())),
        clock,
    }
}

/// The emulator's endpoint. The moto half of the suite never skips silently: without an
/// endpoint it fails and says how to get one.
pub fn aws_endpoint() -> String {
    std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "RAMPART_TEST_AWS_ENDPOINT is not set. Run the tests with scripts/test.sh, which \
             installs moto into .venv-test and starts its server mode on a free loopback port."
        )
    })
}

pub async fn dynamo() -> Fixture {
    let clock = Arc::new(ManualClock::at_ms(START_MS));
    let sdk = load_sdk_config(&AwsSettings::emulator(aws_endpoint())).await;
    let prefix = format!("t{}-", ulid::Ulid::new().to_string().to_lowercase());
    let names = TableNames::new(prefix);
    create_tables(&sdk, &names)
        .await
        .expect("create tables on moto");
    Fixture {
        store: Arc::new(DynamoStore::new(&sdk, names, clock.clone())),
        clock,
    }
}
