//! `cargo run -p rampart-codegen`: regenerates everything derived from the route table
//! (function crates, workspace members, template.yaml's functions, docs/api/routes.md, the
//! OpenAPI document, the method-and-path table in rampart-api) and
//! brings Cargo.lock up to date. `-- --check` only reports drift, exiting 1 when there is any.

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = rampart_codegen::repository_root();
    let plan = match rampart_codegen::plan_routes(&root) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("rampart-codegen: {error}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let drift = rampart_codegen::drift(&root, &plan);
        for line in &drift {
            println!("{line}");
        }
        return if drift.is_empty() {
            println!("generated files match the route table");
            ExitCode::SUCCESS
        } else {
            println!("run `{}`", rampart_codegen::COMMAND);
            ExitCode::FAILURE
        };
    }
    match rampart_codegen::apply(&root, &plan) {
        Ok(changed) if changed.is_empty() => println!("generated files already match"),
        Ok(changed) => {
            for line in changed {
                println!("updated: {line}");
            }
        }
        Err(error) => {
            eprintln!("rampart-codegen: {error}");
            return ExitCode::FAILURE;
        }
    }
    // New or removed function crates change the lock file's workspace members; resolving the
    // workspace records them (no dependency versions move).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("rampart-codegen: `cargo metadata` failed ({s}); Cargo.lock may be stale");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("rampart-codegen: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
