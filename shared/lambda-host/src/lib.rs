//! Hosts routes of the route table on AWS Lambda behind an API Gateway HTTP API.
//!
//! Each function's generated `main` calls [`run`] with its route and the clients it uses
//! ([`Function`]): configuration is validated, the DynamoDB client built, secrets fetched
//! (when the function has `SECRETS_ARN`) and the store connection warmed, all before the
//! first invocation.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use lambda_http::request::RequestContext as LambdaContext;
use lambda_http::{Body, RequestExt, service_fn};
use rampart_api::compose::StartNote;
use rampart_api::{Adapters, App, Port, Ports, Route, SourceIp, StartError, build_app};
use rampart_auth::LogMailer;
use rampart_blob::{BlobStore, S3Blobs};
use rampart_core::aws::{AwsSettings, SdkConfig, load_sdk_config};
use rampart_core::events::{EventBridgeBus, SharedEventBus};
use rampart_core::secrets::{SecretBundle, Secrets, SecretsManagerSecrets};
use rampart_core::{Config, SharedClock, SystemClock, telemetry};
use rampart_store::{DynamoStore, SharedStore, TableNames};

/// Why a function could not start.
pub type Error = lambda_http::Error;

mod host;
mod jobs;
pub use host::Host;
pub use jobs::{
    MAIL_WORKER, run_health_snapshot, run_key_rotation, run_mail_worker, run_release_worker,
};

/// What builds the blob store of a function whose route uses it.
type BlobsPort = fn(&SdkConfig, String) -> Arc<dyn BlobStore>;
/// What reads the secret of a function whose route needs it.
type SecretsPort = fn(&SdkConfig, String) -> Arc<dyn Secrets>;
/// What publishes the mail requests of a function whose route queues mail.
type EventsPort = fn(&SdkConfig, String) -> SharedEventBus;

/// What a function's generated `main` hands over: its route and the constructors of the
/// clients that route uses. Nothing else is named, so nothing else is linked: `health`'s
/// binary holds no other handler, no S3, Secrets Manager, SMTP, Discord or OAuth client.
///
/// ```no_run
/// # async fn start() -> Result<(), rampart_lambda_host::Error> {
/// rampart_lambda_host::run(
///     rampart_lambda_host::Function::new(rampart_api::routes::accounts::auth_register)
///         .secrets()
///         .mailer(),
/// )
/// .await
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Function {
    route: fn() -> Route,
    ports: Ports,
    blobs: Option<BlobsPort>,
    secrets: Option<SecretsPort>,
    events: Option<EventsPort>,
}

impl Function {
    /// The function serving the route `route` builds, with no client beyond the store.
    pub const fn new(route: fn() -> Route) -> Self {
        Self {
            route,
            ports: Ports::NONE,
            blobs: None,
            secrets: None,
            events: None,
        }
    }

    /// The secret, read from Secrets Manager (`SECRETS_ARN`) at cold start.
    pub const fn secrets(self) -> Self {
        Self {
            secrets: Some(secrets_manager),
            ..self
        }
    }

    /// The blob store on S3 (`BLOB_BUCKET`).
    pub const fn blobs(self) -> Self {
        Self {
            blobs: Some(s3_blobs),
            ..self
        }
    }

    /// Account mail, queued on EventBridge (`EVENT_BUS_NAME`) for the mail worker.
    pub const fn mailer(self) -> Self {
        Self {
            events: Some(eventbridge),
            ..self
        }
    }

    /// Release requests, handed to the release worker on EventBridge (`EVENT_BUS_NAME`).
    pub const fn releases(self) -> Self {
        Self {
            events: Some(eventbridge),
            ..self
        }
    }

    /// The Discord webhook key, bot and REST client.
    pub const fn discord(self) -> Self {
        Self {
            ports: self.ports.with_discord(),
            ..self
        }
    }

    /// The OAuth sign-in clients.
    pub const fn oauth(self) -> Self {
        Self {
            ports: self.ports.with_oauth(),
            ..self
        }
    }

    /// The PR risk scorer's sensitive-path globs.
    pub const fn pr_risk(self) -> Self {
        Self {
            ports: self.ports.with_pr_risk(),
            ..self
        }
    }
}

