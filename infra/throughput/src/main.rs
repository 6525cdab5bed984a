//! Throughput side by side, for `infra/bench/throughput.py`:
//!
//! - `rampart-throughput bare <port>`: a bare hyper HTTP/1.1 server on 127.0.0.1 answering every
//!   request with a small JSON body, on the same runtime as the local stack (tokio's
//!   multi-threaded scheduler, one worker per core): the ceiling a server on this machine
//!   reaches when it does nothing per request.
//! - `rampart-throughput load <url> <seconds> <connections> [<header: value>...]`: keeps
//!   `connections` keep-alive connections busy with `GET <url>` (each sends its next request
//!   when the answer arrives) for `seconds`, after one second of warm-up, and prints one JSON
//!   line: requests, requests per second, and answers other than 2xx/304.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

// The same allocator as the local stack, so the side-by-side compares servers, not allocators.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bare") => {
            let port: u16 = args.get(1).ok_or("bare <port>")?.parse()?;
            bare(port).await
        }
        Some("load") => {
            let (Some(url), Some(seconds), Some(connections)) =
                (args.get(1), args.get(2), args.get(3))
            else {
                return Err("load <url> <seconds> <connections> [<header: value>...]".into());
            };
            load(url, seconds.parse()?, connections.parse()?, &args[4..]).await
        }
        _ => Err(
            "usage: rampart-throughput bare <port> | load <url> <seconds> <connections> \
                  [<header: value>...]"
                .into(),
        ),
    }
}

async fn bare(port: u16) -> Result<(), Error> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening {port}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = service_fn(|_req| async {
                let mut response =
                    hyper::Response::new(Full::new(Bytes::from_static(br#"{"status":"ok"}"#)));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                Ok::<_, Infallible>(response)
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

struct Counters {
    done: AtomicU64,
    failed: AtomicU64,
    counting: AtomicBool,
    stop: AtomicBool,
}

async fn load(
    url: &str,
    seconds: u64,
    connections: usize,
    headers: &[String],
) -> Result<(), Error> {
    let uri: http::Uri = url.parse()?;
    let authority = uri
        .authority()
        .ok_or("the URL needs a host and port")?
        .clone();
    let mut extra = Vec::new();
    for header in headers {
        let (name, value) = header.split_once(':').ok_or("headers are `name: value`")?;
        extra.push((
            http::HeaderName::from_bytes(name.trim().as_bytes())?,
            http::HeaderValue::from_str(value.trim())?,
        ));
    }
    let extra = Arc::new(extra);
    let counters = Arc::new(Counters {
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        counting: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let stream = TcpStream::connect(authority.as_str()).await?;
        stream.set_nodelay(true)?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let (uri, extra, counters, host) = (
            uri.clone(),
            extra.clone(),
            counters.clone(),
            authority.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            while !counters.stop.load(Ordering::Relaxed) {
                let mut request = hyper::Request::get(uri.clone())
                    .header(http::header::HOST, &host)
                    .body(Empty::<Bytes>::new())
                    .expect("a GET request");
                for (name, value) in extra.iter() {
                    request.headers_mut().insert(name.clone(), value.clone());
                }
                if sender.ready().await.is_err() {
                    break;
                }
                let ok = match sender.send_request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        let drained = response.into_body().collect().await.is_ok();
                        drained && (status.is_success() || status.as_u16() == 304)
                    }
                    Err(_) => false,
                };
                if counters.counting.load(Ordering::Relaxed) {
                    counters.done.fetch_add(1, Ordering::Relaxed);
                    if !ok {
                        counters.failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if !ok && sender.is_closed() {
                    break;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    counters.counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    counters.counting.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    counters.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let done = counters.done.load(Ordering::Relaxed);
    println!(
        "{{\"requests\":{done},\"per_second\":{:.1},\"failed\":{}}}",
        done as f64 / elapsed,
        counters.failed.load(Ordering::Relaxed)
    );
    Ok(())
}
