//! The fixed parts of every nested stack: the parameters the root passes down, the conditions
//! a stack may use (each declared only where used), its globals and mappings.

use super::*;

/// A parameter a nested stack may declare, and what the root passes for it.
pub(super) struct Param {
    pub(super) name: String,
    /// The root's value, as YAML.
    pub(super) value: String,
    pub(super) description: String,
}

pub(super) fn param(name: &str, value: &str, description: &str) -> Param {
    Param {
        name: name.to_owned(),
        value: value.to_owned(),
        description: description.to_owned(),
    }
}

/// The root's own parameters that nested stacks use as they are.
pub(super) const PASSED_THROUGH: [&str; 15] = [
    "Stage",
    "LogLevel",
    "PublicBaseUrl",
    "MailFrom",
    "FrontendBaseUrl",
    "RateLimitOverrides",
    "RestoredTables",
    "DiscordPublicKey",
    "AdminRoleIds",
    "DiscordGuildId",
    "DiscordStatusChannelId",
    "HealthProbeUrls",
    "ReleaseEnvUrls",
    "ReleaseDeployer",
    "ReleaseAliasFunctions",
];

/// Every parameter a nested stack can take. A stack declares (and the root passes) only those
/// its resources name.
pub(super) fn catalogue() -> Vec<Param> {
    let mut out: Vec<Param> = PASSED_THROUGH
        .iter()
        .map(|name| {
            param(
                name,
                &format!("!Ref {name}"),
                "As the root stack's parameter.",
            )
        })
        .collect();
    out.push(param(
        "RootStackName",
        "!Ref AWS::StackName",
        "The root stack's name: metrics, table prefixes and restored copies are named after it.",
    ));
    out.push(param(
        "HttpApi",
        "!Ref PublicApi",
        "The HTTP API the routes are added to.",
    ));
    out.push(param(
        "PublicUrl",
        "!If [EdgeEnabled, !Sub \"https://${EdgeDistribution.DomainName}\", !Sub \"https://${PublicApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}\"]",
        "Where the API answers its clients (the edge when it is on).",
    ));
    out.push(param(
        "EdgeOriginSecret",
        "!If [EdgeEnabled, !Ref EdgeOriginSecret, \"\"]",
        "With the edge on, the secret whose value the edge adds to every request; empty otherwise.",
    ));
    out.push(param(
        "KmsKeyArn",
        "!Ref KmsKeyArn",
        "The customer-managed key of the stage's data and environments; empty for none.",
    ));
    for table in Table::ALL {
        let id = table.logical_id();
        out.push(param(
            &id,
            &table_value(table, "!Ref", ""),
            &format!("The {} table's name.", table.concern()),
        ));
        out.push(param(
            &format!("{id}Arn"),
            &table_value(table, "!GetAtt", ".Arn"),
            &format!("The {} table's ARN.", table.concern()),
        ));
    }
    out.extend([
        param("AppSecret", "!Ref AppSecret", "The stage's secret (ARN)."),
        param("BlobBucket", "!Ref BlobBucket", "The bucket's name."),
        param(
            "BlobBucketArn",
            "!GetAtt BlobBucket.Arn",
            "The bucket's ARN.",
        ),
        param("EventBus", "!Ref EventBus", "The event bus's name."),
        param(
            "EventBusArn",
            "!GetAtt EventBus.Arn",
            "The event bus's ARN.",
        ),
        param(
            "FailedEventsQueueArn",
            "!GetAtt FailedEventsQueue.Arn",
            "Where events that failed after their retries wait.",
        ),
        param(
            "AlarmTopic",
            "!Ref AlarmTopic",
            "The topic alarms notify (ARN).",
        ),
    ]);
    out
}

/// The data tables in the order `StandbyTables` lists them.
pub(crate) const STANDBY_ORDER: [Table; 7] = [
    Table::Users,
    Table::Sessions,
    Table::State,
    Table::Audit,
    Table::Content,
    Table::Intel,
    Table::Health,
];

/// `!Ref UsersTable` (`tag` and `suffix` give `!GetAtt UsersTable.Arn`); for a data table,
/// its global twin when the stage has a replica region, and the primary's replica named in
/// `StandbyTables` when the stage is a standby.
pub(crate) fn table_value(table: Table, tag: &str, suffix: &str) -> String {
    let id = table.logical_id();
    let Some(position) = STANDBY_ORDER.iter().position(|t| *t == table) else {
        return format!("{tag} {id}{suffix}");
    };
    let global = id.replace("Table", "GlobalTable");
    let name = format!("!Select [{position}, !Split [\",\", !Ref StandbyTables]]");
    let standby = if suffix.is_empty() {
        name
    } else {
        format!(
            "!Sub [\"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{Name}}\", {{Name: {name}}}]"
        )
    };
    format!(
        "!If [Standby, {standby}, !If [HasReplica, {tag} {global}{suffix}, {tag} {id}{suffix}]]"
    )
}