/// Looks a deployment variable up by name.
pub type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where a function finds what its deployment gives it: on Lambda, the process environment
/// (set by the template) and the AWS endpoints it implies; in a deploy rehearsal, an emulator
/// and the environment the template would set.
#[derive(Clone)]
pub struct Deployment {
    /// Variables beyond [`Config`]'s: `TABLE_<CONCERN>`, `TABLE_OVERRIDES`.
    pub lookup: Lookup,
    /// The AWS clients' endpoint, region and credentials (the store's timeout is added).
    pub aws: AwsSettings,
}

impl Deployment {
    /// The process environment and the endpoints it names (Lambda's case).
    pub fn from_env() -> Self {
        Self {
            lookup: Arc::new(|name| std::env::var(name).ok()),
            aws: AwsSettings::default(),
        }
    }
}

/// The AWS SDK configuration (with the store's operation timeout) and the DynamoDB store.
/// Table names come from the template (`TABLE_<CONCERN>`, `TABLE_OVERRIDES`), else the prefix.
async fn aws_store(
    config: &Config,
    clock: SharedClock,
    deployment: &Deployment,
) -> Result<(SdkConfig, SharedStore), Error> {
    let names = TableNames::new(config.table_prefix.clone())
        .with_lookup(|name| (deployment.lookup)(name))?;
    let sdk = load_sdk_config(&AwsSettings {
        operation_timeout: Some(Duration::from_millis(config.store_timeout_ms)),
        ..deployment.aws.clone()
    })
    .await;
    let store: SharedStore = Arc::new(DynamoStore::new(&sdk, names, clock));
    Ok((sdk, store))
}

fn secrets_manager(sdk: &SdkConfig, arn: String) -> Arc<dyn Secrets> {
    Arc::new(SecretsManagerSecrets::new(sdk, arn))
}

fn eventbridge(sdk: &SdkConfig, bus: String) -> SharedEventBus {
    Arc::new(EventBridgeBus::new(sdk, bus))
}

fn s3_blobs(sdk: &SdkConfig, bucket: String) -> Arc<dyn BlobStore> {
    Arc::new(S3Blobs::new(sdk, bucket, false))
}

/// Builds the app for `function`'s route and serves Lambda invocations until shutdown.
///
/// A cold start that cannot finish (the secret unreadable or incomplete, a client missing)
/// does not crash the function into API Gateway's bare 500s: it fails closed, answering
/// `503 service_unavailable` problem documents with `Retry-After`, and tries again at most
/// every few seconds until it succeeds (see [`host`]). A configuration error in the
/// environment, which only a deploy can fix, still stops the function.
pub async fn run(function: Function) -> Result<(), Error> {
    telemetry::init_json();
    let config = Config::from_env()?;
    let host = Arc::new(host::Host::start(config, function, Deployment::from_env()).await?);
    lambda_http::run(service_fn(move |event: lambda_http::Request| {
        let host = host.clone();
        async move { Ok::<_, Infallible>(to_lambda(host.handle(from_lambda(event)).await)) }
    }))
    .await
}

async fn serve(app: App) -> Result<(), Error> {
    lambda_http::run(service_fn(move |event: lambda_http::Request| {
        let app = app.clone();
        async move { Ok::<_, Infallible>(to_lambda(app.handle(from_lambda(event)).await)) }
    }))
    .await
}

/// The name of the function behind API Gateway's `$default` route.
pub const FALLBACK: &str = rampart_api::FALLBACK_FUNCTION;

/// Runs the `$default` function: API Gateway sends it every request no route of the API
/// matched, and it answers them as the contract says (`404 not_found`, or `405` with `Allow`
/// when the path exists under other methods), as problem documents with the request id and
/// the security headers, rather than API Gateway's bare `{"message":"Not Found"}`. `table` is
/// every method and path of the route table (the generated `main` lists them, so that no
/// handler is linked).
pub async fn run_fallback(table: &'static [(&'static str, &'static str)]) -> Result<(), Error> {
    telemetry::init_json();
    let mut routes = Vec::with_capacity(table.len());
    for (method, path) in table {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| format!("route table method {method}: {e}"))?;
        routes.push((method, *path));
    }
    serve(fallback_app(Config::from_env()?, routes)?).await
}

