//! The settings of the non-route functions' resources that are not derived from a
//! declaration: timeouts, retries, failure destinations, schedules.

/// The mail worker: 30 s for an SMTP exchange.
pub(crate) const MAIL_WORKER: &str = "      Timeout: 30
";

/// For the functions events invoke asynchronously: an invocation that fails is tried twice
/// more within the hour, then recorded in the failed-events queue.
pub(crate) const ASYNC_RETRIES: &str = "      EventInvokeConfig:
        MaximumRetryAttempts: 2
        MaximumEventAgeInSeconds: 3600
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !Ref FailedEventsQueueArn
";

/// The health snapshot: every day at 09:00 UTC through EventBridge Scheduler, retried twice,
/// then recorded in the failed-events queue; the probes default to the stack's own `/health`.
pub(crate) const HEALTH_SNAPSHOT: &str = "      Timeout: 120
";

pub(crate) const HEALTH_SNAPSHOT_EVENTS: &str = "      Events:
        Daily:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 9 * * ? *)
            ScheduleExpressionTimezone: UTC
            RetryPolicy:
              MaximumRetryAttempts: 2
              MaximumEventAgeInSeconds: 3600
            DeadLetterConfig:
              Arn: !Ref FailedEventsQueueArn
";

/// The release worker: long enough for a deploy, the probes and the journey.
pub(crate) const RELEASE_WORKER: &str = "      Timeout: 300
";

/// With the Lambda alias deployer only: read and move the aliases of the functions named in
/// `ReleaseAliasFunctions` (their ARNs, and those ARNs qualified by any alias or version), and
/// list their versions; no other function of the account.
pub(crate) const SHIFT_ALIASES: &str = "            - !If
              - ShiftsAliases
              - Sid: ShiftAliases
                Effect: Allow
                Action: [lambda:GetAlias, lambda:UpdateAlias, lambda:ListVersionsByFunction]
                Resource: !Split
                  - \",\"
                  - !Join
                    - \"\"
                    - - !Ref ReleaseAliasFunctions
                      - \",\"
                      - !Join [\":*,\", !Split [\",\", !Ref ReleaseAliasFunctions]]
                      - \":*\"
              - !Ref AWS::NoValue
";

/// The health snapshot reads the day's API and function metrics. `GetMetricData` has no
/// resource-level permissions: CloudWatch only takes `*`.
pub(crate) const READ_METRICS: &str = "            - Sid: ReadMetrics
              Effect: Allow
              Action: [cloudwatch:GetMetricData]
              Resource: \"*\"
";

/// The key-rotation job: as long as Lambda allows, so each invocation gets far.
pub(crate) const KEY_ROTATION: &str = "      Timeout: 900
      MemorySize: 512
";
