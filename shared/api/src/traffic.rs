//! The local stack's request log as a traffic source for the daily digest: every answer the
//! pipeline gives (its function, whether it was a 5xx, its latency) kept in memory for a day.
//! On AWS the same figures come from the API's CloudWatch metrics instead.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;
use rampart_discord::daily::{TrafficSource, percentile};
use rampart_discord::snapshot::Traffic;

/// How long answers are kept: a day and an hour, so a digest taken a little late still sees
/// its whole day.
const KEEP_MS: i64 = 25 * 3_600_000;
/// At most this many answers are kept (the oldest go first).
const MAX_ANSWERS: usize = 500_000;

struct Answer {
    at_ms: i64,
    function: &'static str,
    server_error: bool,
    latency_ms: f64,
}

/// The answers of the last day.
#[derive(Default)]
pub struct TrafficLog {
    answers: Mutex<VecDeque<Answer>>,
}

impl TrafficLog {
    /// Notes one answer of `function`.
    pub fn record(&self, function: &'static str, status: u16, latency_us: u64, at_ms: i64) {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        while answers
            .front()
            .is_some_and(|a| a.at_ms < at_ms - KEEP_MS || answers.len() >= MAX_ANSWERS)
        {
            answers.pop_front();
        }
        answers.push_back(Answer {
            at_ms,
            function,
            server_error: status >= 500,
            latency_ms: latency_us as f64 / 1000.0,
        });
    }
}

#[async_trait]
impl TrafficSource for TrafficLog {
    async fn traffic(&self, from_ms: i64, to_ms: i64) -> Result<Traffic, String> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let mut latencies = Vec::new();
        let mut errors = 0u64;
        let mut by_route: BTreeMap<&str, (u64, Vec<f64>)> = BTreeMap::new();
        for answer in answers
            .iter()
            .filter(|a| (from_ms..to_ms).contains(&a.at_ms))
        {
            latencies.push(answer.latency_ms);
            errors += u64::from(answer.server_error);
            let route = by_route.entry(answer.function).or_default();
            route.0 += u64::from(answer.server_error);
            route.1.push(answer.latency_ms);
        }
        drop(answers);
        let requests = latencies.len() as u64;
        if requests == 0 {
            return Ok(Traffic {
                requests: 0,
                server_error_pct: 0.0,
                p50_ms: 0.0,
                p95_ms: 0.0,
                worst_route: None,
            });
        }
        latencies.sort_by(f64::total_cmp);
        let p95 = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            percentile(&values, 95.0)
        };
        // The most 5xx answers; without any, the slowest p95.
        let worst = by_route
            .into_iter()
            .map(|(route, (errors, latencies))| (route, errors, p95(latencies)))
            .max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)))
            .map(|(route, _, _)| route.to_owned());
        Ok(Traffic {
            requests,
            server_error_pct: errors as f64 * 100.0 / requests as f64,
            p50_ms: percentile(&latencies, 50.0),
            p95_ms: percentile(&latencies, 95.0),
            worst_route: worst,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_days_answers_make_the_figures_and_the_worst_route_fails_most() {
        let log = TrafficLog::default();
        let day = 86_400_000;
        // Yesterday's answers are outside the day.
        log.record("health", 500, 1_000, 0);
        for n in 0..18u64 {
            log.record("health", 200, (n + 1) * 1_000, day + 1);
        }
        log.record("internal-tests-ingest", 503, 40_000, day + 2);
        log.record("internal-tests-ingest", 200, 2_000, day + 3);
        let traffic = log.traffic(day, 2 * day).await.unwrap();
        assert_eq!(traffic.requests, 20);
        assert_eq!(traffic.server_error_pct, 5.0);
        assert_eq!(
            traffic.worst_route.as_deref(),
            Some("internal-tests-ingest")
        );
        assert_eq!(traffic.p95_ms, 18.0);
        let quiet = log.traffic(2 * day, 3 * day).await.unwrap();
        assert_eq!((quiet.requests, quiet.worst_route), (0, None));
    }
}
