//! The daily health snapshot (EventBridge `cron(0 9 * * ? *)`): probes the configured
//! endpoints, takes the test pass rate of the last 24 hours from the counts kept on ingest,
//! stores the day's snapshot and posts the `/status-digest` embed to the status channel.
//! Whether it runs at all and where it posts are the bot's settings (`daily_digest`), which an
//! admin changes without a deploy: switched off, a scheduled run does nothing.
//!
//! Safe to run again (EventBridge retries a failed invocation; a person may run it by hand):
//! - the day's figures are written only while the day's digest is not posted yet, and never
//!   touch the posting marks;
//! - posting is claimed first (a conditional write of `posting_since`, a 5-minute lease), so
//!   two runs never both post; `posted_at` is written once Discord accepted the message;
//! - a failed post clears the claim and fails the run, so the retry posts; a run after the
//!   digest was posted changes nothing and posts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rampart_core::SharedClock;
use rampart_store::{Cond, ReturnValues, SharedStore, StoreError, Table, Update};
use serde::Serialize;
use serde_json::json;

use crate::commands::status_digest::digest_embed;
use crate::rest::{DiscordApi, RestError};
use crate::settings::SettingsStore;
use crate::snapshot::{HealthSnapshot, Traffic};

/// How long a claim to post lasts before another run may take it over.
const POSTING_LEASE_MS: i64 = 5 * 60_000;

/// The answer of one probe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    pub latency: Duration,
    /// A 2xx or 3xx answer within the timeout.
    pub ok: bool,
}

/// Sends one request to an endpoint.
#[async_trait]
pub trait Prober: Send + Sync {
    async fn probe(&self, url: &str, timeout: Duration) -> Probe;
}

/// What the API's answers were over a period: the API's own figures (CloudWatch's on AWS,
/// the local stack's request log locally).
#[async_trait]
pub trait TrafficSource: Send + Sync {
    async fn traffic(&self, from_ms: i64, to_ms: i64) -> Result<Traffic, String>;
}

/// Probes over HTTPS (or HTTP, for the local stack) with `GET`.
pub struct HttpProber {
    client: reqwest::Client,
}

impl HttpProber {
    /// A prober with its own client (no redirects followed: a redirect is an answer).
    pub fn new() -> Result<Self, String> {
        let client = rampart_core::web::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("rampart-health-snapshot")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client })
    }
}

#[async_trait]
impl Prober for HttpProber {
    async fn probe(&self, url: &str, timeout: Duration) -> Probe {
        let started = Instant::now();
        let answer = self.client.get(url).timeout(timeout).send().await;
        let ok = matches!(&answer, Ok(r) if r.status().is_success() || r.status().is_redirection());
        if let Err(error) = &answer {
            tracing::warn!(url, %error, "probe failed");
        }
        Probe {
            latency: started.elapsed().min(timeout),
            ok,
        }
    }
}

/// What to probe, and how.
#[derive(Clone, Debug)]
pub struct ProbePlan {
    pub urls: Vec<String>,
    /// Requests per endpoint.
    pub samples: usize,
    pub timeout: Duration,
}

