//! The knowledge base (contract section 3).

use http::Method;
use rampart_content::Knowledge;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::knowledge;
use crate::openapi::{ApiSpec, ok, schema};

/// Knowledge: write an entry, query, totals.
pub(super) const ROUTES: &[Entry] =
    entries![knowledge_entries_create, knowledge_query, knowledge_summary];

fn store(s: &crate::state::AppState) -> Knowledge {
    Knowledge::new(s.store.clone())
}

pub fn knowledge_entries_create() -> Route {
    Route {
        access: Access::Permission("knowledge:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Write(Table::Content)],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewEntry>),
            responses: const { &[ok::<rampart_content::knowledge::Entry>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/knowledge/entries",
            "knowledge-entries-create",
            "adds a knowledge-base entry (reviewers and admins).",
            |s, c, r| knowledge::create(store(s), &*s.clock, c, r),
        )
    }
}

pub fn knowledge_query() -> Route {
    Route {
        access: Access::Permission("knowledge:query"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            request: Some(schema::<rampart_content::KnowledgeQuery>),
            responses: const { &[ok::<rampart_content::Answers>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/knowledge/query",
            "knowledge-query",
            "the knowledge-base entries that best match a query.",
            |s, c, r| knowledge::query(store(s), c, r),
        )
    }
}

pub fn knowledge_summary() -> Route {
    Route {
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Summary>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/knowledge/summary",
            "knowledge-summary",
            "the knowledge base's totals (public).",
            |s, c, r| knowledge::summary(store(s), c, r),
        )
    }
}
