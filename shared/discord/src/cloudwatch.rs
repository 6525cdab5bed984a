//! The daily digest's traffic source on AWS: the API's own figures for the day, read from
//! CloudWatch with `GetMetricData`.
//!
//! - API Gateway (`AWS/ApiGateway`, dimension `ApiId`): `Count` and `5xx` (sums) and `Latency`
//!   (p50 and p95): what every caller met, including answers no function gave (a throttled or
//!   crashed integration answers 500 from API Gateway itself).
//! - Per route, to name the worst one: the pipeline's own `Http5xx` answers (`Rampart`,
//!   dimensions `stack` and `route`), the function's `Errors` and `Throttles` (`AWS/Lambda`,
//!   `FunctionName`: failures that never became an answer), and its `Duration` p95, which
//!   decides between routes without failures.
//!
//! The whole day is one period, so each query answers with one value. CloudWatch takes at most
//! [`MAX_QUERIES_PER_CALL`] queries a call; the queries are sent in as many calls as that needs.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::daily::TrafficSource;
use crate::snapshot::Traffic;

/// CloudWatch's limit on the queries of one `GetMetricData` call.
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// One statistic of one metric over the whole window.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricQuery {
    /// Unique in its call; a lower-case letter first, then letters, digits and `_`.
    pub id: String,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    /// `Sum`, or a percentile such as `p95`.
    pub stat: &'static str,
}

/// CloudWatch's `GetMetricData`, as the traffic source uses it: every query over
/// `[from_ms, to_ms)` in one period of `period_secs`; the values of each query by its id (a
/// query with no data has none).
#[async_trait]
pub trait MetricsApi: Send + Sync {
    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        from_ms: i64,
        to_ms: i64,
        period_secs: i32,
    ) -> Result<HashMap<String, Vec<f64>>, String>;
}

/// Where the figures are: the HTTP API, the stack the functions count their answers under, and
/// each route's function (its route name, as the digest shows it, and its deployed name).
#[derive(Clone, Debug)]
pub struct TrafficMetrics {
    pub api_id: String,
    pub stack: String,
    pub routes: Vec<(String, String)>,
}

/// The traffic source over CloudWatch.
pub struct CloudWatchTraffic {
    pub api: Arc<dyn MetricsApi>,
    pub metrics: TrafficMetrics,
}

const API_COUNT: &str = "api_count";
const API_5XX: &str = "api_5xx";
const API_P50: &str = "api_p50";
const API_P95: &str = "api_p95";

impl TrafficMetrics {
    /// Every query the day's figures need; route `n`'s are `answers_5xx_n`, `errors_n`,
    /// `throttles_n` and `duration_n`.
    pub fn queries(&self) -> Vec<MetricQuery> {
        let api = || vec![("ApiId", self.api_id.clone())];
        let query = |id: String, namespace, metric, dimensions, stat| MetricQuery {
            id,
            namespace,
            metric,
            dimensions,
            stat,
        };
        let gateway = "AWS/ApiGateway";
        let mut queries = vec![
            query(API_COUNT.into(), gateway, "Count", api(), "Sum"),
            query(API_5XX.into(), gateway, "5xx", api(), "Sum"),
            query(API_P50.into(), gateway, "Latency", api(), "p50"),
            query(API_P95.into(), gateway, "Latency", api(), "p95"),
        ];
        for (n, (route, function)) in self.routes.iter().enumerate() {
            let function = || vec![("FunctionName", function.clone())];
            queries.push(query(
                format!("answers_5xx_{n}"),
                rampart_core::metrics::NAMESPACE,
                rampart_core::metrics::HTTP_5XX,
                vec![
                    (rampart_core::metrics::STACK_DIMENSION, self.stack.clone()),
                    ("route", route.clone()),
                ],
                "Sum",
            ));
            for (id, metric, stat) in [
                ("errors", "Errors", "Sum"),
                ("throttles", "Throttles", "Sum"),
                ("duration", "Duration", "p95"),
            ] {
                queries.push(query(
                    format!("{id}_{n}"),
                    "AWS/Lambda",
                    metric,
                    function(),
                    stat,
                ));
            }
        }
        queries
    }

