//! Field-encryption key rotation: re-seals every sealed field under the newest key, so the
//! older keys can be retired.
//!
//! The job walks each table that holds sealed fields page by page (a scan: it is a
//! maintenance job, never a request). A value already under the newest key is left alone; any
//! other is opened, sealed again and written back on the condition that it is unchanged, so a
//! request that rotated the value meanwhile wins and nothing is written twice. After each page
//! the position is saved in the state table: a run that stops (a budget, a timeout, a crash)
//! is resumed by the next run, which re-reads at most one page. Values that do not open are
//! counted, audited as `crypto.decrypt_failed` and left as they are; a pass with failures
//! does not clear the old keys for retirement.

use std::time::Instant;

use futures_util::future::join_all;
use rampart_audit::{AuditEvent, AuditLog, FieldCipher, Outcome};
use rampart_core::SharedClock;
use rampart_store::{
    AttrValue, Cond, Item, ItemExt, Key, SharedStore, StoreError, Table, Update, keys,
};
use serde::Serialize;

/// One kind of sealed field: where it lives and what it is bound to.
struct SealedField {
    /// Its name in reports and audit records.
    name: &'static str,
    table: Table,
    /// The attribute holding the sealed value.
    attribute: &'static str,
    /// The context it was sealed with, from its item; `None` for items of the table that do
    /// not hold this field.
    context: fn(&Item) -> Option<String>,
}

/// Every sealed field Rampart stores, in the order a pass visits them.
const FIELDS: [SealedField; 2] = [
    SealedField {
        name: "session.refresh_token",
        table: Table::Sessions,
        attribute: "current_sealed",
        context: |item| Some(crate::sessions::seal_context(item.str_attr("id")?)),
    },
    SealedField {
        name: "user.totp_secret",
        table: Table::Users,
        attribute: "sealed",
        context: |item| {
            let user = item.str_attr("pk")?.strip_prefix("user#")?;
            (item.str_attr("sk")? == "totp").then(|| crate::two_factor::seal_context(user))
        },
    },
];

/// The tables holding sealed fields (the ones the job scans).
pub const SEALED_TABLES: [Table; 2] = [Table::Sessions, Table::Users];

/// Items read per page (and written concurrently).
const PAGE_SIZE: u32 = 100;

/// The actor of the job's audit records.
pub const ROTATION_ACTOR: &str = "system:key-rotation";

/// When a run should stop, leaving the rest to the next one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    /// Stop after visiting this many sealed values.
    pub max_values: Option<u64>,
    /// Stop at the first page boundary after this time (epoch milliseconds).
    pub deadline_ms: Option<i64>,
}

/// What a pass has done so far (the current run's part and the totals since the pass began).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The key every value is being sealed under.
    pub target_kid: String,
    /// Whether the pass has visited every table.
    pub done: bool,
    /// Sealed values visited since the pass began.
    pub visited: u64,
    /// Values re-sealed under the target key.
    pub resealed: u64,
    /// Values already under the target key.
    pub current: u64,
    /// Values a request changed between the read and the write (left as the request wrote).
    pub changed: u64,
    /// Values that did not open (audited; left as they are).
    pub failed: u64,
    /// Sealed values visited by this run.
    pub visited_this_run: u64,
    /// This run's time, in milliseconds.
    pub elapsed_ms: u64,
    /// Values visited per second in this run.
    pub values_per_sec: u64,
}

impl Report {
    /// Whether the older keys may be retired: the pass is complete and every value opened.
    pub fn old_keys_retirable(&self) -> bool {
        self.done && self.failed == 0
    }
}

/// Why a run stopped before its budget or the end of the pass.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot seal: {0}")]
    Seal(String),
}

/// Where a pass stands, as saved in the state table.
#[derive(Clone, Debug, Default)]
struct Checkpoint {
    target_kid: String,
    field: usize,
    cursor: Option<String>,
    done: bool,
    counts: [u64; 5],
}

const COUNT_NAMES: [&str; 5] = ["visited", "resealed", "current", "changed", "failed"];

