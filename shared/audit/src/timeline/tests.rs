use rampart_core::Clock;
use rampart_store::testing::Fixture;

use super::*;
use crate::{AuditEvent, AuditLog, Outcome};

/// 2026-12-06 09:00 UTC.
const NINE: i64 = 1_796_547_600_000;

/// Records `n` events named `name-<k>`, a minute apart, from the clock's time on.
async fn record(fixture: &Fixture, name: &str, n: usize) {
    let log = AuditLog::new(fixture.store.clone(), fixture.clock.clone(), 30);
    for k in 0..n {
        let event = AuditEvent::new(format!("{name}-{k}"), Outcome::Success, "req");
        log.record(event).await.unwrap();
        fixture.clock.advance_secs(60);
    }
}

async fn fixture_at(ms: i64) -> Fixture {
    let fixture = rampart_store::testing::embedded().await;
    fixture.clock.set_ms(ms);
    fixture
}

/// Every page from the first, `limit` at a time.
async fn all_pages(fixture: &Fixture, since: Option<&str>, limit: u32) -> Vec<Vec<StoredEvent>> {
    let now = fixture.clock.now_ms();
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let (events, next) = timeline(&fixture.store, since, now, limit, cursor.as_deref())
            .await
            .unwrap();
        pages.push(events);
        match next {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn every_event_of_the_last_week_comes_newest_first_across_days_and_pages() {
    // Eight days ago (out of reach), three days ago, yesterday evening and this morning.
    let fixture = fixture_at(NINE - 8 * DAY_MS).await;
    record(&fixture, "old", 3).await;
    fixture.clock.set_ms(NINE - 3 * DAY_MS);
    record(&fixture, "earlier", 20).await;
    fixture.clock.set_ms(NINE - 12 * 3_600_000);
    record(&fixture, "evening", 30).await;
    fixture.clock.set_ms(NINE - 3_600_000);
    record(&fixture, "morning", 25).await;
    let pages = all_pages(&fixture, None, 10).await;
    let events: Vec<&StoredEvent> = pages.iter().flatten().collect();
    assert_eq!(events.len(), 75, "all but the 3 older than a week");
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 10));
    assert_eq!(events[0].event, "morning-24");
    assert_eq!(events[74].event, "earlier-0");
    for pair in events.windows(2) {
        assert!(
            (&pair[0].at, &pair[0].id) > (&pair[1].at, &pair[1].id),
            "{} then {}",
            pair[0].event,
            pair[1].event
        );
    }
}

#[tokio::test]
async fn since_bounds_the_read_and_a_page_costs_one_query_per_partition_of_a_day() {
    let fixture = fixture_at(NINE - 2 * DAY_MS).await;
    record(&fixture, "before", 5).await;
    fixture.clock.set_ms(NINE);
    record(&fixture, "today", 12).await;
    // From 09:05 on: today's events from the sixth.
    let since = rfc3339(NINE + 5 * 60_000);
    let pages = all_pages(&fixture, Some(&since), 4).await;
    let names: Vec<&str> = pages.iter().flatten().map(|e| e.event.as_str()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(names.first(), Some(&"today-11"));
    assert_eq!(names.last(), Some(&"today-5"));
    // A page within one day: every partition of the day read once, together.
    let before = fixture.store.round_trips();
    let (events, _) = timeline(&fixture.store, None, fixture.clock.now_ms(), 5, None)
        .await
        .unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(fixture.store.round_trips() - before, SHARDS.len() as u64);
}

#[tokio::test]
async fn a_cursor_not_given_by_the_list_is_refused_naming_it() {
    let fixture = fixture_at(NINE).await;
    let now = fixture.clock.now_ms();
    let tomorrow = encode(&Position {
        day: now / DAY_MS + 1,
        before: None,
    });
    for cursor in ["not base64 !", "bm90IGEgY3Vyc29y", tomorrow.as_str()] {
        match timeline(&fixture.store, None, now, 5, Some(cursor)).await {
            Err(AuditQueryError::Validation(errors)) => assert_eq!(errors[0].field, "cursor"),
            other => panic!("{cursor}: {:?}", other.map(|(e, _)| e.len())),
        }
    }
    // An empty log: one empty page, no cursor.
    let (events, next) = timeline(&fixture.store, None, now, 5, None).await.unwrap();
    assert!(events.is_empty() && next.is_none());
}
