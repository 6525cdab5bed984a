//! Projects (contract section 3): each caller's own, created, listed, read, changed and
//! deleted. Single reads carry a strong `ETag` (the pipeline's conditional stage); `PATCH` and
//! `DELETE` honour `If-Match` with the same tag; `POST` and `PATCH` take an
//! `Idempotency-Key` (the pipeline's idempotency stage).

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use rampart_content::{NewProject, Project, ProjectPatch, Projects};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock};

use crate::context::RequestContext;
use crate::entity_tags::{etag, if_match_holds};
use crate::extract::{self, Page, PageRequest, page_document};
use crate::idempotency::Answer;
use crate::response;
use crate::state::HandlerFuture;

/// A page of projects.
pub type ProjectPage = Page<Project>;

fn owner(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.principal
        .as_ref()
        .map(|p| p.id.as_str())
        .ok_or(ApiError::Unauthenticated)
}

fn project_id(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.param("id").ok_or(ApiError::ResourceNotFound)
}

/// Where the pipeline finds the project a request names ([`crate::context::Prefetch`]).
pub fn prefetch(
    input: &crate::context::PrefetchInput<'_>,
) -> Option<(rampart_store::Table, rampart_store::Key)> {
    Some(Projects::key(input.caller?, input.params.get("id")?))
}

/// `projects`, knowing the project the pipeline read for this caller and path, if it did.
fn knowing(projects: Projects, ctx: &RequestContext) -> Result<Projects, ApiError> {
    let (table, key) = Projects::key(owner(ctx)?, project_id(ctx)?);
    Ok(projects.knowing(ctx.prefetched(table, &key)))
}

/// The tag a `GET` of the project carries: the digest of its document's exact bytes.
fn tag_of(project: &Project) -> String {
    etag(&serde_json::to_vec(project).unwrap_or_default())
}

/// The project document with its `ETag`, so a client can change it next with `If-Match`.
fn tagged(status: StatusCode, project: &Project) -> Response<Bytes> {
    let mut response = response::json(status, project);
    if let Ok(value) = HeaderValue::from_str(&tag_of(project)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// `GET /api/v1/projects`: by page number (with the total) or by cursor.
pub fn list<'a>(
    projects: Projects,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let owner = owner(ctx)?;
        let request = PageRequest::parse(&extract::query(req.uri()))?;
        let page = if request.cursor.is_some() {
            let (items, next) = projects
                .page(owner, request.page_size, request.cursor.clone())
                .await?;
            page_document(items, &request, None, next)
        } else {
            // The total is a counter kept on write, read together with the page; the page
            // reads no further than it shows and carries the cursor after it.
            let (page, total) = futures_util::future::join(
                projects.numbered(owner, request.skip(), request.page_size as usize),
                projects.count(owner),
            )
            .await;
            let (items, next) = page?;
            page_document(items, &request, Some(total?), next)
        };
        Ok(response::json(StatusCode::OK, &page))
    })
}

/// `POST /api/v1/projects`: `201` with the project and its `Location`.
pub fn create<'a>(
    projects: Projects,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let new: NewProject = extract::body(ctx)?;
        // The project and the answer to the request's key are stored together.
        let mut answer = Answer::new(ctx);
        projects
            .create_with(owner(ctx)?, new, &rfc3339(clock.now_ms()), |project| {
                let mut response = tagged(StatusCode::CREATED, project);
                if let Ok(value) =
                    HeaderValue::from_str(&format!("/api/v1/projects/{}", project.id))
                {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                answer.record(response)
            })
            .await?;
        answer.committed()
    })
}

/// `GET /api/v1/projects/{id}`.
pub fn get<'a>(
    projects: Projects,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let stored = knowing(projects, ctx)?
            .get(owner(ctx)?, project_id(ctx)?)
            .await?
            .ok_or(ApiError::ResourceNotFound)?;
        Ok(response::json(StatusCode::OK, &stored.project))
    })
}

/// `PATCH /api/v1/projects/{id}`: `412` when `If-Match` names another version.
pub fn update<'a>(
    projects: Projects,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let patch: ProjectPatch = extract::body(ctx)?;
        let headers = req.headers();
        let mut answer = Answer::new(ctx);
        knowing(projects, ctx)?
            .update_with(
                owner(ctx)?,
                project_id(ctx)?,
                patch,
                &rfc3339(clock.now_ms()),
                |current| if_match_holds(headers, &tag_of(current)),
                |changed| answer.record(tagged(StatusCode::OK, changed)),
            )
            .await?;
        answer.committed()
    })
}

/// `DELETE /api/v1/projects/{id}`: `204`; `412` when `If-Match` names another version.
pub fn delete<'a>(
    projects: Projects,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let headers = req.headers();
        knowing(projects, ctx)?
            .delete(owner(ctx)?, project_id(ctx)?, |current| {
                if_match_holds(headers, &tag_of(current))
            })
            .await?;
        Ok(response::empty(StatusCode::NO_CONTENT))
    })
}
