//! A three-word search over 10,000 knowledge entries (plus a caller's projects and public
//! posts), through the whole pipeline in process on the embedded store: its store round trips
//! and its latency. The caller is a fixed verified bearer principal.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::request::Parts;
use rampart_api::{Adapters, Authenticated, Authenticator, SourceIp, build_app, routes};
use rampart_content::{Knowledge, NewEntry};
use rampart_core::{ApiError, Config, Feature, ManualClock};
use rampart_rbac::{Principal, PrincipalKind, Role};

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

const WORDS: [&str; 24] = [
    "rotate",
    "signing",
    "keys",
    "deploy",
    "lambda",
    "table",
    "index",
    "cursor",
    "session",
    "refresh",
    "token",
    "audit",
    "export",
    "bucket",
    "upload",
    "status",
    "ticket",
    "project",
    "search",
    "query",
    "limit",
    "window",
    "schema",
    "migration",
];

fn search_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let adapters = Adapters {
        authenticator: Some(Arc::new(Viewer)),
        ..Adapters::in_memory(clock)
    };
    let knowledge = Knowledge::new(adapters.store.clone());
    runtime.block_on(async {
        for n in 0..10_000usize {
            // Twelve words an entry, drawn from 24, so every word is in about half of them.
            let body: Vec<&str> = (0..12)
                .map(|i| WORDS[(n * 7 + i * 5) % WORDS.len()])
                .collect();
            let entry = NewEntry {
                title: format!("Entry {n}"),
                body: body.join(" "),
                tags: Vec::new(),
            };
            knowledge
                .create("bench-author", entry, "2026-11-26T10:00:00Z")
                .await
                .unwrap();
        }
    });
    let mut config = Config::local();
    config.set_enabled(Feature::RateLimiting, false);
    let app = build_app(
        &config,
        &adapters,
        routes()
            .into_iter()
            .filter(|r| r.path == "/api/v1/search")
            .collect(),
    )
    .unwrap();
    let request = || {
        let mut req = http::Request::builder()
            .uri("/api/v1/search?q=rotate%20signing%20keys")
            .body(Bytes::new())
            .unwrap();
        req.extensions_mut()
            .insert(SourceIp("203.0.113.5".parse().unwrap()));
        req
    };
    let before = adapters.store.round_trips();
    let response = runtime.block_on(app.handle(request()));
    assert_eq!(response.status(), 200);
    println!(
        "search: 3 words over 10,000 entries, {} store round trips",
        adapters.store.round_trips() - before
    );
    c.bench_function("search/three_words_over_10000_entries", |b| {
        b.to_async(&runtime).iter(|| app.handle(request()));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = search_benches
}
criterion_main!(benches);
