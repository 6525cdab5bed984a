//! The function crates under `functions/` and the workspace's `default-members`.

use std::path::{Path, PathBuf};

use rampart_api::routes::Memory;
use rampart_api::{Port, Route};

use crate::{COMMAND, Entry, Function, Output};

/// The first line of every generated function file; only folders carrying it are removed.
const MARKER: &str = "Generated from the route table by";

/// `functions/<name>/Cargo.toml` and `functions/<name>/src/main.rs`; the fallback's `main`
/// lists every method and path of `routes`.
pub(crate) fn crate_files(function: &Function, routes: &[Route]) -> [Output; 2] {
    let name = function.name();
    let description = function
        .description()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    // Argon2id's hashes: with mimalloc a verification takes 20.5 ms of one core against 27.7
    // ms with the C library's allocator (criterion, docs/benchmarks.md), worth the 0.2 to 0.5
    // ms it adds to a cold start; the other functions keep the C library's.
    let hashes = matches!(
        function,
        Function::Route(entry) if entry.route.memory == Memory::PasswordHashing
    );
    let (allocator_dependency, allocator) = if hashes {
        (
            "mimalloc.workspace = true\n",
            "\n// Argon2id hashes here: mimalloc makes each about a quarter cheaper than the C\n\
             // library's allocator does (docs/benchmarks.md, \"Memory sized by measurement\").\n\
             #[global_allocator]\n\
             static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;\n",
        )
    } else {
        ("", "")
    };
    let manifest = format!(
        "# {MARKER} `{COMMAND}`; do not edit.\n\
         [package]\n\
         name = \"{name}\"\n\
         description = \"{description}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         publish.workspace = true\n\
         \n\
         [dependencies]\n\
         {allocator_dependency}\
         rampart-api.workspace = true\n\
         rampart-lambda-host.workspace = true\n\
         tokio.workspace = true\n\
         \n\
         # The handlers are tested through the library and the local stack; a test harness per\n\
         # function would only cost build time.\n\
         [[bin]]\n\
         name = \"{name}\"\n\
         path = \"src/main.rs\"\n\
         test = false\n"
    );
    let (uses, body) = match function {
        Function::Fallback => fallback_main(routes),
        Function::MailWorker => (
            "use rampart_lambda_host::{Error, run_mail_worker};\n".to_owned(),
            "    run_mail_worker().await\n".to_owned(),
        ),
        Function::ReleaseWorker => (
            "use rampart_lambda_host::{Error, run_release_worker};\n".to_owned(),
            "    run_release_worker().await\n".to_owned(),
        ),
        Function::HealthSnapshot => (
            "use rampart_lambda_host::{Error, run_health_snapshot};\n".to_owned(),
            "    run_health_snapshot().await\n".to_owned(),
        ),
        Function::KeyRotation => (
            "use rampart_lambda_host::{Error, run_key_rotation};\n".to_owned(),
            "    run_key_rotation().await\n".to_owned(),
        ),
        Function::Route(entry) => route_main(entry),
    };
    let main = format!(
        "// {MARKER} `{COMMAND}`; do not edit.\n\
         //! {}\n\
         \n\
         {uses}\
         {allocator}\
         \n\
         // Lambda hands a function one invocation at a time: one thread serves it, and no\n\
         // worker threads are started during the cold start.\n\
         #[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() -> Result<(), Error> {{\n\
         {body}\
         }}\n",
        function.description().replace('`', "'")
    );
    let dir = PathBuf::from("functions").join(name);
    [
        Output {
            path: dir.join("Cargo.toml"),
            content: manifest,
        },
        Output {
            path: dir.join("src/main.rs"),
            content: main,
        },
    ]
}

/// The `use` of the route's own `pub fn` and the `main` body: a builder call for each client
/// the route uses, so that the binary links that route and those clients alone.
fn route_main(entry: &Entry) -> (String, String) {
    let route = &entry.route;
    let mut chain = "Function::new(route)".to_owned();
    let mut calls = Vec::new();
    if route.needs_secrets() {
        calls.push("secrets");
    }
    for (port, client) in [
        (Port::Blobs, "blobs"),
        (Port::Discord, "discord"),
        (Port::Mailer, "mailer"),
        (Port::OAuth, "oauth"),
        (Port::PrRisk, "pr_risk"),
        (Port::Releases, "releases"),
    ] {
        if route.uses(port) {
            calls.push(client);
        }
    }
    let one_line: String = calls.iter().map(|c| format!(".{c}()")).collect();
    // rustfmt keeps a chain of up to 60 characters on one line.
    if chain.len() + one_line.len() <= 60 {
        chain.push_str(&one_line);
    } else {
        for call in calls {
            chain.push_str(&format!("\n        .{call}()"));
        }
    }
    (
        format!(
            "use {} as route;\nuse rampart_lambda_host::{{Error, Function, run}};\n",
            entry.path
        ),
        format!("    let function = {chain};\n    run(function).await\n"),
    )
}

/// `run_fallback(&[("GET", "/health"), …])`: methods and paths only, no handler.
fn fallback_main(routes: &[Route]) -> (String, String) {
    let mut body = "    run_fallback(&[\n".to_owned();
    for route in routes {
        body.push_str(&format!(
            "        (\"{}\", \"{}\"),\n",
            route.method, route.path
        ));
    }
    body.push_str("    ])\n    .await\n");
    (
        "use rampart_lambda_host::{Error, run_fallback};\n".to_owned(),
        body,
    )
}

/// The workspace manifest with `default-members` listing exactly the functions, sorted.
pub(crate) fn workspace_manifest(current: &str, functions: &[Function]) -> Result<String, String> {
    const START: &str = "default-members = [\n";
    let begin = current
        .find(START)
        .ok_or("Cargo.toml has no `default-members = [` line")?
        + START.len();
    let end = begin
        + current[begin..]
            .find("]\n")
            .ok_or("Cargo.toml's default-members list is not closed")?;
    let mut names: Vec<&str> = functions.iter().map(Function::name).collect();
    names.sort_unstable();
    let members: String = names
        .iter()
        .map(|name| format!("    \"functions/{name}\",\n"))
        .collect();
    Ok(format!("{}{members}{}", &current[..begin], &current[end..]))
}

/// Generated function folders whose function is no longer in the table. A folder without the
/// generated marker is an error: it was written by hand and is not ours to remove.
pub(crate) fn stale(root: &Path, functions: &[Function]) -> Result<Vec<String>, String> {
    let dir = root.join("functions");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if functions.iter().any(|f| f.name() == name) {
            continue;
        }
        let manifest = std::fs::read_to_string(entry.path().join("Cargo.toml")).unwrap_or_default();
        if !manifest.contains(MARKER) {
            return Err(format!(
                "functions/{name} serves no route of the table and was not generated; \
                 remove it or add its route"
            ));
        }
        stale.push(name);
    }
    stale.sort();
    Ok(stale)
}
