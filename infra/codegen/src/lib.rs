//! Everything a route needs beyond its table entry, its handler and its test, generated from
//! the route table:
//!
//! - `functions/<name>/Cargo.toml` and `functions/<name>/src/main.rs` for every function;
//! - the workspace's `default-members` (the functions `cargo lambda build` builds);
//! - the nested stacks `infra/stacks/<area>.yaml` (per function its resource with environment
//!   and least-privilege IAM, its API route, log group and alarms) and, in `template.yaml`, the
//!   applications that deploy them, the API stage's per-route throttles and the tables' alarms;
//! - `docs/api/routes.md` and `docs/api/openapi.json` (OpenAPI 3.1);
//! - the crate table of `docs/architecture.md` (from each crate's manifest).
//!
//! `cargo run -p rampart-codegen` writes them; the test below fails on any drift and names
//! that command.

mod alarms;
mod crates;
mod edge;
mod functions;
mod job_settings;
mod stacks;
mod template;

use std::path::{Path, PathBuf};

use rampart_api::{FALLBACK_FUNCTION, Route};

/// The command that regenerates every generated file.
pub const COMMAND: &str = "cargo run -p rampart-codegen";

/// One generated file: its path below the repository root and its whole content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub path: PathBuf,
    pub content: String,
}

/// What the repository should hold.
#[derive(Debug, Default)]
pub struct Plan {
    pub outputs: Vec<Output>,
    /// Generated function folders that no route serves any more.
    pub stale_functions: Vec<String>,
}

/// A route of the table, with the path of the `pub fn` that builds it
/// (`rampart_api::routes::<module>::<function>`), which the function's `main` names.
#[derive(Clone, Debug)]
pub struct Entry {
    pub path: String,
    pub route: Route,
}

/// The route table.
pub fn table() -> Vec<Entry> {
    rampart_api::routes::entries()
        .map(|entry| Entry {
            path: entry.path.to_owned(),
            route: (entry.build)(),
        })
        .collect()
}

/// A function as the generator sees it: the fallback, or a route of the table.
#[derive(Clone, Copy)]
pub(crate) enum Function<'a> {
    Fallback,
    /// The worker EventBridge invokes with each queued mail request.
    MailWorker,
    /// The one-off field-encryption key rotation job.
    KeyRotation,
    /// The daily health snapshot, on an EventBridge schedule.
    HealthSnapshot,
    /// The release conductor's worker, on `rampart.release` events.
    ReleaseWorker,
    Route(&'a Entry),
}

impl Function<'_> {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Fallback => FALLBACK_FUNCTION,
            Self::MailWorker => rampart_api::compose::MAIL_WORKER_FUNCTION,
            Self::KeyRotation => rampart_api::compose::KEY_ROTATION_FUNCTION,
            Self::HealthSnapshot => rampart_api::compose::HEALTH_SNAPSHOT_FUNCTION,
            Self::ReleaseWorker => rampart_api::compose::RELEASE_WORKER_FUNCTION,
            Self::Route(entry) => entry.route.function,
        }
    }

    /// `GET /health: Liveness and store reachability.`
    pub(crate) fn description(&self) -> String {
        match self {
            Self::Fallback => {
                "$default: contract 404s and 405s for requests no route matched.".to_owned()
            }
            Self::MailWorker => {
                "mail.requested events: sends the account mail that requests queued.".to_owned()
            }
            Self::KeyRotation => "One-off: re-seals sealed fields under the newest \
                                  field-encryption key, resuming where the last run stopped."
                .to_owned(),
            Self::HealthSnapshot => "Daily at 09:00 UTC: probes the API, stores the health \
                                     snapshot and posts the status digest to Discord."
                .to_owned(),
            Self::ReleaseWorker => "rampart.release events: deploys, verifies and reports \
                                    releases asked for in Discord."
                .to_owned(),
            Self::Route(Entry { route, .. }) => {
                format!("{} {}: {}", route.method, route.path, route.summary)
            }
        }
    }
}

