//! Creates with and without an idempotency key, a replay, and a conditional read that answers
//! 304, through the whole pipeline in process on the embedded store. The caller is a fixed
//! verified bearer principal (the authenticator is replaced), so the numbers are the cost of
//! the stages and handlers, not of verifying a JWT.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::request::Parts;
use rampart_api::{Adapters, Authenticated, Authenticator, SourceIp, build_app, routes};
use rampart_core::ApiError;
use rampart_core::{Config, Feature, ManualClock};
use rampart_rbac::{Principal, PrincipalKind, Role};

/// Every request is the same verified viewer.
struct Viewer;

#[async_trait]
impl Authenticator for Viewer {
    async fn authenticate(&self, _parts: &Parts) -> Result<Option<Authenticated>, ApiError> {
        Ok(Some(
            Principal {
                id: "bench-user".into(),
                role: Some(Role::Viewer),
                grants: Vec::new(),
                email_verified: true,
                kind: PrincipalKind::Bearer,
                session_id: None,
                ceiling: None,
            }
            .into(),
        ))
    }
}

fn request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &'static [u8],
) -> http::Request<Bytes> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut req = builder.body(Bytes::from_static(body)).unwrap();
    req.extensions_mut()
        .insert(SourceIp("203.0.113.5".parse().unwrap()));
    req
}

fn idempotency_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let adapters = Adapters {
        authenticator: Some(Arc::new(Viewer)),
        ..Adapters::in_memory(clock)
    };
    let mut config = Config::local();
    config.set_enabled(Feature::RateLimiting, false);
    let projects = routes()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/projects"))
        .collect();
    let app = build_app(&config, &adapters, projects).unwrap();
    let body: &'static [u8] = br#"{"name": "Lamp", "description": "warm"}"#;

    let mut group = c.benchmark_group("projects");
    group.throughput(Throughput::Elements(1));
    group.bench_function("create", |b| {
        b.to_async(&runtime)
            .iter(|| app.handle(request("POST", "/api/v1/projects", &[], body)));
    });
    let counter = AtomicU64::new(0);
    group.bench_function("create_with_new_key", |b| {
        b.to_async(&runtime).iter(|| {
            let key = format!("key-{}", counter.fetch_add(1, Ordering::Relaxed));
            let app = app.clone();
            async move {
                app.handle(request(
                    "POST",
                    "/api/v1/projects",
                    &[("idempotency-key", &key)],
                    body,
                ))
                .await
            }
        });
    });
    let first = runtime.block_on(app.handle(request(
        "POST",
        "/api/v1/projects",
        &[("idempotency-key", "replayed")],
        body,
    )));
    assert_eq!(first.status(), 201);
    group.bench_function("replay", |b| {
        b.to_async(&runtime).iter(|| {
            app.handle(request(
                "POST",
                "/api/v1/projects",
                &[("idempotency-key", "replayed")],
                body,
            ))
        });
    });
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let read = runtime.block_on(app.handle(request("GET", &location, &[], b"")));
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    group.bench_function("get_if_none_match_304", |b| {
        b.to_async(&runtime)
            .iter(|| app.handle(request("GET", &location, &[("if-none-match", &tag)], b"")));
    });
    group.finish();
}

criterion_group!(benches, idempotency_benches);
criterion_main!(benches);
