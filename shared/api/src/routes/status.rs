//! The status page (contract section 3).

use http::Method;
use rampart_content::Status;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::status;
use crate::openapi::{ApiSpec, PAGE_NUMBERS, PAGINATION, QueryParam, ok, schema};

/// Status: post an event, list events, the page.
pub(super) const ROUTES: &[Entry] = entries![status_events_create, status_events_list, status_get];

fn service(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "pattern": "^[a-z0-9-]{1,64}$"})
}

/// `?service=` and the pagination parameters.
const EVENTS_QUERY: [QueryParam; 4] = [
    QueryParam {
        name: "service",
        description: "Only this service's events.",
        required: false,
        schema: service,
    },
    PAGE_NUMBERS[0],
    PAGE_NUMBERS[1],
    PAGINATION[2],
];

fn store(s: &crate::state::AppState) -> Status {
    Status::new(s.store.clone())
}

pub fn status_events_create() -> Route {
    Route {
        access: Access::Permission("status:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Write(Table::Content)],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewStatusEvent>),
            responses: const { &[ok::<rampart_content::StatusEvent>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/status/events",
            "status-events-create",
            "records a service's status (admins).",
            |s, c, r| status::post(store(s), &*s.clock, c, r),
        )
    }
}

pub fn status_events_list() -> Route {
    Route {
        rate_limit: Some(Policy::Standard),
        tables: &[
            TableAccess::Read(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
        ],
        api: ApiSpec {
            query: &EVENTS_QUERY,
            responses: const { &[ok::<status::EventPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/status/events",
            "status-events-list",
            "status events, newest first (public).",
            |s, c, r| status::events(store(s), c, r),
        )
    }
}

pub fn status_get() -> Route {
    Route {
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Read(Table::Content)],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::StatusPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/status",
            "status-get",
            "each service's status and the overall status (public).",
            |s, c, r| status::page(store(s), c, r),
        )
    }
}
