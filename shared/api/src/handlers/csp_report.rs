//! `POST /csp-report` (public): browsers' Content-Security-Policy violation reports, in the
//! legacy `application/csp-report` shape or the Reporting API's `application/reports+json`.
//! Reports are kept 30 days and counted per day (layout: [`rampart_store::keys::intel`]).
//!
//! What one request can cost is bounded: at most [`MAX_REPORTS`] reports are read, at most
//! [`STORED_PER_REQUEST`] kept, each field cut to [`FIELD_MAX`] characters, directives are the
//! known ones (anything else is `other`), and a day keeps at most
//! [`STORED_PER_DIRECTIVE_PER_DAY`] reports of a directive; past that they are only counted.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, FieldError};
use std::collections::BTreeMap;

use rampart_store::{
    AttrValue, Item, ItemExt, ReturnValues, TTL_ATTRIBUTE, Table, TxOp, Update, keys,
};
use serde_json::Value;

use rampart_core::Clock;
use rampart_store::Store;

use crate::context::RequestContext;
use crate::state::HandlerFuture;

/// Reports read per request; browsers batch far fewer.
pub const MAX_REPORTS: usize = 100;
/// Reports kept per request: the rest are counted only.
pub const STORED_PER_REQUEST: usize = 5;
/// Reports of one directive a day keeps; past that they are counted only.
pub const STORED_PER_DIRECTIVE_PER_DAY: i64 = 1_000;
const RETENTION_SECS: i64 = 30 * 86_400;
/// The longest field kept, in characters.
pub const FIELD_MAX: usize = 512;

/// The directives a report may name (CSP Level 3); any other is kept as `other`, so a sender
/// cannot mint counters.
const DIRECTIVES: &[&str] = &[
    "base-uri",
    "child-src",
    "connect-src",
    "default-src",
    "font-src",
    "form-action",
    "frame-ancestors",
    "frame-src",
    "img-src",
    "manifest-src",
    "media-src",
    "navigate-to",
    "object-src",
    "prefetch-src",
    "report-to",
    "require-trusted-types-for",
    "sandbox",
    "script-src",
    "script-src-attr",
    "script-src-elem",
    "style-src",
    "style-src-attr",
    "style-src-elem",
    "trusted-types",
    "upgrade-insecure-requests",
    "worker-src",
];

/// One normalised violation.
#[derive(Debug, PartialEq, Eq)]
pub struct CspViolation {
    pub document_uri: String,
    pub directive: String,
    pub blocked_uri: String,
    pub disposition: String,
}

/// The bodies browsers send, for the OpenAPI document (the handler reads them leniently).
#[derive(schemars::JsonSchema)]
#[schemars(untagged)]
pub enum CspReports {
    /// `report-uri`: `{"csp-report": {...}}` (`application/csp-report`).
    Legacy(LegacyReport),
    /// The Reporting API (`report-to`): a list of reports.
    #[schemars(schema_with = "reporting_list")]
    Reporting(Vec<Value>),
}

/// A Reporting API list as the handler reads it: any reports, of which those of type
/// `csp-violation` (at most [`MAX_REPORTS`]) need a `body` object; the others are skipped.
fn reporting_list(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let violation = serde_json::json!({"type": "object", "required": ["type"],
        "properties": {"type": {"const": "csp-violation"}}});
    schemars::json_schema!({
        "description": "The Reporting API (`report-to`): a list of reports `{type, body}`; \
            only `csp-violation` reports are read, the others skipped.",
        "type": "array",
        "items": {
            "description": "A report. A `csp-violation` report's `body` holds `documentURL`, \
                `effectiveDirective`, `blockedURL`, `disposition`, ...",
            "if": violation,
            "then": {"required": ["body"], "properties": {"body": {"type": "object"}}},
        },
        "contains": violation,
        "minContains": 0,
        "maxContains": MAX_REPORTS,
    })
}

/// A `report-uri` report.
#[derive(schemars::JsonSchema)]
pub struct LegacyReport {
    /// `document-uri`, `violated-directive`, `blocked-uri`, `disposition`, ...
    #[schemars(rename = "csp-report")]
    pub csp_report: serde_json::Map<String, Value>,
}

/// Stores the reports and answers 204.
pub fn post<'a>(
    store: &'a dyn Store,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let document = ctx
            .json
            .as_ref()
            .ok_or_else(|| ApiError::InvalidJson("empty body".into()))?;
        let violations = parse(document)?;
        let now_ms = clock.now_ms();
        let at = rfc3339(now_ms);
        let expires = now_ms / 1000 + RETENTION_SECS;
        if violations.is_empty() {
            return Ok(empty_204());
        }
        let kept = keep(store, &violations, &at, expires).await;
        // The reports kept, all or none, under keys of their own: no two requests ever touch
        // the same item here, so concurrent reports cannot conflict.
        let puts: Vec<TxOp> = kept
            .iter()
            .map(|v| TxOp::Put {
                table: Table::Intel,
                item: item(v, &at, expires),
                cond: None,
            })
            .collect();
        if !puts.is_empty() {
            store
                .transact(puts)
                .await
                .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
        }
        Ok(empty_204())
    })
}

