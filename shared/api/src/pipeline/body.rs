//! Body stages: the size limit, the content type of JSON routes, and JSON syntax.

use bytes::Bytes;
use http::Request;
use rampart_core::ApiError;

use crate::MAX_BODY_BYTES;
use crate::context::RequestContext;
use crate::routes::{BodyKind, Route};

/// Refuses oversized bodies (413), wrong content types (415) and malformed JSON (400), and
/// leaves the parsed document in the context.
pub(super) fn check(
    route: &Route,
    req: &Request<Bytes>,
    ctx: &mut RequestContext,
) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if req.body().len() > MAX_BODY_BYTES || declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let extra: &[&str] = match route.body {
        BodyKind::None => return Ok(()),
        BodyKind::OptionalJson if req.body().is_empty() => return Ok(()),
        BodyKind::Json | BodyKind::OptionalJson => &[],
        BodyKind::JsonAlso(types) => types,
    };
    if !route.is_write() {
        return Ok(());
    }
    let media_type = crate::extract::media_type(req.headers());
    let accepted = media_type
        .as_deref()
        .is_some_and(|t| t == "application/json" || t.ends_with("+json") || extra.contains(&t));
    if !accepted {
        return Err(ApiError::UnsupportedMediaType {
            expected: "application/json",
        });
    }
    let mut document: serde_json::Value = serde_json::from_slice(req.body()).map_err(|e| {
        ApiError::InvalidJson(format!(
            "{} at line {} column {}",
            describe(&e),
            e.line(),
            e.column()
        ))
    })?;
    rampart_core::json::integral_numbers(&mut document);
    ctx.json = Some(document);
    Ok(())
}

fn describe(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "unreadable value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::Access;
    use http::Method;

    fn route(body: BodyKind) -> Route {
        Route {
            method: Method::POST,
            path: "/x",
            function: "x",
            summary: "A test route.",
            handler: crate::state::not_found_handler,
            access: Access::Public,
            verified: false,
            rate_limit: None,
            feature: None,
            body,
            tables: &[],
            secrets: false,
            uses: &[],
            api: crate::openapi::ApiSpec::UNDECLARED,
            idempotent: false,
            prefetch: None,
            memory: crate::routes::Memory::Standard,
            blobs: &[],
        }
    }

    fn request(content_type: Option<&str>, body: &'static [u8]) -> Request<Bytes> {
        let mut builder = Request::post("/x");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Bytes::from_static(body)).unwrap()
    }

    fn ctx() -> RequestContext {
        RequestContext::new(
            rampart_core::RequestId::from_header(None),
            "127.0.0.1".parse().unwrap(),
            None,
        )
    }

    #[test]
    fn json_routes_check_type_then_syntax() {
        let json = route(BodyKind::Json);
        let cases: [(Option<&str>, &'static [u8], Option<&str>); 6] = [
            (Some("application/json"), b"{\"a\":1}", None),
            (Some("application/json; charset=utf-8"), b"[]", None),
            (Some("application/merge-patch+json"), b"{}", None),
            (Some("text/plain"), b"{}", Some("unsupported_media_type")),
            (None, b"{}", Some("unsupported_media_type")),
            (Some("application/json"), b"{\"a\":", Some("invalid_json")),
        ];
        for (ct, body, expected) in cases {
            let result = check(&json, &request(ct, body), &mut ctx());
            assert_eq!(result.err().map(|e| e.code()), expected, "{ct:?}");
        }
    }

    #[test]
    fn extra_types_are_accepted_where_declared() {
        let csp = route(BodyKind::JsonAlso(&["application/csp-report"]));
        assert!(
            check(
                &csp,
                &request(Some("application/csp-report"), b"{}"),
                &mut ctx()
            )
            .is_ok()
        );
        let plain = route(BodyKind::Json);
        assert!(
            check(
                &plain,
                &request(Some("application/csp-report"), b"{}"),
                &mut ctx()
            )
            .is_err()
        );
    }

    #[test]
    fn oversized_bodies_are_refused_even_when_only_declared() {
        let r = route(BodyKind::None);
        let big = Bytes::from(vec![b'x'; MAX_BODY_BYTES + 1]);
        let req = Request::post("/x").body(big).unwrap();
        assert_eq!(
            check(&r, &req, &mut ctx()).unwrap_err().code(),
            "payload_too_large"
        );
        let declared = Request::post("/x")
            .header("content-length", (MAX_BODY_BYTES + 1).to_string())
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            check(&r, &declared, &mut ctx()).unwrap_err().code(),
            "payload_too_large"
        );
    }
}
