//! JUnit XML reports (junit-parser, which keeps what real runners write: nested
//! `testsuites`, `error` vs `failure`, `skipped`, missing `time`, CDATA, `system-out`,
//! timestamps with or without a zone) to runs.
//!
//! Every `<testcase>` is one run; `<failure>` and `<error>` are failures, `<skipped>` a skip.
//! Retries count as evidence: each `<flakyFailure>`/`<flakyError>` (a failure before a pass)
//! and each `<rerunFailure>`/`<rerunError>` (a failed retry) adds a failed run before the
//! final outcome. A case's time is its own `timestamp`, else its suite's (the nearest
//! enclosing one that has one), else the report's, else `now`.

use junit_parser::{TestCase, TestStatus, TestSuite};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::{MAX_NAME, MAX_RUNS, Outcome, Run, TestId, check_name, check_time};

/// Why a report was refused.
#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    /// Not XML, or not a JUnit report.
    #[error("the JUnit XML could not be read: {0}")]
    Xml(String),
    /// A well-formed report with a value we do not take (a name too long, a time out of range,
    /// too many runs).
    #[error("{field} {message}")]
    Invalid { field: String, message: String },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> JunitError {
    JunitError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Epoch seconds of a JUnit timestamp: RFC 3339, or a local time without a zone (as pytest
/// and Gradle write it), read as UTC.
fn epoch(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let format = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// How deeply elements may nest. Real reports nest suites a few levels (`testsuites` >
/// `testsuite` > `testsuite` > `testcase` > `failure`); the parser below recurses per level, so
/// a hostile report must not reach it with thousands.
pub const MAX_DEPTH: usize = 64;

/// Refuses a report nested deeper than [`MAX_DEPTH`], with a streaming pass that keeps no
/// stack of its own. Malformed XML passes through, for the parser to describe.
fn check_depth(xml: &str) -> Result<(), JunitError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(JunitError::Xml(format!(
                        "elements nest deeper than {MAX_DEPTH} levels (at byte {})",
                        reader.buffer_position()
                    )));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// The runs a report describes. Names, times and the number of runs are checked as the
/// report is walked, before anything is copied per run.
pub fn runs(xml: &str, now: i64) -> Result<Vec<Run>, JunitError> {
    check_depth(xml)?;
    let report = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .map_err(|e| JunitError::Xml(e.to_string()))?;
    let report_at = timestamp(report.timestamp.as_deref(), now).unwrap_or(now);
    let mut out = Vec::new();
    for suite in &report.suites {
        walk(suite, report_at, now, &mut out)?;
    }
    Ok(out)
}

/// A timestamp attribute, when it is readable and within the accepted range. Otherwise the
/// enclosing time stands in (in the end the time of ingest): a report replayed long after its
/// run, or from a runner with a wrong clock, is still counted, and never stored already
/// expired or dated ahead of every later run.
fn timestamp(text: Option<&str>, now: i64) -> Option<i64> {
    text.and_then(epoch)
        .filter(|at| check_time(*at, now).is_ok())
}

fn walk(
    suite: &TestSuite,
    inherited_at: i64,
    now: i64,
    out: &mut Vec<Run>,
) -> Result<(), JunitError> {
    let at = timestamp(suite.timestamp.as_deref(), now).unwrap_or(inherited_at);
    if suite.name.chars().count() > MAX_NAME {
        return Err(invalid("testsuite name", "must be at most 1000 characters"));
    }
    for case in &suite.cases {
        case_runs(&suite.name, case, at, now, out)?;
    }
    for nested in &suite.suites {
        walk(nested, at, now, out)?;
    }
    Ok(())
}

fn case_runs(
    suite: &str,
    case: &TestCase,
    suite_at: i64,
    now: i64,
    out: &mut Vec<Run>,
) -> Result<(), JunitError> {
    check_name(&case.original_name).map_err(|why| invalid("testcase name", why))?;
    let classname = case.classname.clone().unwrap_or_default();
    if classname.chars().count() > MAX_NAME {
        return Err(invalid(
            "testcase classname",
            "must be at most 1000 characters",
        ));
    }
    if out.len() + case.reruns.len() + 1 > MAX_RUNS {
        return Err(invalid("report", "must hold at most 10000 runs"));
    }
    let test = TestId {
        suite: suite.to_owned(),
        classname,
        name: case.original_name.clone(),
    };
    let at = timestamp(case.timestamp.as_deref(), now).unwrap_or(suite_at);
    let duration_ms =
        (case.time.is_finite() && case.time >= 0.0).then(|| (case.time * 1000.0).round() as u64);
    let run = |outcome| Run {
        test: test.clone(),
        outcome,
        at,
        duration_ms,
    };
    out.extend(case.reruns.iter().map(|_| run(Outcome::Failed)));
    out.push(run(match case.status {
        TestStatus::Success => Outcome::Passed,
        TestStatus::Failure(_) | TestStatus::Error(_) => Outcome::Failed,
        TestStatus::Skipped(_) => Outcome::Skipped,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_zones_read() {
        assert_eq!(epoch("2026-11-22T09:00:00Z"), Some(1_795_338_000));
        assert_eq!(epoch("2026-11-22T10:00:00+01:00"), Some(1_795_338_000));
        assert_eq!(epoch("2026-11-22T09:00:00"), Some(1_795_338_000));
        assert_eq!(epoch("2026-11-22T09:00:00.719939"), Some(1_795_338_000));
        assert_eq!(epoch("yesterday"), None);
    }

    #[test]
    fn retries_are_evidence_and_errors_are_failures() {
        let xml = r#"<testsuites><testsuite name="s" timestamp="2026-11-22T09:00:00">
            <testcase name="flaky" classname="c"><flakyFailure message="boom"/><flakyError/></testcase>
            <testcase name="stuck" classname="c"><failure/><rerunFailure/></testcase>
            <testcase name="broken"><error message="x"><![CDATA[trace <here>]]></error></testcase>
            <testcase name="ünïcode ✓" classname="c" time="0.25"><system-out>hi</system-out></testcase>
            <testcase name="later" classname="c"><skipped/></testcase>
            </testsuite></testsuites>"#;
        let runs = runs(xml, 1_795_340_000).unwrap();
        let outcomes: Vec<(&str, Outcome)> = runs
            .iter()
            .map(|r| (r.test.name.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("flaky", Outcome::Failed),
                ("flaky", Outcome::Failed),
                ("flaky", Outcome::Passed),
                ("stuck", Outcome::Failed),
                ("stuck", Outcome::Failed),
                ("broken", Outcome::Failed),
                ("ünïcode ✓", Outcome::Passed),
                ("later", Outcome::Skipped),
            ]
        );
        assert_eq!(runs[6].duration_ms, Some(250));
        assert!(runs.iter().all(|r| r.at == 1_795_338_000));
        assert_eq!(runs[5].test.classname, "");
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<testsuites>",
            "not xml",
            "<testsuites><testsuite name='x'><testcase></testsuites>",
        ] {
            assert!(runs(bad, 0).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn times_out_of_range_fall_back_to_the_enclosing_one() {
        let now = 1_795_340_000; // 2026-11-22T09:33:20Z
        let xml = r#"<testsuites timestamp="2026-11-22T09:00:00Z">
            <testsuite name="old" timestamp="2020-01-01T00:00:00Z"><testcase name="a"/></testsuite>
            <testsuite name="ahead" timestamp="2027-06-01T00:00:00Z"><testcase name="b"/></testsuite>
            <testsuite name="fine" timestamp="2026-11-21T09:00:00Z"><testcase name="c"/></testsuite>
            </testsuites>"#;
        let at: Vec<i64> = runs(xml, now).unwrap().iter().map(|r| r.at).collect();
        assert_eq!(at, [1_795_338_000, 1_795_338_000, 1_795_251_600]);
        // With no usable time anywhere, the time of ingest.
        let bare = r#"<testsuite name="s" timestamp="1999-01-01T00:00:00"><testcase name="a"/></testsuite>"#;
        assert_eq!(runs(bare, now).unwrap()[0].at, now);
    }

    #[test]
    fn names_and_counts_are_checked_before_runs_are_copied() {
        let long = "n".repeat(1_001);
        let cases = [
            (
                format!(r#"<testsuite name="s"><testcase name="{long}"/></testsuite>"#),
                "testcase name",
            ),
            (
                r#"<testsuite name="s"><testcase name=" "/></testsuite>"#.to_owned(),
                "testcase name",
            ),
            (
                r#"<testsuite name="s"><testcase classname="c"/></testsuite>"#.to_owned(),
                "testcase name",
            ),
            (
                format!(r#"<testsuite name="{long}"><testcase name="t"/></testsuite>"#),
                "testsuite name",
            ),
            (
                format!(
                    r#"<testsuite name="s"><testcase name="t" classname="{long}"/></testsuite>"#
                ),
                "testcase classname",
            ),
            (
                format!(
                    r#"<testsuite name="s">{}</testsuite>"#,
                    r#"<testcase name="t"/>"#.repeat(10_001)
                ),
                "report",
            ),
        ];
        for (xml, field) in cases {
            match runs(&xml, 0) {
                Err(JunitError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let max = format!(
            r#"<testsuite name="s">{}</testsuite>"#,
            r#"<testcase name="t"/>"#.repeat(10_000)
        );
        assert_eq!(runs(&max, 0).unwrap().len(), 10_000);
        // A report of no tests is a report: nothing to record.
        assert!(runs("<testsuites/>", 0).unwrap().is_empty());
    }
}
