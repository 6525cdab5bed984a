//! Projects (contract section 3): each verified caller's own.

use http::Method;
use rampart_content::Projects;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::projects;
use crate::openapi::{ApiSpec, empty, ok, schema};

/// Projects: list, create, read, change, delete.
pub(super) const ROUTES: &[Entry] = entries![
    projects_list,
    projects_create,
    projects_get,
    projects_update,
    projects_delete
];

const READ: TableAccess = TableAccess::Read(Table::Content);
const WRITE: TableAccess = TableAccess::Write(Table::Content);

fn store(s: &crate::state::AppState) -> Projects {
    Projects::new(s.store.clone())
}

pub fn projects_list() -> Route {
    Route {
        access: Access::Permission("projects:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[READ],
        api: ApiSpec {
            query: &crate::openapi::PAGINATION,
            responses: const { &[ok::<projects::ProjectPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/projects",
            "projects-list",
            "lists the caller's projects, by page or cursor.",
            |s, c, r| projects::list(store(s), c, r),
        )
    }
}

pub fn projects_create() -> Route {
    Route {
        access: Access::Permission("projects:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[WRITE],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewProject>),
            responses: const { &[ok::<rampart_content::Project>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/projects",
            "projects-create",
            "creates a project owned by the caller.",
            |s, c, r| projects::create(store(s), &*s.clock, c, r),
        )
    }
}

pub fn projects_get() -> Route {
    Route {
        prefetch: Some(projects::prefetch),
        access: Access::Permission("projects:read"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[READ],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Project>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/projects/{id}",
            "projects-get",
            "one of the caller's projects.",
            |s, c, r| projects::get(store(s), c, r),
        )
    }
}

pub fn projects_update() -> Route {
    Route {
        prefetch: Some(projects::prefetch),
        access: Access::Permission("projects:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[WRITE],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::ProjectPatch>),
            responses: const { &[ok::<rampart_content::Project>(200)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::PATCH,
            "/api/v1/projects/{id}",
            "projects-update",
            "changes a project's name or description (honours If-Match).",
            |s, c, r| projects::update(store(s), &*s.clock, c, r),
        )
    }
}

pub fn projects_delete() -> Route {
    Route {
        prefetch: Some(projects::prefetch),
        access: Access::Permission("projects:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[WRITE],
        api: ApiSpec {
            responses: const { &[empty(204)] },
            if_match: true,
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::DELETE,
            "/api/v1/projects/{id}",
            "projects-delete",
            "deletes a project (honours If-Match).",
            |s, c, r| projects::delete(store(s), c, r),
        )
    }
}
