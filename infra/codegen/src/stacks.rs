//! The deployment as nested stacks, so that no stack comes near CloudFormation's per-stack
//! quotas as the route table grows (`scripts/stack_quotas.py` holds every stack to 60 % of
//! each).
//!
//! `template.yaml` is the root: the shared core (tables, bucket, bus, queue, secret, topic,
//! the HTTP API, the edge), written by hand, plus between its markers one
//! `AWS::Serverless::Application` per area, the API's stage (with a throttle per route) and the
//! tables' alarms. Each area's functions live in `infra/stacks/<area>.yaml`, generated whole:
//! per function its `AWS::Serverless::Function`, role (from SAM), log group, alarms, and for a
//! route its API integration, route and invoke permission. `sam deploy` uploads the nested
//! templates with their code and CloudFormation creates them as one deployment.

use std::fmt::Write as _;

use rampart_api::Route;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use crate::template::{logical_id, quoted, stem};
use crate::{COMMAND, Function};

mod parts;
pub(crate) use parts::table_value;
use parts::{CONDITIONS, GLOBALS, MAPPINGS, Param, catalogue, names, used_conditions};

/// An area of the route table, deployed as one nested stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Area {
    /// Sign-in, tokens, sessions, 2FA, OAuth, registration and the account itself.
    Auth,
    /// Projects, tickets, posts, status, profile, knowledge base, media and search.
    Content,
    /// Administration, the internal CI routes and the webhooks.
    Operations,
    /// Health, CSP reports, Discord, the web pages, the fallback and the event-driven jobs.
    Platform,
}

impl Area {
    pub(crate) const ALL: [Area; 4] = [Self::Auth, Self::Content, Self::Operations, Self::Platform];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Content => "content",
            Self::Operations => "operations",
            Self::Platform => "platform",
        }
    }

    /// `AuthStack`.
    pub(crate) fn logical_id(self) -> String {
        format!("{}Stack", stem(self.name()))
    }

    /// The nested template, below the repository root.
    pub(crate) fn path(self) -> String {
        format!("infra/stacks/{}.yaml", self.name())
    }

    fn description(self) -> &'static str {
        match self {
            Self::Auth => "sign-in, tokens, sessions, 2FA, OAuth, registration and the account",
            Self::Content => {
                "projects, tickets, posts, status, profile, knowledge base, media and search"
            }
            Self::Operations => "administration, the internal CI routes and the webhooks",
            Self::Platform => {
                "health, CSP reports, Discord, the web pages, the fallback and the jobs"
            }
        }
    }
}

/// The area a function is deployed in: a route's by the module of the route table that
/// declares it (`rampart_api::routes::<module>::<function>`).
pub(crate) fn area(function: &Function) -> Result<Area, String> {
    let entry = match function {
        Function::Route(entry) => entry,
        _ => return Ok(Area::Platform),
    };
    let module = entry.path.split("::").nth(2).unwrap_or_default();
    match module {
        "accounts" | "sessions" => Ok(Area::Auth),
        "projects" | "support" | "community" | "status" | "profile" | "knowledge" | "media"
        | "search" => Ok(Area::Content),
        "admin" | "admin_views" | "internal" | "webhooks" => Ok(Area::Operations),
        "platform" | "console" => Ok(Area::Platform),
        other => Err(format!(
            "{}: module {other:?} of the route table has no area; add it to \
             infra/codegen/src/stacks.rs (the area decides its nested stack)",
            entry.path
        )),
    }
}

