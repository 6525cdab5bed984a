//! The deployment's templates as the tests read them: parsed as CloudFormation reads them,
//! values printed as YAML (so `!Ref UsersTableArn` compares as written).
//!
//! `template.yaml` is the root stack; each `AWS::Serverless::Application` whose `Location` is
//! a local file is a nested stack. [`template`] merges them into one view: the root's
//! sections, with every nested stack's resources added to `Resources` and the nested stacks'
//! `Globals` (one and the same for all) as `Globals`.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn parse(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The root template alone.
pub fn root_template() -> Value {
    parse(&root().join("template.yaml"))
}

/// Each nested stack: its logical id in the root, its path, its template.
pub fn nested() -> Vec<(String, PathBuf, Value)> {
    let template = root_template();
    let mut out = Vec::new();
    for (id, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Application" {
            continue;
        }
        let location = resource["Properties"]["Location"].as_str().unwrap();
        let path = root().join(location);
        out.push((id.as_str().unwrap().to_owned(), path.clone(), parse(&path)));
    }
    out
}

/// The whole deployment in one view (see the module's documentation).
pub fn template() -> Value {
    let mut merged = root_template();
    let mut globals: Option<Value> = None;
    for (id, _, stack) in nested() {
        let resources = merged["Resources"].as_mapping_mut().unwrap();
        for (name, resource) in stack["Resources"].as_mapping().unwrap() {
            assert!(
                resources.insert(name.clone(), resource.clone()).is_none(),
                "{id} and another stack both define {name:?}"
            );
        }
        match &globals {
            None => globals = Some(stack["Globals"].clone()),
            Some(seen) => assert_eq!(seen, &stack["Globals"], "{id}'s Globals differ"),
        }
        if merged["Mappings"].is_null() {
            merged["Mappings"] = stack["Mappings"].clone();
        }
    }
    if let Some(globals) = globals {
        merged
            .as_mapping_mut()
            .unwrap()
            .insert(Value::from("Globals"), globals);
    }
    merged
}

/// A value as YAML text, trimmed.
pub fn text(value: &Value) -> String {
    serde_yaml_ng::to_string(value).unwrap().trim().to_owned()
}
