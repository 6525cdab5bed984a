//! What checking a request's access token costs: a full verification (header, HMAC-SHA256,
//! claims) against the same token remembered by the process, as every request after a
//! client's first pays; and a stored address read back.

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_auth::Email;
use rampart_auth::access_token::{Verified, issue, verify};
use rampart_auth::keyring::Keyring;
use rampart_core::Masked;
use rampart_core::secrets::KeyEntry;

fn tokens(c: &mut Criterion) {
    let keys = Keyring::from_entries(&[KeyEntry {
        kid: "k1".to_owned(),
        secret: Masked::new("k1-0123456789abcdef0123456789abcdef-bench".to_owned()),
    }])
    .expect("a keyring");
    let now = 1_795_338_000;
    let token = issue(
        &keys,
        "01JD5Q7Y3M4W8X9Z0A1B2C3D4E",
        "01JD5Q7Y3M4W8X9Z0A1B2C3D4F",
        now,
    );
    let remembered = Verified::default();
    remembered.verify(&keys, &token, now).expect("verifies");
    let mut group = c.benchmark_group("access_token");
    group.bench_function("verify", |b| b.iter(|| verify(&keys, &token, now)));
    group.bench_function("verify_remembered", |b| {
        b.iter(|| remembered.verify(&keys, &token, now))
    });
    group.finish();
    c.bench_function("email/parse_stored_ascii", |b| {
        b.iter(|| Email::parse("ada.lovelace+work@example.com"))
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);
