//! What keeps every list's cost per request bounded, whatever the table holds: totals are
//! counters kept in the same transaction as the writes they count, page numbers reach only the
//! first [`MAX_NUMBERED_ITEMS`] items (the cursor goes on from there in O(1) reads), and daily
//! caps bound what one account adds.

use std::collections::BTreeMap;

use rampart_store::{
    Cond, ItemExt, Key, Query, SharedStore, Store, StoreError, Table, TxOp, Update, keys,
};

/// Page numbers reach this many items of a list; past them, clients page by cursor.
pub const MAX_NUMBERED_ITEMS: usize = 1_000;

/// The counter item of the list `list` in the content table.
pub fn counter_key(list: &str) -> Key {
    keys::content::counter(list)
}

/// Changes to one counter item: named attributes and their deltas (zeros are dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deltas(BTreeMap<String, i64>);

impl Deltas {
    /// No change.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `delta` to `name`.
    pub fn add(mut self, name: impl Into<String>, delta: i64) -> Self {
        *self.0.entry(name.into()).or_default() += delta;
        self
    }

    /// The transaction step that applies the deltas to `list`'s counter, or `None` when they
    /// cancel out (one `ADD` per attribute: DynamoDB refuses two on one path).
    pub fn op(&self, list: &str) -> Option<TxOp> {
        let mut update = Update::new();
        let mut any = false;
        for (name, delta) in self.0.iter().filter(|(_, d)| **d != 0) {
            update = update.add(name.clone(), *delta);
            any = true;
        }
        any.then(|| TxOp::Update {
            table: Table::Content,
            key: counter_key(list),
            update,
            cond: None,
        })
    }
}

/// The named counts of `list` (a missing counter counts 0; a count never reads below 0).
pub async fn counts(store: &dyn Store, list: &str) -> Result<BTreeMap<String, u64>, StoreError> {
    let Some(item) = store.get(Table::Content, &counter_key(list)).await? else {
        return Ok(BTreeMap::new());
    };
    Ok(item
        .keys()
        .filter_map(|name| {
            let n = item.i64_attr(name)?;
            Some((name.clone(), u64::try_from(n.max(0)).unwrap_or(0)))
        })
        .collect())
}

/// One named count of `list`.
pub async fn count(store: &dyn Store, list: &str, name: &str) -> Result<u64, StoreError> {
    Ok(counts(store, list).await?.get(name).copied().unwrap_or(0))
}

/// Items `skip .. skip + take` of `query`, in its order, reading no more than `skip + take`
/// items (which [`MAX_NUMBERED_ITEMS`] bounds); and a cursor after the last item returned
/// when more follow, so a client may go on by cursor from a numbered page.
pub async fn numbered_slice(
    store: &dyn Store,
    query: Query,
    skip: usize,
    take: usize,
) -> Result<(Vec<rampart_store::Item>, Option<String>), StoreError> {
    let wanted = skip.saturating_add(take).min(MAX_NUMBERED_ITEMS);
    let mut read = 0usize;
    let mut items = Vec::new();
    let mut cursor = query.cursor.clone();
    while read < wanted {
        let batch = u32::try_from(wanted - read).unwrap_or(u32::MAX).min(1_000);
        let page = store
            .query(&query.clone().limit(batch).after(cursor))
            .await?;
        for item in page.items {
            if read >= skip {
                items.push(item);
            }
            read += 1;
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok((items, None)),
        }
    }
    Ok((items, cursor))
}

/// Why an account may not add another item today.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("an account adds at most {cap} {what} a day; try again tomorrow (UTC)")]
pub struct DailyCapReached {
    /// What is capped ("community posts", "support tickets").
    pub what: &'static str,
    /// The cap.
    pub cap: i64,
    /// Seconds until the next UTC day.
    pub retry_after_secs: u64,
}

const DAY_SECS: i64 = 24 * 3600;

/// A cap on what one account adds in a UTC day.
#[derive(Clone, Copy, Debug)]
pub struct DailyCap {
    /// The counter's name in keys (`posts`, `tickets`).
    pub counter: &'static str,
    /// What is capped, as a client is told.
    pub what: &'static str,
    /// How many a day.
    pub cap: i64,
}

/// Why a capped write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CappedWriteError {
    #[error(transparent)]
    Capped(DailyCapReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DailyCap {
    /// Writes `ops` together with one of the day's slots of `owner`, in one transaction, so
    /// concurrent writes cannot overshoot; [`CappedWriteError::Capped`] once the day's slots
    /// are used up (told apart from another failed condition by reading the slot).
    pub async fn write(
        self,
        store: &SharedStore,
        mut ops: Vec<TxOp>,
        owner: &str,
        now_secs: i64,
    ) -> Result<(), CappedWriteError> {
        let day = now_secs.div_euclid(DAY_SECS);
        let slot = keys::content::daily(self.counter, owner, day);
        ops.push(TxOp::Update {
            table: Table::Content,
            key: slot.clone(),
            update: Update::new()
                .add("n", 1)
                .set(rampart_store::TTL_ATTRIBUTE, (day + 2) * DAY_SECS),
            cond: Some(Cond::not_exists("n").or(Cond::lt("n", self.cap))),
        });
        let error = match store.transact(ops).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        if error.is_condition_failed() {
            let used = store
                .get(Table::Content, &slot)
                .await?
                .and_then(|i| i.i64_attr("n"))
                .unwrap_or(0);
            if used >= self.cap {
                return Err(CappedWriteError::Capped(DailyCapReached {
                    what: self.what,
                    cap: self.cap,
                    retry_after_secs: u64::try_from((day + 1) * DAY_SECS - now_secs).unwrap_or(1),
                }));
            }
        }
        Err(error.into())
    }
}

impl From<DailyCapReached> for rampart_core::ApiError {
    fn from(cap: DailyCapReached) -> Self {
        Self::QuotaExceeded {
            detail: cap.to_string(),
            retry_after_secs: cap.retry_after_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn deltas_that_cancel_out_write_nothing() {
        let none = Deltas::new().add("open", 1).add("open", -1);
        assert!(none.op("tickets").is_none());
        assert!(Deltas::new().add("n", 1).op("tickets").is_some());
    }

    #[tokio::test]
    async fn a_numbered_slice_reads_no_further_than_it_shows() {
        let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
        let store: SharedStore = Arc::new(rampart_store::EmbeddedStore::memory(clock));
        for n in 0..30 {
            let mut item = Key::new("list", format!("{n:03}")).to_item();
            item.insert("n".into(), n.into());
            store.put(Table::Content, item, None).await.unwrap();
        }
        let query = Query::partition(Table::Content, "list");
        let (items, next) = numbered_slice(&*store, query.clone(), 10, 5).await.unwrap();
        let ns: Vec<i64> = items.iter().filter_map(|i| i.i64_attr("n")).collect();
        assert_eq!(ns, [10, 11, 12, 13, 14]);
        let (rest, end) = numbered_slice(&*store, query.after(next), 0, 100)
            .await
            .unwrap();
        assert_eq!(
            (rest.len(), end),
            (15, None),
            "the cursor goes on after the slice"
        );
    }
}
