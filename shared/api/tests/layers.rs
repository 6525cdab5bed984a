//! The crate's modules in layers that import downwards only: a module may use its own layer
//! and those below it, never one above. So the request context and the handlers can be read
//! without the route table or the pipeline, and the route table without the pipeline.
//! docs/architecture.md draws the layers.

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom to top.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "the request",
        &[
            "client_ip",
            "context",
            "cookies",
            "degradation",
            "entity_tags",
            "extract",
            "idempotency",
            "overrides",
            "response",
            "security_stats",
            "suspicion",
            "traffic",
        ],
    ),
    ("a function's state", &["authn", "state"]),
    ("handlers", &["handlers"]),
    ("the route table", &["docs", "openapi", "routes"]),
    ("routing", &["router"]),
    ("the pipeline", &["pipeline"]),
    ("composition", &["compose"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The crate's own modules `source` uses (`crate::<module>`), comments left out.
fn used(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a, b::c}`: each name's first part.
                let inner = group.split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() {
                        found.insert(name.to_owned());
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_import_their_own_layer_and_those_below_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut unplaced = BTreeSet::new();
    for path in all {
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_str().unwrap().trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            unplaced.insert(module);
            continue;
        };
        let source = std::fs::read_to_string(&path).unwrap();
        for other in used(&source) {
            match layer_of(&other) {
                Some(layer) if layer > own => wrong.push(format!(
                    "{} ({}) uses crate::{other} ({})",
                    relative.display(),
                    LAYERS[own].0,
                    LAYERS[layer].0
                )),
                Some(_) => {}
                // An item of lib.rs itself (a constant, a re-exported type).
                None if other.starts_with(|c: char| c.is_ascii_uppercase()) => {}
                None => wrong.push(format!(
                    "{} uses crate::{other}, which no layer holds",
                    relative.display()
                )),
            }
        }
    }
    assert!(unplaced.is_empty(), "modules in no layer: {unplaced:?}");
    assert!(wrong.is_empty(), "imports upwards:\n{}", wrong.join("\n"));
}
