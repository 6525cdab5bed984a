//! `POST /internal/tests/ingest` (JSON or JUnit XML) and
//! `GET /internal/tests/flaky-candidates?min_runs=10`, for API keys with `internal:*` (or the
//! matching `internal:write` / `internal:read`) and admins.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{ApiError, FieldError};
use rampart_ops::flaky::{MAX_RUNS, Run, history, json as json_report, junit};
use rampart_ops::problems;

use rampart_core::Clock;
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;
use rampart_ops::flaky::history::Candidate;
use schemars::JsonSchema;
use serde::Serialize;

/// The most a compressed report may expand to. A report travels compressed within the 1 MiB
/// body limit (a 2.7 MB pytest report with captured output is about 300 KB gzipped); expanding
/// past this is refused before it is held, so a small "zip bomb" cannot exhaust memory.
pub const MAX_REPORT_BYTES: usize = 20 * 1024 * 1024;

/// The report's bytes: the body, gunzipped when `Content-Encoding: gzip` says so.
fn decoded(req: &Request<Bytes>) -> Result<std::borrow::Cow<'_, [u8]>, ApiError> {
    use std::io::Read as _;
    let encoding = req
        .headers()
        .get(http::header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => Ok(std::borrow::Cow::Borrowed(req.body())),
        Some("gzip" | "x-gzip") => {
            let limit = u64::try_from(MAX_REPORT_BYTES).unwrap_or(u64::MAX);
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&req.body()[..])
                .take(limit + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    ApiError::Validation(vec![FieldError::new(
                        "Content-Encoding",
                        format!("the body is not valid gzip data ({e})"),
                    )])
                })?;
            if out.len() > MAX_REPORT_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_REPORT_BYTES,
                });
            }
            Ok(std::borrow::Cow::Owned(out))
        }
        Some(_) => Err(ApiError::UnsupportedMediaType {
            expected: "a body sent as is or with Content-Encoding: gzip",
        }),
    }
}

/// The runs a report describes, by its content type.
fn parse(req: &Request<Bytes>, now: i64) -> Result<Vec<Run>, ApiError> {
    let media = extract::media_type(req.headers()).unwrap_or_default();
    let json = media == "application/json" || media.ends_with("+json");
    let xml = media == "application/xml" || media == "text/xml";
    if !json && !xml {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json or application/xml",
        });
    }
    let body = decoded(req)?;
    if json {
        let mut document = serde_json::from_slice(&body).map_err(|e| {
            ApiError::InvalidJson(format!("line {} column {}", e.line(), e.column()))
        })?;
        rampart_core::json::integral_numbers(&mut document);
        return json_report::runs(document, now).map_err(ApiError::Validation);
    }
    let text = std::str::from_utf8(&body).map_err(|_| {
        problems::invalid_xml(
            "the body is not UTF-8 (a compressed report needs Content-Encoding: gzip)",
        )
    })?;
    junit::runs(text, now).map_err(|e| match e {
        junit::JunitError::Xml(why) => problems::invalid_xml(why),
        junit::JunitError::Invalid { field, message } => {
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
    })
}

/// The report's tag from its `Idempotency-Key` (parsed by the pipeline's idempotency stage),
/// scoped to the caller. The stage replays a repeated report's answer; the tag also keeps a
/// report that failed part-way and was sent again from counting twice in the histories it
/// already reached.
fn report_tag(ctx: &RequestContext) -> Option<String> {
    let key = ctx.idempotency_key.as_ref()?;
    let caller = ctx.principal.as_ref().map_or("", |p| p.id.as_str());
    Some(history::report_tag(caller, key.as_str()))
}

/// What an ingest recorded.
#[derive(Serialize, JsonSchema)]
pub struct Ingested {
    /// Tests whose histories took the report's runs.
    pub tests: usize,
    /// Tests that already held this report's runs (a repeated `Idempotency-Key`).
    pub already_recorded: usize,
    /// Runs in the report.
    pub runs: usize,
}

/// A page of flaky candidates, with the minimum of runs applied.
#[derive(Serialize, JsonSchema)]
pub struct FlakyCandidates {
    #[serde(flatten)]
    pub page: Page<Candidate>,
    pub min_runs: usize,
}

/// Adds a report's runs to the tests' histories.
pub fn ingest<'a>(
    store: &'a SharedStore,
    runs_kept: u32,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let tag = report_tag(ctx);
        let runs = parse(&req, clock.now_secs())?;
        if runs.len() > MAX_RUNS {
            return Err(ApiError::Validation(vec![FieldError::new(
                "runs",
                "a report holds at most 10000 runs",
            )]));
        }
        let kept = usize::try_from(runs_kept).unwrap_or(50);
        let recorded = history::record(store, &runs, kept, clock.now_secs(), tag.as_deref())
            .await
            .map_err(ApiError::from)?;
        Ok(response::json(
            StatusCode::OK,
            &Ingested {
                tests: recorded.tests,
                already_recorded: recorded.already_recorded,
                runs: runs.len(),
            },
        ))
    })
}

/// The tests that flip.
pub fn candidates<'a>(
    store: &'a SharedStore,
    runs_kept: u32,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let mut params = extract::query(req.uri());
        // A test never holds more runs than are kept, so a larger minimum could never match.
        let kept = usize::try_from(runs_kept).unwrap_or(50);
        let min_runs = match params.remove("min_runs") {
            None => 10.min(kept),
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=kept).contains(n))
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "min_runs",
                        format!("must be a whole number from 1 to {kept} (the runs kept per test)"),
                    )])
                })?,
        };
        let request = PageRequest::parse(&params)?;
        if request.cursor.is_some() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "cursor",
                "this list is computed over every test on each request; page it by number",
            )]));
        }
        let all = history::candidates(store, min_runs)
            .await
            .map_err(ApiError::from)?;
        let page = page_document(request.slice(&all), &request, Some(all.len() as u64), None);
        Ok(response::json(
            StatusCode::OK,
            &FlakyCandidates { page, min_runs },
        ))
    })
}
