//! `infra/edge-waf.yaml`: the edge's AWS WAF web ACL, with its rate rules sized from the route
//! table's per-client limits. A web ACL for CloudFront must live in us-east-1, so it is a stack
//! of its own that `infra/deploy.sh` deploys there first and hands to the stage's stack
//! (parameter `EdgeWebAclArn`).

use std::fmt::Write as _;

use rampart_api::{Access, Route};
use rampart_ratelimit::{Policy, Scope};

use crate::COMMAND;

/// The window WAF counts requests over, in seconds.
pub(crate) const WINDOW_SECS: u32 = 300;

/// How far above the functions' own per-client limit the edge steps in: the functions answer
/// the ordinary excess with a 429 and `Retry-After`; the edge drops what is plainly a flood
/// before it costs an invocation.
pub(crate) const HEADROOM: u32 = 2;

/// WAF's smallest rate limit.
const WAF_MINIMUM: u32 = 10;

/// Per client address, per window: `limit` requests of `max` per `window_secs`, with headroom.
fn per_window(max: u32, window_secs: u32) -> u32 {
    (max * HEADROOM * WINDOW_SECS)
        .div_ceil(window_secs)
        .max(WAF_MINIMUM)
}

/// The rate rule over every request from one address: what the functions' pre-authentication
/// limit lets one address send to the protected routes (the most any address may send).
pub(crate) fn client_limit() -> u32 {
    let limit = Policy::PreAuth.limit(false, None);
    per_window(limit.max, limit.window_secs)
}

/// The routes that check a password or a one-time code, and their per-address limit.
pub(crate) fn credential_limit(routes: &[&Route]) -> (Vec<String>, u32) {
    let mut paths: Vec<String> = Vec::new();
    let mut limit = u32::MAX;
    for route in routes {
        if route.access != Access::Public {
            continue;
        }
        if let Some(policy @ (Policy::AuthCredentials | Policy::AuthPassword)) = route.rate_limit {
            let l = policy.limit(true, None);
            debug_assert_eq!(l.scope, Scope::Ip);
            limit = limit.min(per_window(l.max, l.window_secs));
            paths.push(route.path.to_owned());
        }
    }
    paths.sort();
    paths.dedup();
    (paths, limit)
}

/// The whole template.
pub(crate) fn waf_template(routes: &[&Route]) -> String {
    let (paths, credential) = credential_limit(routes);
    let client = client_limit();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Generated from the route table by `{COMMAND}`; do not edit.\n\
         # The edge's web ACL (docs/deployment/edge.md). CloudFront's web ACLs live in us-east-1:\n\
         # infra/deploy.sh deploys this stack there and passes its WebAclArn to the stage's stack."
    );
    out.push_str(
        "AWSTemplateFormatVersion: \"2010-09-09\"\n\
         Description: \"Rampart edge: the web ACL in front of the API (rate rules per client address, AWS managed rules, logging).\"\n\n\
         Resources:\n  WebAcl:\n    Type: AWS::WAFv2::WebACL\n    Properties:\n      \
         Scope: CLOUDFRONT\n      DefaultAction: {Allow: {}}\n      \
         VisibilityConfig: {SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: rampart-edge}\n      \
         Rules:\n",
    );
    let _ = write!(
        out,
        "        # A client address sending more than {HEADROOM}x what the functions allow one \
         address on\n        # the sign-in and code routes.\n        - Name: credential-floods\n          \
         Priority: 0\n          Action: {{Block: {{}}}}\n          \
         VisibilityConfig: {{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: credential-floods}}\n          \
         Statement:\n            RateBasedStatement:\n              Limit: {credential}\n              \
         EvaluationWindowSec: {WINDOW_SECS}\n              AggregateKeyType: IP\n              \
         ScopeDownStatement:\n                OrStatement:\n                  Statements:\n"
    );
    for path in &paths {
        let _ = write!(
            out,
            "                    - ByteMatchStatement:\n                        \
             SearchString: {path}\n                        FieldToMatch: {{UriPath: {{}}}}\n                        \
             PositionalConstraint: EXACTLY\n                        \
             TextTransformations: [{{Priority: 0, Type: NONE}}]\n"
        );
    }
    let _ = write!(
        out,
        "        # A client address sending more than {HEADROOM}x what the functions allow any \
         one address.\n        - Name: client-floods\n          Priority: 1\n          \
         Action: {{Block: {{}}}}\n          \
         VisibilityConfig: {{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: client-floods}}\n          \
         Statement:\n            RateBasedStatement:\n              Limit: {client}\n              \
         EvaluationWindowSec: {WINDOW_SECS}\n              AggregateKeyType: IP\n"
    );
    for (priority, group, overrides) in [
        (2, "AWSManagedRulesAmazonIpReputationList", ""),
        (3, "AWSManagedRulesKnownBadInputsRuleSet", ""),
        // The API takes bodies up to 1 MiB (test reports, imports): the common rule set's
        // 8 KB body rule only counts.
        (
            4,
            "AWSManagedRulesCommonRuleSet",
            "                RuleActionOverrides:\n                  \
             - Name: SizeRestrictions_BODY\n                    ActionToUse: {Count: {}}\n",
        ),
    ] {
        let _ = write!(
            out,
            "        - Name: {group}\n          Priority: {priority}\n          \
             OverrideAction: {{None: {{}}}}\n          \
             VisibilityConfig: {{SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: {group}}}\n          \
             Statement:\n            ManagedRuleGroupStatement:\n                \
             VendorName: AWS\n                Name: {group}\n{overrides}"
        );
    }
    out.push_str(
        "\n  # WAF's own log group: its name must start with aws-waf-logs-.\n  WafLogs:\n    \
         Type: AWS::Logs::LogGroup\n    Properties:\n      \
         LogGroupName: !Sub \"aws-waf-logs-${AWS::StackName}\"\n      RetentionInDays: 90\n\n  \
         WafLogging:\n    Type: AWS::WAFv2::LoggingConfiguration\n    Properties:\n      \
         ResourceArn: !GetAtt WebAcl.Arn\n      LogDestinationConfigs:\n        \
         - !Sub \"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WafLogs}\"\n      \
         # Credentials and cookies never reach the log.\n      RedactedFields:\n        \
         - SingleHeader: {Name: authorization}\n        - SingleHeader: {Name: cookie}\n        \
         - SingleHeader: {Name: x-origin-verify}\n\n\
         Outputs:\n  WebAclArn:\n    Description: Pass it to the stage's stack as EdgeWebAclArn.\n    \
         Value: !GetAtt WebAcl.Arn\n",
    );
    out
}
