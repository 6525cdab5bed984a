//! Each test's recent runs, and the candidates they point at.
//!
//! Layout (intel table, [`rampart_store::keys::intel::flaky_test`]): one partition, sorted by
//! the SHA-256 of the test's identity, one item per test holding its last N runs (oldest
//! first) as a compact JSON list, a version for optimistic concurrency, and a TTL 90 days
//! after its newest run. Candidates are computed from one pass over the partition.
//!
//! A report's tests are written concurrently (each its own conditional write), so a report of
//! a thousand tests does not take a thousand sequential round trips. A report sent with an
//! `Idempotency-Key` tags its runs with a digest of the key; sending it again (a retry after a
//! timeout, say) skips every test whose history already holds that tag, so a retry completes
//! a half-recorded report without counting any run twice.

use std::collections::BTreeMap;

use rampart_core::clock::rfc3339;
use rampart_store::{
    CancelReason, Cond, ItemExt, Query, SharedStore, StoreError, TTL_ATTRIBUTE, Table, TxOp, keys,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Outcome, Run, TestId};

/// Runs kept per test unless configured otherwise.
pub const DEFAULT_KEPT: usize = 50;
/// How long a test is remembered after its newest run.
pub const RETENTION_SECS: i64 = 90 * 86_400;
/// The failure-rate band of a candidate, inclusive.
pub const MIN_FAILURE_RATE: f64 = 0.2;
pub const MAX_FAILURE_RATE: f64 = 0.6;
// Each round of a race has a winner, so this many attempts outlast that many concurrent reports
// on one test (CI rarely sends more than a few at once).
const ATTEMPTS: usize = 16;

/// A run as stored: outcome, epoch seconds, and the tag of the report it came in, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stored(Outcome, i64, #[serde(default)] Option<String>);

/// Tests written at once per report.
const CONCURRENT_WRITES: usize = 16;

/// What recording a report did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Tests whose histories took the report's runs.
    pub tests: usize,
    /// Tests that already held this report's runs (a repeated `Idempotency-Key`).
    pub already_recorded: usize,
}

/// The tag runs of a report carry: a digest of the caller and its idempotency key.
pub fn report_tag(caller: &str, idempotency_key: &str) -> String {
    let digest = Sha256::digest(format!("{caller}\u{1f}{idempotency_key}").as_bytes());
    hex::encode(&digest[..8])
}

fn identity_digest(test: &TestId) -> String {
    let identity = format!("{}\u{1f}{}\u{1f}{}", test.suite, test.classname, test.name);
    hex::encode(Sha256::digest(identity.as_bytes()))
}

/// A test that flips between passing and failing.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub suite: String,
    pub classname: String,
    pub test_name: String,
    /// Counted runs (passes and failures).
    pub runs: usize,
    pub failures: usize,
    pub failure_rate: f64,
    /// Changes between pass and fail over consecutive counted runs, per possible change.
    pub flip_rate: f64,
    pub last_failed_at: Option<String>,
}

/// Adds runs to their tests' histories, keeping the newest `kept` of each; `tag` (see
/// [`report_tag`]) makes a repeated report a no-op for the tests that already hold it. On an
/// error some tests may hold the report and others not; sending it again with the same tag
/// completes it.
pub async fn record(
    store: &SharedStore,
    runs: &[Run],
    kept: usize,
    now: i64,
    tag: Option<&str>,
) -> Result<Recorded, StoreError> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};

    let mut by_test: BTreeMap<&TestId, Vec<Stored>> = BTreeMap::new();
    for run in runs {
        by_test.entry(&run.test).or_default().push(Stored(
            run.outcome,
            run.at,
            tag.map(str::to_owned),
        ));
    }
    let kept = kept.max(1);
    // The futures are built first (they do nothing until polled), then run a few at a time.
    let writes: Vec<_> = by_test
        .iter()
        .map(|(test, new_runs)| append(store, test, new_runs, kept, now, tag))
        .collect();
    let outcomes: Vec<bool> = stream::iter(writes)
        .buffer_unordered(CONCURRENT_WRITES)
        .try_collect()
        .await?;
    let written = outcomes.iter().filter(|w| **w).count();
    Ok(Recorded {
        tests: written,
        already_recorded: outcomes.len() - written,
    })
}