/// Conditions a nested stack may need: name, definition, and the conditions it builds on.
pub(super) const CONDITIONS: [(&str, &str, &[&str]); 13] = [
    (
        "HasPublicBaseUrl",
        "!Not [!Equals [!Ref PublicBaseUrl, \"\"]]",
        &[],
    ),
    ("HasMailFrom", "!Not [!Equals [!Ref MailFrom, \"\"]]", &[]),
    (
        "HasFrontendBaseUrl",
        "!Not [!Equals [!Ref FrontendBaseUrl, \"\"]]",
        &[],
    ),
    (
        "HasRateLimitOverrides",
        "!Not [!Equals [!Ref RateLimitOverrides, \"\"]]",
        &[],
    ),
    (
        "HasRestoredTables",
        "!Not [!Equals [!Ref RestoredTables, \"\"]]",
        &[],
    ),
    (
        "HasStatusChannel",
        "!Not [!Equals [!Ref DiscordStatusChannelId, \"\"]]",
        &[],
    ),
    (
        "HasHealthProbeUrls",
        "!Not [!Equals [!Ref HealthProbeUrls, \"\"]]",
        &[],
    ),
    (
        "HasReleaseEnvUrls",
        "!Not [!Equals [!Ref ReleaseEnvUrls, \"\"]]",
        &[],
    ),
    (
        "HasReleaseAliasFunctions",
        "!Not [!Equals [!Ref ReleaseAliasFunctions, \"\"]]",
        &[],
    ),
    (
        "UsesAliasDeployer",
        "!Equals [!Ref ReleaseDeployer, lambda-alias]",
        &[],
    ),
    (
        "ShiftsAliases",
        "!And [!Condition UsesAliasDeployer, !Condition HasReleaseAliasFunctions]",
        &["UsesAliasDeployer", "HasReleaseAliasFunctions"],
    ),
    (
        "EdgeOnly",
        "!Not [!Equals [!Ref EdgeOriginSecret, \"\"]]",
        &[],
    ),
    ("HasKmsKey", "!Not [!Equals [!Ref KmsKeyArn, \"\"]]", &[]),
];

/// Whether `text` names `word` as a whole identifier.
pub(super) fn names(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The environment every function of a nested stack gets, and its common settings.
pub(super) const GLOBALS: &str = "Globals:
  Function:
    Runtime: provided.al2023
    Architectures: [arm64]
    Handler: bootstrap
    MemorySize: 256
    Timeout: 10
    Tracing: Active
    # With a customer-managed key, the environment (the edge's token among it) is encrypted
    # with it; each function's policy allows it to decrypt with that key alone.
    KmsKeyArn: !If [HasKmsKey, !Ref KmsKeyArn, !Ref AWS::NoValue]
    Environment:
      Variables:
        STAGE: !Ref Stage
        STACK_NAME: !Ref RootStackName
        # Tables are named by CloudFormation and handed to each function as TABLE_<CONCERN>;
        # the prefix names restored copies (<prefix><concern>-restored-<suffix>).
        TABLE_PREFIX: !Sub \"${RootStackName}-\"
        TABLE_OVERRIDES: !If [HasRestoredTables, !Ref RestoredTables, !Ref AWS::NoValue]
        RUST_LOG: !Ref LogLevel
        PUBLIC_BASE_URL: !If [HasPublicBaseUrl, !Ref PublicBaseUrl, !Ref AWS::NoValue]
        MAIL_FROM: !If [HasMailFrom, !Ref MailFrom, !Ref AWS::NoValue]
        FRONTEND_BASE_URL: !If [HasFrontendBaseUrl, !Ref FrontendBaseUrl, !Ref AWS::NoValue]
        RATE_LIMIT_OVERRIDES: !If [HasRateLimitOverrides, !Ref RateLimitOverrides, !Ref AWS::NoValue]
";

pub(super) const MAPPINGS: &str = "Mappings:
  # Logs hold request metadata and audit lines (the audit table is the record; see
  # docs/security/audit.md): kept long enough to investigate, not forever.
  Stages:
    dev: {LogRetentionDays: 14}
    staging: {LogRetentionDays: 30}
    prod: {LogRetentionDays: 365}
";

/// The conditions `body` names, with those they build on.
pub(super) fn used_conditions(body: &str) -> Vec<&'static str> {
    let mut used: Vec<&'static str> = CONDITIONS
        .iter()
        .filter(|(name, ..)| names(body, name))
        .map(|(name, ..)| *name)
        .collect();
    for (name, _, needs) in CONDITIONS {
        if used.contains(&name) {
            for need in needs {
                if !used.contains(need) {
                    used.push(need);
                }
            }
        }
    }
    used
}
