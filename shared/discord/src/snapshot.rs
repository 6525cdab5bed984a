//! The daily health snapshot record, stored in the health table (one partition, one item per
//! UTC day, sorted by the day's midnight in RFC 3339: [`rampart_store::keys::health`]), kept
//! 90 days. The scheduled health-snapshot function writes it ([`crate::daily`]);
//! `/status-digest` reads it. A second run on one day replaces the day's figures.

use rampart_core::clock::{parse_rfc3339, rfc3339};
use rampart_store::{
    AttrValue, Item, ItemExt, Number, Query, SharedStore, SortCond, StoreError, TTL_ATTRIBUTE,
    Table, keys,
};

/// How long snapshots are kept.
pub const RETENTION_SECS: i64 = 90 * 86_400;

/// One snapshot of the service's health.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthSnapshot {
    pub taken_at_ms: i64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub error_rate_pct: f64,
    /// Pass rate of ingested test runs over the last 24 h; `None` when none were ingested.
    pub test_pass_rate_pct: Option<f64>,
    /// What users' requests met over the 24 h before it, from the API's own figures; `None`
    /// where no traffic source is configured.
    pub traffic: Option<Traffic>,
}

/// The API's answers over a period, as the digest reports them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Traffic {
    pub requests: u64,
    /// The share of answers that were 5xx.
    pub server_error_pct: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// The route (its function) with the most 5xx answers, else the one with the slowest p95;
    /// `None` without requests.
    pub worst_route: Option<String>,
}

fn number(value: f64) -> AttrValue {
    AttrValue::N(Number::parse(&format!("{value:.3}")).unwrap_or_else(|| Number::from(0)))
}

fn float(item: &Item, name: &str) -> Option<f64> {
    item.get(name).and_then(AttrValue::as_n).map(Number::as_f64)
}

impl HealthSnapshot {
    /// The key of the snapshot's day.
    pub fn key(&self) -> rampart_store::Key {
        keys::health::snapshot(&day_start(self.taken_at_ms))
    }

    /// The snapshot's figures as attributes (its key aside).
    pub fn attributes(&self) -> Vec<(&'static str, AttrValue)> {
        let mut out = vec![
            ("taken_at_ms", AttrValue::n(self.taken_at_ms)),
            ("latency_p50_ms", number(self.latency_p50_ms)),
            ("latency_p95_ms", number(self.latency_p95_ms)),
            ("error_rate_pct", number(self.error_rate_pct)),
            (
                TTL_ATTRIBUTE,
                AttrValue::n(self.taken_at_ms / 1000 + RETENTION_SECS),
            ),
        ];
        if let Some(rate) = self.test_pass_rate_pct {
            out.push(("test_pass_rate_pct", number(rate)));
        }
        if let Some(traffic) = &self.traffic {
            out.push((
                "traffic_requests",
                AttrValue::n(i64::try_from(traffic.requests).unwrap_or(i64::MAX)),
            ));
            out.push(("traffic_5xx_pct", number(traffic.server_error_pct)));
            out.push(("traffic_p50_ms", number(traffic.p50_ms)));
            out.push(("traffic_p95_ms", number(traffic.p95_ms)));
            if let Some(route) = &traffic.worst_route {
                out.push(("worst_route", AttrValue::s(route)));
            }
        }
        out
    }

    /// The snapshot as a health-table item.
    pub fn to_item(&self) -> Item {
        let mut item = self.key().to_item();
        for (name, value) in self.attributes() {
            item.insert(name.into(), value);
        }
        item
    }

    /// Reads a snapshot item.
    pub fn from_item(item: &Item) -> Option<Self> {
        Some(Self {
            taken_at_ms: item
                .i64_attr("taken_at_ms")
                .or_else(|| parse_rfc3339(item.str_attr("sk")?))?,
            latency_p50_ms: float(item, "latency_p50_ms")?,
            latency_p95_ms: float(item, "latency_p95_ms")?,
            error_rate_pct: float(item, "error_rate_pct")?,
            test_pass_rate_pct: float(item, "test_pass_rate_pct"),
            traffic: item.i64_attr("traffic_requests").map(|requests| Traffic {
                requests: u64::try_from(requests).unwrap_or(0),
                server_error_pct: float(item, "traffic_5xx_pct").unwrap_or(0.0),
                p50_ms: float(item, "traffic_p50_ms").unwrap_or(0.0),
                p95_ms: float(item, "traffic_p95_ms").unwrap_or(0.0),
                worst_route: item.str_attr("worst_route").map(str::to_owned),
            }),
        })
    }
}

/// Midnight (UTC) of the day holding `epoch_ms`, in RFC 3339.
pub fn day_start(epoch_ms: i64) -> String {
    rfc3339(epoch_ms - epoch_ms.rem_euclid(86_400_000))
}

/// Stores a snapshot (replacing its day's).
pub async fn save(store: &SharedStore, snapshot: &HealthSnapshot) -> Result<(), StoreError> {
    store.put(Table::Health, snapshot.to_item(), None).await
}

/// The newest snapshot.
pub async fn latest(store: &SharedStore) -> Result<Option<HealthSnapshot>, StoreError> {
    let page = store
        .query(
            &Query::partition(Table::Health, keys::health::SNAPSHOTS)
                .backward()
                .limit(1),
        )
        .await?;
    Ok(page.items.first().and_then(HealthSnapshot::from_item))
}

/// Every snapshot taken in `[from_ms, to_ms)`, oldest first.
pub async fn between(
    store: &SharedStore,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<HealthSnapshot>, StoreError> {
    // Sort keys are RFC 3339 at second precision, so text order is time order.
    let upper = rfc3339(to_ms - 1000);
    let query = Query::partition(Table::Health, keys::health::SNAPSHOTS)
        .sort(SortCond::Between(rfc3339(from_ms), upper));
    let page = store.query(&query).await?;
    Ok(page
        .items
        .iter()
        .filter_map(HealthSnapshot::from_item)
        .collect())
}
