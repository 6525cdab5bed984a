//! The function resources of `template.yaml`, between its two markers: one
//! `AWS::Serverless::Function` per function, with its event, its environment and an IAM policy
//! granting exactly the route's declared access.

use std::fmt::Write as _;

use rampart_api::Port;
use rampart_api::compose::{
    HEALTH_SNAPSHOT_TABLES, KEY_ROTATION_SCANS, KEY_ROTATION_TABLES, MAIL_WORKER_TABLES,
    RELEASE_WORKER_TABLES,
};
use rampart_store::TableAccess;

use crate::{COMMAND, Function};

const BEGIN: &str = "  # ---- functions: generated from the route table";
const END: &str = "  # ---- end of generated functions";

const READ_ACTIONS: &str = "[dynamodb:GetItem, dynamodb:Query]";
const APPEND_ACTIONS: &str = "[dynamodb:PutItem]";
const WRITE_ACTIONS: &str = "[dynamodb:GetItem, dynamodb:Query, dynamodb:PutItem, \
                             dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:ConditionCheckItem]";
const BLOB_ACTIONS: &str = "[s3:PutObject, s3:GetObject, s3:DeleteObject]";

/// `template` with the text between its markers replaced by the functions' resources.
pub(crate) fn with_functions(template: &str, functions: &[Function]) -> Result<String, String> {
    let begin = template
        .find(BEGIN)
        .ok_or_else(|| format!("template.yaml lacks the line starting {BEGIN:?}"))?;
    let end = template[begin..]
        .find(END)
        .map(|i| begin + i)
        .ok_or_else(|| format!("template.yaml lacks the line starting {END:?}"))?;
    let mut out = String::with_capacity(template.len());
    out.push_str(&template[..begin]);
    let _ = writeln!(out, "{BEGIN} by `{COMMAND}` ----");
    out.push_str("  # Do not edit by hand: change the route table and run the command.\n");
    for function in functions {
        out.push('\n');
        out.push_str(&resource(function));
    }
    out.push('\n');
    out.push_str(&template[end..]);
    Ok(out)
}

/// `csp-report` -> `CspReportFunction`.
pub fn logical_id(function: &str) -> String {
    let pascal: String = function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{pascal}Function")
}

