//! The HTTP server: hyper on a loopback listener, graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use rampart_api::{MAX_BODY_BYTES, SourceIp};
use rampart_blob::{LOCAL_PREFIX, LocalBlobs};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::LocalStack;

/// How long in-flight requests get to finish after a stop signal, unless the stack says
/// otherwise (`RAMPART_DRAIN_SECS`).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves the stack on `listener` until `shutdown` resolves, then stops accepting and lets
/// in-flight requests finish for up to the stack's drain time; connections still open after it
/// are closed.
pub async fn serve(
    listener: TcpListener,
    stack: LocalStack,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        stack.blobs.set_base_url(&format!("http://{addr}"));
        // Releases are verified against this server unless an environment has its own URL.
        stack
            .release_verifier
            .set_fallback(&format!("http://{addr}"));
    }
    // Mail queued by requests is delivered as it arrives, as EventBridge would invoke the
    // mail worker.
    let mail = stack.deliver_in_background.then(|| {
        let stack = stack.clone();
        tokio::spawn(async move {
            loop {
                stack.bus.published().await;
                stack.deliver_mail().await;
            }
        })
    });
    let graceful = GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        continue;
                    }
                };
                let stack = stack.clone();
                let service = service_fn(move |req: Request<Incoming>| {
                    let stack = stack.clone();
                    async move { Ok::<_, Infallible>(handle(&stack, req, peer).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(error) = watched.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let drain = stack.drain;
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "in-flight requests did not finish within {drain:?}; their connections are closed"
        );
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
    if let Some(mail) = mail {
        mail.abort();
        // What the finished requests queued still goes out.
        stack.deliver_mail().await;
    }
    Ok(())
}

/// Reads the body (at most 1 MiB, as API Gateway and the pipeline allow), adds the source IP
/// the way API Gateway would, and runs the pipeline.
async fn handle(
    stack: &LocalStack,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    if req.method() == http::Method::GET && req.uri().path().starts_with(LOCAL_PREFIX) {
        return serve_blob(&stack.blobs, req.uri()).await;
    }
    if req.method() == http::Method::PUT && req.uri().path().starts_with(LOCAL_PREFIX) {
        return take_upload(&stack.blobs, req).await;
    }
    if req.method() == http::Method::POST && req.uri().path() == HEALTH_SNAPSHOT_PATH {
        return run_health_snapshot(stack, &req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            // Over the limit (or a broken upload): let the pipeline answer 413 as it would
            // for a declared oversize body.
            parts.headers.insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from(MAX_BODY_BYTES + 1),
            );
            Bytes::new()
        }
    };
    parts.extensions.insert(SourceIp(peer.ip()));
    let response = stack.app.handle(Request::from_parts(parts, bytes)).await;
    response.map(Full::new)
}

/// Where the local stack runs the daily health snapshot on demand (EventBridge Scheduler's part).
pub const HEALTH_SNAPSHOT_PATH: &str = "/_local/health-snapshot";

/// Runs the health snapshot now; without configured probes it probes this server's `/health`
/// at the address the caller used. Answers the run as JSON (500 with the reason on failure).
async fn run_health_snapshot(stack: &LocalStack, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let job = &stack.health_snapshot;
    let mut plan = job.plan.clone();
    if plan.urls.is_empty()
        && let Some(host) = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
    {
        plan.urls = vec![format!("http://{host}/health")];
    }
    let (status, body) = match job.run_with(&plan).await {
        Ok(run) => (StatusCode::OK, serde_json::to_vec(&run).unwrap_or_default()),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::to_vec(&serde_json::json!({ "error": error.to_string() }))
                .unwrap_or_default(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The largest upload a signed local URL takes (the media limit, with room to spare).
const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// Stores a `PUT` to a signed upload URL the way S3 takes a presigned one: 200, or 403 when the
/// signature, expiry, content type or length does not hold.
async fn take_upload(blobs: &LocalBlobs, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or("", |p| p.as_str())
        .to_owned();
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match Limited::new(req.into_body(), MAX_UPLOAD_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return plain(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                "the upload is too large",
            );
        }
    };
    match blobs
        .accept_signed_put(&path_and_query, content_type.as_deref(), body)
        .await
    {
        Ok(()) => plain(http::StatusCode::OK, ""),
        Err(why) => plain(http::StatusCode::FORBIDDEN, why),
    }
}

fn plain(status: http::StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    response
}

/// Answers a signed local blob URL the way S3 answers a presigned one: the object, or 403.
async fn serve_blob(blobs: &LocalBlobs, uri: &http::Uri) -> Response<Full<Bytes>> {
    let path_and_query = uri.path_and_query().map_or("", |p| p.as_str());
    let (status, content_type, body) = match blobs.open_signed(path_and_query).await {
        Some((body, content_type)) => (http::StatusCode::OK, content_type, body),
        None => (
            http::StatusCode::FORBIDDEN,
            "text/plain".to_owned(),
            Bytes::from_static(b"the URL is not valid or has expired"),
        ),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = http::HeaderValue::from_str(&content_type) {
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    // As the S3 adapter's presigned URLs ask of S3: never cached, never rendered inline.
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    if status == http::StatusCode::OK
        && let Ok(value) = http::HeaderValue::from_str(&rampart_blob::attachment(
            uri.path().rsplit('/').next().unwrap_or("download"),
        ))
    {
        headers.insert(http::header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A server started in the background, for tests and tools.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, drains in-flight requests and waits for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Starts the stack on a free loopback port.
pub async fn spawn(stack: LocalStack) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    // Known from here on, before the server task first runs.
    stack.blobs.set_base_url(&format!("http://{addr}"));
    stack
        .release_verifier
        .set_fallback(&format!("http://{addr}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, stack, async {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        addr,
        stop: Some(stop),
        task,
    })
}
