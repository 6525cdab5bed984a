//! JUnit XML reports to runs, read as a stream of XML events (nothing of the report is kept
//! but the run being read), so every runner's shape reads the same: suites nested to any
//! depth, `<testcase>` directly under `<testsuites>` (Node's built-in reporter writes top-level
//! tests that way), `error` vs `failure`, `skipped`, missing `time`, CDATA, `system-out`,
//! timestamps with or without a zone.
//!
//! Every `<testcase>` is one run; `<failure>` and `<error>` are failures, `<skipped>` a skip.
//! Retries count as evidence: each `<flakyFailure>`/`<flakyError>` (a failure before a pass)
//! and each `<rerunFailure>`/`<rerunError>` (a failed retry) adds a failed run before the
//! final outcome. A case's suite is its nearest enclosing `<testsuite>` (none for a top-level
//! case: the empty name). A case's time is its own `timestamp`, else its suite's (the nearest
//! enclosing one that has one), else the report's, else `now`.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
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
/// `testsuite` > `testsuite` > `testcase` > `failure`); deeper is refused.
pub const MAX_DEPTH: usize = 64;

/// A timestamp attribute, when it is readable and within the accepted range. Otherwise the
/// enclosing time stands in (in the end the time of ingest): a report replayed long after its
/// run, or from a runner with a wrong clock, is still counted, and never stored already
/// expired or dated ahead of every later run.
fn timestamp(text: Option<&str>, now: i64) -> Option<i64> {
    text.and_then(epoch)
        .filter(|at| check_time(*at, now).is_ok())
}

/// One attribute's value, unescaped; `None` when absent.
fn attribute(element: &BytesStart, name: &str) -> Result<Option<String>, JunitError> {
    let xml = |e: &dyn std::fmt::Display| JunitError::Xml(e.to_string());
    match element.try_get_attribute(name).map_err(|e| xml(&e))? {
        None => Ok(None),
        Some(value) => value
            .normalized_value(XmlVersion::Implicit1_0)
            .map(|v| Some(v.into_owned()))
            .map_err(|e| xml(&e)),
    }
}

/// The test case being read.
struct Case {
    depth: usize,
    test: TestId,
    at: i64,
    duration_ms: Option<u64>,
    outcome: Outcome,
    reruns: usize,
}

/// The runs a report describes. Names, times and the number of runs are checked as the
/// report is read, before anything is copied per run.
pub fn runs(xml: &str, now: i64) -> Result<Vec<Run>, JunitError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out = Vec::new();
    // The enclosing suites: name and time.
    let mut suites: Vec<(String, i64)> = Vec::new();
    let mut suite_depths: Vec<usize> = Vec::new();
    let mut report_at = now;
    let mut root_seen = false;
    let mut case: Option<Case> = None;
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| JunitError::Xml(format!("{e} (at byte {})", reader.buffer_position())))?;
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                if let Some(open) = &case
                    && open.depth == depth
                {
                    finish(case.take().unwrap_or_else(|| unreachable!()), &mut out)?;
                }
                if suite_depths.last() == Some(&depth) {
                    suite_depths.pop();
                    suites.pop();
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => {
                if depth != 0 {
                    return Err(JunitError::Xml(
                        "the report ends inside an element".to_owned(),
                    ));
                }
                if !root_seen {
                    return Err(JunitError::Xml(
                        "no <testsuites> or <testsuite> element: not a JUnit report".to_owned(),
                    ));
                }
                return Ok(out);
            }
            _ => (None, false),
        };
        let Some(element) = element else { continue };
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(JunitError::Xml(format!(
                "elements nest deeper than {MAX_DEPTH} levels (at byte {})",
                reader.buffer_position()
            )));
        }
        let name = element.local_name();
        let name = name.as_ref();
        let inherited = suites.last().map_or(report_at, |(_, at)| *at);
        if let Some(open) = case.as_mut() {
            // What a case holds: its outcome, its retries, and output (ignored).
            if depth == open.depth + 1 {
                match name {
                    "failure" | "error" => open.outcome = Outcome::Failed,
                    "skipped" if open.outcome == Outcome::Passed => open.outcome = Outcome::Skipped,
                    "flakyFailure" | "flakyError" | "rerunFailure" | "rerunError" => {
                        open.reruns += 1
                    }
                    _ => {}
                }
            }
        } else if depth == 1 {
            match name {
                "testsuites" => {
                    report_at =
                        timestamp(attribute(&element, "timestamp")?.as_deref(), now).unwrap_or(now);
                }
                "testsuite" => {}
                other => {
                    return Err(JunitError::Xml(format!(
                        "the root element is <{}>, not <testsuites> or <testsuite>",
                        other
                    )));
                }
            }
            root_seen = true;
        }
        if case.is_none() {
            match name {
                "testsuite" => {
                    let suite = attribute(&element, "name")?.unwrap_or_default();
                    if suite.chars().count() > MAX_NAME {
                        return Err(invalid("testsuite name", "must be at most 1000 characters"));
                    }
                    let at = timestamp(attribute(&element, "timestamp")?.as_deref(), now)
                        .unwrap_or(inherited);
                    if !empty {
                        suites.push((suite, at));
                        suite_depths.push(depth);
                    }
                }
                "testcase" => {
                    let opened = open_case(&element, &suites, inherited, now, depth, out.len())?;
                    if empty {
                        finish(opened, &mut out)?;
                    } else {
                        case = Some(opened);
                    }
                }
                _ => {}
            }
        }
        if empty {
            depth -= 1;
        }
    }
}

fn open_case(
    element: &BytesStart,
    suites: &[(String, i64)],
    suite_at: i64,
    now: i64,
    depth: usize,
    runs_so_far: usize,
) -> Result<Case, JunitError> {
    let name = attribute(element, "name")?.unwrap_or_default();
    check_name(&name).map_err(|why| invalid("testcase name", why))?;
    let classname = attribute(element, "classname")?.unwrap_or_default();
    if classname.chars().count() > MAX_NAME {
        return Err(invalid(
            "testcase classname",
            "must be at most 1000 characters",
        ));
    }
    if runs_so_far + 1 > MAX_RUNS {
        return Err(invalid("report", "must hold at most 10000 runs"));
    }
    let at = timestamp(attribute(element, "timestamp")?.as_deref(), now).unwrap_or(suite_at);
    // A missing time is no time spent; an unreadable one is unknown.
    let duration_ms = match attribute(element, "time")? {
        None => Some(0),
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(|t| (t * 1000.0).round() as u64),
    };
    Ok(Case {
        depth,
        test: TestId {
            suite: suites
                .last()
                .map(|(name, _)| name.clone())
                .unwrap_or_default(),
            classname,
            name,
        },
        at,
        duration_ms,
        outcome: Outcome::Passed,
        reruns: 0,
    })
}

/// The runs of a case read whole: one failed run per retry, then its outcome.
fn finish(case: Case, out: &mut Vec<Run>) -> Result<(), JunitError> {
    if out.len() + case.reruns + 1 > MAX_RUNS {
        return Err(invalid("report", "must hold at most 10000 runs"));
    }
    let run = |outcome| Run {
        test: case.test.clone(),
        outcome,
        at: case.at,
        duration_ms: case.duration_ms,
    };
    out.extend((0..case.reruns).map(|_| run(Outcome::Failed)));
    out.push(run(case.outcome));
    Ok(())
}

#[cfg(test)]
mod tests;
