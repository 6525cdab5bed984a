//! The `rampart-local` binary as a newcomer runs it: it prints where it listens, serves
//! `/health`, keeps file-store data across restarts, and exits 0 on SIGTERM and SIGINT; a
//! restart with other flags or limit overrides is recorded in the audit log.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Local {
    child: Child,
    port: u16,
}

fn start(data_dir: &std::path::Path) -> Local {
    start_with(data_dir, &[])
}

/// [`start`] with `env` set for the process (flags, overrides).
fn start_with(data_dir: &std::path::Path, env: &[(&str, &str)]) -> Local {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart-local"))
        .envs(env.iter().copied())
        .env("PORT", "0")
        .env("RAMPART_DATA_DIR", data_dir)
        .env_remove("RAMPART_STORE")
        .env_remove("STAGE")
        .env_remove("RAMPART_SECRETS_FILE")
        .env("RAMPART_ADMIN_EMAIL", "admin@example.com")
        .env("RAMPART_ADMIN_PASSWORD", ADMIN_PASSWORD)
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

const ADMIN_PASSWORD: &str = "local admin passphrase 4 tests";

fn exchange(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn get(port: u16, path: &str) -> String {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

fn get_with_bearer(port: u16, path: &str, token: &str) -> String {
    exchange(
        port,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Connection: close\r\n\r\n"
        ),
    )
}

fn post_json(port: u16, path: &str, body: &str) -> String {
    exchange(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The access token `/api/v1/auth/token` hands the local admin.
fn admin_token(port: u16) -> String {
    let body = format!(r#"{{"email":"admin@example.com","password":"{ADMIN_PASSWORD}"}}"#);
    let response = post_json(port, "/api/v1/auth/token", &body);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let json = response.split("\r\n\r\n").nth(1).expect("a body");
    let json = json.trim_start_matches(|c: char| c.is_ascii_hexdigit() || c.is_whitespace());
    let start = json.find("\"access_token\":\"").expect("an access token") + 16;
    json[start..].split('"').next().unwrap().to_owned()
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
    let token = admin_token(local.port);
    let account = get_with_bearer(local.port, "/api/v1/account", &token);
    assert!(account.contains("\"role\":\"admin\""), "{account}");
    assert!(account.contains("\"email_verified\":true"), "{account}");
    stop(local, "-TERM");
    assert!(
        data.join("store.jsonl").exists(),
        "the default store is a file under the data dir"
    );

    let again = start(&data);
    assert!(get(again.port, "/health").starts_with("HTTP/1.1 200"));
    let account = get_with_bearer(again.port, "/api/v1/account", &token);
    assert!(
        account.starts_with("HTTP/1.1 200"),
        "generated keys and sessions survive a restart: {account}"
    );
    stop(again, "-INT");
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn a_restart_with_a_flag_switched_off_is_recorded_once_as_a_configuration_event() {
    let data = std::env::temp_dir().join(format!("rampart-local-flags-{}", std::process::id()));
    let changes = |port: u16, token: &str| {
        let response = get_with_bearer(
            port,
            "/api/v1/admin/audit?event=configuration.overrides_changed",
            token,
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        response
            .matches("\"event\":\"configuration.overrides_changed\"")
            .count()
    };
    let plain = start(&data);
    let token = admin_token(plain.port);
    assert_eq!(changes(plain.port, &token), 0, "the defaults are no change");
    stop(plain, "-TERM");

    let limits = r#"{"writes:viewer":{"max":60}}"#;
    let flags = [
        ("PR_INTEL_ENABLED", "false"),
        ("RATE_LIMIT_OVERRIDES", limits),
    ];
    let changed = start_with(&data, &flags);
    let response = get_with_bearer(
        changed.port,
        "/api/v1/admin/audit?event=configuration.overrides_changed",
        &token,
    );
    assert_eq!(changes(changed.port, &token), 1, "{response}");
    assert!(
        response.contains("\"features_switched_off\":\"pr_intel\""),
        "{response}"
    );
    assert!(
        response.contains("\"category\":\"configuration\""),
        "{response}"
    );
    stop(changed, "-TERM");

    // The same overrides again: nothing new.
    let same = start_with(&data, &flags);
    assert_eq!(changes(same.port, &token), 1);
    stop(same, "-TERM");
    std::fs::remove_dir_all(&data).ok();
}
