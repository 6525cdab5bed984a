//! A function's IAM policy statements, from what it declares: tables by access kind, the
//! bucket's prefixes, the secret, the stage's keys.

use super::*;

pub(super) fn statements(spec: &Spec) -> String {
    let mut out = table_statements(&spec.tables);
    if !spec.scans.is_empty() {
        out.push_str(&scan_statement(spec.scans));
    }
    if spec.secret {
        out.push_str(READ_SECRET);
    }
    out.push_str(&blob_statements(&spec.blobs));
    if !spec.put_events.is_empty() {
        // Only events of its own sources: a compromised function cannot publish another's
        // (a mail path forging `rampart.release` decisions, say).
        let _ = write!(
            out,
            "            - Sid: PutEvents\n              Effect: Allow\n              \
             Action: [events:PutEvents]\n              Resource: !Ref EventBusArn\n              \
             Condition:\n                StringEquals:\n                  events:source: [{}]\n",
            spec.put_events.join(", ")
        );
    }
    out.push_str(spec.extra_statements);
    out.push_str(&stage_key_statement(spec));
    out
}

/// With a customer-managed key (`KmsKeyArn`), using that key and no other: decrypting (the
/// function's environment, the secret, the objects it reads) and, for a function that writes
/// objects or hands failed events to the queue, making data keys.
fn stage_key_statement(spec: &Spec) -> String {
    let writes_objects = spec
        .blobs
        .iter()
        .any(|b| matches!(b, BlobAccess::Write | BlobAccess::WriteUploads));
    let actions = if writes_objects || spec.asynchronous {
        "kms:Decrypt, kms:GenerateDataKey"
    } else {
        "kms:Decrypt"
    };
    format!(
        "            - !If\n              - HasKmsKey\n              - Sid: UseStageKey\n                \
         Effect: Allow\n                Action: [{actions}]\n                \
         Resource: !Ref KmsKeyArn\n              - !Ref AWS::NoValue\n"
    )
}

/// The ARN pattern of a table's restored copies (`<stack>-<concern>-restored-<suffix>`, the
/// names `TABLE_OVERRIDES` accepts), so switching a stage to a restored table needs no policy
/// change.
fn restored_arn(table: Table) -> String {
    format!(
        "!Sub \"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/\
         ${{RootStackName}}-{}-restored-*\"",
        table.concern()
    )
}

/// One statement per declared access: the table (or the one index) and its restored copies.
fn table_statements(accesses: &[TableAccess]) -> String {
    let mut out = String::new();
    for access in accesses.iter().copied() {
        let table = access.table();
        let id = table.logical_id();
        let name = id.trim_end_matches("Table");
        let sid = match access {
            TableAccess::Read(_) => format!("Read{name}"),
            TableAccess::Checked(_) => format!("Check{name}"),
            TableAccess::Append(_) => format!("Append{name}"),
            TableAccess::Counter(_) => format!("Count{name}"),
            TableAccess::Write(_) => format!("Write{name}"),
            TableAccess::Index(_, index) => format!("Query{name}{}", stem(index.name())),
            TableAccess::Item(_, pk) => format!("Item{name}{}", stem(&pk.replace('#', "-"))),
        };
        let _ = writeln!(out, "            - Sid: {sid}");
        out.push_str("              Effect: Allow\n");
        let _ = writeln!(
            out,
            "              Action: [{}]",
            access.actions().join(", ")
        );
        out.push_str("              Resource:\n");
        match access {
            TableAccess::Index(_, index) => {
                let _ = writeln!(
                    out,
                    "                - !Sub \"${{{id}Arn}}/index/{}\"",
                    index.name()
                );
                let restored = restored_arn(table);
                let _ = writeln!(
                    out,
                    "                - {}/index/{}\"",
                    restored.trim_end_matches('"'),
                    index.name()
                );
            }
            _ => {
                let _ = writeln!(out, "                - !Ref {id}Arn");
                let _ = writeln!(out, "                - {}", restored_arn(table));
            }
        }
        if let TableAccess::Item(_, pk) = access {
            // The items of this partition key and no other.
            let _ = writeln!(
                out,
                "              Condition:\n                ForAllValues:StringEquals:\n                  \
                 dynamodb:LeadingKeys: [{}]",
                quoted(pk)
            );
        }
    }
    out
}

/// Scans of the tables a job rewrites (only the key-rotation job scans).
fn scan_statement(tables: &[Table]) -> String {
    let mut out = String::from(
        "            - Sid: ScanSealedFields\n              Effect: Allow\n              \
         Action: [dynamodb:Scan]\n              Resource:\n",
    );
    for table in tables {
        let _ = writeln!(out, "                - !Ref {}Arn", table.logical_id());
        let _ = writeln!(out, "                - {}", restored_arn(*table));
    }
    out
}

/// Object actions on the objects each access covers (the whole bucket's, or `uploads/`);
/// listing on the bucket itself.
fn blob_statements(blobs: &[BlobAccess]) -> String {
    let mut out = String::new();
    let mut by_objects: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for blob in blobs {
        if let Some(objects) = blob.objects() {
            by_objects.entry(objects).or_default().push(blob.action());
        }
    }
    for (objects, actions) in by_objects {
        let sid = if objects == "*" { "Objects" } else { "Uploads" };
        let _ = writeln!(
            out,
            "            - Sid: {sid}\n              Effect: Allow\n              \
             Action: [{}]\n              Resource: !Sub \"${{BlobBucketArn}}/{objects}\"",
            actions.join(", ")
        );
    }
    if blobs.contains(&BlobAccess::List) {
        out.push_str(
            "            - Sid: ListObjects\n              Effect: Allow\n              \
             Action: [s3:ListBucket]\n              Resource: !Ref BlobBucketArn\n",
        );
    }
    out
}

const READ_SECRET: &str = "            - Sid: ReadSecret\n              Effect: Allow\n              \
                           Action: [secretsmanager:GetSecretValue]\n              \
                           Resource: !Ref AppSecret\n";
