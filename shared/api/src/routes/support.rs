//! Support tickets (contract section 3).

use http::Method;
use rampart_content::Tickets;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::tickets;
use crate::openapi::{ApiSpec, PAGE_NUMBERS, QueryParam, ok, schema};

/// Tickets: list, open, read, change.
pub(super) const ROUTES: &[Entry] =
    entries![tickets_list, tickets_create, tickets_get, tickets_update];

const READ: TableAccess = TableAccess::Read(Table::Content);
const WRITE: TableAccess = TableAccess::Write(Table::Content);

fn status(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["open", "pending", "resolved", "closed"]})
}

/// `?status=` and the pagination parameters.
const LIST_QUERY: [QueryParam; 4] = [
    QueryParam {
        name: "status",
        description: "Only tickets with this status.",
        required: false,
        schema: status,
    },
    PAGE_NUMBERS[0],
    PAGE_NUMBERS[1],
    crate::openapi::PAGINATION[2],
];

fn store(s: &crate::state::AppState) -> Tickets {
    Tickets::new(s.store.clone())
}

pub fn tickets_list() -> Route {
    Route {
        access: Access::Permission("tickets:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[
            READ,
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
        ],
        api: ApiSpec {
            query: &LIST_QUERY,
            responses: const { &[ok::<tickets::TicketPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/support/tickets",
            "tickets-list",
            "the caller's tickets (every ticket for reviewers and admins), by status.",
            |s, c, r| tickets::list(store(s), &s.audit, c, r),
        )
    }
}

pub fn tickets_create() -> Route {
    Route {
        access: Access::Permission("tickets:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[WRITE],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewTicket>),
            responses: const { &[ok::<rampart_content::Ticket>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/support/tickets",
            "tickets-create",
            "opens a support ticket.",
            |s, c, r| tickets::create(store(s), &*s.clock, c, r),
        )
    }
}

pub fn tickets_get() -> Route {
    Route {
        access: Access::Permission("tickets:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[READ],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Ticket>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/support/tickets/{id}",
            "tickets-get",
            "one ticket (its owner's, or any for reviewers and admins).",
            |s, c, r| tickets::get(store(s), &s.audit, c, r),
        )
    }
}

pub fn tickets_update() -> Route {
    Route {
        access: Access::Permission("tickets:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[WRITE],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::TicketPatch>),
            responses: const { &[ok::<rampart_content::Ticket>(200)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PATCH,
            "/api/v1/support/tickets/{id}",
            "tickets-update",
            "changes a ticket: reviewers and admins anything, its owner only closes it (honours If-Match).",
            |s, c, r| tickets::update(store(s), &*s.clock, c, r),
        )
    }
}
