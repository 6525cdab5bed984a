//! What the CI-intelligence parsers cost on the largest real inputs in the fixtures: the
//! formbricks schema pair (about 20 KB each) parsed and diffed as `POST /internal/schema/diff`
//! does, a generated pair of about 500 KB each (two models joined by 15,000 many-to-many
//! relations, the shape that once made the diff quadratic), and the pytest JUnit report (44 KB)
//! read into runs as `POST /internal/tests/ingest` does.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_ops::flaky::junit;
use rampart_ops::schema::{diff, parse};

const BASE: &str = include_str!("../tests/fixtures/prisma/formbricks_1_base.prisma");
const TARGET: &str = include_str!("../tests/fixtures/prisma/formbricks_1_target.prisma");
const REPORT: &str = include_str!("../tests/fixtures/junit/pytest_automate-dv.xml");

mod support {
    include!("../tests/support/many_relations.rs");
}

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("ops");
    group.bench_function("schema_parse_formbricks_base", |b| {
        b.iter(|| parse(black_box(BASE)).expect("parses"))
    });
    let (base, target) = (parse(BASE).unwrap(), parse(TARGET).unwrap());
    group.bench_function("schema_diff_formbricks", |b| {
        b.iter(|| diff(black_box(&base), black_box(&target)))
    });
    group.bench_function("schema_parse_both_and_diff_formbricks", |b| {
        b.iter(|| {
            let base = parse(black_box(BASE)).expect("parses");
            let target = parse(black_box(TARGET)).expect("parses");
            diff(&base, &target)
        })
    });
    let (many_base, many_target) = support::many_relations(15_000);
    group.bench_function("schema_parse_15000_relations", |b| {
        b.iter(|| parse(black_box(&many_base)).expect("parses"))
    });
    let (parsed_base, parsed_target) = (parse(&many_base).unwrap(), parse(&many_target).unwrap());
    group.bench_function("schema_diff_15000_relations", |b| {
        b.iter(|| diff(black_box(&parsed_base), black_box(&parsed_target)))
    });
    group.bench_function("schema_parse_both_and_diff_15000_relations", |b| {
        b.iter(|| {
            let base = parse(black_box(&many_base)).expect("parses");
            let target = parse(black_box(&many_target)).expect("parses");
            diff(&base, &target)
        })
    });
    group.bench_function("junit_runs_pytest_44kb", |b| {
        b.iter(|| junit::runs(black_box(REPORT), 1_790_000_000).expect("reads"))
    });
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