fn resource(function: &Function) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  {}:", logical_id(function.name()));
    out.push_str("    Type: AWS::Serverless::Function\n    Properties:\n");
    let _ = writeln!(
        out,
        "      Description: {}",
        quoted(&function.description())
    );
    let _ = writeln!(out, "      CodeUri: target/lambda/{}/", function.name());
    let route = match function {
        Function::Route(crate::Entry { route, .. }) => route,
        Function::Fallback => {
            // Every unmatched request, no table, no secret, no environment.
            out.push_str(&event("ANY", "$default"));
            return out;
        }
        Function::MailWorker => {
            out.push_str(MAIL_WORKER);
            out.push_str("      Policies:\n        - Statement:\n");
            out.push_str(&table_statements(MAIL_WORKER_TABLES));
            out.push_str(READ_SECRET);
            return out;
        }
        Function::ReleaseWorker => {
            out.push_str(RELEASE_WORKER);
            out.push_str("      Policies:\n        - Statement:\n");
            out.push_str(&table_statements(RELEASE_WORKER_TABLES));
            out.push_str(READ_SECRET);
            out.push_str(
                "            - Sid: DeployEvents\n              Effect: Allow\n              \
                 Action: [events:PutEvents]\n              Resource: !GetAtt EventBus.Arn\n",
            );
            let _ = writeln!(
                out,
                "            - Sid: Blobs\n              Effect: Allow\n              \
                 Action: {BLOB_ACTIONS}\n              Resource: !Sub \"${{BlobBucket.Arn}}/*\""
            );
            out.push_str(SHIFT_ALIASES);
            return out;
        }
        Function::HealthSnapshot => {
            out.push_str(HEALTH_SNAPSHOT);
            out.push_str("      Policies:\n        - Statement:\n");
            out.push_str(&table_statements(HEALTH_SNAPSHOT_TABLES));
            out.push_str(READ_SECRET);
            return out;
        }
        Function::KeyRotation => {
            // Invoked by hand (see docs/security/key_rotation.md), never by an event.
            out.push_str(KEY_ROTATION);
            out.push_str("      Policies:\n        - Statement:\n");
            out.push_str(&table_statements(KEY_ROTATION_TABLES));
            out.push_str(&scan_statement(KEY_ROTATION_SCANS));
            out.push_str(READ_SECRET);
            return out;
        }
    };
    let mut env: Vec<(&str, &str)> = Vec::new();
    if route.needs_secrets() {
        env.push(("SECRETS_ARN", "!Ref AppSecret"));
    }
    if route.uses(Port::Blobs) {
        env.push(("BLOB_BUCKET", "!Ref BlobBucket"));
    }
    if route.uses(Port::Mailer) || route.uses(Port::Releases) {
        env.push(("EVENT_BUS_NAME", "!Ref EventBus"));
    }
    if route.uses(Port::Discord) {
        env.push(("DISCORD_PUBLIC_KEY", "!Ref DiscordPublicKey"));
        env.push(("ADMIN_ROLE_IDS", "!Ref AdminRoleIds"));
        env.push(("DISCORD_GUILD_ID", "!Ref DiscordGuildId"));
    }
    if !env.is_empty() {
        out.push_str("      Environment:\n        Variables:\n");
        for (name, value) in env {
            let _ = writeln!(out, "          {name}: {value}");
        }
    }
    out.push_str(&event(route.method.as_str(), route.path));
    let statements = statements(route);
    if !statements.is_empty() {
        out.push_str("      Policies:\n        - Statement:\n");
        out.push_str(&statements);
    }
    out
}

fn event(method: &str, path: &str) -> String {
    format!(
        "      Events:\n        Api:\n          Type: HttpApi\n          Properties:\n            \
         ApiId: !Ref HttpApi\n            Method: {method}\n            Path: {path}\n"
    )
}

fn statements(route: &rampart_api::Route) -> String {
    let mut out = table_statements(&route.table_access());
    if route.needs_secrets() {
        out.push_str(READ_SECRET);
    }
    if route.uses(Port::Blobs) {
        let _ = writeln!(
            out,
            "            - Sid: Blobs\n              Effect: Allow\n              \
             Action: {BLOB_ACTIONS}\n              Resource: !Sub \"${{BlobBucket.Arn}}/*\""
        );
    }
    if route.uses(Port::Mailer) || route.uses(Port::Releases) {
        out.push_str(
            "            - Sid: QueueMail\n              Effect: Allow\n              \
             Action: [events:PutEvents]\n              Resource: !GetAtt EventBus.Arn\n",
        );
    }
    out
}

/// The mail worker's settings and trigger: EventBridge invokes it with every `mail.requested`
/// event of the stack's bus; an invocation that fails is tried twice more, then kept in the
/// dead-letter queue.
const MAIL_WORKER: &str = "      Timeout: 30
      Environment:
        Variables:
          SECRETS_ARN: !Ref AppSecret
      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt MailDeadLetterQueue.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 2
        MaximumEventAgeInSeconds: 3600
      Events:
        MailRequested:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref EventBus
            Pattern:
              source: [rampart]
              detail-type: [mail.requested]
";

/// The health snapshot's settings and schedule: every day at 09:00 UTC through EventBridge
/// Scheduler, retried twice; the probes default to the stack's own `/health`.
const HEALTH_SNAPSHOT: &str = "      Timeout: 120
      Environment:
        Variables:
          SECRETS_ARN: !Ref AppSecret
          DISCORD_STATUS_CHANNEL_ID: !If [HasStatusChannel, !Ref DiscordStatusChannelId, !Ref AWS::NoValue]
          HEALTH_PROBE_URLS: !If [HasHealthProbeUrls, !Ref HealthProbeUrls, !Sub \"https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/health\"]
      Events:
        Daily:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 * * ? *)
            ScheduleExpressionTimezone: UTC
            RetryPolicy:
              MaximumRetryAttempts: 2
              MaximumEventAgeInSeconds: 3600
