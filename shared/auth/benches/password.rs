//! Argon2id with the production parameters (m = 19 MiB, t = 2, p = 1): what one hash and one
//! verification cost on this machine. Every login and registration pays one of them.

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_auth::password::PasswordHasher;

fn argon2(c: &mut Criterion) {
    let hasher = PasswordHasher::new();
    let password = "violet kettle under 42 lanterns";
    let phc = hasher.hash(password).expect("hash");
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(20);
    group.bench_function("hash", |b| b.iter(|| hasher.hash(password)));
    group.bench_function("verify", |b| b.iter(|| hasher.verify(password, Some(&phc))));
    group.bench_function("verify_unknown_account", |b| {
        b.iter(|| hasher.verify(password, None))
    });
    group.finish();
}

criterion_group!(benches, argon2);
criterion_main!(benches);
