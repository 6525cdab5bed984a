//! The intel table: PR records, each test's run history, CSP reports and their daily counts,
//! and the release history.

use crate::port::Key;

/// The partition holding every release's record (sorted by its id, a ULID: newest last).
pub const RELEASES: &str = "releases";

/// A release's record in the history, by its id.
pub fn release(id: &str) -> Key {
    Key::new(RELEASES, id)
}

/// The partition holding every test's run history.
pub const FLAKY_TESTS: &str = "tests";

/// The record of a pull request.
pub fn pr(pr_number: u64) -> Key {
    Key::new(format!("pr#{pr_number}"), "pr")
}

/// The gsi1 partition of every PR record, sorted by `<risk, 3 digits>#<PR number, 20 digits>`:
/// the riskiest first when read backwards.
pub const PRS_BY_RISK: &str = "prs#by-risk";

/// A PR record's sort key in [`PRS_BY_RISK`].
pub fn pr_by_risk(risk_score: u32, pr_number: u64) -> String {
    format!("{:03}#{pr_number:020}", risk_score.min(999))
}

/// The mark of one delivery accepted for a pull request, by the SHA-256 of its body: a signed
/// body is applied once, so a captured delivery cannot be replayed to revert the record.
pub fn pr_delivery(pr_number: u64, body_digest: &str) -> Key {
    Key::new(format!("pr#{pr_number}"), format!("delivery#{body_digest}"))
}

/// One test's run history, by the digest of the test's identity.
pub fn flaky_test(identity_digest: &str) -> Key {
    Key::new(FLAKY_TESTS, identity_digest)
}

/// The partition of a day's CSP reports.
pub fn csp_reports(day: &str) -> String {
    format!("csp#{day}")
}

/// One CSP report received at `at` (RFC 3339), in its day's partition.
pub fn csp_report(at: &str, id: &str) -> Key {
    Key::new(csp_reports(super::day_of(at)), format!("{at}#{id}"))
}

/// The count of a day's CSP reports.
pub fn csp_count(day: &str) -> Key {
    Key::new("csp-count", day)
}

/// An Alertmanager alert, by its fingerprint: a resolved notification updates the firing one.
pub fn alert(fingerprint: &str) -> Key {
    Key::new(format!("alert#{fingerprint}"), "alert")
}

/// The gsi1 partition of the alerts with `status` (`firing`, `resolved`), sorted by
/// `<starts_at>#<fingerprint>`.
pub fn alerts_by_status(status: &str) -> String {
    format!("alerts#{status}")
}

/// The partition of the hourly counts of test outcomes (the health snapshot's pass rate).
pub const TEST_OUTCOMES: &str = "test-outcomes";

/// The counts of runs dated in one hour (`YYYY-MM-DDTHH`): `passed`, `failed`, `skipped`.
pub fn test_outcomes(hour: &str) -> Key {
    Key::new(TEST_OUTCOMES, hour)
}