/// The latency percentiles (nearest rank, over every probe, a failed one counting with the
/// time it took) and the share of probes that failed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measured {
    pub probes: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub error_rate_pct: f64,
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of `sorted` (ascending, not empty).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Probes every endpoint `samples` times, one request after another (so the service is
/// measured, not the prober's concurrency).
pub async fn measure(prober: &dyn Prober, plan: &ProbePlan) -> Measured {
    let mut latencies = Vec::new();
    let mut failures = 0usize;
    for url in &plan.urls {
        for _ in 0..plan.samples.max(1) {
            let probe = prober.probe(url, plan.timeout).await;
            latencies.push(probe.latency.as_secs_f64() * 1000.0);
            failures += usize::from(!probe.ok);
        }
    }
    if latencies.is_empty() {
        return Measured {
            probes: 0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            error_rate_pct: 0.0,
        };
    }
    latencies.sort_by(f64::total_cmp);
    Measured {
        probes: latencies.len(),
        p50_ms: percentile(&latencies, 50.0),
        p95_ms: percentile(&latencies, 95.0),
        error_rate_pct: failures as f64 * 100.0 / latencies.len() as f64,
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum SnapshotRun {
    /// Stored and posted.
    Posted { snapshot: SnapshotFigures },
    /// Stored; no channel is configured, so nothing was posted.
    Stored { snapshot: SnapshotFigures },
    /// The day's digest was posted already (by an earlier run): nothing changed.
    AlreadyPosted,
    /// Another run holds the claim to post; its figures stand.
    PostingElsewhere,
    /// The daily digest is switched off in the bot's settings: nothing was probed or stored.
    Disabled,
}

/// A snapshot's figures, as a run reports them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotFigures {
    pub taken_at_ms: i64,
    pub probes: usize,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub error_rate_pct: f64,
    pub test_pass_rate_pct: Option<f64>,
    pub tests_passed: i64,
    pub tests_failed: i64,
    /// What users' requests met over the last 24 hours (with a traffic source).
    pub traffic: Option<Traffic>,
}

/// Why a run failed (and should be retried).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the digest could not be posted: {0}")]
    Post(#[from] RestError),
    /// A channel is set, but there is no bot token to post with.
    #[error("the digest has a channel ({0}) but no bot token to post with")]
    NoPoster(String),
}

/// The job.
pub struct SnapshotJob {
    pub store: SharedStore,
    pub clock: SharedClock,
    pub prober: Arc<dyn Prober>,
    pub plan: ProbePlan,
    /// The bot's REST client, to post with (`None`: no bot token is configured).
    pub api: Option<Arc<dyn DiscordApi>>,
    /// Whether the job runs and where it posts (`daily_digest` of the bot's settings).
    pub settings: SettingsStore,
    /// The API's own figures of the day (`None`: the digest reports the probes alone).
    pub traffic: Option<Arc<dyn TrafficSource>>,
}

impl SnapshotJob {
    /// Takes, stores and posts today's snapshot (see the module's notes on retries).
    pub async fn run(&self) -> Result<SnapshotRun, SnapshotError> {
        self.run_with(&self.plan).await
    }

    /// [`SnapshotJob::run`] with other probes (the local stack probes itself by default).
    pub async fn run_with(&self, plan: &ProbePlan) -> Result<SnapshotRun, SnapshotError> {
        let daily = self.settings.read().await?.settings.daily_digest;
        if !daily.enabled {
            tracing::info!("the daily digest is switched off in the bot's settings");
            return Ok(SnapshotRun::Disabled);
        }
        let channel = match (daily.channel_id, &self.api) {
            (None, _) => None,
            (Some(channel_id), Some(api)) => Some((api, channel_id)),
            (Some(channel_id), None) => return Err(SnapshotError::NoPoster(channel_id)),
        };
        let now_ms = self.clock.now_ms();
        let today = rampart_store::keys::health::snapshot(&crate::snapshot::day_start(now_ms));
        if self
            .store
            .get(Table::Health, &today)
            .await?
            .is_some_and(|item| item.contains_key("posted_at"))
        {
            return Ok(SnapshotRun::AlreadyPosted);
        }
        let measured = measure(&*self.prober, plan).await;
        let traffic = match &self.traffic {
            None => None,
            // The 24 hours up to and including now.
            Some(source) => match source.traffic(now_ms - 86_400_000 + 1, now_ms + 1).await {
                Ok(traffic) => Some(traffic),
                Err(error) => {
                    tracing::warn!(%error, "the day's traffic could not be read; probes only");
                    None
                }
            },
        };
        let (passed, failed, pass_rate) =
            rampart_ops::flaky::outcomes::pass_rate(&self.store, now_ms / 1000).await?;
        let snapshot = HealthSnapshot {
            taken_at_ms: now_ms,
            latency_p50_ms: measured.p50_ms,
            latency_p95_ms: measured.p95_ms,
            error_rate_pct: measured.error_rate_pct,
            test_pass_rate_pct: pass_rate,
            traffic: traffic.clone(),
        };
        let figures = SnapshotFigures {
            taken_at_ms: now_ms,
            probes: measured.probes,
            latency_p50_ms: measured.p50_ms,
            latency_p95_ms: measured.p95_ms,
            error_rate_pct: measured.error_rate_pct,
            test_pass_rate_pct: pass_rate,
            tests_passed: passed,
            tests_failed: failed,
            traffic,
        };
        let key = snapshot.key();
        // The figures, unless the day's digest is out already (it must match what was posted).
        let mut write = Update::new();
        for (name, value) in snapshot.attributes() {
            write = write.set(name, value);
        }
        let unposted = Cond::not_exists("posted_at");
        match self
            .store
            .update(
                Table::Health,
                &key,
                &write,
                Some(unposted.clone()),
                ReturnValues::None,
            )
            .await
        {
            Ok(_) => {}
            Err(StoreError::ConditionFailed { .. }) => return Ok(SnapshotRun::AlreadyPosted),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(
            probes = measured.probes,
            p50_ms = measured.p50_ms,
            p95_ms = measured.p95_ms,
            error_rate_pct = measured.error_rate_pct,
            test_pass_rate_pct = pass_rate,
            "health snapshot stored"
        );
        let Some((api, channel_id)) = channel else {
            tracing::info!("no status channel configured; the digest is not posted");
            return Ok(SnapshotRun::Stored { snapshot: figures });
        };
        let claim = Update::new().set("posting_since", now_ms);
        let free = Cond::not_exists("posting_since")
            .or(Cond::lt("posting_since", now_ms - POSTING_LEASE_MS));
        match self
            .store
            .update(
                Table::Health,
                &key,
                &claim,
                Some(unposted.and(free)),
                ReturnValues::None,
            )
            .await
        {
            Ok(_) => {}
            Err(StoreError::ConditionFailed { existing }) => {
                let posted = existing.is_some_and(|item| item.contains_key("posted_at"));
                return Ok(if posted {
                    SnapshotRun::AlreadyPosted
                } else {
                    SnapshotRun::PostingElsewhere
                });
            }
            Err(e) => return Err(e.into()),
        }
        let embed = digest_embed(&self.store, &snapshot).await?;
        let body = json!({ "embeds": [embed.to_json()] });
        if let Err(error) = api.post_message(&channel_id, &body).await {
            // Let the retry post: release the claim (if this fails too, the lease runs out).
            let release = Update::new().remove("posting_since");
            let _ = self
                .store
                .update(Table::Health, &key, &release, None, ReturnValues::None)
                .await;
            return Err(error.into());
        }
        let done = Update::new()
            .set("posted_at", now_ms)
            .remove("posting_since");
        self.store
            .update(Table::Health, &key, &done, None, ReturnValues::None)
            .await?;
        tracing::info!(channel = %channel_id, "status digest posted");
        Ok(SnapshotRun::Posted { snapshot: figures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 10.0);
        assert_eq!(percentile(&sorted, 95.0), 19.0);
        assert_eq!(percentile(&sorted, 100.0), 20.0);
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
    }
}
