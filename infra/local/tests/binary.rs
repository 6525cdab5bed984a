//! The `rampart-local` binary as a newcomer runs it: it prints where it listens, serves
//! `/health`, keeps file-store data across restarts, and exits 0 on SIGTERM and SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Local {
    child: Child,
    port: u16,
}

fn start(data_dir: &std::path::Path) -> Local {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart-local"))
        .env("PORT", "0")
        .env("RAMPART_DATA_DIR", data_dir)
        .env_remove("RAMPART_STORE")
        .env_remove("STAGE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rampart-local");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("a line before exit").expect("utf-8");
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            break rest.trim().parse().expect("a port");
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Local { child, port }
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn stop(mut local: Local, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &local.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = local.child.wait().expect("wait");
    assert!(
        exit.success(),
        "rampart-local exits 0 on {signal}: {exit:?}"
    );
}

#[test]
fn the_binary_serves_health_and_stops_cleanly_on_sigterm_and_sigint() {
    let data = std::env::temp_dir().join(format!("rampart-local-{}", std::process::id()));
    let local = start(&data);
    let response = get(local.port, "/health");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"store\":\"ok\""), "{response}");
    stop(local, "-TERM");
    assert!(
        data.join("store.jsonl").exists(),
        "the default store is a file under the data dir"
    );

    let again = start(&data);
    assert!(get(again.port, "/health").starts_with("HTTP/1.1 200"));
    stop(again, "-INT");
    std::fs::remove_dir_all(&data).ok();
}