/// The nested template of `area`, whole.
pub(crate) fn nested_template(area: Area, functions: &[&Function]) -> String {
    let mut resources = String::new();
    for function in functions {
        resources.push('\n');
        resources.push_str(&crate::template::resource(function));
        if let Function::Route(entry) = function {
            resources.push('\n');
            resources.push_str(&api_resources(function.name(), &entry.route));
        } else if let Function::Fallback = function {
            resources.push('\n');
            resources.push_str(&fallback_api_resources());
        }
        resources.push('\n');
        resources.push_str(&crate::alarms::function_resources(function.name()));
    }
    let outputs = outputs(area, functions);
    let body = format!("{GLOBALS}{resources}{outputs}");
    let conditions = used_conditions(&body);
    let mut used = body.clone();
    for (name, definition, _) in CONDITIONS {
        if conditions.contains(&name) {
            used.push_str(definition);
            used.push('\n');
        }
    }
    let params: Vec<Param> = catalogue()
        .into_iter()
        .filter(|p| names(&used, &p.name))
        .collect();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Generated from the route table by `{COMMAND}`; do not edit.\n\
         # The {} area's functions, a nested stack of template.yaml (docs/deployment/README.md).",
        area.name()
    );
    out.push_str(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\n\
         Metadata:\n  cfn-lint:\n    config:\n      ignore_checks:\n        \
         # Serverless rule \"Lambda log retention\" only recognises log groups named\n        \
         # /aws/lambda/<function>. Each function here logs to its own group through\n        \
         # LoggingConfig.LogGroup, created before the function, with RetentionInDays set per\n        \
         # stage; tests/blackbox/operability.rs checks that every function has one.\n        \
         - WS1004\n",
    );
    let _ = writeln!(
        out,
        "Description: {}",
        quoted(&format!("Rampart {}: {}.", area.name(), area.description()))
    );
    out.push_str("\nParameters:\n");
    for p in &params {
        let _ = writeln!(
            out,
            "  {}:\n    Type: String\n    Description: {}",
            p.name,
            quoted(&p.description)
        );
    }
    out.push('\n');
    out.push_str(MAPPINGS);
    out.push_str("\nConditions:\n");
    for (name, definition, _) in CONDITIONS {
        if conditions.contains(&name) {
            let _ = writeln!(out, "  {name}: {definition}");
        }
    }
    out.push('\n');
    out.push_str(GLOBALS);
    out.push_str("\nResources:");
    out.push_str(&resources);
    out.push_str(&outputs);
    out
}

/// What the root reads back from a nested stack.
fn outputs(area: Area, functions: &[&Function]) -> String {
    if area != Area::Platform {
        return String::new();
    }
    let mut out = String::from("\nOutputs:\n");
    for function in functions {
        if matches!(function, Function::KeyRotation | Function::HealthSnapshot) {
            let id = logical_id(function.name());
            let _ = writeln!(out, "  {id}Name:\n    Value: !Ref {id}");
        }
    }
    out
}

/// The route's integration, route and the permission for the API to invoke the function.
fn api_resources(function: &str, route: &Route) -> String {
    let stem = stem(function);
    // The execute-api ARN matches the request's path: path parameters become `*`.
    let arn_path: String = route
        .path
        .split('/')
        .map(|part| if part.starts_with('{') { "*" } else { part })
        .collect::<Vec<_>>()
        .join("/");
    api_resources_for(
        &stem,
        &format!("{} {}", route.method, route.path),
        &format!("{}{arn_path}", route.method),
    )
}

/// The fallback serves `$default`: every request no route matched.
fn fallback_api_resources() -> String {
    api_resources_for(&stem(rampart_api::FALLBACK_FUNCTION), "$default", "*")
}

fn api_resources_for(stem: &str, route_key: &str, arn_tail: &str) -> String {
    format!(
        "  {stem}Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt {stem}Function.Arn
      PayloadFormatVersion: \"2.0\"

  {stem}Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: {route_key}
      Target: !Sub \"integrations/${{{stem}Integration}}\"

  {stem}ApiPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref {stem}Function
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub \"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{HttpApi}}/*/{arn_tail}\"

",
        route_key = quoted(route_key),
    )
}

