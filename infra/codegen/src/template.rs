//! One function's `AWS::Serverless::Function` (events, environment, an IAM policy granting
//! exactly the declared access), as its nested stack holds it (`crate::stacks`), and the
//! generated part of `template.yaml` between its two markers.
//!
//! A nested stack receives the root's resources as parameters named after them: `UsersTable`
//! is the table's name and `UsersTableArn` its ARN, `BlobBucket`/`BlobBucketArn`,
//! `EventBus`/`EventBusArn`, `AppSecret`, `FailedEventsQueueArn`, `RootStackName`.

use std::fmt::Write as _;

use rampart_api::Port;
use rampart_api::compose::{
    HEALTH_SNAPSHOT_TABLES, KEY_ROTATION_SCANS, KEY_ROTATION_TABLES, MAIL_WORKER_TABLES,
    RELEASE_WORKER_TABLES,
};
use rampart_api::routes::BlobAccess;
use rampart_store::{Table, TableAccess, TableNames};

use crate::job_settings::{
    ASYNC_RETRIES, HEALTH_SNAPSHOT, HEALTH_SNAPSHOT_EVENTS, KEY_ROTATION, MAIL_WORKER,
    READ_METRICS, RELEASE_WORKER, SHIFT_ALIASES,
};
use crate::{COMMAND, Function};

const BEGIN: &str = "  # ---- generated from the route table";
const END: &str = "  # ---- end of generated resources";

mod policy;
use policy::statements;

/// `template` with the text between its markers replaced by `section`.
pub(crate) fn with_section(template: &str, section: &str) -> Result<String, String> {
    let begin = template
        .find(BEGIN)
        .ok_or_else(|| format!("template.yaml lacks the line starting {BEGIN:?}"))?;
    let end = template[begin..]
        .find(END)
        .map(|i| begin + i)
        .ok_or_else(|| format!("template.yaml lacks the line starting {END:?}"))?;
    let mut out = String::with_capacity(template.len());
    out.push_str(&template[..begin]);
    let _ = writeln!(out, "{BEGIN} by `{COMMAND}` ----------------------");
    out.push_str("  # Do not edit by hand: change the route table and run the command.\n");
    out.push_str(section);
    out.push('\n');
    out.push_str(&template[end..]);
    Ok(out)
}