/// Everything generated from `table`, given the repository at `root` (whose workspace
/// manifest and template are edited in place between their markers).
pub fn plan(root: &Path, table: &[Entry]) -> Result<Plan, String> {
    let routes: Vec<Route> = table.iter().map(|entry| entry.route.clone()).collect();
    let routes = &routes[..];
    let functions: Vec<Function> = [
        Function::Fallback,
        Function::MailWorker,
        Function::KeyRotation,
        Function::HealthSnapshot,
        Function::ReleaseWorker,
    ]
    .into_iter()
    .chain(table.iter().map(Function::Route))
    .collect();
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).map_err(|e| format!("cannot read {path}: {e}"))
    };
    let mut outputs = Vec::new();
    for function in &functions {
        outputs.extend(functions::crate_files(function, routes));
    }
    outputs.push(Output {
        path: PathBuf::from("Cargo.toml"),
        content: functions::workspace_manifest(&read("Cargo.toml")?, &functions)?,
    });
    let mut areas = Vec::new();
    for area in stacks::Area::ALL {
        let mut members = Vec::new();
        for function in &functions {
            if stacks::area(function)? == area {
                members.push(function);
            }
        }
        let content = stacks::nested_template(area, &members);
        outputs.push(Output {
            path: PathBuf::from(area.path()),
            content: content.clone(),
        });
        areas.push((area, content));
    }
    let route_refs: Vec<&Route> = routes.iter().collect();
    outputs.push(Output {
        path: PathBuf::from("infra/edge-waf.yaml"),
        content: edge::waf_template(&route_refs),
    });
    outputs.push(Output {
        path: PathBuf::from("template.yaml"),
        content: template::with_section(
            &read("template.yaml")?,
            &stacks::root_section(&areas, &route_refs),
        )?,
    });
    outputs.push(Output {
        path: PathBuf::from("docs/api/routes.md"),
        content: rampart_api::docs::routes_markdown(routes),
    });
    outputs.push(Output {
        path: PathBuf::from("shared/api/src/routes/paths.rs"),
        content: paths_module(routes),
    });
    outputs.push(Output {
        path: PathBuf::from("docs/api/openapi.json"),
        content: openapi_json(routes)?,
    });
    outputs.push(Output {
        path: PathBuf::from("docs/architecture.md"),
        content: crates::with_crate_table(root, &read("docs/architecture.md")?)?,
    });
    let stale_functions = functions::stale(root, &functions)?;
    Ok(Plan {
        outputs,
        stale_functions,
    })
}

/// `rampart_api::routes::paths`: every route's method and path, for routers that serve some
/// of the routes but answer for all of them (a 405 where another method owns the path).
fn paths_module(routes: &[Route]) -> String {
    let mut text =
        "// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.\n\
        //! Every route's method and path template, without its handler.\n\n\
        /// `(method, path)` for each route of the table.\n\
        pub const PATHS: &[(&str, &str)] = &[\n"
            .to_owned();
    for route in routes {
        text.push_str(&format!(
            "    (\"{}\", \"{}\"),\n",
            route.method, route.path
        ));
    }
    text.push_str("];\n");
    text
}

/// The OpenAPI document, pretty-printed with a final newline.
fn openapi_json(routes: &[Route]) -> Result<String, String> {
    let document = rampart_api::openapi::document(routes);
    serde_json::to_string_pretty(&document)
        .map(|text| text + "\n")
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))
}

/// The plan for the route table.
pub fn plan_routes(root: &Path) -> Result<Plan, String> {
    plan(root, &table())
}

/// How the repository differs from `plan`: one line per file to write or folder to remove.
pub fn drift(root: &Path, plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    for output in &plan.outputs {
        match std::fs::read_to_string(root.join(&output.path)) {
            Ok(current) if current == output.content => {}
            Ok(_) => lines.push(format!("{} differs", output.path.display())),
            Err(_) => lines.push(format!("{} is missing", output.path.display())),
        }
    }
    for name in &plan.stale_functions {
        lines.push(format!("functions/{name} serves no route"));
    }
    lines
}

/// Writes `plan` under `root`: changed files are rewritten, stale function folders removed.
/// Returns what changed.
pub fn apply(root: &Path, plan: &Plan) -> Result<Vec<String>, String> {
    let changed = drift(root, plan);
    for output in &plan.outputs {
        let path = root.join(&output.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(output.content.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &output.content)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    for name in &plan.stale_functions {
        let dir = root.join("functions").join(name);
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    Ok(changed)
}

/// The repository root (this crate lives in `infra/codegen`).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests;
