//! `POST /internal/schema/diff {base_schema, target_schema}` → `{ops, risk_score,
//! window_recommendation}`; a schema that does not parse is `400 schema_parse_error` naming
//! the schema, the line and the column.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::FieldError;
use rampart_ops::schema::{self, PrismaSchema};
use serde::Deserialize;
use serde_json::json;

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// Two Prisma schemas.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "SchemaDiffRequest")]
pub struct Body {
    /// The schema before the change.
    pub base_schema: String,
    /// The schema after it.
    pub target_schema: String,
}

/// The diff's ops, risk score and window recommendation.
pub type DiffResult = rampart_ops::schema::Diff;

fn parse(field: &str, text: &str) -> Result<PrismaSchema, FieldError> {
    schema::parse(text).map_err(|e| FieldError::new(field, e.to_string()).at(e.line, e.column))
}

/// Diffs two Prisma schemas.
pub fn post<'a>(ctx: &'a RequestContext, _req: Request<Bytes>) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx)?;
        let base = parse("base_schema", &body.base_schema);
        let target = parse("target_schema", &body.target_schema);
        let (base, target) = match (base, target) {
            (Ok(b), Ok(t)) => (b, t),
            (b, t) => {
                let errors = [b.err(), t.err()].into_iter().flatten().collect();
                return Err(rampart_ops::problems::schema_parse_error(errors));
            }
        };
        let diff = schema::diff(&base, &target);
        Ok(response::json(StatusCode::OK, &json!(diff)))
    })
}
