use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rampart_store::{Store, TableAccess};

use super::*;
use crate::interaction::Member;
use crate::permissions::DEFAULT_MATRIX;
use crate::permissions::PermissionMatrix;

const RELEASE: &str = "111111111111111111";
const PROD: &str = "333333333333333333";
const ADMIN: &str = "999999999999999999";
const CHANNEL: &str = "123456789012345678";

fn settings(ship: &[&str], prod: Option<&[&str]>) -> BotSettings {
    let mut environment_roles = BTreeMap::new();
    if let Some(prod) = prod {
        environment_roles.insert(
            "prod".to_owned(),
            prod.iter().map(|r| (*r).to_owned()).collect(),
        );
    }
    BotSettings {
        commands: [(
            "ship".to_owned(),
            ship.iter().map(|r| (*r).to_owned()).collect(),
        )]
        .into(),
        environment_roles,
        daily_digest: DailyDigest {
            enabled: true,
            channel_id: Some(CHANNEL.to_owned()),
        },
    }
}

fn member(roles: &[&str]) -> Member {
    Member {
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        permissions: Some("0".to_owned()),
        user: None,
    }
}

#[test]
fn the_built_in_settings_gate_prod_and_post_to_the_deployments_channel() {
    let built_in = BotSettings::built_in(DEFAULT_MATRIX, Some(CHANNEL.to_owned())).unwrap();
    assert!(built_in.problems().is_empty());
    assert_eq!(built_in.environment_roles.get("prod"), Some(&Vec::new()));
    assert_eq!(built_in.daily_digest.channel_id.as_deref(), Some(CHANNEL));
    assert!(built_in.daily_digest.enabled);
    // Until an admin lists roles for prod, a member who may ship ships to staging only.
    let mut with_ship = built_in.clone();
    with_ship
        .commands
        .insert("ship".to_owned(), vec![RELEASE.to_owned()]);
    let matrix = PermissionMatrix::from_settings(&with_ship, &[ADMIN.to_owned()], true);
    let shipper = member(&[RELEASE]);
    assert_eq!(matrix.check("ship", Some(&shipper), None), Ok(()));
    assert_eq!(matrix.check_environment("staging", Some(&shipper)), Ok(()));
    assert_eq!(
        matrix.check_environment("prod", Some(&shipper)),
        Err(crate::Denial::MissingEnvironmentRole {
            env: "prod".to_owned(),
            allowed: vec![ADMIN.to_owned()],
        })
    );
    assert_eq!(
        matrix.check_environment("prod", Some(&member(&[ADMIN]))),
        Ok(())
    );
}

#[test]
fn every_problem_is_named_by_its_field() {
    let mut bad = settings(&[RELEASE, RELEASE], Some(&["prod-team"]));
    bad.commands.insert("help".to_owned(), Vec::new());
    bad.environment_roles.insert("qa".to_owned(), Vec::new());
    bad.commands.insert("triage".to_owned(), Vec::new());
    bad.commands.insert(
        "verify-run".to_owned(),
        (0..=MAX_ROLES)
            .map(|n| format!("{}", 100_000_000_000_000_000u64 + n as u64))
            .collect(),
    );
    bad.daily_digest.channel_id = Some("general".to_owned());
    let fields: Vec<String> = bad.problems().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "commands.ship",
            "commands.verify-run",
            "environment_roles.prod",
            "daily_digest.channel_id",
            "commands.help",
            "environment_roles.qa",
        ]
    );
    assert!(settings(&[RELEASE], Some(&[PROD])).problems().is_empty());
}

#[test]
fn changes_name_the_fields_that_differ_and_order_is_no_change() {
    let before = settings(&[RELEASE, PROD], None);
    let reordered = settings(&[PROD, RELEASE], None);
    assert!(reordered.changes_from(&before).is_empty());
    // A command listed without roles is for admins only, as one not listed is.
    let mut listed = before.clone();
    listed.commands.insert("triage".to_owned(), Vec::new());
    assert!(listed.changes_from(&before).is_empty());
    let mut after = settings(&[RELEASE], Some(&[]));
    after.daily_digest.enabled = false;
    assert_eq!(
        after.changes_from(&before),
        [
            "commands.ship",
            "environment_roles.prod",
            "daily_digest.enabled"
        ]
    );
}

async fn stored() -> (SettingsStore, rampart_store::testing::Fixture) {
    let fixture = rampart_store::testing::embedded().await;
    let built_in = Arc::new(BotSettings::built_in(DEFAULT_MATRIX, None).unwrap());
    (SettingsStore::new(fixture.store.clone(), built_in), fixture)
}

