//! The deployment watches itself: every function logs JSON to a group with a retention, every
//! alarm notifies the topic and names a runbook entry that exists, the metrics the alarms
//! watch are the ones the code emits, storage is protected, the secret is generated, and every
//! file the template and the docs cite exists.

use std::collections::BTreeSet;

use rampart_store::Table;
use serde_yaml_ng::Value;

use crate::template_file::{root, template, text};

fn resources(template: &Value, kind: &str) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(k, r)| (k.as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// GitHub's anchor for a Markdown heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

fn anchors(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_function_logs_json_to_a_group_with_a_retention_and_is_traced() {
    let template = template();
    assert_eq!(template["Globals"]["Function"]["Tracing"], "Active");
    // Functions live in nested stacks; their metrics and table prefixes carry the root's name,
    // which the alarms watch.
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(text(&variables["STACK_NAME"]), "!Ref RootStackName");
    let functions = resources(&template, "AWS::Serverless::Function");
    assert!(functions.len() > 30);
    for (id, function) in &functions {
        let logging = &function["Properties"]["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON", "{id}");
        let group = text(&logging["LogGroup"]);
        let group_id = group.strip_prefix("!Ref ").expect("a group of the stack");
        let group = &template["Resources"][group_id];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{id}");
        assert!(
            text(&group["Properties"]["RetentionInDays"]).contains("LogRetentionDays"),
            "{id}: retention per stage"
        );
    }
    let stages = &template["Mappings"]["Stages"];
    for stage in ["dev", "staging", "prod"] {
        let days = stages[stage]["LogRetentionDays"].as_u64().unwrap();
        assert!((7..=3653).contains(&days), "{stage}: {days}");
    }
    // The API's access log: JSON, with the request id the functions log too.
    let api = &template["Resources"]["ApiStage"]["Properties"]["AccessLogSettings"];
    assert!(text(&api["DestinationArn"]).contains("ApiAccessLogs.Arn"));
    let format: serde_json::Value = serde_json::from_str(api["Format"].as_str().unwrap()).unwrap();
    assert_eq!(format["requestId"], "$context.requestId");
    assert_eq!(format["status"], "$context.status");
}

#[test]
fn every_alarm_notifies_the_topic_and_names_a_runbook_entry_that_exists() {
    let template = template();
    let runbook = std::fs::read_to_string(root().join("docs/runbooks/alarms.md"))
        .expect("docs/runbooks/alarms.md");
    let known = anchors(&runbook);
    let alarms = resources(&template, "AWS::CloudWatch::Alarm");
    let mut ids = BTreeSet::new();
    for (id, alarm) in &alarms {
        let props = &alarm["Properties"];
        assert_eq!(text(&props["AlarmActions"]), "- !Ref AlarmTopic", "{id}");
        assert_eq!(text(&props["OKActions"]), "- !Ref AlarmTopic", "{id}");
        let description = props["AlarmDescription"].as_str().unwrap();
        let (_, link) = description
            .split_once("Runbook: docs/runbooks/alarms.md#")
            .unwrap_or_else(|| panic!("{id} names no runbook entry"));
        assert!(
            known.contains(link),
            "{id}: no heading for #{link} in the runbook"
        );
        ids.insert(id.clone());
    }
    let functions = resources(&template, "AWS::Serverless::Function");
    for (id, _) in &functions {
        let stem = id.trim_end_matches("Function");
        for kind in ["Errors", "Throttles"] {
            assert!(ids.contains(&format!("{stem}{kind}Alarm")), "{id}: {kind}");
        }
    }
    for table in Table::ALL {
        let stem = table.logical_id();
        for kind in ["Throttles", "SystemErrors"] {
            assert!(
                ids.contains(&format!("{stem}{kind}Alarm")),
                "{stem}: {kind}"
            );
        }
    }
    for id in [
        "ApiErrorRateAlarm",
        "ApiLatencyAlarm",
        "AuditWriteFailuresAlarm",
        "SignInFailuresAlarm",
        "RefreshReuseAlarm",
        "Http401Alarm",
        "Http403Alarm",
        "Http429Alarm",
        "FailedEventsAlarm",
        "SuspiciousActivityAlarm",
        "ConfigurationChangesAlarm",
        "DataAccessAlarm",
        "FeatureAutoDisabledAlarm",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    // The alarms on the code's own metrics watch what the code emits, per stack.
    use rampart_core::metrics;
    let emitted = [
        metrics::SIGN_IN_FAILURES,
        metrics::REFRESH_REUSE,
        metrics::HTTP_401,
        metrics::HTTP_403,
        metrics::HTTP_429,
        metrics::AUDIT_WRITE_FAILURES,
        metrics::SUSPICIOUS_ACTIVITY,
        metrics::CONFIGURATION_CHANGES,
        metrics::DATA_ACCESS_EVENTS,
    ];
    for (id, alarm) in &alarms {
        let props = &alarm["Properties"];
        if props["Namespace"] != metrics::NAMESPACE {
            continue;
        }
        let metric = props["MetricName"].as_str().unwrap();
        assert!(
            emitted.contains(&metric),
            "{id} watches {metric}, which nothing emits"
        );
        assert_eq!(
            props["Dimensions"][0]["Name"],
            metrics::STACK_DIMENSION,
            "{id}"
        );
        assert_eq!(
            text(&props["Dimensions"][0]["Value"]),
            "!Ref AWS::StackName"
        );
    }
    assert!(!resources(&template, "AWS::CloudWatch::Dashboard").is_empty());
}

#[test]
fn storage_is_tls_only_expires_abandoned_uploads_and_the_secret_is_generated() {
    let template = template();
    let policy = text(&template["Resources"]["BlobBucketPolicy"]["Properties"]);
    assert!(
        policy.contains("aws:SecureTransport: 'false'")
            || policy.contains("aws:SecureTransport: \"false\""),
        "{policy}"
    );
    assert!(policy.contains("Effect: Deny"));
    let rules = text(&template["Resources"]["BlobBucket"]["Properties"]["LifecycleConfiguration"]);
    assert!(rules.contains("AbortIncompleteMultipartUpload"), "{rules}");
    let secret = &template["Resources"]["AppSecret"];
    assert!(secret["Properties"]["Name"].is_null(), "no fixed name");
    let generate = &secret["Properties"]["GenerateSecretString"];
    assert_eq!(generate["GenerateStringKey"], "root_key");
    assert!(generate["PasswordLength"].as_u64().unwrap() >= 32);
    // What CloudFormation stores is what the functions read: a root key alone suffices.
    let stored = format!(
        r#"{{"root_key":"{}"}}"#,
        "A".repeat(generate["PasswordLength"].as_u64().unwrap() as usize)
    );
    let bundle = rampart_core::secrets::SecretBundle::from_json(&stored).unwrap();
    assert!(!bundle.jwt_signing_keys.is_empty() && bundle.rate_limit_key.is_some());
}

/// Paths of the repository that a text cites: `docs/...`, `scripts/...` and so on.
fn cited_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for start in ["docs/", "scripts/", "infra/", "shared/", "tests/", ".ci/"] {
        let mut rest = text;
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().last();
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/._-".contains(c)))
                .unwrap_or(tail.len());
            let path = tail[..end].trim_end_matches(['.', ',']).to_owned();
            let inside_word =
                before.is_some_and(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
            if !inside_word && !tail[end..].starts_with('<') && !tail[end..].starts_with('{') {
                out.push(path);
            }
            rest = &rest[i + end.max(1)..];
        }
    }
    out
}

#[test]
fn every_file_the_template_and_the_docs_cite_exists() {
    let root = root();
    let mut sources = vec![
        root.join("template.yaml"),
        root.join("README.md"),
        root.join("SECURITY.md"),
        root.join("samconfig.toml"),
    ];
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                sources.push(path);
            }
        }
    }
    // The worked example of docs/architecture.md names the files a new route adds; tool
    // venvs are made by the scripts that use them.
    let examples = [
        "shared/api/src/handlers/samples.rs",
        "tests/blackbox/samples.rs",
    ];
    let mut missing = Vec::new();
    for source in &sources {
        let text =
            std::fs::read_to_string(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        for path in cited_paths(&text) {
            let made_on_demand = path.contains("/.venv");
            if !root.join(&path).exists() && !examples.contains(&path.as_str()) && !made_on_demand {
                missing.push(format!(
                    "{} cites {path}",
                    source.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "cited but missing:\n  {}",
        missing.join("\n  ")
    );
}

/// The single-segment names a text cites in backticks (`` `/ship` ``, `` `/ship env:prod` ``,
/// `` `/health` ``): Discord commands or the API's top-level paths.
fn cited_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for quoted in text.split('`').skip(1).step_by(2) {
        let Some(name) = quoted.strip_prefix('/') else {
            continue;
        };
        let name = name.split(' ').next().unwrap_or_default();
        let simple = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if simple {
            out.push(name.to_owned());
        }
    }
    out
}

#[test]
fn every_discord_command_the_docs_cite_is_registered() {
    let root = root();
    let commands: BTreeSet<String> = rampart_discord::registry::commands()
        .iter()
        .map(|c| c.name.to_owned())
        .collect();
    let top_level_paths: BTreeSet<String> = rampart_api::routes()
        .iter()
        .filter_map(|r| r.path.strip_prefix('/'))
        .filter(|p| !p.contains('/'))
        .map(str::to_owned)
        .collect();
    // The Lambda Runtime API's `/next`, which the cold-start measurement times.
    let elsewhere = ["next"];
    let mut sources = vec![root.join("README.md"), root.join("SECURITY.md")];
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                sources.push(path);
            }
        }
    }
    let mut unknown = Vec::new();
    for source in &sources {
        let text = std::fs::read_to_string(source).unwrap();
        for name in cited_commands(&text) {
            let known = commands.contains(&name)
                || top_level_paths.contains(&name)
                || elsewhere.contains(&name.as_str());
            if !known {
                unknown.push(format!(
                    "{} cites /{name}",
                    source.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        commands.contains("status-digest") && commands.contains("triage"),
        "{commands:?}"
    );
    assert!(
        unknown.is_empty(),
        "neither a command nor a path:\n  {}",
        unknown.join("\n  ")
    );
}

/// `ReplicaRegion` makes every data table a global table: the twin has the same keys, indexes
/// and TTL, one replica here and one there, each recoverable and protected; the regional table
/// and its twin never exist together. Rate-limit counters stay regional.
#[test]
fn every_data_table_has_a_global_twin_for_a_second_region() {
    let template = template();
    let resources = &template["Resources"];
    for table in Table::ALL {
        let id = table.logical_id();
        let regional = &resources[id.as_str()];
        let global_id = id.replace("Table", "GlobalTable");
        let global = &resources[global_id.as_str()];
        if table == Table::RateLimits {
            assert!(global.is_null() && regional["Condition"].is_null(), "{id}");
            continue;
        }
        assert_eq!(regional["Condition"], "SingleRegion", "{id}");
        assert_eq!(global["Type"], "AWS::DynamoDB::GlobalTable", "{global_id}");
        assert_eq!(global["Condition"], "HasReplica", "{global_id}");
        assert_eq!(global["DeletionPolicy"], "Retain", "{global_id}");
        for key in [
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "TimeToLiveSpecification",
            "BillingMode",
        ] {
            assert_eq!(
                global["Properties"][key], regional["Properties"][key],
                "{global_id}: {key} as the regional table's"
            );
        }
        let replicas = global["Properties"]["Replicas"].as_sequence().unwrap();
        let regions: Vec<String> = replicas.iter().map(|r| text(&r["Region"])).collect();
        assert_eq!(regions, ["!Ref AWS::Region", "!Ref ReplicaRegion"]);
        for replica in replicas {
            assert_eq!(
                replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
                true
            );
            assert_eq!(replica["DeletionProtectionEnabled"], true);
        }
        assert!(!global["Properties"]["StreamSpecification"].is_null());
    }
    // Every reference the root makes to a data table follows the condition.
    let root = crate::template_file::root_template();
    let outputs = text(&root["Outputs"]["UsersTableName"]["Value"]);
    assert!(outputs.contains("UsersGlobalTable"), "{outputs}");
}

/// `KmsKeyArn` puts every store of the stage's data under the customer-managed key: tables,
/// bucket, secrets, log groups, queue and topic (and the functions' environments, checked
/// with their policies in agreement.rs). Empty, nothing changes.
#[test]
fn a_customer_managed_key_covers_every_store_of_data() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let uses_key = |value: &Value| {
        let value = text(value);
        value.contains("HasKmsKey") && value.contains("KmsKeyArn")
    };
    let mut checked = BTreeSet::new();
    for (id, resource) in resources {
        let id = id.as_str().unwrap();
        let props = &resource["Properties"];
        let covered = match resource["Type"].as_str().unwrap() {
            "AWS::DynamoDB::Table" => uses_key(&props["SSESpecification"]),
            "AWS::DynamoDB::GlobalTable" => uses_key(&props["Replicas"]),
            "AWS::S3::Bucket" => uses_key(&props["BucketEncryption"]),
            "AWS::SecretsManager::Secret" => uses_key(&props["KmsKeyId"]),
            "AWS::Logs::LogGroup" => uses_key(&props["KmsKeyId"]),
            "AWS::SQS::Queue" => uses_key(&props["KmsMasterKeyId"]),
            "AWS::SNS::Topic" => uses_key(&props["KmsMasterKeyId"]),
            _ => continue,
        };
        assert!(
            covered,
            "{id} is not encrypted with KmsKeyArn when it is set"
        );
        checked.insert(resource["Type"].as_str().unwrap().to_owned());
    }
    assert_eq!(checked.len(), 7, "{checked:?}");
}

/// Production source files stay short enough to read whole: tests live beside them
/// (`tests.rs`, or `tests/`), and a file that grows past this is split along its seams.
const MAX_SOURCE_LINES: usize = 400;

fn rust_sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(
                name.as_str(),
                "tests" | "benches" | "target" | "node_modules"
            ) {
                rust_sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_production_source_file_is_over_400_lines() {
    let root = crate::template_file::root();
    let mut files = Vec::new();
    for dir in ["shared", "functions", "infra"] {
        rust_sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the sources were found");
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).unwrap().lines().count();
            (lines > MAX_SOURCE_LINES)
                .then(|| format!("{} ({lines})", path.strip_prefix(&root).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "over {MAX_SOURCE_LINES} lines: {long:?}");
}
