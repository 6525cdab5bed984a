//! The JSON report: `{suite, runs: [{test_name, status, duration_ms, run_at}]}`.

use rampart_core::FieldError;
use rampart_core::clock::parse_rfc3339;
use serde::Deserialize;

use super::{Outcome, Run, TestId};

const MAX_RUNS: usize = 10_000;
const MAX_NAME: usize = 1_000;

#[derive(Deserialize)]
struct Report {
    suite: String,
    runs: Vec<JsonRun>,
}

#[derive(Deserialize)]
struct JsonRun {
    test_name: String,
    status: Outcome,
    duration_ms: Option<u64>,
    run_at: Option<String>,
}

/// The runs of a JSON report; `now` stands in for a missing `run_at`.
pub fn runs(document: serde_json::Value, now: i64) -> Result<Vec<Run>, Vec<FieldError>> {
    let report: Report = serde_json::from_value(document)
        .map_err(|e| vec![FieldError::new("body", e.to_string())])?;
    let mut errors = Vec::new();
    if report.suite.trim().is_empty() || report.suite.chars().count() > MAX_NAME {
        errors.push(FieldError::new("suite", "must be 1 to 1000 characters"));
    }
    if report.runs.is_empty() || report.runs.len() > MAX_RUNS {
        errors.push(FieldError::new("runs", "must hold 1 to 10000 runs"));
    }
    let mut out = Vec::with_capacity(report.runs.len());
    for (i, run) in report.runs.into_iter().enumerate() {
        if run.test_name.trim().is_empty() || run.test_name.chars().count() > MAX_NAME {
            errors.push(FieldError::new(
                format!("runs[{i}].test_name"),
                "must be 1 to 1000 characters",
            ));
        }
        let at = match run.run_at.as_deref() {
            None => now,
            Some(text) => match parse_rfc3339(text) {
                Some(ms) => ms.div_euclid(1000),
                None => {
                    errors.push(FieldError::new(
                        format!("runs[{i}].run_at"),
                        "must be an RFC 3339 timestamp",
                    ));
                    now
                }
            },
        };
        out.push(Run {
            test: TestId {
                suite: report.suite.trim().to_owned(),
                classname: String::new(),
                name: run.test_name,
            },
            outcome: run.status,
            at,
            duration_ms: run.duration_ms,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
