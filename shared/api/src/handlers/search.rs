//! `GET /api/v1/search?q=` (contract section 3): the caller's projects, the knowledge base and
//! the public community posts, ranked. See `rampart_content::search` for the index.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_content::search::{self, Hit, Kind};
use rampart_content::{Knowledge, Posts, Projects};
use rampart_core::{ApiError, FieldError};
use rampart_store::SharedStore;
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// One search result.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SearchResult {
    /// `project`, `knowledge` or `post`.
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// The start of the text, at most 160 characters.
    pub snippet: String,
    /// Higher is better; comparable within one query only.
    pub score: f64,
}

/// A page of results.
pub type SearchPage = Page<SearchResult>;

fn snippet(text: &str) -> String {
    text.chars().take(160).collect()
}

async fn resolve(
    store: &SharedStore,
    owner: &str,
    hit: &Hit,
) -> Result<Option<SearchResult>, ApiError> {
    let found = match hit.kind {
        Kind::Project => Projects::new(store.clone())
            .get(owner, &hit.id)
            .await?
            .map(|s| (s.project.name, s.project.description)),
        Kind::Knowledge => Knowledge::new(store.clone())
            .get_indexed(&hit.id)
            .await?
            .map(|e| (e.title, e.body)),
        Kind::Post => Posts::new(store.clone())
            .get(&hit.id)
            .await?
            .map(|p| (p.title, p.body)),
    };
    Ok(found.map(|(title, text)| SearchResult {
        kind: hit.kind,
        id: hit.id.clone(),
        title,
        snippet: snippet(&text),
        score: hit.score,
    }))
}

/// The largest offset a search cursor names: far past any ranked list.
const MAX_CURSOR_OFFSET: usize = 1_000_000;

/// Ranks, then reads the documents of the requested page. A cursor is the offset of the next
/// result (`o<n>`), since results are ranked per query.
pub fn get<'a>(
    store: &'a SharedStore,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let owner = ctx
            .principal
            .as_ref()
            .map(|p| p.id.as_str())
            .ok_or(ApiError::Unauthenticated)?;
        let mut params = extract::query(req.uri());
        let q = params.remove("q").unwrap_or_default();
        let words = search::words_of(&q)?;
        let request = PageRequest::parse(&params)?;
        let size = request.page_size as usize;
        let start = match &request.cursor {
            // An offset past any ranked list this route issues is no cursor of ours (and could
            // overflow the page's end).
            Some(cursor) => cursor
                .strip_prefix('o')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= MAX_CURSOR_OFFSET)
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "cursor",
                        "is not a cursor this list issued",
                    )])
                })?,
            None => (request.page as usize - 1).saturating_mul(size),
        };
        let hits = search::rank(store, owner, &words).await?;
        let mut items = Vec::new();
        for hit in hits.iter().skip(start).take(size) {
            if let Some(result) = resolve(store, owner, hit).await? {
                items.push(result);
            }
        }
        let end = start.saturating_add(size);
        let next = (end < hits.len()).then(|| format!("o{end}"));
        let total = request.cursor.is_none().then_some(hits.len() as u64);
        Ok(response::json(
            StatusCode::OK,
            &page_document(items, &request, total, next),
        ))
    })
}
