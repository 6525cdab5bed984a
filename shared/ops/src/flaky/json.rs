//! The JSON report: `{suite, runs: [{test_name, status, duration_ms, run_at}]}`.

use rampart_core::FieldError;
use rampart_core::clock::parse_rfc3339;
use serde::Deserialize;

use super::{MAX_RUNS, Outcome, Run, TestId, check_name, check_time};

/// A JSON test report.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "TestReport")]
pub struct Report {
    #[schemars(length(min = 1, max = 1000), pattern(rampart_core::text::NOT_BLANK))]
    pub suite: String,
    #[schemars(length(max = 10000))]
    pub runs: Vec<JsonRun>,
}

/// One run of a JSON test report.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct JsonRun {
    #[schemars(length(min = 1, max = 1000), pattern(rampart_core::text::NOT_BLANK))]
    pub test_name: String,
    pub status: Outcome,
    #[schemars(range(max = u64::MAX))]
    pub duration_ms: Option<u64>,
    /// RFC 3339, at most 90 days ago and a day ahead; the time of ingest when absent.
    #[schemars(extend("format" = "date-time"))]
    pub run_at: Option<String>,
}

/// The runs of a JSON report; `now` stands in for a missing `run_at`.
pub fn runs(document: serde_json::Value, now: i64) -> Result<Vec<Run>, Vec<FieldError>> {
    let report: Report = serde_json::from_value(document)
        .map_err(|e| vec![FieldError::new("body", e.to_string())])?;
    // Checked before any run is built: each run carries its own copy of the suite.
    let mut errors = Vec::new();
    if let Err(why) = check_name(&report.suite) {
        errors.push(FieldError::new("suite", why));
    }
    if report.runs.len() > MAX_RUNS {
        errors.push(FieldError::new("runs", "must hold at most 10000 runs"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::with_capacity(report.runs.len());
    for (i, run) in report.runs.into_iter().enumerate() {
        if let Err(why) = check_name(&run.test_name) {
            errors.push(FieldError::new(format!("runs[{i}].test_name"), why));
        }
        let at = match run.run_at.as_deref() {
            None => now,
            Some(text) => match parse_rfc3339(text) {
                Some(ms) => {
                    let at = ms.div_euclid(1000);
                    if let Err(why) = check_time(at, now) {
                        errors.push(FieldError::new(format!("runs[{i}].run_at"), why));
                    }
                    at
                }
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
