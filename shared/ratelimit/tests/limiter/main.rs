//! The limiter against both store adapters: exact counts under concurrency, headers,
//! progressive backoff across instances, the deny cache and round trips per check.

use std::sync::Arc;

use rampart_ratelimit::{Limit, Limiter, RateKey, Scope, rate_limit_headers};
use rampart_store::testing::Fixture;

fn limit(max: u32) -> Limit {
    Limit {
        max,
        window_secs: 60,
        scope: Scope::Caller,
        name: "test",
    }
}

fn limiter(f: &Fixture) -> Limiter {
    Limiter::new(f.store.clone(), f.clock.clone())
}

/// Moves the fixture clock to the start of the next minute.
fn next_window(f: &Fixture) {
    let now = f.now_secs();
    f.clock.advance_secs(60 - now.rem_euclid(60));
}

async fn the_limit_allows_exactly_max_then_refuses_until_the_window_ends(f: Fixture) {
    let l = limiter(&f);
    let key = RateKey::new("test", "ip:192.0.2.1");
    for expected_remaining in (0..5).rev() {
        let d = l.check(&key, limit(5)).await.unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, expected_remaining);
    }
    let refused = l.check(&key, limit(5)).await.unwrap();
    assert!(!refused.allowed);
    assert!(
        refused.fresh_violation,
        "the first refusal is a new violation"
    );
    let window_end = (f.now_secs() / 60 + 1) * 60;
    assert_eq!(refused.reset_at, window_end);
    assert_eq!(
        refused.retry_after_secs(),
        (window_end - f.now_secs()) as u64
    );
    let headers = rate_limit_headers(&refused);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("x-ratelimit-limit").as_deref(), Some("5"));
    assert_eq!(get("x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(get("x-ratelimit-reset"), Some(window_end.to_string()));
    assert_eq!(
        get("ratelimit-policy").as_deref(),
        Some("\"test\";q=5;w=60")
    );
    assert!(get("retry-after").is_some());

    next_window(&f);
    assert!(
        l.check(&key, limit(5)).await.unwrap().allowed,
        "a new window starts afresh"
    );
    let other = RateKey::new("test", "ip:192.0.2.2");
    assert!(
        l.check(&other, limit(5)).await.unwrap().allowed,
        "keys are independent"
    );
}

async fn three_n_concurrent_requests_allow_exactly_n(f: Fixture) {
    let l = Arc::new(limiter(&f));
    let key = RateKey::new("burst", "u:01USER");
    let n = 10;
    let mut tasks = Vec::new();
    for _ in 0..3 * n {
        let l = l.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move { l.check(&key, limit(n)).await }));
    }
    let mut allowed = 0;
    let mut fresh = 0;
    for task in tasks {
        let d = task.await.unwrap().unwrap();
        allowed += u32::from(d.allowed);
        fresh += u32::from(d.fresh_violation);
    }
    assert_eq!(allowed, n);
    assert_eq!(fresh, 1, "one violation per window, however many refusals");
}

async fn an_allowed_check_is_one_round_trip_and_a_cached_denial_none(f: Fixture) {
    let l = limiter(&f);
    let key = RateKey::new("trips", "ip:198.51.100.7");
    let before = f.store.round_trips();
    assert!(l.check(&key, limit(1)).await.unwrap().allowed);
    assert_eq!(f.store.round_trips() - before, 1);
    assert!(!l.check(&key, limit(1)).await.unwrap().allowed);
    let after_refusal = f.store.round_trips();
    for _ in 0..20 {
        assert!(!l.check(&key, limit(1)).await.unwrap().allowed);
    }
    assert_eq!(
        f.store.round_trips(),
        after_refusal,
        "the deny cache answers retries"
    );
    assert_eq!(l.deny_cache().len(), 1);
}

async fn repeat_offenders_are_locked_out_1_5_15_60_minutes(f: Fixture) {
    let key = RateKey::new("login", "ip:203.0.113.9");
    let mut lockouts = Vec::new();
    for _violation in 1..=5 {
        // A fresh limiter each time: the lockout must hold across function instances.
        let l = limiter(&f);
        while l.check(&key, limit(2)).await.unwrap().allowed {}
        let refused = l.check(&key, limit(2)).await.unwrap();
        assert!(!refused.allowed);
        let fresh_instance = limiter(&f);
        let decision = fresh_instance.check(&key, limit(2)).await.unwrap();
        let lock = decision.locked_until.map(|u| u - f.now_secs()).unwrap_or(0);
        lockouts.push(lock);
        // Wait out the lockout and the window.
        f.clock.advance_secs(lock);
        next_window(&f);
        let after = limiter(&f).check(&key, limit(2)).await.unwrap();
        assert!(after.allowed, "allowed again once the lockout has passed");
    }
    assert_eq!(lockouts, [0, 60, 300, 900, 3600]);

    // After a quiet day the ladder starts again.
    f.clock.advance_secs(24 * 3600 + 60);
    let l = limiter(&f);
    while l.check(&key, limit(2)).await.unwrap().allowed {}
    let refused = limiter(&f).check(&key, limit(2)).await.unwrap();
    assert_eq!(refused.locked_until, None);
}

