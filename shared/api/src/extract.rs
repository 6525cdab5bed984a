//! Reading requests: typed JSON bodies, query parameters and pagination.

use std::collections::BTreeMap;

use rampart_core::{ApiError, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::context::RequestContext;

/// The route's JSON body as `T`; a missing or wrongly typed field is `400 validation_failed`
/// naming the field. A route whose body is optional reads an absent body as `{}`.
pub fn body<T: DeserializeOwned>(ctx: &RequestContext) -> Result<T, ApiError> {
    typed(ctx.json.clone().unwrap_or_else(|| json!({})))
}

/// A JSON document as `T`, with the same errors as [`body`].
fn typed<T: DeserializeOwned>(mut document: Value) -> Result<T, ApiError> {
    rampart_core::json::integral_numbers(&mut document);
    if !document.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )]));
    }
    serde_json::from_value(document).map_err(|e| {
        let message = e.to_string();
        let names_a_field =
            message.starts_with("missing field") || message.starts_with("unknown field");
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| names_a_field)
            .unwrap_or("body")
            .to_owned();
        ApiError::Validation(vec![FieldError::new(field, message)])
    })
}

/// The request's media type (`Content-Type` without parameters), lower-cased.
pub fn media_type(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// A JSON body read by the handler itself (routes that check a signature over the raw bytes
/// first): `415` for another content type, `400 invalid_json` or `400 validation_failed`.
pub fn json_bytes<T: DeserializeOwned>(req: &http::Request<bytes::Bytes>) -> Result<T, ApiError> {
    let media_type = media_type(req.headers());
    if !media_type
        .as_deref()
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"))
    {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let document: Value = serde_json::from_slice(req.body())
        .map_err(|e| ApiError::InvalidJson(format!("line {} column {}", e.line(), e.column())))?;
    typed(document)
}

/// The query string's parameters (the last value wins when one repeats).
pub fn query(uri: &http::Uri) -> BTreeMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The default and largest page sizes of every list route.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// A list request: `?page=&page_size=` or `?cursor=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub page_size: u32,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The items of the requested page from a source read by cursor alone, `page_size` at a
    /// time (`read` takes the cursor to go on from): a cursor reads one page; page `n` reads
    /// the `n - 1` before it and drops them; a page past the end is empty.
    pub async fn read_by_cursor<T, E, F, Fut>(
        &self,
        mut read: F,
    ) -> Result<(Vec<T>, Option<String>), E>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), E>>,
    {
        let mut cursor = self.cursor.clone();
        let mut skip = if cursor.is_some() { 0 } else { self.page - 1 };
        loop {
            let (items, next) = read(cursor).await?;
            if skip == 0 {
                return Ok((items, next));
            }
            if next.is_none() {
                return Ok((Vec::new(), None));
            }
            skip -= 1;
            cursor = next;
        }
    }

    /// Parses the pagination parameters; out-of-range values are `400 validation_failed`.
    pub fn parse(params: &BTreeMap<String, String>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let mut number = |name: &str, default: u32, max: u32| match params.get(name) {
            None => default,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        name,
                        format!("must be a whole number from 1 to {max}"),
                    ));
                    default
                }
            },
        };
        let page = number("page", 1, u32::MAX);
        let page_size = number("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        // Page numbers reach the first items of a list only, so a numbered page never reads
        // more than that; the cursor goes on from there in O(1) reads.
        let max_items =
            u32::try_from(rampart_content::listing::MAX_NUMBERED_ITEMS).unwrap_or(u32::MAX);
        let last_page = (max_items / page_size).max(1);
        if page > last_page && !errors.iter().any(|e| e.field == "page") {
            errors.push(FieldError::new(
                "page",
                format!(
                    "page numbers reach the first {max_items} items ({last_page} pages of \
                     {page_size}); go on from the last of them with next_cursor"
                ),
            ));
        }
        let cursor = params.get("cursor").cloned();
        if cursor.is_some() && params.contains_key("page") {
            errors.push(FieldError::new(
                "cursor",
                "send either cursor or page, not both",
            ));
        }
        if cursor.as_deref().is_some_and(str::is_empty) {
            errors.push(FieldError::new("cursor", "must not be empty"));
        }
        if errors.is_empty() {
            Ok(Self {
                page,
                page_size,
                cursor,
            })
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// How many items come before this numbered page.
    pub fn skip(&self) -> usize {
        (self.page as usize - 1).saturating_mul(self.page_size as usize)
    }

    /// The items of this page out of a complete, ordered list.
    pub fn slice<T: Clone>(&self, all: &[T]) -> Vec<T> {
        let start = (self.page as usize - 1).saturating_mul(self.page_size as usize);
        all.iter()
            .skip(start)
            .take(self.page_size as usize)
            .cloned()
            .collect()
    }
}

/// The contract's page document.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items in the whole list, where it is known.
    pub total: Option<u64>,
    /// The page number (`null` when paging by cursor).
    pub page: Option<u32>,
    pub page_size: u32,
    /// Pages in the whole list, where it is known.
    pub pages: Option<u64>,
    /// Where the next page starts, when paging by cursor and more items follow.
    pub next_cursor: Option<String>,
}

/// The page document of `items`.
pub fn page_document<T>(
    items: Vec<T>,
    request: &PageRequest,
    total: Option<u64>,
    next_cursor: Option<String>,
) -> Page<T> {
    Page {
        items,
        total,
        page: request.cursor.is_none().then_some(request.page),
        page_size: request.page_size,
        pages: total.map(|t| t.div_ceil(u64::from(request.page_size)).max(1)),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn pagination_defaults_and_bounds() {
        let ok = PageRequest::parse(&params(&[])).unwrap();
        assert_eq!((ok.page, ok.page_size, ok.cursor), (1, 20, None));
        for bad in [
            &[("page", "0")][..],
            &[("page_size", "0")],
            &[("page_size", "101")],
            &[("page", "x")],
            &[("page", "-1")],
            &[("cursor", "abc"), ("page", "2")],
            &[("cursor", "")],
        ] {
            assert!(
                matches!(
                    PageRequest::parse(&params(bad)),
                    Err(ApiError::Validation(_))
                ),
                "{bad:?}"
            );
        }
        let page = PageRequest::parse(&params(&[("page", "2"), ("page_size", "2")])).unwrap();
        assert_eq!(page.slice(&[1, 2, 3, 4, 5]), [3, 4]);
        let doc = page_document(vec![3, 4], &page, Some(5), None);
        assert_eq!((doc.pages, doc.page), (Some(3), Some(2)));
    }

    #[test]
    fn bodies_name_the_field_that_is_wrong() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Login {
            email: String,
        }
        let mut ctx = RequestContext::new(
            rampart_core::RequestId::from_header(None),
            "127.0.0.1".parse().unwrap(),
            None,
        );
        ctx.json = Some(json!({"email": 5}));
        let Err(ApiError::Validation(errors)) = body::<Login>(&ctx) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors[0].field, "body");
        ctx.json = Some(json!({}));
        let Err(ApiError::Validation(errors)) = body::<Login>(&ctx) else {
            panic!("expected a validation error");
        };
        assert_eq!(errors[0].field, "email");
        ctx.json = Some(json!([1]));
        assert!(body::<Login>(&ctx).is_err());
    }
}
