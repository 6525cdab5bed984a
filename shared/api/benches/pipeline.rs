//! The whole request pipeline in process, on the embedded store: a public read that pings the
//! store, an error path, and a rate-limited JSON write.

use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_api::{Adapters, SourceIp, build_app, routes};
use rampart_core::{Config, Feature, ManualClock};

fn request(method: &str, path: &str, body: &'static [u8]) -> http::Request<Bytes> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/csp-report")
        .body(Bytes::from_static(body))
        .unwrap();
    req.extensions_mut()
        .insert(SourceIp("203.0.113.5".parse().unwrap()));
    req
}

fn pipeline_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let adapters = Adapters::in_memory(clock).with_ports(rampart_api::Ports::ALL);
    let mut config = Config::local();
    // Measure the limiter's cost without hitting its limit mid-run.
    let unlimited = {
        let mut c = config.clone();
        c.set_enabled(Feature::RateLimiting, false);
        c
    };
    config.set_enabled(Feature::RateLimiting, true);
    // The routes measured (the others need a blob store this in-memory host has none of).
    let measured = || {
        routes()
            .into_iter()
            .filter(|r| ["/health", "/csp-report"].contains(&r.path))
            .collect::<Vec<_>>()
    };
    let app = build_app(&config, &adapters, measured()).unwrap();
    let app_unlimited = build_app(&unlimited, &adapters, measured()).unwrap();

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_health", |b| {
        b.to_async(&runtime)
            .iter(|| app.handle(request("GET", "/health", b"")));
    });
    group.bench_function("not_found_problem", |b| {
        b.to_async(&runtime)
            .iter(|| app.handle(request("GET", "/nope", b"")));
    });
    let report: &'static [u8] = br#"{"csp-report":{"document-uri":"https://app.example/","violated-directive":"script-src"}}"#;
    group.bench_function("post_csp_report_unlimited", |b| {
        b.to_async(&runtime)
            .iter(|| app_unlimited.handle(request("POST", "/csp-report", report)));
    });
    group.finish();
}

criterion_group!(benches, pipeline_benches);
criterion_main!(benches);