/// The fallback's app: these paths and methods, for matching only. A request that does match
/// (a method API Gateway has no route for, such as `HEAD`) is not served here either: its
/// handler answers 404. Nothing touches a store, a secret or the network.
pub fn fallback_app(
    config: Config,
    table: impl IntoIterator<Item = (Method, &'static str)>,
) -> Result<App, Error> {
    let routes = table
        .into_iter()
        .map(|(method, path)| {
            Route::new(
                method,
                path,
                FALLBACK,
                "answers 404 or 405",
                rampart_api::state::not_found_handler,
            )
        })
        .collect();
    let adapters = Adapters::in_memory(Arc::new(SystemClock));
    Ok(build_app(&config, &adapters, routes)?)
}

/// Everything done once per cold start: configuration, the AWS clients the function needs,
/// the secret (fetched while the store connection is warmed), then the composition root.
pub async fn build(function: Function) -> Result<App, Error> {
    build_with(Config::from_env()?, function, &Deployment::from_env())
        .await
        .map(|(app, _)| app)
}

/// [`build`] with the configuration already read, in `deployment`; and the task noting the
/// overrides the function started with, which runs beside the first requests rather than
/// holding up the start (a first start after a change writes once).
pub(crate) async fn build_with(
    config: Config,
    function: Function,
    deployment: &Deployment,
) -> Result<(App, Option<tokio::task::JoinHandle<()>>), Error> {
    let route = (function.route)();
    let name = route.function;
    let missing = |reason| {
        Error::from(StartError::Missing {
            function: name,
            reason,
        })
    };
    let function_routes = vec![route];
    let route = &function_routes[0];
    let clock: SharedClock = Arc::new(SystemClock);
    let (sdk, store) = aws_store(&config, clock.clone(), deployment).await?;
    // The warm-up reads the overrides the deployment last started with.
    let start = StartNote::new(
        &config,
        store.clone(),
        clock.clone(),
        name,
        &function_routes,
    );
    let secrets = async {
        match (&config.secrets_arn, function.secrets) {
            (Some(arn), Some(open)) => open(&sdk, arn.clone()).load().await.map_err(Error::from),
            (Some(_), None) if route.needs_secrets() => Err(missing(
                "needs the secret, but was built without Secrets Manager",
            )),
            _ => Ok(Arc::new(SecretBundle::default())),
        }
    };
    let (seen, secrets) = tokio::join!(start.warm_up(), secrets);
    let blobs = match (&config.blob_bucket, route.uses(Port::Blobs), function.blobs) {
        (Some(bucket), true, Some(open)) => Some(open(&sdk, bucket.clone())),
        (_, true, None) => {
            return Err(missing("uses the blob store, but was built without S3"));
        }
        _ => None,
    };
    let events = match (
        &config.event_bus_name,
        route.uses(Port::Mailer) || route.uses(Port::Releases),
        function.events,
    ) {
        (Some(bus), true, Some(open)) => Some(open(&sdk, bus.clone())),
        (_, true, None) => {
            return Err(missing(
                "publishes events, but was built without EventBridge",
            ));
        }
        _ => None,
    };
    let adapters = Adapters {
        store,
        clock,
        secrets: secrets?,
        blobs,
        events,
        log_mailer: Arc::new(LogMailer::new(false)),
        authenticator: None,
        ports: function.ports,
    };
    let app = build_app(&config, &adapters, function_routes)?;
    // Unchanged overrides (every start but the first after a change) write nothing.
    let noting = seen.map(|seen| tokio::spawn(start.note(seen)));
    Ok((app, noting))
}

fn from_lambda(event: lambda_http::Request) -> http::Request<Bytes> {
    let source_ip = match event.request_context_ref() {
        Some(LambdaContext::ApiGatewayV2(ctx)) => {
            ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        _ => None,
    };
    let (mut parts, body) = event.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    if let Some(ip) = source_ip {
        parts.extensions.insert(SourceIp(ip));
    }
    http::Request::from_parts(parts, bytes)
}

fn to_lambda(response: http::Response<Bytes>) -> lambda_http::Response<Body> {
    let (parts, bytes) = response.into_parts();
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(binary) => Body::Binary(binary.into_bytes()),
        }
    };
    lambda_http::Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fallback_tests;
