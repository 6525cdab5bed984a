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
    history::record(&f.store, &old, 50, f.now_secs())
        .await
        .unwrap();
    let new = [run("old", Outcome::Passed, f.now_secs())];
    history::record(&f.store, &new, 50, f.now_secs())
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
        history::record(&f.store, &runs, 50, f.now_secs())
            .await
            .unwrap(),
        1
    );
    let found = history::candidates(&f.store, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].runs, found[0].failures), (10, 3));
    // Keeping 4: only the newest four runs (p f p p) remain, 25 % failing.
    let one_more = [run("flips", Outcome::Passed, f.now_secs() + 100)];
    history::record(&f.store, &one_more, 4, f.now_secs())
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
            history::record(&store, &[run("raced", outcome, now + i)], 50, now).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let found = history::candidates(&f.store, 1).await.unwrap();
    assert_eq!((found[0].runs, found[0].failures), (8, 4));
}

rampart_store::both_adapters!(
    an_expired_history_starts_afresh,
    histories_keep_the_newest_runs_and_find_candidates,
    concurrent_reports_lose_no_run,
);
