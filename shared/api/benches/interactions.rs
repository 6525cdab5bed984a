//! In-process handling time of Discord interactions through the whole pipeline (signature
//! check included): a PING and a `/help` command, which role-checks every registered command.
//! Prints p50 / p99 / max over many requests, each signed beforehand.
//!
//! `cargo bench -p rampart-api --bench interactions`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rampart_api::{Adapters, SourceIp, build_app, routes};
use rampart_core::{Clock, Config, ManualClock};
use rampart_discord::TestKeyPair;

const REQUESTS: usize = 20_000;

fn signed(keys: &TestKeyPair, now: i64, body: String) -> http::Request<Bytes> {
    let timestamp = now.to_string();
    let signature = keys.sign(&timestamp, body.as_bytes());
    let mut req = http::Request::post("/discord/interactions")
        .header("content-type", "application/json")
        .header("x-signature-timestamp", timestamp)
        .header("x-signature-ed25519", signature)
        .body(Bytes::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(SourceIp("162.159.135.232".parse().unwrap()));
    req
}

fn help(n: usize) -> String {
    serde_json::json!({
        "type": 2, "id": format!("bench-{n}"), "token": "t", "application_id": "1",
        "guild_id": "290926798626357999",
        "member": {"roles": ["539082325061836999"], "permissions": "0", "user": {"id": "53908232506183680"}},
        "data": {"name": "help", "type": 1}
    })
    .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let keys = TestKeyPair::generate().unwrap();
    let mut config = Config::local();
    config.discord_public_key = Some(keys.public_key().to_hex());
    let app = build_app(
        &config,
        &Adapters::in_memory(clock.clone()).with_ports(rampart_api::Ports::ALL),
        routes()
            .into_iter()
            .filter(|r| r.path == "/discord/interactions")
            .collect(),
    )
    .unwrap();
    let now = clock.now_secs();
    let ping = r#"{"type":1,"id":"1","application_id":"1","token":"t","version":1}"#.to_owned();
    let cases: [(&str, Vec<http::Request<Bytes>>); 2] = [
        (
            "ping",
            (0..REQUESTS)
                .map(|_| signed(&keys, now, ping.clone()))
                .collect(),
        ),
        (
            "help (role-checked)",
            (0..REQUESTS).map(|n| signed(&keys, now, help(n))).collect(),
        ),
    ];
    for (name, requests) in cases {
        let mut times = Vec::with_capacity(REQUESTS);
        runtime.block_on(async {
            for req in requests {
                let started = Instant::now();
                let response = app.handle(req).await;
                times.push(started.elapsed());
                assert_eq!(response.status(), 200);
            }
        });
        times.sort_unstable();
        println!(
            "{name:22} n={REQUESTS}  p50={:?}  p99={:?}  max={:?}",
            percentile(&times, 0.50),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
    }
}