    /// The figures from the values of [`Self::queries`]: sums add up (a window of more than one
    /// period has several values); of several percentiles the highest is kept, since
    /// percentiles of parts do not combine.
    pub fn traffic(&self, values: &HashMap<String, Vec<f64>>) -> Traffic {
        let sum = |id: &str| values.get(id).map_or(0.0, |v| v.iter().sum::<f64>());
        let highest = |id: &str| {
            values
                .get(id)
                .and_then(|v| v.iter().copied().reduce(f64::max))
        };
        let requests = sum(API_COUNT).max(0.0).round() as u64;
        if requests == 0 {
            return Traffic {
                requests: 0,
                server_error_pct: 0.0,
                p50_ms: 0.0,
                p95_ms: 0.0,
                worst_route: None,
            };
        }
        // The most failures (answered 5xx, errors, throttles); without any, the slowest p95.
        let worst = self
            .routes
            .iter()
            .enumerate()
            .map(|(n, (route, _))| {
                let failures = sum(&format!("answers_5xx_{n}"))
                    + sum(&format!("errors_{n}"))
                    + sum(&format!("throttles_{n}"));
                (route, failures, highest(&format!("duration_{n}")))
            })
            .filter(|(_, failures, p95)| *failures > 0.0 || p95.is_some())
            .max_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(a.2.unwrap_or(0.0).total_cmp(&b.2.unwrap_or(0.0)))
            })
            .map(|(route, _, _)| route.clone());
        Traffic {
            requests,
            server_error_pct: (sum(API_5XX) * 100.0 / requests as f64).clamp(0.0, 100.0),
            p50_ms: highest(API_P50).unwrap_or(0.0),
            p95_ms: highest(API_P95).unwrap_or(0.0),
            worst_route: worst,
        }
    }
}

/// The window CloudWatch is asked for: both ends on a whole minute (its periods are whole
/// minutes) and one period covering it all.
pub fn window(from_ms: i64, to_ms: i64) -> (i64, i64, i32) {
    let from = from_ms - from_ms.rem_euclid(60_000);
    let to = (to_ms - to_ms.rem_euclid(60_000)).max(from + 60_000);
    let period = i32::try_from((to - from) / 1000).unwrap_or(i32::MAX / 60 * 60);
    (from, to, period)
}

#[async_trait]
impl TrafficSource for CloudWatchTraffic {
    async fn traffic(&self, from_ms: i64, to_ms: i64) -> Result<Traffic, String> {
        let (from, to, period) = window(from_ms, to_ms);
        let queries = self.metrics.queries();
        let mut values = HashMap::new();
        for chunk in queries.chunks(MAX_QUERIES_PER_CALL) {
            values.extend(self.api.metric_data(chunk, from, to, period).await?);
        }
        Ok(self.metrics.traffic(&values))
    }
}

/// [`MetricsApi`] through the AWS SDK.
pub struct SdkMetricsApi {
    pub client: aws_sdk_cloudwatch::Client,
}

#[async_trait]
impl MetricsApi for SdkMetricsApi {
    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        from_ms: i64,
        to_ms: i64,
        period_secs: i32,
    ) -> Result<HashMap<String, Vec<f64>>, String> {
        use aws_sdk_cloudwatch::types::{
            Dimension, Metric, MetricDataQuery, MetricStat, StatusCode,
        };
        let queries: Vec<MetricDataQuery> = queries
            .iter()
            .map(|q| {
                let dimensions = q
                    .dimensions
                    .iter()
                    .map(|(name, value)| Dimension::builder().name(*name).value(value).build())
                    .collect();
                let metric = Metric::builder()
                    .namespace(q.namespace)
                    .metric_name(q.metric)
                    .set_dimensions(Some(dimensions))
                    .build();
                let stat = MetricStat::builder()
                    .metric(metric)
                    .period(period_secs)
                    .stat(q.stat)
                    .build();
                MetricDataQuery::builder()
                    .id(&q.id)
                    .metric_stat(stat)
                    .return_data(true)
                    .build()
            })
            .collect();
        let mut values: HashMap<String, Vec<f64>> = HashMap::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(aws_smithy_types::DateTime::from_millis(from_ms))
                .end_time(aws_smithy_types::DateTime::from_millis(to_ms))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| aws_sdk_cloudwatch::error::DisplayErrorContext(e).to_string())?;
            for result in page.metric_data_results() {
                if let Some(StatusCode::Forbidden | StatusCode::InternalError) =
                    result.status_code()
                {
                    let why: Vec<&str> =
                        result.messages().iter().filter_map(|m| m.value()).collect();
                    return Err(format!(
                        "CloudWatch could not answer query {}: {}",
                        result.id().unwrap_or("?"),
                        why.join("; ")
                    ));
                }
                values
                    .entry(result.id().unwrap_or_default().to_owned())
                    .or_default()
                    .extend_from_slice(result.values());
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(values);
            }
        }
    }
}

#[cfg(test)]
mod tests;