impl Checkpoint {
    fn load(item: &Item) -> Self {
        let mut counts = [0; 5];
        for (slot, name) in counts.iter_mut().zip(COUNT_NAMES) {
            *slot = item.i64_attr(name).unwrap_or(0).max(0) as u64;
        }
        Self {
            target_kid: item.str_attr("target_kid").unwrap_or_default().to_owned(),
            field: item.i64_attr("field").unwrap_or(0).max(0) as usize,
            cursor: item.str_attr("cursor").map(str::to_owned),
            done: matches!(item.get("done"), Some(AttrValue::Bool(true))),
            counts,
        }
    }

    fn to_item(&self, now_ms: i64) -> Item {
        let mut item = keys::state::key_rotation().to_item();
        item.insert("target_kid".into(), self.target_kid.as_str().into());
        item.insert("field".into(), (self.field as i64).into());
        if let Some(cursor) = &self.cursor {
            item.insert("cursor".into(), cursor.as_str().into());
        }
        item.insert("done".into(), self.done.into());
        for (count, name) in self.counts.iter().zip(COUNT_NAMES) {
            item.insert(name.into(), (*count as i64).into());
        }
        item.insert("updated_at_ms".into(), now_ms.into());
        item
    }
}

/// What happened to one value.
#[derive(Clone, Copy)]
enum Visit {
    Resealed = 1,
    Current = 2,
    Changed = 3,
    Failed = 4,
}

/// The rotation job over a store, sealing with `cipher`'s newest key.
pub struct Rotation {
    store: SharedStore,
    cipher: FieldCipher,
    audit: AuditLog,
    clock: SharedClock,
}

impl Rotation {
    /// The job; `audit` records its start, its end and every value that does not open.
    pub fn new(
        store: SharedStore,
        cipher: FieldCipher,
        audit: AuditLog,
        clock: SharedClock,
    ) -> Self {
        Self {
            store,
            cipher,
            audit,
            clock,
        }
    }

