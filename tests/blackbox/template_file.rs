//! template.yaml as the tests read it: parsed as CloudFormation reads it, values printed as
//! YAML (so `!GetAtt UsersTable.Arn` compares as written).

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The parsed template.
pub fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// A value as YAML text, trimmed.
pub fn text(value: &Value) -> String {
    serde_yaml_ng::to_string(value).unwrap().trim().to_owned()
}