#[tokio::test]
async fn writes_are_versioned_and_a_stale_version_is_refused() {
    let (source, _fixture) = stored().await;
    let first = source.read().await.unwrap();
    assert_eq!(first.version, 0);
    assert_eq!(first.updated_by, None);
    let next = settings(&[RELEASE], Some(&[PROD]));
    let written = source
        .write(&next, 0, "2026-11-22T09:00:00Z", "user-1", Vec::new())
        .await
        .unwrap();
    assert_eq!(written.version, 1);
    assert_eq!(source.read().await.unwrap(), written);
    // A second writer that read version 0 loses, whether it knew of the item or not.
    assert!(matches!(
        source
            .write(&next, 0, "2026-11-22T09:00:01Z", "user-2", Vec::new())
            .await,
        Err(WriteError::Stale)
    ));
    assert!(matches!(
        source
            .write(&next, 5, "2026-11-22T09:00:01Z", "user-2", Vec::new())
            .await,
        Err(WriteError::Stale)
    ));
    assert_eq!(
        source.read().await.unwrap().updated_by.as_deref(),
        Some("user-1")
    );
}

/// A store whose reads fail while `down` is set.
struct Flaky {
    inner: rampart_store::SharedStore,
    down: AtomicBool,
}

impl Flaky {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable("connection refused".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Store for Flaky {
    async fn get(
        &self,
        table: Table,
        key: &rampart_store::Key,
    ) -> Result<Option<rampart_store::Item>, StoreError> {
        self.check()?;
        self.inner.get(table, key).await
    }
    async fn put(
        &self,
        table: Table,
        item: rampart_store::Item,
        cond: Option<Cond>,
    ) -> Result<(), StoreError> {
        self.inner.put(table, item, cond).await
    }
    async fn update(
        &self,
        table: Table,
        key: &rampart_store::Key,
        update: &rampart_store::Update,
        cond: Option<Cond>,
        returns: rampart_store::ReturnValues,
    ) -> Result<Option<rampart_store::Item>, StoreError> {
        self.inner.update(table, key, update, cond, returns).await
    }
    async fn delete(
        &self,
        table: Table,
        key: &rampart_store::Key,
        cond: Option<Cond>,
    ) -> Result<Option<rampart_store::Item>, StoreError> {
        self.inner.delete(table, key, cond).await
    }
    async fn transact(&self, ops: Vec<rampart_store::TxOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
    async fn query(&self, query: &rampart_store::Query) -> Result<rampart_store::Page, StoreError> {
        self.inner.query(query).await
    }
    async fn scan(
        &self,
        table: Table,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<rampart_store::Page, StoreError> {
        self.inner.scan(table, limit, cursor).await
    }
    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
}

#[tokio::test]
async fn functions_see_a_change_within_the_cache_time_and_keep_the_last_settings_when_the_store_fails()
 {
    let fixture = rampart_store::testing::embedded().await;
    let flaky = Arc::new(Flaky {
        inner: fixture.store.clone(),
        down: AtomicBool::new(true),
    });
    let built_in = Arc::new(BotSettings::built_in(DEFAULT_MATRIX, None).unwrap());
    let live = LiveSettings::new(
        SettingsStore::new(flaky.clone(), built_in.clone()),
        fixture.clock.clone(),
        vec![ADMIN.to_owned()],
        true,
        None,
    );
    let admin = member(&[ADMIN]);
    // Nothing read yet and the store down: everything gated is refused, admins included.
    let blind = live.current().await;
    assert!(blind.matrix.check("ship", Some(&admin), None).is_err());
    assert!(!blind.settings.settings.daily_digest.enabled);
    flaky.down.store(false, Ordering::SeqCst);
    let first = live.current().await;
    assert_eq!(first.settings.version, 0);
    assert_eq!(first.matrix.check("ship", Some(&admin), None), Ok(()));
    let shipper = member(&[RELEASE]);
    assert!(live.matrix().check("ship", Some(&shipper), None).is_err());
    // An admin lets the release role ship.
    SettingsStore::new(fixture.store.clone(), built_in)
        .write(
            &settings(&[RELEASE], Some(&[PROD])),
            0,
            "2026-11-22T09:00:00Z",
            "user-1",
            Vec::new(),
        )
        .await
        .unwrap();
    fixture.clock.advance_ms(CACHE_MS - 1);
    assert_eq!(live.current().await.settings.version, 0, "still cached");
    fixture.clock.advance_ms(1);
    assert_eq!(live.current().await.settings.version, 1);
    assert_eq!(live.matrix().check("ship", Some(&shipper), None), Ok(()));
    // The store goes away: the last settings read stay in force.
    flaky.down.store(true, Ordering::SeqCst);
    fixture.clock.advance_ms(CACHE_MS * 10);
    let kept = live.current().await;
    assert_eq!(kept.settings.version, 1);
    assert_eq!(kept.matrix.check("ship", Some(&shipper), None), Ok(()));
}

#[tokio::test]
async fn a_function_without_access_to_the_state_table_refuses_everything() {
    let fixture = rampart_store::testing::embedded().await;
    let scoped: rampart_store::SharedStore = Arc::new(rampart_store::ScopedStore::new(
        fixture.store.clone(),
        &[] as &[TableAccess],
    ));
    let built_in = Arc::new(BotSettings::built_in(DEFAULT_MATRIX, None).unwrap());
    let live = LiveSettings::new(
        SettingsStore::new(scoped, built_in),
        fixture.clock.clone(),
        vec![ADMIN.to_owned()],
        true,
        None,
    );
    let current = live.current().await;
    assert!(
        current
            .matrix
            .check("ship", Some(&member(&[ADMIN])), None)
            .is_err()
    );
}