/// `csp-report` -> `CspReport`, the stem of the function's resource ids.
pub fn stem(function: &str) -> String {
    function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `csp-report` -> `CspReportFunction`.
pub fn logical_id(function: &str) -> String {
    format!("{}Function", stem(function))
}

/// What one function's resource is made of.
#[derive(Default)]
struct Spec {
    /// Properties beyond the common ones (timeout, memory), as YAML lines.
    settings: &'static str,
    /// A route function's `MemorySize` (its route's [`rampart_api::routes::Memory`]).
    memory_mb: Option<u32>,
    /// Whether events invoke it asynchronously ([`ASYNC_RETRIES`]).
    asynchronous: bool,
    env: Vec<(String, String)>,
    /// The `Events:` block, as YAML lines.
    events: String,
    tables: Vec<TableAccess>,
    scans: &'static [Table],
    secret: bool,
    blobs: Vec<BlobAccess>,
    /// The `source` of each event it publishes; `events:PutEvents` is allowed for these only.
    put_events: Vec<&'static str>,
    /// Statements beyond the derived ones, as YAML lines.
    extra_statements: &'static str,
}

fn spec(function: &Function) -> Spec {
    let secret_env = || vec![("SECRETS_ARN".to_owned(), "!Ref AppSecret".to_owned())];
    match function {
        Function::Fallback => Spec {
            // Every unmatched request: no table, no secret; its API route is
            // `stacks::fallback_api_resources`.
            env: edge_env(),
            ..Spec::default()
        },
        Function::MailWorker => Spec {
            settings: MAIL_WORKER,
            asynchronous: true,
            env: secret_env(),
            events: bus_event("MailRequested", "[rampart]", Some("[mail.requested]")),
            tables: MAIL_WORKER_TABLES.to_vec(),
            secret: true,
            ..Spec::default()
        },
        Function::KeyRotation => Spec {
            // Invoked by hand (see docs/security/key_rotation.md), never by an event.
            settings: KEY_ROTATION,
            env: secret_env(),
            tables: KEY_ROTATION_TABLES.to_vec(),
            scans: KEY_ROTATION_SCANS,
            secret: true,
            ..Spec::default()
        },
        Function::HealthSnapshot => Spec {
            settings: HEALTH_SNAPSHOT,
            env: [
                secret_env(),
                env(&[
                    (
                        "DISCORD_STATUS_CHANNEL_ID",
                        "!If [HasStatusChannel, !Ref DiscordStatusChannelId, !Ref AWS::NoValue]",
                    ),
                    (
                        "HEALTH_PROBE_URLS",
                        "!If [HasHealthProbeUrls, !Ref HealthProbeUrls, !Sub \"${PublicUrl}/health\"]",
                    ),
                    ("HTTP_API_ID", "!Ref HttpApi"),
                ]),
            ]
            .concat(),
            events: HEALTH_SNAPSHOT_EVENTS.to_owned(),
            tables: HEALTH_SNAPSHOT_TABLES.to_vec(),
            secret: true,
            extra_statements: READ_METRICS,
            ..Spec::default()
        },
        Function::ReleaseWorker => Spec {
            settings: RELEASE_WORKER,
            asynchronous: true,
            env: [
                secret_env(),
                env(&[
                    ("EVENT_BUS_NAME", "!Ref EventBus"),
                    ("BLOB_BUCKET", "!Ref BlobBucket"),
                    (
                        "RELEASE_ENV_URLS",
                        "!If [HasReleaseEnvUrls, !Ref ReleaseEnvUrls, !Ref AWS::NoValue]",
                    ),
                    ("RELEASE_DEPLOYER", "!Ref ReleaseDeployer"),
                    (
                        "RELEASE_ALIAS_FUNCTIONS",
                        "!If [HasReleaseAliasFunctions, !Ref ReleaseAliasFunctions, !Ref AWS::NoValue]",
                    ),
                ]),
            ]
            .concat(),
            events: bus_event("ReleaseRequested", "[rampart.release]", None),
            tables: RELEASE_WORKER_TABLES.to_vec(),
            secret: true,
            // The synthetic journey it runs deletes its user's files.
            blobs: rampart_api::routes::internal::internal_journey_run()
                .blobs
                .to_vec(),
            put_events: vec![rampart_core::events::DEPLOY_SOURCE],
            extra_statements: SHIFT_ALIASES,
            ..Spec::default()
        },
        Function::Route(crate::Entry { route, .. }) => {
            let mut env = edge_env();
            if route.needs_secrets() {
                env.extend(secret_env());
            }
            if route.uses(Port::Blobs) {
                env.push(("BLOB_BUCKET".to_owned(), "!Ref BlobBucket".to_owned()));
            }
            if !route.event_sources().is_empty() {
                env.push(("EVENT_BUS_NAME".to_owned(), "!Ref EventBus".to_owned()));
            }
            if route.uses(Port::Discord) {
                env.extend(self::env(&[
                    ("DISCORD_PUBLIC_KEY", "!Ref DiscordPublicKey"),
                    ("ADMIN_ROLE_IDS", "!Ref AdminRoleIds"),
                    ("DISCORD_GUILD_ID", "!Ref DiscordGuildId"),
                ]));
            }
            Spec {
                env,
                memory_mb: Some(route.memory.megabytes()),
                tables: route.table_access(),
                secret: route.needs_secrets(),
                blobs: route.blobs.to_vec(),
                put_events: route.event_sources(),
                ..Spec::default()
            }
        }
    }
}

/// With the edge on, the value the edge adds to every request (`X-Origin-Verify`), read from
/// its secret when CloudFormation deploys the function; requests without it are refused.
fn edge_env() -> Vec<(String, String)> {
    env(&[(
        "EDGE_ORIGIN_TOKEN",
        "!If [EdgeOnly, !Sub \"{{resolve:secretsmanager:${EdgeOriginSecret}}}\", !Ref AWS::NoValue]",
    )])
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Where `infra/deploy.sh` puts each function's `bootstrap`, relative to the nested templates.
pub(crate) fn code_uri(function: &str) -> String {
    format!("../.build/lambda/{function}/")
}

pub(crate) fn resource(function: &Function) -> String {
    let name = function.name();
    let spec = spec(function);
    let mut out = String::new();
    let _ = writeln!(out, "  {}:", logical_id(name));
    out.push_str("    Type: AWS::Serverless::Function\n");
    // infra/deploy.sh builds every function in one pass and puts its binary at CodeUri;
    // `sam deploy` uploads it from there.
    out.push_str("    Properties:\n");
    let _ = writeln!(
        out,
        "      Description: {}",
        quoted(&function.description())
    );
    let _ = writeln!(
        out,
        "      FunctionName: !Sub {}",
        quoted(&rampart_api::compose::deployed_function_name(
            "${RootStackName}",
            name
        ))
    );
    let _ = writeln!(out, "      CodeUri: {}", code_uri(name));
    let _ = writeln!(
        out,
        "      LoggingConfig:\n        LogFormat: JSON\n        LogGroup: !Ref {}Logs",
        stem(name)
    );
    out.push_str(spec.settings);
    if let Some(megabytes) = spec.memory_mb {
        let _ = writeln!(out, "      MemorySize: {megabytes}");
    }
    if spec.asynchronous {
        out.push_str(ASYNC_RETRIES);
    }
    let mut env = spec.env.clone();
    let mut tables: Vec<Table> = spec.tables.iter().map(|a| a.table()).collect();
    tables.extend(spec.scans);
    tables.sort();
    tables.dedup();
    for table in tables {
        env.push((
            TableNames::variable(table),
            format!("!Ref {}", table.logical_id()),
        ));
    }
    if !env.is_empty() {
        out.push_str("      Environment:\n        Variables:\n");
        for (name, value) in env {
            let _ = writeln!(out, "          {name}: {value}");
        }
    }
    out.push_str(&spec.events);
    let statements = statements(&spec);
    if !statements.is_empty() {
        out.push_str("      Policies:\n        - Statement:\n");
        out.push_str(&statements);
    }
    out
}

/// A rule on the stack's bus; an event the rule cannot deliver goes to the failed-events
/// queue after EventBridge's retries.
fn bus_event(name: &str, source: &str, detail_type: Option<&str>) -> String {
    let mut out = format!(
        "      Events:\n        {name}:\n          Type: EventBridgeRule\n          Properties:\n            \
         EventBusName: !Ref EventBus\n            Pattern:\n              source: {source}\n"
    );
    if let Some(detail_type) = detail_type {
        let _ = writeln!(out, "              detail-type: {detail_type}");
    }
    out.push_str(
        "            RetryPolicy:\n              MaximumRetryAttempts: 8\n              \
         MaximumEventAgeInSeconds: 3600\n            DeadLetterConfig:\n              \
         Arn: !Ref FailedEventsQueueArn\n",
    );
    out
}

/// A YAML double-quoted scalar.
pub(crate) fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
