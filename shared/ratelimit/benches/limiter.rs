//! Limiter decisions per second on the embedded store: allowed checks (one conditional
//! update each) and refusals answered by the deny cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rampart_core::ManualClock;
use rampart_ratelimit::{Limit, Limiter, RateKey, Scope};
use rampart_store::EmbeddedStore;

fn limit(max: u32) -> Limit {
    Limit {
        max,
        window_secs: 60,
        scope: Scope::Caller,
        name: "bench",
    }
}

fn limiter_benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let store = Arc::new(EmbeddedStore::memory(clock.clone()));
    let limiter = Limiter::new(store, clock);
    let mut group = c.benchmark_group("limiter");
    group.throughput(Throughput::Elements(1));

    let next = AtomicU64::new(0);
    group.bench_function("allowed_check_distinct_callers", |b| {
        b.to_async(&runtime).iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed) % 10_000;
            let key = RateKey::new("bench", &format!("ip:10.0.{}.{}", n / 256, n % 256));
            let limiter = &limiter;
            async move { limiter.check(&key, limit(1_000_000)).await.unwrap() }
        });
    });

    let blocked = RateKey::new("bench", "ip:192.0.2.1");
    runtime.block_on(async { while limiter.check(&blocked, limit(1)).await.unwrap().allowed {} });
    group.bench_function("refusal_from_deny_cache", |b| {
        b.to_async(&runtime)
            .iter(|| async { limiter.check(&blocked, limit(1)).await.unwrap() });
    });
    group.finish();
}

criterion_group!(benches, limiter_benches);
criterion_main!(benches);