/// The root's generated part: the nested stacks with their parameters, the API's stage with a
/// throttle per route, and the tables' alarms.
pub(crate) fn root_section(areas: &[(Area, String)], routes: &[&Route]) -> String {
    let catalogue = catalogue();
    let mut out = String::new();
    for (area, template) in areas {
        let _ = writeln!(
            out,
            "\n  {}:\n    Type: AWS::Serverless::Application\n    Properties:\n      \
             Location: {}\n      Parameters:",
            area.logical_id(),
            area.path()
        );
        for p in &catalogue {
            if template.contains(&format!("\n  {}:\n    Type: String\n", p.name)) {
                let _ = writeln!(out, "        {}: {}", p.name, p.value);
            }
        }
    }
    out.push('\n');
    out.push_str(&stage(areas, routes));
    for table in Table::ALL {
        out.push('\n');
        out.push_str(&crate::alarms::table_alarms(table));
    }
    out
}

/// What API Gateway lets one route take per second (steady rate, burst), before any function
/// runs: sized from the route's rate-limit policy, so a flood on one route is held at that
/// route's ceiling and cannot spend the stage's share of the account's request quota, or the
/// functions' concurrency, that every other route needs. Per-client limits stay the
/// functions' (docs/security/rate_limiting.md) and the edge's (docs/deployment/edge.md).
pub(crate) fn throttle(route: &Route) -> (u32, u32) {
    let writes = !matches!(route.method.as_str(), "GET" | "HEAD");
    let rate = match route.rate_limit {
        // Argon2 runs on every attempt: the costliest request there is.
        Some(Policy::AuthCredentials | Policy::AuthPassword) => 50,
        // Each may send a mail.
        Some(Policy::ResendVerification | Policy::PasswordForgot) => 20,
        Some(Policy::Export) => 10,
        Some(Policy::Refresh) => 200,
        Some(Policy::Auth) => 100,
        Some(Policy::Alertmanager) => 50,
        // Test reports and schema diffs from a CI fleet.
        Some(Policy::Ci) => 100,
        Some(Policy::Standard | Policy::PreAuth) if writes => 100,
        Some(Policy::Standard | Policy::PreAuth) => 200,
        // Public routes without a limit of their own (health, CSP reports, Discord): enough
        // for every real sender, not for a flood.
        None => 50,
    };
    (rate, rate * 2)
}

/// The fallback's ceiling: unmatched paths are scanners and typos.
const DEFAULT_THROTTLE: (u32, u32) = (20, 40);

/// One JSON line per request: what (route, status), how long, and API Gateway's request id.
/// No client address or user agent: the functions log those only anonymised.
pub(crate) const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","requestTime":"$context.requestTime","method":"$context.httpMethod","routeKey":"$context.routeKey","path":"$context.path","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","responseLatency":"$context.responseLatency","integrationLatency":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage"}"#;

fn stage(areas: &[(Area, String)], routes: &[&Route]) -> String {
    let mut out = String::from(
        "  # The API's one stage. Created after the nested stacks, whose routes its throttles name\n  \
         # (API Gateway refuses settings for a route that does not exist yet).\n  \
         ApiStage:\n    Type: AWS::ApiGatewayV2::Stage\n    DependsOn:\n",
    );
    for (area, _) in areas {
        let _ = writeln!(out, "      - {}", area.logical_id());
    }
    let _ = write!(
        out,
        "    Properties:\n      ApiId: !Ref PublicApi\n      StageName: $default\n      \
         AutoDeploy: true\n      DefaultRouteSettings:\n        ThrottlingRateLimit: {}\n        \
         ThrottlingBurstLimit: {}\n      AccessLogSettings:\n        \
         DestinationArn: !GetAtt ApiAccessLogs.Arn\n        Format: '{}'\n      RouteSettings:\n",
        DEFAULT_THROTTLE.0, DEFAULT_THROTTLE.1, ACCESS_LOG_FORMAT
    );
    for route in routes {
        let (rate, burst) = throttle(route);
        let _ = writeln!(
            out,
            "        {}:\n          ThrottlingRateLimit: {rate}\n          ThrottlingBurstLimit: {burst}",
            quoted(&format!("{} {}", route.method, route.path))
        );
    }
    out
}