";

/// The release worker's settings and trigger: every `rampart.release` event of the stack's
/// bus, tried twice more on failure. Long enough for a deploy, the probes and the journey.
const RELEASE_WORKER: &str = "      Timeout: 300
      Environment:
        Variables:
          SECRETS_ARN: !Ref AppSecret
          EVENT_BUS_NAME: !Ref EventBus
          BLOB_BUCKET: !Ref BlobBucket
          RELEASE_ENV_URLS: !If [HasReleaseEnvUrls, !Ref ReleaseEnvUrls, !Ref AWS::NoValue]
          RELEASE_DEPLOYER: !Ref ReleaseDeployer
          RELEASE_ALIAS_FUNCTIONS: !If [HasReleaseAliasFunctions, !Ref ReleaseAliasFunctions, !Ref AWS::NoValue]
      EventInvokeConfig:
        MaximumRetryAttempts: 2
        MaximumEventAgeInSeconds: 3600
      Events:
        ReleaseRequested:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref EventBus
            Pattern:
              source: [rampart.release]
";

/// With the Lambda alias deployer only: read and move aliases, list versions.
const SHIFT_ALIASES: &str = "            - !If
              - UsesAliasDeployer
              - Sid: ShiftAliases
                Effect: Allow
                Action: [lambda:GetAlias, lambda:UpdateAlias, lambda:ListVersionsByFunction]
                Resource: !Sub \"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*\"
              - !Ref AWS::NoValue
";

/// The key-rotation job's settings: as long as Lambda allows, so each invocation gets far.
const KEY_ROTATION: &str = "      Timeout: 900
      MemorySize: 512
      Environment:
        Variables:
          SECRETS_ARN: !Ref AppSecret
";

/// Scans of the tables a job rewrites (only the key-rotation job scans).
fn scan_statement(tables: &[rampart_store::Table]) -> String {
    let mut out = String::from(
        "            - Sid: ScanSealedFields\n              Effect: Allow\n              \
         Action: [dynamodb:Scan]\n              Resource:\n",
    );
    for table in tables {
        let _ = writeln!(out, "                - !GetAtt {}.Arn", table.logical_id());
    }
    out
}

const READ_SECRET: &str = "            - Sid: ReadSecret\n              Effect: Allow\n              \
                           Action: [secretsmanager:GetSecretValue]\n              \
                           Resource: !Ref AppSecret\n";

/// One statement per table access, with the index ARNs where the access may query.
fn table_statements(accesses: &[TableAccess]) -> String {
    let mut out = String::new();
    for access in accesses.iter().copied() {
        let table = access.table();
        let id = table.logical_id();
        let (sid, actions) = match access {
            TableAccess::Read(_) => ("Read", READ_ACTIONS),
            TableAccess::Append(_) => ("Append", APPEND_ACTIONS),
            TableAccess::Write(_) => ("Write", WRITE_ACTIONS),
        };
        let name = id.trim_end_matches("Table");
        let _ = writeln!(out, "            - Sid: {sid}{name}");
        out.push_str("              Effect: Allow\n");
        let _ = writeln!(out, "              Action: {actions}");
        out.push_str("              Resource:\n");
        let _ = writeln!(out, "                - !GetAtt {id}.Arn");
        // Appends never query, so they get no index.
        if !table.indexes().is_empty() && !matches!(access, TableAccess::Append(_)) {
            let _ = writeln!(out, "                - !Sub \"${{{id}.Arn}}/index/*\"");
        }
    }
    out
}

/// A YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
