//! Reading a function's rendered IAM policy as AWS would, and what the route table says it
//! should be, written out here independently of the generator: each access kind's actions,
//! each table's ARN and its restored copies' pattern, each index alone.

use std::collections::BTreeSet;

use rampart_api::TableAccess;
use rampart_api::routes::BlobAccess;
use rampart_store::Table;
use serde_yaml_ng::Value;

use crate::template_file::text;

/// One permission: an action on a resource (the resource as the template writes it), under a
/// condition (its YAML; empty for none).
pub type Grant = (String, String, String);

fn yaml(source: &str) -> String {
    text(&serde_yaml_ng::from_str::<Value>(source).unwrap())
}

/// Every statement of a function's inline policies.
fn statements(function: &Value) -> impl Iterator<Item = &Value> {
    function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["Statement"].as_sequence().into_iter().flatten())
}

/// Every action-resource pair a function's inline policies allow. Statements under a
/// condition (`!If`) are returned apart, by Sid.
pub fn granted(function: &Value) -> (BTreeSet<Grant>, BTreeSet<String>) {
    let mut grants = BTreeSet::new();
    let mut conditional = BTreeSet::new();
    for statement in statements(function) {
        if let Value::Tagged(tagged) = statement {
            assert_eq!(tagged.tag.to_string(), "!If", "{statement:?}");
            let branches = tagged.value.as_sequence().unwrap();
            conditional.insert(branches[1]["Sid"].as_str().unwrap().to_owned());
            continue;
        }
        assert_eq!(statement["Effect"], "Allow", "only Allow statements");
        let actions: Vec<String> = match &statement["Action"] {
            Value::Sequence(items) => items.iter().map(text).collect(),
            other => vec![text(other)],
        };
        let resources: Vec<String> = match &statement["Resource"] {
            Value::Sequence(items) => items.iter().map(text).collect(),
            other => vec![text(other)],
        };
        let condition = match &statement["Condition"] {
            Value::Null => String::new(),
            other => text(other),
        };
        for action in &actions {
            for resource in &resources {
                grants.insert((action.clone(), resource.clone(), condition.clone()));
            }
        }
    }
    (grants, conditional)
}

/// The resources of the conditional statement `sid`, resolved as CloudFormation would with
/// parameter `parameter` set to `value` (`!Ref`, `!Join` and `!Split` only).
pub fn conditional_resources(
    function: &Value,
    sid: &str,
    parameter: &str,
    value: &str,
) -> Vec<String> {
    for statement in statements(function) {
        if let Value::Tagged(tagged) = statement {
            let branch = &tagged.value.as_sequence().unwrap()[1];
            if branch["Sid"] == sid {
                return resolve(&branch["Resource"], parameter, value);
            }
        }
    }
    panic!("no conditional statement {sid}")
}

fn resolve(node: &Value, parameter: &str, value: &str) -> Vec<String> {
    let one = |node: &Value| {
        let parts = resolve(node, parameter, value);
        assert_eq!(parts.len(), 1, "a string where one is expected: {node:?}");
        parts[0].clone()
    };
    match node {
        Value::String(text) => vec![text.clone()],
        Value::Sequence(items) => items
            .iter()
            .flat_map(|i| resolve(i, parameter, value))
            .collect(),
        Value::Tagged(tagged) => {
            let args = &tagged.value;
            match tagged.tag.to_string().as_str() {
                "!Ref" => {
                    assert_eq!(args.as_str(), Some(parameter), "only {parameter} is known");
                    vec![value.to_owned()]
                }
                "!Split" => {
                    let args = args.as_sequence().unwrap();
                    let delimiter = args[0].as_str().unwrap();
                    one(&args[1]).split(delimiter).map(str::to_owned).collect()
                }
                "!Join" => {
                    let args = args.as_sequence().unwrap();
                    let delimiter = args[0].as_str().unwrap();
                    vec![resolve(&args[1], parameter, value).join(delimiter)]
                }
                other => panic!("{other} is not resolved here"),
            }
        }
        other => panic!("cannot resolve {other:?}"),
    }
}

