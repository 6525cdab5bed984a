//! Community posts (contract section 3): verified accounts write, everyone reads.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_content::{NewPost, Post, Posts};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock};

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A page of posts.
pub type PostPage = Page<Post>;

/// `GET /api/v1/community/posts` (public): newest first, by page or cursor.
pub fn list<'a>(posts: Posts, _ctx: &'a RequestContext, req: Request<Bytes>) -> HandlerFuture<'a> {
    Box::pin(async move {
        let request = PageRequest::parse(&extract::query(req.uri()))?;
        let page = if request.cursor.is_some() {
            let (items, next) = posts
                .page(request.page_size, request.cursor.clone())
                .await?;
            page_document(items, &request, None, next)
        } else {
            // The total is a counter kept on write, read together with the page; the page
            // reads no further than it shows.
            let (page, total) = futures_util::future::join(
                posts.numbered(request.skip(), request.page_size as usize),
                posts.count(),
            )
            .await;
            let (items, next) = page?;
            page_document(items, &request, Some(total?), next)
        };
        Ok(response::json(StatusCode::OK, &page))
    })
}

/// `POST /api/v1/community/posts`: `201` with the post.
pub fn create<'a>(
    posts: Posts,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let author = ctx
            .principal
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or(ApiError::Unauthenticated)?;
        let new: NewPost = extract::body(ctx)?;
        let post = posts
            .create(&author, new, &rfc3339(clock.now_ms()), clock.now_secs())
            .await?;
        // There is no single-post route to point a `Location` at; the post is in the list.
        Ok(response::json(StatusCode::CREATED, &post))
    })
}
