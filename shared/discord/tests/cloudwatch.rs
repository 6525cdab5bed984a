//! The digest's CloudWatch traffic source through the AWS SDK against moto's CloudWatch: the
//! day's data points, put where API Gateway, Lambda and the pipeline publish them, come back
//! as the day's figures. (moto computes sums but no percentiles, so only counts are put here;
//! the latency percentiles and CloudWatch's limits on a call are checked against the double in
//! `src/cloudwatch/tests.rs`.)

use std::sync::Arc;

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_discord::cloudwatch::{CloudWatchTraffic, SdkMetricsApi, TrafficMetrics};
use rampart_discord::daily::TrafficSource;

fn datum(metric: &str, dimensions: &[(&str, &str)], value: f64, at_ms: i64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(metric)
        .set_dimensions(Some(
            dimensions
                .iter()
                .map(|(name, value)| Dimension::builder().name(*name).value(*value).build())
                .collect(),
        ))
        .value(value)
        .unit(StandardUnit::Count)
        .timestamp(aws_smithy_types::DateTime::from_millis(at_ms))
        .build()
}

#[tokio::test]
async fn the_days_counts_come_back_from_cloudwatch_as_the_digests_figures() {
    let sdk = load_sdk_config(&AwsSettings::emulator(
        rampart_store::testing::aws_endpoint(),
    ))
    .await;
    let client = aws_sdk_cloudwatch::Client::new(&sdk);
    let id = rampart_core::ids::new_id().to_lowercase();
    let api_id = format!("api{}", &id[..10]);
    let stack = format!("rampart-{}", &id[..10]);
    let ingest = format!("{stack}-internal-tests-ingest");
    let account = format!("{stack}-account-get");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let to = now - now % 60_000;
    let from = to - 86_400_000;
    let api = [("ApiId", api_id.as_str())];
    let put = |namespace: &'static str, data: Vec<MetricDatum>| {
        let client = client.clone();
        async move {
            client
                .put_metric_data()
                .namespace(namespace)
                .set_metric_data(Some(data))
                .send()
                .await
                .expect("moto stores the data points");
        }
    };
    // Over the day: 600 + 400 requests, 20 of them 5xx; yesterday's 5,000 stay out.
    put(
        "AWS/ApiGateway",
        vec![
            datum("Count", &api, 600.0, from + 3_600_000),
            datum("Count", &api, 400.0, to - 600_000),
            datum("5xx", &api, 20.0, to - 600_000),
            datum("Count", &api, 5_000.0, from - 3_600_000),
        ],
    )
    .await;
    // The ingest route answered 12 5xx and its function failed 3 times; account-get failed
    // once and was throttled once.
    put(
        "Rampart",
        vec![datum(
            "Http5xx",
            &[("stack", &stack), ("route", "internal-tests-ingest")],
            12.0,
            to - 900_000,
        )],
    )
    .await;
    put(
        "AWS/Lambda",
        vec![
            datum("Errors", &[("FunctionName", &ingest)], 3.0, to - 900_000),
            datum("Errors", &[("FunctionName", &account)], 1.0, to - 900_000),
            datum(
                "Throttles",
                &[("FunctionName", &account)],
                1.0,
                to - 900_000,
            ),
        ],
    )
    .await;

    let source = CloudWatchTraffic {
        api: Arc::new(SdkMetricsApi {
            client: client.clone(),
        }),
        metrics: TrafficMetrics {
            api_id,
            stack: stack.clone(),
            routes: vec![
                ("account-get".into(), account),
                ("internal-tests-ingest".into(), ingest),
                ("health".into(), format!("{stack}-health")),
            ],
        },
    };
    let traffic = source.traffic(from + 1, to + 1).await.expect("the figures");
    assert_eq!(traffic.requests, 1_000, "{traffic:?}");
    assert_eq!(traffic.server_error_pct, 2.0, "{traffic:?}");
    assert_eq!(
        traffic.worst_route.as_deref(),
        Some("internal-tests-ingest"),
        "{traffic:?}"
    );
}

#[tokio::test]
async fn an_api_with_no_data_points_had_no_requests() {
    let sdk = load_sdk_config(&AwsSettings::emulator(
        rampart_store::testing::aws_endpoint(),
    ))
    .await;
    let source = CloudWatchTraffic {
        api: Arc::new(SdkMetricsApi {
            client: aws_sdk_cloudwatch::Client::new(&sdk),
        }),
        metrics: TrafficMetrics {
            api_id: "nosuchapi".into(),
            stack: "rampart-quiet".into(),
            routes: vec![("health".into(), "rampart-quiet-health".into())],
        },
    };
    let traffic = source
        .traffic(1_796_461_200_000, 1_796_547_600_000)
        .await
        .expect("the figures");
    assert_eq!(traffic.requests, 0);
    assert_eq!(traffic.worst_route, None);
}
