//! Community posts (contract section 3).

use http::Method;
use rampart_content::Posts;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BodyKind, Entry, Route, TableAccess};
use crate::handlers::posts;
use crate::openapi::{ApiSpec, PAGINATION, ok, schema};

/// Posts: the public list, and writing one.
pub(super) const ROUTES: &[Entry] = entries![posts_list, posts_create];

fn store(s: &crate::state::AppState) -> Posts {
    Posts::new(s.store.clone())
}

pub fn posts_list() -> Route {
    Route {
        // Public: limited per client address.
        rate_limit: Some(Policy::Standard),
        tables: &[
            TableAccess::Read(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
        ],
        api: ApiSpec {
            query: &PAGINATION,
            responses: const { &[ok::<posts::PostPage>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/api/v1/community/posts",
            "posts-list",
            "community posts, newest first (public).",
            |s, c, r| posts::list(store(s), c, r),
        )
    }
}

pub fn posts_create() -> Route {
    Route {
        access: Access::Permission("posts:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Write(Table::Content)],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewPost>),
            responses: const { &[ok::<rampart_content::Post>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/community/posts",
            "posts-create",
            "publishes a community post.",
            |s, c, r| posts::create(store(s), &*s.clock, c, r),
        )
    }
}
