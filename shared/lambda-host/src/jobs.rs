//! The functions that are not routes: the mail worker, the key rotation, the daily health
//! snapshot and the release worker. Each builds its job from the environment at cold start
//! (configuration, the DynamoDB client, the secret) and serves Lambda invocations.

use std::sync::Arc;

use lambda_http::service_fn;
use rampart_api::Adapters;
use rampart_api::compose::{MailWorker, WorkerError, mail_worker};
use rampart_core::aws::SdkConfig;
use rampart_core::events::Event;
use rampart_core::secrets::SecretBundle;
use rampart_core::{Config, SharedClock, SystemClock, telemetry};

use crate::{Deployment, Error, aws_store, eventbridge, s3_blobs, secrets_manager};

/// The name of the mail worker function.
pub const MAIL_WORKER: &str = rampart_api::compose::MAIL_WORKER_FUNCTION;

/// Runs the mail worker: EventBridge invokes it with each `mail.requested` event the request
/// paths published, and it sends the mail (SMTP from the secret's `smtp_url`). An invocation
/// that fails sent nothing, and Lambda tries it again.
pub async fn run_mail_worker() -> Result<(), Error> {
    telemetry::init_json();
    let worker = build_mail_worker().await.inspect_err(|e| {
        tracing::error!(error = %e, "cold start failed");
    })?;
    let worker = Arc::new(worker);
    lambda_http::lambda_runtime::run(service_fn(
        move |invocation: lambda_http::lambda_runtime::LambdaEvent<serde_json::Value>| {
            let worker = worker.clone();
            async move {
                let event = from_eventbridge(&invocation.payload)?;
                match worker.handle(&event).await {
                    Ok(_) => Ok(()),
                    // An event no retry can fix is logged and dropped, not retried forever.
                    Err(error @ WorkerError::Malformed(_)) => {
                        tracing::error!(%error, "mail request dropped");
                        Ok(())
                    }
                    Err(error) => Err(Error::from(error.to_string())),
                }
            }
        },
    ))
    .await
}

/// The worker's cold start: configuration, the DynamoDB client, the secret.
async fn build_mail_worker() -> Result<MailWorker, Error> {
    let (config, adapters, _) = job_adapters().await?;
    Ok(mail_worker(&config, &adapters)?)
}

/// Runs the key-rotation job: each invocation re-seals sealed fields under the newest
/// field-encryption key until the pass is done, `max_values` (from the payload, optional) are
/// visited, or the invocation nears its timeout, and answers with the job's [`Report`]:
/// invoke it again while `done` is false.
///
/// [`Report`]: rampart_auth::rotation::Report
pub async fn run_key_rotation() -> Result<(), Error> {
    let (config, adapters, _) = job_start().await?;
    let job = Arc::new(rampart_api::compose::key_rotation(&config, &adapters)?);
    lambda_http::lambda_runtime::run(service_fn(
        move |invocation: lambda_http::lambda_runtime::LambdaEvent<serde_json::Value>| {
            let job = job.clone();
            async move {
                let max_values = match invocation.payload.get("max_values") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(v) => Some(v.as_u64().ok_or("max_values must be a positive integer")?),
                };
                // Stop at a page boundary with time to save the position and answer.
                let deadline_ms = i64::try_from(invocation.context.deadline)
                    .ok()
                    .map(|d| d - 20_000);
                let budget = rampart_auth::rotation::Budget {
                    max_values,
                    deadline_ms,
                };
                let report = job
                    .run(budget, |_| {})
                    .await
                    .map_err(|e| Error::from(e.to_string()))?;
                tracing::info!(
                    done = report.done,
                    visited = report.visited,
                    resealed = report.resealed,
                    failed = report.failed,
                    values_per_sec = report.values_per_sec,
                    "key rotation run finished"
                );
                Ok::<_, Error>(report)
            }
        },
    ))
    .await
}