/// Read, merge, conditional write; again on a concurrent change. `false` when the history
/// already holds the report.
async fn append(
    store: &SharedStore,
    test: &TestId,
    new_runs: &[Stored],
    kept: usize,
    now: i64,
    tag: Option<&str>,
) -> Result<bool, StoreError> {
    let key = keys::intel::flaky_test(&identity_digest(test));
    for _ in 0..ATTEMPTS {
        let current = store.get(Table::Intel, &key).await?;
        let version = current.as_ref().and_then(|i| i.i64_attr("version"));
        let mut history: Vec<Stored> = current
            .as_ref()
            .and_then(|i| i.str_attr("runs"))
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        if tag.is_some() && history.iter().any(|r| r.2.as_deref() == tag) {
            return Ok(false);
        }
        history.extend_from_slice(new_runs);
        // Chronological; runs of one instant keep the order they were reported in.
        history.sort_by_key(|r| r.1);
        if history.len() > kept {
            history.drain(..history.len() - kept);
        }
        let newest = history.last().map_or(0, |r| r.1);
        let mut item = key.to_item();
        item.insert("suite".into(), test.suite.clone().into());
        item.insert("classname".into(), test.classname.clone().into());
        item.insert("name".into(), test.name.clone().into());
        item.insert(
            "runs".into(),
            serde_json::to_string(&history)
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .into(),
        );
        item.insert("version".into(), (version.unwrap_or(0) + 1).into());
        item.insert(TTL_ATTRIBUTE.into(), (newest + RETENTION_SECS).into());
        let unchanged = match version {
            Some(v) => Cond::eq("version", v),
            // Reads hide an expired history, conditions still see it until it is deleted.
            None => Cond::absent_or_expired(now),
        };
        // The history and the hourly outcome counts change together, so a report is counted
        // exactly when its runs are recorded (a retry that finds them recorded counts nothing).
        let mut ops = vec![TxOp::Put {
            table: Table::Intel,
            item,
            cond: Some(unchanged),
        }];
        ops.extend(super::outcomes::count_ops(
            new_runs.iter().map(|r| (r.0, r.1)),
            now,
        ));
        match store.transact(ops).await {
            Ok(()) => return Ok(true),
            Err(StoreError::TransactionCanceled { reasons })
                if reasons.first().is_some_and(|r| *r != CancelReason::None) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Unavailable(format!(
        "test history of {} kept changing; try again",
        test.name
    )))
}

/// The candidate a history makes, if it is one.
fn judge(test: TestId, history: &[Stored], min_runs: usize) -> Option<Candidate> {
    let counted: Vec<&Stored> = history.iter().filter(|r| r.0 != Outcome::Skipped).collect();
    let runs = counted.len();
    if runs == 0 || runs < min_runs {
        return None;
    }
    let failures = counted.iter().filter(|r| r.0 == Outcome::Failed).count();
    let failure_rate = failures as f64 / runs as f64;
    if !(MIN_FAILURE_RATE..=MAX_FAILURE_RATE).contains(&failure_rate) {
        return None;
    }
    let flips = counted.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let flip_rate = if runs > 1 {
        flips as f64 / (runs - 1) as f64
    } else {
        0.0
    };
    let last_failed_at = counted
        .iter()
        .filter(|r| r.0 == Outcome::Failed)
        .map(|r| r.1)
        .max()
        .map(|at| rfc3339(at * 1000));
    Some(Candidate {
        suite: test.suite,
        classname: test.classname,
        test_name: test.name,
        runs,
        failures,
        failure_rate: (failure_rate * 1000.0).round() / 1000.0,
        flip_rate: (flip_rate * 1000.0).round() / 1000.0,
        last_failed_at,
    })
}

/// Every test whose kept runs make it a candidate, most flipping first.
pub async fn candidates(
    store: &SharedStore,
    min_runs: usize,
) -> Result<Vec<Candidate>, StoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(Table::Intel, keys::intel::FLAKY_TESTS)
                    .limit(500)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let test = TestId {
                suite: item.str_attr("suite").unwrap_or_default().to_owned(),
                classname: item.str_attr("classname").unwrap_or_default().to_owned(),
                name: item.str_attr("name").unwrap_or_default().to_owned(),
            };
            let history: Vec<Stored> = item
                .str_attr("runs")
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default();
            out.extend(judge(test, &history, min_runs));
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.sort_by(|a, b| {
        b.flip_rate
            .total_cmp(&a.flip_rate)
            .then(b.failure_rate.total_cmp(&a.failure_rate))
            .then(a.test_name.cmp(&b.test_name))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(pattern: &str) -> Vec<Stored> {
        pattern
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let outcome = match c {
                    'p' => Outcome::Passed,
                    'f' => Outcome::Failed,
                    _ => Outcome::Skipped,
                };
                Stored(outcome, 1_000 + i as i64, None)
            })
            .collect()
    }

    fn test() -> TestId {
        TestId {
            suite: "s".into(),
            classname: String::new(),
            name: "t".into(),
        }
    }

    #[test]
    fn only_tests_failing_between_a_fifth_and_three_fifths_qualify() {
        let table = [
            ("pfpfpppfpp", 10, true),  // 30 %, flips often
            ("ffffffffff", 10, false), // always failing
            ("pppppppppf", 10, false), // 10 %: rarely failing
            ("pfpfp", 10, false),      // too few runs
            ("pfpfpsssss", 5, true),   // skips do not count
            ("ffffffpppp", 10, true),  // 60 %: the band's edge
            ("ffffffppp", 9, false),   // 67 %
        ];
        for (pattern, min_runs, expected) in table {
            assert_eq!(
                judge(test(), &history(pattern), min_runs).is_some(),
                expected,
                "{pattern}"
            );
        }
    }

    #[test]
    fn flip_rate_counts_changes_per_possible_change() {
        let c = judge(test(), &history("pfpfpppfpp"), 1).unwrap();
        assert_eq!((c.runs, c.failures), (10, 3));
        assert_eq!(c.failure_rate, 0.3);
        assert_eq!(c.flip_rate, 0.667, "6 changes over 9 transitions");
        assert_eq!(c.last_failed_at.as_deref(), Some("1970-01-01T00:16:47Z"));
        let steady = judge(test(), &history("ffffffpppp"), 1).unwrap();
        assert_eq!(steady.flip_rate, 0.111);
    }
}
