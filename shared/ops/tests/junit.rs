//! Every JUnit fixture (real reports from real runners) reads, with the counts the fixtures'
//! README computed independently.

use rampart_ops::flaky::{Outcome, junit};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/junit/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_fixture_reads_with_its_counts() {
    // (file, testcases, failures + errors, skipped)
    let table = [
        ("pytest_automate-dv.xml", 55, 4, 0),
        ("playwright_test-reporter.xml", 60, 4, 20),
        ("nextest_action-junit-report.xml", 3, 1, 0),
        ("gradle_publish-report-annotations.xml", 4, 2, 1),
        ("phpunit_test-reporter.xml", 12, 2, 0),
        ("gotestsum_gotestsum.xml", 60, 13, 5),
        // Produced here (the fixtures' README has the commands): Node's built-in reporter puts
        // top-level tests straight under <testsuites>; pytest 9's default xunit2 output.
        ("node_test-reporter.xml", 8, 2, 2),
        ("pytest9_junitxml.xml", 8, 3, 1),
        ("vitest_junit.xml", 7, 2, 2),
        ("jest_jest-junit.xml", 7, 2, 1),
        // gotestsum lists subtests as their own cases (`Parent/child`), the parent included;
        // JUnit 5 (console launcher, Surefire) writes an exception as <error>, parameterized
        // runs as `name(int)[n]` / `name{int}[n]`; Playwright keeps only a retried test's final
        // attempt.
        ("gotestsum_go.xml", 12, 3, 2),
        ("junit5_console-launcher.xml", 10, 4, 1),
        ("surefire_2.22.3.xml", 10, 4, 1),
        ("nextest_0.9.143.xml", 6, 2, 0),
        ("playwright_1.65.2.xml", 9, 2, 2),
        // nextest with `retries = 1`: 3 cases, 5 runs (a <flakyFailure> before a pass, a
        // <rerunFailure> after a <failure>).
        ("nextest_0.9.143_retries.xml", 5, 3, 0),
    ];
    for (file, cases, failed, skipped) in table {
        let runs = junit::runs(&fixture(file), 0).unwrap_or_else(|e| panic!("{file}: {e}"));
        let count = |o| runs.iter().filter(|r| r.outcome == o).count();
        assert_eq!(runs.len(), cases, "{file} runs");
        assert_eq!(count(Outcome::Failed), failed, "{file} failed");
        assert_eq!(count(Outcome::Skipped), skipped, "{file} skipped");
    }
}

#[test]
fn deeply_nested_suites_are_refused_not_a_stack_overflow() {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let depth = 50_000;
            let xml = format!(
                "<testsuites>{}<testcase name=\"t\"/>{}</testsuites>",
                "<testsuite name=\"s\">".repeat(depth),
                "</testsuite>".repeat(depth)
            );
            let err = rampart_ops::flaky::junit::runs(&xml, 0).unwrap_err();
            assert!(err.to_string().contains("nest"), "{err}");
        })
        .unwrap()
        .join()
        .unwrap();
}