    /// Runs until the pass is done or `budget` is spent, calling `progress` after each page.
    /// A pass that finished is started again from the top (it re-seals only what a process
    /// still on an older key wrote since); a pass for an older target key is abandoned.
    pub async fn run(
        &self,
        budget: Budget,
        mut progress: impl FnMut(&Report),
    ) -> Result<Report, RotationError> {
        let started = Instant::now();
        let target = self.cipher.newest_kid().to_owned();
        let saved = self
            .store
            .get(Table::State, &keys::state::key_rotation())
            .await?
            .map(|item| Checkpoint::load(&item));
        let mut at = match saved {
            Some(c) if c.target_kid == target && !c.done => c,
            _ => {
                self.record_event(
                    "keys.field_rotation_started",
                    Outcome::Success,
                    &target,
                    None,
                )
                .await;
                Checkpoint {
                    target_kid: target.clone(),
                    ..Checkpoint::default()
                }
            }
        };
        let mut this_run = 0u64;
        let report = |at: &Checkpoint, this_run: u64| {
            let elapsed = started.elapsed();
            let elapsed_us = (elapsed.as_micros() as u64).max(1);
            Report {
                target_kid: at.target_kid.clone(),
                done: at.done,
                visited: at.counts[0],
                resealed: at.counts[1],
                current: at.counts[2],
                changed: at.counts[3],
                failed: at.counts[4],
                visited_this_run: this_run,
                elapsed_ms: elapsed.as_millis() as u64,
                values_per_sec: this_run * 1_000_000 / elapsed_us,
            }
        };
        while let Some(field) = FIELDS.get(at.field) {
            if budget.max_values.is_some_and(|max| this_run >= max)
                || budget.deadline_ms.is_some_and(|d| self.clock.now_ms() >= d)
            {
                return Ok(report(&at, this_run));
            }
            let page = self
                .store
                .scan(field.table, PAGE_SIZE, at.cursor.as_deref())
                .await?;
            let mut sealed: Vec<(Key, String, String)> = page
                .items
                .iter()
                .filter_map(|item| {
                    let value = item.str_attr(field.attribute)?.to_owned();
                    let context = (field.context)(item)?;
                    Some((Key::of(item)?, value, context))
                })
                .collect();
            // A budget that ends inside the page leaves the saved position at the page's
            // start: the next run reads the page again and finds the first part current.
            let room = budget
                .max_values
                .map(|max| (max - this_run) as usize)
                .unwrap_or(usize::MAX);
            let partial = sealed.len() > room;
            sealed.truncate(room);
            let visits = join_all(
                sealed
                    .iter()
                    .map(|(key, value, context)| self.visit(field, key, value, context, &target)),
            )
            .await;
            for visit in visits {
                let visit = visit?;
                at.counts[0] += 1;
                at.counts[visit as usize] += 1;
                this_run += 1;
            }
            if partial {
                return Ok(report(&at, this_run));
            }
            match page.cursor {
                Some(next) => at.cursor = Some(next),
                None => {
                    at.field += 1;
                    at.cursor = None;
                }
            }
            at.done = at.field >= FIELDS.len();
            self.store
                .put(Table::State, at.to_item(self.clock.now_ms()), None)
                .await?;
            let so_far = report(&at, this_run);
            tracing::info!(
                field = field.name,
                visited = so_far.visited,
                resealed = so_far.resealed,
                failed = so_far.failed,
                values_per_sec = so_far.values_per_sec,
                "key rotation progress"
            );
            progress(&so_far);
        }
        let done = report(&at, this_run);
        let outcome = if done.failed == 0 {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        self.record_event(
            "keys.field_rotation_completed",
            outcome,
            &target,
            Some(&done),
        )
        .await;
        Ok(done)
    }

    /// Re-seals one value unless it is current.
    async fn visit(
        &self,
        field: &SealedField,
        key: &Key,
        value: &str,
        context: &str,
        target: &str,
    ) -> Result<Visit, RotationError> {
        if FieldCipher::kid_of(value) == Some(target) {
            return Ok(Visit::Current);
        }
        let plain = match self.cipher.open(value, context) {
            Ok(plain) => plain,
            Err(error) => {
                tracing::warn!(field = field.name, %error, "sealed value does not open");
                let event =
                    AuditEvent::new("crypto.decrypt_failed", Outcome::Failure, "key-rotation")
                        .target(format!("{}/{}", field.table.concern(), key.pk))
                        .detail("field", field.name)
                        .detail("kid", FieldCipher::kid_of(value).unwrap_or("-"))
                        .detail("reason", error.to_string());
                self.record(event).await;
                return Ok(Visit::Failed);
            }
        };
        let resealed = self
            .cipher
            .seal(&plain, context)
            .map_err(|e| RotationError::Seal(e.to_string()))?;
        let update = Update::new().set(field.attribute, resealed);
        let unchanged = Cond::eq(field.attribute, value);
        match self
            .store
            .update(
                field.table,
                key,
                &update,
                Some(unchanged),
                rampart_store::ReturnValues::None,
            )
            .await
        {
            Ok(_) => Ok(Visit::Resealed),
            Err(StoreError::ConditionFailed { .. }) => Ok(Visit::Changed),
            Err(e) => Err(e.into()),
        }
    }

    async fn record_event(
        &self,
        name: &str,
        outcome: Outcome,
        target: &str,
        report: Option<&Report>,
    ) {
        let mut event =
            AuditEvent::new(name, outcome, "key-rotation").target(format!("kid:{target}"));
        if let Some(r) = report {
            event = event
                .detail("visited", r.visited.to_string())
                .detail("resealed", r.resealed.to_string())
                .detail("changed", r.changed.to_string())
                .detail("failed", r.failed.to_string());
        }
        self.record(event).await;
    }

    async fn record(&self, mut event: AuditEvent) {
        event.actor = Some(ROTATION_ACTOR.to_owned());
        // A failed write is logged (and counted) by the audit log; the job goes on.
        let _ = self.audit.record(event).await;
    }
}

#[cfg(test)]
mod tests;