async fn a_locked_caller_stays_refused_in_the_next_window(f: Fixture) {
    let key = RateKey::new("login", "ip:203.0.113.10");
    let l = limiter(&f);
    while l.check(&key, limit(1)).await.unwrap().allowed {}
    next_window(&f);
    // The second violation, 50 s into its window, starts a 60 s lockout ...
    f.clock.advance_secs(50);
    let l = limiter(&f);
    while l.check(&key, limit(1)).await.unwrap().allowed {}
    // ... which still holds 10 s into the next window.
    next_window(&f);
    let refused = limiter(&f).check(&key, limit(1)).await.unwrap();
    assert!(!refused.allowed, "lockout outlives the window");
    assert!(refused.locked_until.is_some());
}

async fn account_limits_never_lock_the_account_out(f: Fixture) {
    // Anyone can spend an account's budget by naming the account; a lockout would let them
    // shut its owner out for an hour.
    let key = RateKey::new("auth-password-account", "acct:victim@example.com");
    let account = Limit {
        scope: Scope::Account,
        ..limit(2)
    };
    for _ in 0..5 {
        let l = limiter(&f);
        while l.check(&key, account).await.unwrap().allowed {}
        let refused = limiter(&f).check(&key, account).await.unwrap();
        assert_eq!(refused.locked_until, None);
        next_window(&f);
        assert!(
            limiter(&f).check(&key, account).await.unwrap().allowed,
            "the next window is open again"
        );
    }
}

async fn counts_made_before_the_limit_is_known_allow_exactly_max(f: Fixture) {
    let l = Arc::new(limiter(&f));
    let key = RateKey::new("early", "u:01EARLY");
    let n = 10;
    let mut tasks = Vec::new();
    for _ in 0..3 * n {
        let l = l.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let counted = l.count(&key, 60).await;
            l.settle(counted, limit(n)).await
        }));
    }
    let mut remaining = Vec::new();
    let mut fresh = 0;
    for task in tasks {
        let d = task.await.unwrap().unwrap();
        if d.allowed {
            remaining.push(d.remaining);
        }
        fresh += u32::from(d.fresh_violation);
    }
    remaining.sort_unstable();
    assert_eq!(remaining, (0..n).collect::<Vec<_>>(), "each count once");
    assert_eq!(fresh, 1, "one violation per window");
    // The refusals went to the deny cache: the next count costs no store call.
    let before = f.store.round_trips();
    let cached = l.settle(l.count(&key, 60).await, limit(n)).await.unwrap();
    assert!(!cached.allowed);
    assert_eq!(f.store.round_trips(), before);
}

async fn a_count_given_back_costs_nothing_and_a_lockout_still_refuses(f: Fixture) {
    let l = limiter(&f);
    let key = RateKey::new("early", "u:01BACK");
    for _ in 0..7 {
        let counted = l.count(&key, 60).await;
        l.give_back(counted).await.unwrap();
    }
    for expected in (0..3).rev() {
        let d = l.settle(l.count(&key, 60).await, limit(3)).await.unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, expected);
    }
    // A limit with another window is checked afresh, the early count given back.
    let hourly = Limit {
        window_secs: 3600,
        ..limit(1)
    };
    let other = RateKey::new("early", "u:01HOUR");
    assert!(
        l.settle(l.count(&other, 60).await, hourly)
            .await
            .unwrap()
            .allowed
    );
    assert!(
        !l.settle(l.count(&other, 60).await, hourly)
            .await
            .unwrap()
            .allowed
    );
    // Repeat offenders are locked out the same way as with `check`, across instances (a
    // fresh limiter has no deny cache, so the store's lock answers).
    let offender = RateKey::new("early", "u:01LOCK");
    let mut locked = None;
    for _ in 0..3 {
        let l = limiter(&f);
        loop {
            let d = l
                .settle(l.count(&offender, 60).await, limit(1))
                .await
                .unwrap();
            if !d.allowed {
                locked = d.locked_until.or(locked);
                break;
            }
        }
        next_window(&f);
    }
    let until = locked.expect("a lockout after repeated violations");
    assert!(until > f.now_secs());
    let fresh = limiter(&f);
    let refused = fresh
        .settle(fresh.count(&offender, 60).await, limit(1))
        .await
        .unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.locked_until, Some(until));
}

rampart_store::both_adapters!(
    counts_made_before_the_limit_is_known_allow_exactly_max,
    a_count_given_back_costs_nothing_and_a_lockout_still_refuses,
    account_limits_never_lock_the_account_out,
    the_limit_allows_exactly_max_then_refuses_until_the_window_ends,
    three_n_concurrent_requests_allow_exactly_n,
    an_allowed_check_is_one_round_trip_and_a_cached_denial_none,
    repeat_offenders_are_locked_out_1_5_15_60_minutes,
    a_locked_caller_stays_refused_in_the_next_window,
);