/// Runs the daily health snapshot: each invocation (EventBridge Scheduler's, or one by hand)
/// takes, stores and posts the day's snapshot once; it answers with what it did, and fails
/// (to be retried) when the store or Discord failed. The day's traffic comes from CloudWatch.
pub async fn run_health_snapshot() -> Result<(), Error> {
    let (config, adapters, sdk) = job_start().await?;
    let prober = Arc::new(rampart_discord::daily::HttpProber::new()?);
    let metrics = Arc::new(rampart_discord::cloudwatch::SdkMetricsApi {
        client: aws_sdk_cloudwatch::Client::new(&sdk),
    });
    let job = Arc::new(rampart_api::compose::health_snapshot(
        &config,
        &adapters,
        prober,
        None,
        Some(metrics),
    )?);
    lambda_http::lambda_runtime::run(service_fn(
        move |_: lambda_http::lambda_runtime::LambdaEvent<serde_json::Value>| {
            let job = job.clone();
            async move {
                let run = job.run().await.map_err(|e| {
                    tracing::error!(error = %e, "health snapshot failed");
                    Error::from(e.to_string())
                })?;
                Ok::<_, Error>(run)
            }
        },
    ))
    .await
}

/// Runs the release worker: EventBridge invokes it with each `rampart.release` event (ship,
/// verify, promote, rollback, client deploy); a request no retry can fix is logged and
/// dropped, any other failure is returned so EventBridge tries again.
pub async fn run_release_worker() -> Result<(), Error> {
    let (config, mut adapters, sdk) = job_start().await?;
    let bus = config
        .event_bus_name
        .clone()
        .ok_or("EVENT_BUS_NAME is required: deploy requests go to the event bus")?;
    adapters.events = Some(eventbridge(&sdk, bus));
    adapters.blobs = config
        .blob_bucket
        .clone()
        .map(|bucket| s3_blobs(&sdk, bucket));
    let prober = Arc::new(rampart_discord::daily::HttpProber::new()?);
    let aliases: Option<Arc<dyn rampart_discord::alias_deployer::AliasApi>> =
        match config.release.deployer {
            rampart_core::DeployerChoice::LambdaAlias { .. } => {
                Some(Arc::new(rampart_discord::alias_deployer::SdkAliasApi {
                    client: aws_sdk_lambda::Client::new(&sdk),
                }))
            }
            rampart_core::DeployerChoice::Events => None,
        };
    let parts = rampart_api::compose::release_worker(&config, &adapters, prober, None, aliases)?;
    let worker = Arc::new(parts.worker);
    lambda_http::lambda_runtime::run(service_fn(
        move |invocation: lambda_http::lambda_runtime::LambdaEvent<serde_json::Value>| {
            let worker = worker.clone();
            async move {
                let event = from_eventbridge(&invocation.payload)?;
                match worker.handle(&event).await {
                    Ok(()) => Ok(()),
                    Err(
                        error @ rampart_discord::release_worker::ReleaseWorkerError::Malformed(_),
                    ) => {
                        tracing::error!(%error, "release request dropped");
                        Ok(())
                    }
                    Err(error) => Err(Error::from(error.to_string())),
                }
            }
        },
    ))
    .await
}

/// The logging, then [`job_adapters`], a failure logged.
async fn job_start() -> Result<(Config, Adapters, SdkConfig), Error> {
    telemetry::init_json();
    job_adapters()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cold start failed"))
}

/// A job's cold start: configuration, the DynamoDB client and the secret, without the HTTP
/// pipeline.
async fn job_adapters() -> Result<(Config, Adapters, SdkConfig), Error> {
    let config = Config::from_env()?;
    let clock: SharedClock = Arc::new(SystemClock);
    let (sdk, store) = aws_store(&config, clock.clone(), &Deployment::from_env()).await?;
    let secrets = match &config.secrets_arn {
        Some(arn) => secrets_manager(&sdk, arn.clone()).load().await?,
        None => Arc::new(SecretBundle::default()),
    };
    let adapters = Adapters {
        secrets,
        ..Adapters::in_memory(clock).with_store(store)
    };
    Ok((config, adapters, sdk))
}

/// The event an EventBridge invocation carries (`detail-type` and `detail`).
pub(crate) fn from_eventbridge(payload: &serde_json::Value) -> Result<Event, Error> {
    let detail_type = payload
        .get("detail-type")
        .and_then(|v| v.as_str())
        .ok_or("the invocation is not an EventBridge event (no detail-type)")?;
    let source = payload
        .get("source")
        .and_then(|v| v.as_str())
        .unwrap_or(rampart_core::events::SOURCE);
    Ok(Event::new(
        detail_type,
        payload.get("detail").cloned().unwrap_or_default(),
    )
    .from_source(source))
}