/// A nested stack receives each table's ARN as the parameter `<Table>Arn`.
fn table_arn(table: Table) -> String {
    yaml(&format!("!Ref {}Arn", table.logical_id()))
}

fn restored(table: Table, suffix: &str) -> String {
    yaml(&format!(
        "!Sub \"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{RootStackName}}-{}-restored-*{suffix}\"",
        table.concern()
    ))
}

/// What `accesses`, `scans`, the secret, `blobs` and publishing events of `event_sources`
/// should grant.
pub fn expected(
    accesses: &[TableAccess],
    scans: &[Table],
    secret: bool,
    blobs: &[BlobAccess],
    event_sources: &[&str],
) -> BTreeSet<Grant> {
    let mut out = BTreeSet::new();
    let mut add_when = |actions: &[&str], resources: &[String], condition: &str| {
        for action in actions {
            for resource in resources {
                out.insert(((*action).to_owned(), resource.clone(), condition.to_owned()));
            }
        }
    };
    if !event_sources.is_empty() {
        // Only the publisher's own sources, so no function can forge another's events.
        let condition = yaml(&format!(
            "StringEquals: {{\"events:source\": [{}]}}",
            event_sources.join(", ")
        ));
        add_when(
            &["events:PutEvents"],
            &[yaml("!Ref EventBusArn")],
            &condition,
        );
    }
    // One partition's items only: `dynamodb:LeadingKeys` names the partition key.
    for access in accesses {
        if let TableAccess::Item(t, pk) = *access {
            add_when(
                &["dynamodb:GetItem", "dynamodb:UpdateItem"],
                &[table_arn(t), restored(t, "")],
                &yaml(&format!(
                    "ForAllValues:StringEquals: {{\"dynamodb:LeadingKeys\": [\"{pk}\"]}}"
                )),
            );
        }
    }
    let mut add = |actions: &[&str], resources: &[String]| add_when(actions, resources, "");
    for access in accesses {
        match *access {
            TableAccess::Read(t) => add(
                &["dynamodb:GetItem", "dynamodb:Query"],
                &[table_arn(t), restored(t, "")],
            ),
            TableAccess::Checked(t) => add(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:ConditionCheckItem",
                ],
                &[table_arn(t), restored(t, "")],
            ),
            TableAccess::Append(t) => add(&["dynamodb:PutItem"], &[table_arn(t), restored(t, "")]),
            TableAccess::Counter(t) => add(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                ],
                &[table_arn(t), restored(t, "")],
            ),
            TableAccess::Write(t) => add(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:ConditionCheckItem",
                ],
                &[table_arn(t), restored(t, "")],
            ),
            TableAccess::Index(t, index) => add(
                &["dynamodb:Query"],
                &[
                    yaml(&format!(
                        "!Sub \"${{{}Arn}}/index/{}\"",
                        t.logical_id(),
                        index.name()
                    )),
                    restored(t, &format!("/index/{}", index.name())),
                ],
            ),
            TableAccess::Item(..) => {}
        }
    }
    for t in scans {
        add(&["dynamodb:Scan"], &[table_arn(*t), restored(*t, "")]);
    }
    if secret {
        add(
            &["secretsmanager:GetSecretValue"],
            &[yaml("!Ref AppSecret")],
        );
    }
    let objects = yaml("!Sub \"${BlobBucketArn}/*\"");
    for blob in blobs {
        match blob {
            BlobAccess::Read => add(&["s3:GetObject"], std::slice::from_ref(&objects)),
            BlobAccess::Write => add(&["s3:PutObject"], std::slice::from_ref(&objects)),
            BlobAccess::WriteUploads => add(
                &["s3:PutObject"],
                &[yaml("!Sub \"${BlobBucketArn}/uploads/*\"")],
            ),
            BlobAccess::Delete => add(&["s3:DeleteObject"], std::slice::from_ref(&objects)),
            BlobAccess::List => add(&["s3:ListBucket"], &[yaml("!Ref BlobBucketArn")]),
        }
    }
    out
}
