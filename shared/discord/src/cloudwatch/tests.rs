use std::sync::Mutex;

use super::*;

/// CloudWatch as the traffic source meets it: refuses a call CloudWatch would refuse (more
/// than 500 queries, an id of the wrong shape or used twice, a period or window off whole
/// minutes, a statistic it does not know, a metric under dimensions it is not published with)
/// and answers each query from the figures it holds.
#[derive(Default)]
struct CloudWatchDouble {
    /// `(namespace, metric, dimensions as "name=value,...", stat)` → value.
    figures: HashMap<(String, String, String, String), f64>,
    calls: Mutex<Vec<usize>>,
    down: bool,
}

impl CloudWatchDouble {
    fn holds(mut self, namespace: &str, metric: &str, dims: &str, stat: &str, value: f64) -> Self {
        self.figures.insert(
            (namespace.into(), metric.into(), dims.into(), stat.into()),
            value,
        );
        self
    }
}

/// The dimensions each metric is published with.
fn published_with(namespace: &str, metric: &str) -> Option<&'static [&'static str]> {
    match (namespace, metric) {
        ("AWS/ApiGateway", "Count" | "5xx" | "4xx" | "Latency") => Some(&["ApiId"]),
        ("AWS/Lambda", "Errors" | "Throttles" | "Duration") => Some(&["FunctionName"]),
        ("Rampart", "Http5xx") => Some(&["stack", "route"]),
        _ => None,
    }
}

fn valid_stat(stat: &str) -> bool {
    matches!(
        stat,
        "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount"
    ) || stat
        .strip_prefix('p')
        .and_then(|p| p.parse::<f64>().ok())
        .is_some_and(|p| p > 0.0 && p < 100.0)
}

#[async_trait]
impl MetricsApi for CloudWatchDouble {
    async fn metric_data(
        &self,
        queries: &[MetricQuery],
        from_ms: i64,
        to_ms: i64,
        period_secs: i32,
    ) -> Result<HashMap<String, Vec<f64>>, String> {
        if self.down {
            return Err("service unavailable".into());
        }
        assert!(
            queries.len() <= 500,
            "{} queries in one call: CloudWatch takes 500",
            queries.len()
        );
        assert!(from_ms < to_ms && from_ms % 60_000 == 0 && to_ms % 60_000 == 0);
        assert!(period_secs >= 60 && period_secs % 60 == 0, "{period_secs}");
        assert_eq!(i64::from(period_secs) * 1000, to_ms - from_ms, "one period");
        self.calls.lock().unwrap().push(queries.len());
        let mut seen = std::collections::HashSet::new();
        let mut answer = HashMap::new();
        for q in queries {
            let mut chars = q.id.chars();
            assert!(
                chars.next().is_some_and(|c| c.is_ascii_lowercase())
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "id {:?}",
                q.id
            );
            assert!(seen.insert(q.id.clone()), "id {} twice", q.id);
            assert!(valid_stat(q.stat), "{}", q.stat);
            let names: Vec<&str> = q.dimensions.iter().map(|(n, _)| *n).collect();
            assert_eq!(
                published_with(q.namespace, q.metric),
                Some(names.as_slice()),
                "{} {} under {names:?}",
                q.namespace,
                q.metric
            );
            let dims: Vec<String> = q
                .dimensions
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            let key = (
                q.namespace.to_owned(),
                q.metric.to_owned(),
                dims.join(","),
                q.stat.to_owned(),
            );
            let values = self.figures.get(&key).map(|v| vec![*v]).unwrap_or_default();
            answer.insert(q.id.clone(), values);
        }
        Ok(answer)
    }
}

fn metrics(routes: &[&str]) -> TrafficMetrics {
    TrafficMetrics {
        api_id: "a1b2c3".into(),
        stack: "rampart-prod".into(),
        routes: routes
            .iter()
            .map(|r| ((*r).to_owned(), format!("rampart-prod-{r}")))
            .collect(),
    }
}

const DAY: i64 = 86_400_000;
/// 2026-12-06 09:00 UTC, when the daily job runs.
const NINE: i64 = 1_796_547_600_000;

