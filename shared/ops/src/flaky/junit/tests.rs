use super::*;

#[test]
fn timestamps_with_and_without_zones_read() {
    assert_eq!(epoch("2026-11-22T09:00:00Z"), Some(1_795_338_000));
    assert_eq!(epoch("2026-11-22T10:00:00+01:00"), Some(1_795_338_000));
    assert_eq!(epoch("2026-11-22T09:00:00"), Some(1_795_338_000));
    assert_eq!(epoch("2026-11-22T09:00:00.719939"), Some(1_795_338_000));
    assert_eq!(epoch("yesterday"), None);
}

#[test]
fn retries_are_evidence_and_errors_are_failures() {
    let xml = r#"<testsuites><testsuite name="s" timestamp="2026-11-22T09:00:00">
            <testcase name="flaky" classname="c"><flakyFailure message="boom"/><flakyError/></testcase>
            <testcase name="stuck" classname="c"><failure/><rerunFailure/></testcase>
            <testcase name="broken"><error message="x"><![CDATA[trace <here>]]></error></testcase>
            <testcase name="ünïcode ✓" classname="c" time="0.25"><system-out>hi</system-out></testcase>
            <testcase name="later" classname="c"><skipped/></testcase>
            </testsuite></testsuites>"#;
    let runs = runs(xml, 1_795_340_000).unwrap();
    let outcomes: Vec<(&str, Outcome)> = runs
        .iter()
        .map(|r| (r.test.name.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("flaky", Outcome::Failed),
            ("flaky", Outcome::Failed),
            ("flaky", Outcome::Passed),
            ("stuck", Outcome::Failed),
            ("stuck", Outcome::Failed),
            ("broken", Outcome::Failed),
            ("ünïcode ✓", Outcome::Passed),
            ("later", Outcome::Skipped),
        ]
    );
    assert_eq!(runs[6].duration_ms, Some(250));
    assert!(runs.iter().all(|r| r.at == 1_795_338_000));
    assert_eq!(runs[5].test.classname, "");
}

#[test]
fn testcases_at_any_depth_count_nodes_top_level_ones_included() {
    // Node's built-in reporter: top-level tests directly under <testsuites>, describe
    // blocks as (nested) suites, todo tests as skipped.
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="top &amp; level" time="0.000812" classname="test"/>
	<testsuite name="outer" time="0.01" disabled="0" errors="0" tests="2" failures="1" skipped="0" hostname="ci">
		<testsuite name="inner">
			<testcase name="deep" time="0.0001" classname="test"/>
		</testsuite>
		<testcase name="fails" time="0.001" classname="test">
			<failure type="testCodeFailure" message="Expected values to be strictly equal">
[Error [ERR_TEST_FAILURE]: boom]
			</failure>
		</testcase>
	</testsuite>
	<testcase name="todo" time="0" classname="test"><skipped type="todo"/></testcase>
	<!-- tests 4 -->
</testsuites>"#;
    let runs = runs(xml, 1_795_340_000).unwrap();
    let read: Vec<(&str, &str, Outcome)> = runs
        .iter()
        .map(|r| (r.test.suite.as_str(), r.test.name.as_str(), r.outcome))
        .collect();
    assert_eq!(
        read,
        [
            ("", "top & level", Outcome::Passed),
            ("inner", "deep", Outcome::Passed),
            ("outer", "fails", Outcome::Failed),
            ("", "todo", Outcome::Skipped),
        ]
    );
    assert_eq!(runs[0].duration_ms, Some(1));
}

#[test]
fn malformed_xml_is_an_error_not_a_panic() {
    for bad in [
        "",
        "<testsuites>",
        "not xml",
        "<testsuites><testsuite name='x'><testcase></testsuites>",
        "<html><body/></html>",
        "<testsuites><testcase name='a'/>",
    ] {
        assert!(runs(bad, 0).is_err(), "{bad:?}");
    }
}

#[test]
fn times_out_of_range_fall_back_to_the_enclosing_one() {
    let now = 1_795_340_000; // 2026-11-22T09:33:20Z
    let xml = r#"<testsuites timestamp="2026-11-22T09:00:00Z">
            <testsuite name="old" timestamp="2020-01-01T00:00:00Z"><testcase name="a"/></testsuite>
            <testsuite name="ahead" timestamp="2027-06-01T00:00:00Z"><testcase name="b"/></testsuite>
            <testsuite name="fine" timestamp="2026-11-21T09:00:00Z"><testcase name="c"/></testsuite>
            </testsuites>"#;
    let at: Vec<i64> = runs(xml, now).unwrap().iter().map(|r| r.at).collect();
    assert_eq!(at, [1_795_338_000, 1_795_338_000, 1_795_251_600]);
    // With no usable time anywhere, the time of ingest.
    let bare =
        r#"<testsuite name="s" timestamp="1999-01-01T00:00:00"><testcase name="a"/></testsuite>"#;
    assert_eq!(runs(bare, now).unwrap()[0].at, now);
}

#[test]
fn names_and_counts_are_checked_before_runs_are_copied() {
    let long = "n".repeat(1_001);
    let cases = [
        (
            format!(r#"<testsuite name="s"><testcase name="{long}"/></testsuite>"#),
            "testcase name",
        ),
        (
            r#"<testsuite name="s"><testcase name=" "/></testsuite>"#.to_owned(),
            "testcase name",
        ),
        (
            r#"<testsuite name="s"><testcase classname="c"/></testsuite>"#.to_owned(),
            "testcase name",
        ),
        (
            format!(r#"<testsuite name="{long}"><testcase name="t"/></testsuite>"#),
            "testsuite name",
        ),
        (
            format!(r#"<testsuite name="s"><testcase name="t" classname="{long}"/></testsuite>"#),
            "testcase classname",
        ),
        (
            format!(
                r#"<testsuite name="s">{}</testsuite>"#,
                r#"<testcase name="t"/>"#.repeat(10_001)
            ),
            "report",
        ),
    ];
    for (xml, field) in cases {
        match runs(&xml, 0) {
            Err(JunitError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let max = format!(
        r#"<testsuite name="s">{}</testsuite>"#,
        r#"<testcase name="t"/>"#.repeat(10_000)
    );
    assert_eq!(runs(&max, 0).unwrap().len(), 10_000);
    // A report of no tests is a report: nothing to record.
    assert!(runs("<testsuites/>", 0).unwrap().is_empty());
}
