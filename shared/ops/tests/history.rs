//! Test histories on both store adapters: runs accumulate, the newest N are kept, concurrent
//! reports lose nothing, and candidates come out of one pass.

use rampart_ops::flaky::{Outcome, Run, TestId, history};
use rampart_store::testing::Fixture;

fn run(name: &str, outcome: Outcome, at: i64) -> Run {
    Run {
        test: TestId {
            suite: "s".into(),
            classname: "c".into(),
            name: name.into(),
        },
        outcome,
        at,
        duration_ms: None,
    }
}

async fn an_expired_history_starts_afresh(f: Fixture) {
    let old = [run("old", Outcome::Failed, f.now_secs() - 100 * 86_400)];
    history::record(&f.store, &old, 50, f.now_secs(), None)
        .await
        .unwrap();
    let new = [run("old", Outcome::Passed, f.now_secs())];
    history::record(&f.store, &new, 50, f.now_secs(), None)
        .await
        .unwrap();
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert!(found.is_empty(), "only the fresh pass remains: {found:?}");
}

async fn histories_keep_the_newest_runs_and_find_candidates(f: Fixture) {
    let pattern = "pfpfpppfpp";
    let runs: Vec<Run> = pattern
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let o = if c == 'p' {
                Outcome::Passed
            } else {
                Outcome::Failed
            };
            run("flips", o, f.now_secs() + i as i64)
        })
        .collect();
    assert_eq!(
        history::record(&f.store, &runs, 50, f.now_secs(), None)
            .await
            .unwrap()
            .tests,
        1
    );
    let found = history::candidates(&f.store, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].runs, found[0].failures), (10, 3));
    // Keeping 4: only the newest four runs (p f p p) remain, 25 % failing.
    let one_more = [run("flips", Outcome::Passed, f.now_secs() + 100)];
    history::record(&f.store, &one_more, 4, f.now_secs(), None)
        .await
        .unwrap();
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert_eq!((found[0].runs, found[0].failures), (4, 1));
}

async fn concurrent_reports_lose_no_run(f: Fixture) {
    let store = f.store.clone();
    let now = f.now_secs();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let outcome = if i % 2 == 0 {
            Outcome::Passed
        } else {
            Outcome::Failed
        };
        tasks.push(tokio::spawn(async move {
            history::record(&store, &[run("raced", outcome, now + i)], 50, now, None).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert_eq!((found[0].runs, found[0].failures), (8, 4));
}

async fn a_report_sent_again_with_its_key_counts_once(f: Fixture) {
    let now = f.now_secs();
    // Forty tests, each failing once and passing once: the report a CI job sends.
    let report: Vec<Run> = (0..40)
        .flat_map(|i| {
            let name = format!("t{i:02}");
            [
                run(&name, Outcome::Failed, now),
                run(&name, Outcome::Passed, now + 1),
            ]
        })
        .collect();
    let tag = history::report_tag("key-1", "build-77-attempt-1");
    // The first attempt got a third of the way (a timeout, say).
    let first = history::record(&f.store, &report[..30], 50, now, Some(&tag))
        .await
        .unwrap();
    assert_eq!((first.tests, first.already_recorded), (15, 0));
    // The retry completes it without counting the first fifteen again.
    let retry = history::record(&f.store, &report, 50, now, Some(&tag))
        .await
        .unwrap();
    assert_eq!((retry.tests, retry.already_recorded), (25, 15));
    let again = history::record(&f.store, &report, 50, now, Some(&tag))
        .await
        .unwrap();
    assert_eq!((again.tests, again.already_recorded), (0, 40));
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert_eq!(found.len(), 40);
    assert!(
        found.iter().all(|c| (c.runs, c.failures) == (2, 1)),
        "{found:?}"
    );
    // The next build's report, under its own key, counts.
    let next = history::report_tag("key-1", "build-78-attempt-1");
    let later = history::record(&f.store, &report, 50, now, Some(&next))
        .await
        .unwrap();
    assert_eq!((later.tests, later.already_recorded), (40, 0));
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert!(found.iter().all(|c| c.runs == 4), "{found:?}");
    // Keys are per caller: another caller's identical key is another report.
    assert_ne!(history::report_tag("key-2", "build-78-attempt-1"), next);
}

async fn the_pass_rate_of_the_last_day_counts_each_recorded_run_once(f: Fixture) {
    use rampart_ops::flaky::outcomes::pass_rate;
    let now = f.now_secs();
    assert_eq!(pass_rate(&f.store, now).await.unwrap(), (0, 0, None));
    let report = [
        run("a", Outcome::Passed, now - 3600),
        run("b", Outcome::Passed, now - 2 * 3600),
        run("c", Outcome::Failed, now - 5 * 3600),
        run("d", Outcome::Skipped, now - 60),
        // Two days ago: outside the window.
        run("e", Outcome::Failed, now - 47 * 3600),
    ];
    history::record(&f.store, &report, 50, now, Some("tag-1"))
        .await
        .unwrap();
    // The same report again (a retry): recorded already, counted already.
    history::record(&f.store, &report, 50, now, Some("tag-1"))
        .await
        .unwrap();
    let more = [run("a", Outcome::Passed, now - 10)];
    history::record(&f.store, &more, 50, now, None)
        .await
        .unwrap();
    let (passed, failed, rate) = pass_rate(&f.store, now).await.unwrap();
    assert_eq!((passed, failed), (3, 1));
    assert!((rate.unwrap() - 75.0).abs() < 1e-9);
    // 22 hours on, the window starts at the hour before `now` (08:00, the clock reads 09:00):
    // the two runs of that hour are in, the older ones out.
    let (passed, failed, _) = pass_rate(&f.store, now + 22 * 3600).await.unwrap();
    assert_eq!((passed, failed), (2, 0));
}

rampart_store::both_adapters!(
    the_pass_rate_of_the_last_day_counts_each_recorded_run_once,
    a_report_sent_again_with_its_key_counts_once,
    an_expired_history_starts_afresh,
    histories_keep_the_newest_runs_and_find_candidates,
    concurrent_reports_lose_no_run,
);
