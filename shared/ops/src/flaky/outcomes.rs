//! Hourly counts of test outcomes, kept as runs are recorded, so the pass rate of the last 24
//! hours is one query of at most 25 small items, never a read of every history.
//!
//! Layout (intel table, [`rampart_store::keys::intel::test_outcomes`]): one partition, one item
//! per hour of the runs' own times (`YYYY-MM-DDTHH`) with `passed`, `failed` and `skipped`
//! counters, kept 8 days. The counts are added in the same transaction that records the runs
//! in their tests' histories ([`super::history::record`]).

use std::collections::BTreeMap;

use rampart_core::clock::rfc3339;
use rampart_store::{
    Query, SharedStore, SortCond, StoreError, TTL_ATTRIBUTE, Table, TxOp, Update, keys,
};

use super::Outcome;

/// How long an hour's counts are kept.
const RETENTION_SECS: i64 = 8 * 86_400;
/// Runs dated further back than this are not counted: no 24-hour window will ask for them.
const COUNTED_SECS: i64 = 48 * 3600;

fn hour_of(epoch_secs: i64) -> String {
    rfc3339(epoch_secs * 1000).chars().take(13).collect()
}

/// The counter updates for `runs` (outcome, epoch seconds), one per hour they fall in.
pub(super) fn count_ops(runs: impl Iterator<Item = (Outcome, i64)>, now: i64) -> Vec<TxOp> {
    let mut hours: BTreeMap<String, (i64, [i64; 3])> = BTreeMap::new();
    for (outcome, at) in runs.filter(|(_, at)| *at >= now - COUNTED_SECS) {
        let entry = hours.entry(hour_of(at)).or_insert((at, [0; 3]));
        let slot = match outcome {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Skipped => 2,
        };
        entry.1[slot] += 1;
    }
    hours
        .into_iter()
        .map(|(hour, (at, [passed, failed, skipped]))| TxOp::Update {
            table: Table::Intel,
            key: keys::intel::test_outcomes(&hour),
            update: Update::new()
                .add("passed", passed)
                .add("failed", failed)
                .add("skipped", skipped)
                .set(
                    TTL_ATTRIBUTE,
                    at - at.rem_euclid(3600) + 3600 + RETENTION_SECS,
                ),
            cond: None,
        })
        .collect()
}

/// Passed and failed runs dated in the 24 hours before `now` (by whole hours: the current hour
/// and the 23 before it), and the pass rate they make, in percent (`None` without runs).
pub async fn pass_rate(
    store: &SharedStore,
    now: i64,
) -> Result<(i64, i64, Option<f64>), StoreError> {
    let query = Query::partition(Table::Intel, keys::intel::TEST_OUTCOMES)
        .sort(SortCond::Between(hour_of(now - 23 * 3600), hour_of(now)));
    let items = rampart_store::query_all(&**store, query).await?;
    let count = |name: &str| -> i64 {
        items
            .iter()
            .filter_map(|i| i.get(name).and_then(|v| v.as_n()).and_then(|n| n.as_i64()))
            .sum()
    };
    let (passed, failed) = (count("passed"), count("failed"));
    let rate = (passed + failed > 0).then(|| passed as f64 * 100.0 / (passed + failed) as f64);
    Ok((passed, failed, rate))
}