#[tokio::test]
async fn the_days_figures_come_from_the_api_and_the_worst_route_fails_most() {
    let double = Arc::new(
        CloudWatchDouble::default()
            .holds("AWS/ApiGateway", "Count", "ApiId=a1b2c3", "Sum", 1_000.0)
            .holds("AWS/ApiGateway", "5xx", "ApiId=a1b2c3", "Sum", 25.0)
            .holds("AWS/ApiGateway", "Latency", "ApiId=a1b2c3", "p50", 41.5)
            .holds("AWS/ApiGateway", "Latency", "ApiId=a1b2c3", "p95", 180.0)
            // account-get answered 3 5xx; projects-create's function was throttled 5 times
            // and failed twice without an answer: it is the worst, though never the slowest.
            .holds(
                "Rampart",
                "Http5xx",
                "stack=rampart-prod,route=account-get",
                "Sum",
                3.0,
            )
            .holds(
                "AWS/Lambda",
                "Throttles",
                "FunctionName=rampart-prod-projects-create",
                "Sum",
                5.0,
            )
            .holds(
                "AWS/Lambda",
                "Errors",
                "FunctionName=rampart-prod-projects-create",
                "Sum",
                2.0,
            )
            .holds(
                "AWS/Lambda",
                "Duration",
                "FunctionName=rampart-prod-account-get",
                "p95",
                900.0,
            ),
    );
    let source = CloudWatchTraffic {
        api: double.clone(),
        metrics: metrics(&["account-get", "projects-create", "health"]),
    };
    let traffic = source.traffic(NINE - DAY, NINE).await.unwrap();
    assert_eq!(
        traffic,
        Traffic {
            requests: 1_000,
            server_error_pct: 2.5,
            p50_ms: 41.5,
            p95_ms: 180.0,
            worst_route: Some("projects-create".into()),
        }
    );
    // One call: 4 API queries and 4 per route.
    assert_eq!(*double.calls.lock().unwrap(), vec![4 + 3 * 4]);
}

#[tokio::test]
async fn without_failures_the_slowest_route_is_the_worst() {
    let double = Arc::new(
        CloudWatchDouble::default()
            .holds("AWS/ApiGateway", "Count", "ApiId=a1b2c3", "Sum", 40.0)
            .holds(
                "AWS/Lambda",
                "Duration",
                "FunctionName=rampart-prod-health",
                "p95",
                3.0,
            )
            .holds(
                "AWS/Lambda",
                "Duration",
                "FunctionName=rampart-prod-search",
                "p95",
                95.0,
            ),
    );
    let source = CloudWatchTraffic {
        api: double,
        metrics: metrics(&["health", "search", "status"]),
    };
    let traffic = source.traffic(NINE - DAY, NINE).await.unwrap();
    assert_eq!(traffic.requests, 40);
    assert_eq!(traffic.server_error_pct, 0.0);
    assert_eq!(traffic.worst_route.as_deref(), Some("search"));
}

#[tokio::test]
async fn a_day_without_requests_has_no_worst_route() {
    let source = CloudWatchTraffic {
        api: Arc::new(CloudWatchDouble::default()),
        metrics: metrics(&["health"]),
    };
    let traffic = source.traffic(NINE - DAY, NINE).await.unwrap();
    assert_eq!(traffic.requests, 0);
    assert_eq!(traffic.worst_route, None);
}

#[tokio::test]
async fn more_routes_than_one_call_takes_are_asked_in_several_calls() {
    let names: Vec<String> = (0..150).map(|n| format!("route-{n}")).collect();
    let routes: Vec<&str> = names.iter().map(String::as_str).collect();
    let double = Arc::new(
        CloudWatchDouble::default()
            .holds("AWS/ApiGateway", "Count", "ApiId=a1b2c3", "Sum", 10.0)
            .holds(
                "AWS/Lambda",
                "Errors",
                "FunctionName=rampart-prod-route-149",
                "Sum",
                1.0,
            ),
    );
    let source = CloudWatchTraffic {
        api: double.clone(),
        metrics: metrics(&routes),
    };
    let traffic = source.traffic(NINE - DAY, NINE).await.unwrap();
    assert_eq!(*double.calls.lock().unwrap(), vec![500, 104]);
    // The last route's figures came back in the second call.
    assert_eq!(traffic.worst_route.as_deref(), Some("route-149"));
}

#[tokio::test]
async fn a_run_off_the_minute_asks_for_whole_minutes_and_a_failure_is_an_error() {
    assert_eq!(
        window(NINE - DAY + 17_250, NINE + 17_250),
        (NINE - DAY, NINE, 86_400)
    );
    assert_eq!(window(NINE, NINE + 1), (NINE, NINE + 60_000, 60));
    let source = CloudWatchTraffic {
        api: Arc::new(CloudWatchDouble {
            down: true,
            ..CloudWatchDouble::default()
        }),
        metrics: metrics(&["health"]),
    };
    let error = source.traffic(NINE - DAY, NINE).await.unwrap_err();
    assert!(error.contains("unavailable"), "{error}");
}
