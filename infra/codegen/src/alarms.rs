//! Per-function and per-table resources that watch them: each function's log group (retention
//! per stage) and its error and throttle alarms; each table's throttle and system-error
//! alarms. Every alarm notifies the stack's `AlarmTopic` and names its runbook entry in
//! docs/runbooks/alarms.md.

use std::fmt::Write as _;

use rampart_store::Table;

use crate::template::{quoted, stem};

/// The operations the DynamoDB adapter calls, whose `SystemErrors` the table alarm sums.
const STORE_OPERATIONS: [&str; 7] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "TransactWriteItems",
];

/// The function's log group and its two alarms.
pub(crate) fn function_resources(function: &str) -> String {
    let stem = stem(function);
    let id = format!("{stem}Function");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {stem}Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      \
         RetentionInDays: !FindInMap [Stages, !Ref Stage, LogRetentionDays]\n      \
         KmsKeyId: !If [HasKmsKey, !Ref KmsKeyArn, !Ref AWS::NoValue]\n"
    );
    for (metric, anchor, what) in [
        (
            "Errors",
            "function-errors",
            "invocations failed (a crash, a timeout or a failed cold start)",
        ),
        (
            "Throttles",
            "function-throttles",
            "invocations were throttled (concurrency exhausted)",
        ),
    ] {
        let _ = writeln!(out, "  {stem}{metric}Alarm:");
        out.push_str("    Type: AWS::CloudWatch::Alarm\n    Properties:\n");
        let _ = writeln!(
            out,
            "      AlarmDescription: {}",
            quoted(&format!(
                "{function}: {what}. Runbook: docs/runbooks/alarms.md#{anchor}"
            ))
        );
        let _ = writeln!(
            out,
            "      Namespace: AWS/Lambda\n      MetricName: {metric}\n      Dimensions:\n        \
             - Name: FunctionName\n          Value: !Ref {id}"
        );
        out.push_str(ALARM_ON_ANY);
        out.push('\n');
    }
    out
}

/// A sum of at least one over five minutes, missing data fine, both transitions notified.
const ALARM_ON_ANY: &str = "      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref AlarmTopic]
      OKActions: [!Ref AlarmTopic]
";

/// The table's throttle alarm (reads and writes) and system-error alarm (every operation
/// the store calls), each a sum by metric math.
pub(crate) fn table_alarms(table: Table) -> String {
    let id = table.logical_id();
    let stem = id.trim_end_matches("Table");
    let concern = table.concern();
    let mut out = String::new();
    let throttles = [
        ("r", "ReadThrottleEvents", None),
        ("w", "WriteThrottleEvents", None),
    ];
    let errors: Vec<(String, &str, Option<&str>)> = STORE_OPERATIONS
        .iter()
        .map(|op| {
            (
                format!("e{}", op.to_ascii_lowercase()),
                "SystemErrors",
                Some(*op),
            )
        })
        .collect();
    let throttles: Vec<(String, &str, Option<&str>)> = throttles
        .iter()
        .map(|(k, m, o)| ((*k).to_owned(), *m, *o))
        .collect();
    for (kind, anchor, what, metrics) in [
        (
            "Throttles",
            "table-throttles",
            "requests were throttled",
            throttles,
        ),
        (
            "SystemErrors",
            "table-system-errors",
            "DynamoDB failed requests with internal errors",
            errors,
        ),
    ] {
        let _ = writeln!(out, "  {stem}Table{kind}Alarm:");
        out.push_str("    Type: AWS::CloudWatch::Alarm\n    Properties:\n");
        let _ = writeln!(
            out,
            "      AlarmDescription: {}",
            quoted(&format!(
                "{concern} table: {what}. Runbook: docs/runbooks/alarms.md#{anchor}"
            ))
        );
        out.push_str("      Metrics:\n");
        let mut ids = Vec::new();
        for (metric_id, metric, operation) in &metrics {
            ids.push(format!("FILL({metric_id}, 0)"));
            let _ = writeln!(
                out,
                "        - Id: {metric_id}\n          ReturnData: false\n          MetricStat:\n            \
                 Stat: Sum\n            Period: 300\n            Metric:\n              \
                 Namespace: AWS/DynamoDB\n              MetricName: {metric}\n              \
                 Dimensions:\n                - Name: TableName\n                  Value: {}",
                crate::stacks::table_value(table, "!Ref", "")
            );
            if let Some(operation) = operation {
                let _ = writeln!(
                    out,
                    "                - Name: Operation\n                  Value: {operation}"
                );
            }
        }
        let _ = writeln!(
            out,
            "        - Id: total\n          Label: {kind}\n          ReturnData: true\n          \
             Expression: {}",
            quoted(&ids.join(" + "))
        );
        out.push_str(
            "      EvaluationPeriods: 1\n      Threshold: 1\n      \
             ComparisonOperator: GreaterThanOrEqualToThreshold\n      \
             TreatMissingData: notBreaching\n      AlarmActions: [!Ref AlarmTopic]\n      \
             OKActions: [!Ref AlarmTopic]\n\n",
        );
    }
    out
}