/// Counts every report (in all and by directive) with one atomic `ADD`, which concurrent
/// requests can all apply, outside the reports' transaction; and returns those to keep: a
/// handful per request, within each directive's daily cap. When the count cannot be taken
/// (throttling) a count is lost, never the request's first reports.
async fn keep<'v>(
    store: &dyn Store,
    violations: &'v [CspViolation],
    at: &str,
    expires: i64,
) -> Vec<&'v CspViolation> {
    let mut per_directive: BTreeMap<&str, i64> = BTreeMap::new();
    for v in violations {
        *per_directive.entry(v.directive.as_str()).or_default() += 1;
    }
    let mut update = Update::new()
        .add("n", i64::try_from(violations.len()).unwrap_or(0))
        .set(TTL_ATTRIBUTE, expires);
    for (directive, n) in &per_directive {
        update = update.add(format!("d_{directive}"), *n);
    }
    let counted = store
        .update(
            Table::Intel,
            &keys::intel::csp_count(keys::day_of(at)),
            &update,
            None,
            ReturnValues::UpdatedNew,
        )
        .await;
    let after = match counted {
        Ok(after) => after.unwrap_or_default(),
        Err(error) => {
            tracing::warn!(%error, reports = violations.len(), "CSP reports not counted");
            return violations.iter().take(STORED_PER_REQUEST).collect();
        }
    };
    // Room left today per directive: the cap less what was counted before this request.
    let mut room: BTreeMap<&str, i64> = per_directive
        .iter()
        .map(|(directive, n)| {
            let total = after.i64_attr(&format!("d_{directive}")).unwrap_or(*n);
            (
                *directive,
                (STORED_PER_DIRECTIVE_PER_DAY - (total - n)).max(0),
            )
        })
        .collect();
    violations
        .iter()
        .filter(|v| {
            let left = room.entry(v.directive.as_str()).or_default();
            *left -= 1;
            *left >= 0
        })
        .take(STORED_PER_REQUEST)
        .collect()
}

/// `204 No Content`.
fn empty_204() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn item(v: &CspViolation, at: &str, expires: i64) -> Item {
    let mut item = keys::intel::csp_report(at, &rampart_core::ids::new_id()).to_item();
    for (name, value) in [
        ("document_uri", &v.document_uri),
        ("directive", &v.directive),
        ("blocked_uri", &v.blocked_uri),
        ("disposition", &v.disposition),
    ] {
        item.insert(name.to_owned(), AttrValue::s(value.clone()));
    }
    item.insert("at".into(), AttrValue::s(at));
    item.insert(TTL_ATTRIBUTE.into(), AttrValue::n(expires));
    item
}

/// Reads either report shape; anything else is a validation failure.
pub fn parse(document: &Value) -> Result<Vec<CspViolation>, ApiError> {
    let invalid = |message: &str| ApiError::Validation(vec![FieldError::new("body", message)]);
    let bodies: Vec<&Value> = match document {
        Value::Object(map) => vec![
            map.get("csp-report")
                .filter(|r| r.is_object())
                .ok_or_else(|| invalid("expected a \"csp-report\" object"))?,
        ],
        Value::Array(reports) => reports
            .iter()
            .filter(|r| r.get("type").and_then(Value::as_str) == Some("csp-violation"))
            .map(|r| {
                r.get("body")
                    .filter(|b| b.is_object())
                    .ok_or_else(|| invalid("a csp-violation report needs a \"body\" object"))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(invalid(
                "expected a csp-report object or an array of reports",
            ));
        }
    };
    if bodies.len() > MAX_REPORTS {
        return Err(invalid("at most 100 reports per request"));
    }
    Ok(bodies.into_iter().map(normalise).collect())
}

fn normalise(body: &Value) -> CspViolation {
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| body.get(*n).and_then(Value::as_str))
            .unwrap_or("")
            .chars()
            .take(FIELD_MAX)
            .collect::<String>()
    };
    // `violated-directive` may carry the policy's sources too (`script-src 'self'`).
    let named = field(&[
        "effective-directive",
        "effectiveDirective",
        "violated-directive",
    ]);
    let directive = named.split_whitespace().next().unwrap_or("");
    let disposition = field(&["disposition"]);
    CspViolation {
        document_uri: field(&["document-uri", "documentURL"]),
        directive: DIRECTIVES
            .iter()
            .find(|d| **d == directive)
            .map_or("other", |d| *d)
            .to_owned(),
        blocked_uri: field(&["blocked-uri", "blockedURL"]),
        disposition: match disposition.as_str() {
            "enforce" | "report" => disposition,
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_report_shapes_normalise_alike() {
        let legacy = json!({"csp-report": {
            "document-uri": "https://app.example/", "violated-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/x.js", "disposition": "report"}});
        let modern = json!([
            {"type": "csp-violation", "body": {
                "documentURL": "https://app.example/", "effectiveDirective": "script-src-elem",
                "blockedURL": "https://evil.example/x.js", "disposition": "report"}},
            {"type": "deprecation", "body": {}}
        ]);
        assert_eq!(parse(&legacy).unwrap(), parse(&modern).unwrap());
    }

    #[test]
    fn other_documents_are_validation_failures() {
        for bad in [
            json!({"report": {}}),
            json!("text"),
            json!([{"type": "csp-violation"}]),
        ] {
            assert_eq!(
                parse(&bad).unwrap_err().code(),
                "validation_failed",
                "{bad}"
            );
        }
        let many: Vec<Value> = (0..101)
            .map(|_| json!({"type": "csp-violation", "body": {}}))
            .collect();
        assert!(parse(&Value::Array(many)).is_err());
    }
}
