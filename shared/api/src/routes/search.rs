//! Search (contract section 3).

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, Entry, Route, TableAccess};
use crate::handlers::search;
use crate::openapi::{ApiSpec, PAGINATION, QueryParam, ok};

/// Search.
pub(super) const ROUTES: &[Entry] = entries![search_get];

fn words(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "minLength": 1,
        "maxLength": rampart_content::search::MAX_QUERY_CHARS,
        "pattern": rampart_content::search::QUERY_PATTERN})
}

const QUERY: [QueryParam; 4] = [
    QueryParam {
        name: "q",
        description: "The words to find: 1 to 200 characters holding at least one word (a run of \
            2 to 40 letters or digits, of any script).",
        required: true,
        schema: words,
    },
    PAGINATION[0],
    PAGINATION[1],
    PAGINATION[2],
];

pub fn search_get() -> Route {
    Route {
        access: Access::Permission("search:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            query: &QUERY,
            responses: const { &[ok::<search::SearchPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/search",
            "search-get",
            "the caller's projects, knowledge entries and public posts matching words, ranked.",
            |s, c, r| search::get(&s.store, c, r),
        )
    }
}
