//! Every audit event, newest first, without an event or actor to go by: the audit table keeps
//! each day in [`SHARDS`] partitions (`day#<date>#<shard>`), sorted by time, so a page is read
//! one day at a time, every partition of the day at once, and merged. Nothing is scanned; a
//! page costs one round trip per day it reaches back (at most [`TIMELINE_DAYS`]), and at most
//! `limit` items per partition read.
//!
//! The cursor names the day and the last event returned; the next page reads that day's
//! partitions from just before it. Events written meanwhile into an older part of the day
//! (which the ids' times make rare) may be missed by a page already past them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rampart_core::FieldError;
use rampart_core::clock::rfc3339;
use rampart_store::{Query, SharedStore, SortCond, Table, keys};

use crate::query::{AuditQueryError, StoredEvent, event_of};

/// The characters an event's partition within its day is chosen by (the last character of
/// its id, a ULID).
pub const SHARDS: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many days, today included, an unfiltered read reaches back.
pub const TIMELINE_DAYS: i64 = 7;

const DAY_MS: i64 = 86_400_000;

/// Where a page ends: a day (days since the epoch) and the sort key of the last event given.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Position {
    day: i64,
    before: Option<String>,
}

fn encode(position: &Position) -> String {
    let text = format!(
        "{}|{}",
        position.day,
        position.before.as_deref().unwrap_or_default()
    );
    URL_SAFE_NO_PAD.encode(text)
}

fn decode(cursor: &str) -> Option<Position> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (day, before) = text.split_once('|')?;
    Some(Position {
        day: day.parse().ok()?,
        before: (!before.is_empty()).then(|| before.to_owned()),
    })
}

fn day_text(day: i64) -> String {
    rfc3339(day * DAY_MS).chars().take(10).collect()
}

/// Up to `limit` events at or after `since` (RFC 3339, already checked), newest first, from
/// the page `cursor` names (the first page: from `now_ms` back); and the next page's cursor.
pub async fn timeline(
    store: &SharedStore,
    since: Option<&str>,
    now_ms: i64,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<StoredEvent>, Option<String>), AuditQueryError> {
    let today = now_ms.div_euclid(DAY_MS);
    let mut at = match cursor {
        None => Position {
            day: today,
            before: None,
        },
        Some(cursor) => decode(cursor).filter(|p| p.day <= today).ok_or_else(|| {
            AuditQueryError::Validation(vec![FieldError::new(
                "cursor",
                "is not a cursor this list gave",
            )])
        })?,
    };
    let oldest = today - (TIMELINE_DAYS - 1);
    let mut events = Vec::new();
    while at.day >= oldest && events.len() < limit as usize {
        let day = day_text(at.day);
        if since.is_some_and(|since| since.get(..10).is_some_and(|d| d > day.as_str())) {
            break;
        }
        let want = limit as usize - events.len();
        let reads = SHARDS.chars().map(|shard| {
            let mut query = Query::partition(Table::Audit, format!("day#{day}#{shard}"))
                .backward()
                .limit(want as u32);
            if let Some(before) = &at.before {
                query = query.sort(SortCond::Lt(before.clone()));
            }
            let store = store.clone();
            async move { store.query(&query).await }
        });
        let mut found = Vec::new();
        for page in futures_util::future::join_all(reads).await {
            found.extend(page?.items.iter().map(event_of));
        }
        // The partitions' common order: the record's sort key, its time then its id.
        let sort_key = |e: &StoredEvent| keys::audit::record(&e.at, &e.id).sk;
        found.sort_by_cached_key(|e| std::cmp::Reverse(sort_key(e)));
        let mut reached_since = false;
        for event in found.into_iter().take(want) {
            if since.is_some_and(|since| event.at.as_str() < since) {
                reached_since = true;
                break;
            }
            at.before = Some(sort_key(&event));
            events.push(event);
        }
        if reached_since {
            return Ok((events, None));
        }
        if events.len() < limit as usize {
            at = Position {
                day: at.day - 1,
                before: None,
            };
        }
    }
    let next = (events.len() == limit as usize && at.day >= oldest).then(|| encode(&at));
    Ok((events, next))
}

#[cfg(test)]
mod tests;
