//! The route table is the source of truth. `cargo run -p rampart-codegen` writes the function
//! crates, template.yaml's functions and docs/api/routes.md from it (its own test fails on
//! drift); these tests read the template as AWS would and check what it grants, independently
//! of the generator.

use std::collections::{BTreeMap, BTreeSet};

use rampart_api::{Port, TableAccess, routes};

use crate::iam;
use crate::template_file::{template, text};
use rampart_store::Table;
use serde_yaml_ng::Value;

/// `csp-report` -> `CspReportFunction`.
fn logical_id(function: &str) -> String {
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

/// The API route that invokes the function `stem`Function: its route key, with the
/// integration it targets and the permission that lets the API invoke it checked on the way.
fn api_route(resources: &serde_yaml_ng::Mapping, stem: &str) -> Option<String> {
    let integration = format!("{stem}Integration");
    let route = resources.values().find(|r| {
        r["Type"] == "AWS::ApiGatewayV2::Route"
            && text(&r["Properties"]["Target"]).contains(&format!("${{{integration}}}"))
    })?;
    let target = &resources[integration.as_str()];
    assert_eq!(target["Type"], "AWS::ApiGatewayV2::Integration", "{stem}");
    assert_eq!(
        target["Properties"]["IntegrationType"], "AWS_PROXY",
        "{stem}"
    );
    assert_eq!(
        text(&target["Properties"]["IntegrationUri"]),
        format!("!GetAtt {stem}Function.Arn"),
        "{stem}"
    );
    assert_eq!(
        text(&target["Properties"]["ApiId"]),
        "!Ref HttpApi",
        "{stem}"
    );
    let key = route["Properties"]["RouteKey"].as_str().unwrap().to_owned();
    // The permission: this API only, this method and path only (path parameters as `*`).
    let tail = match key.split_once(' ') {
        Some((method, path)) => {
            let path: Vec<&str> = path
                .split('/')
                .map(|p| if p.starts_with('{') { "*" } else { p })
                .collect();
            format!("{method}{}", path.join("/"))
        }
        None => "*".to_owned(),
    };
    let permission = &resources[format!("{stem}ApiPermission").as_str()];
    assert_eq!(permission["Type"], "AWS::Lambda::Permission", "{stem}");
    assert_eq!(
        permission["Properties"]["Principal"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(
        text(&permission["Properties"]["FunctionName"]),
        format!("!Ref {stem}Function")
    );
    assert!(
        text(&permission["Properties"]["SourceArn"]).ends_with(&format!("${{HttpApi}}/*/{tail}")),
        "{stem}: {}",
        text(&permission["Properties"]["SourceArn"])
    );
    Some(key)
}

/// The table names a function is given: `TABLE_<CONCERN>` -> `!Ref <Table>`.
fn table_env(function: &Value) -> BTreeSet<Table> {
    let variables = &function["Properties"]["Environment"]["Variables"];
    Table::ALL
        .into_iter()
        .filter(|t| {
            let value = &variables[rampart_store::TableNames::variable(*t).as_str()];
            if value.is_null() {
                return false;
            }
            assert_eq!(
                text(value).trim(),
                format!("!Ref {}", t.logical_id()),
                "{}",
                t.concern()
            );
            true
        })
        .collect()
}

/// Exactly `expected` granted, and each table it touches named in its environment.
fn assert_policy(
    id: &str,
    function: &Value,
    expected: BTreeSet<iam::Grant>,
    tables: &[TableAccess],
) {
    let (granted, _) = iam::granted(function);
    let missing: Vec<_> = expected.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{id}'s IAM policy differs from its declaration:\n  missing: {missing:?}\n  extra: {extra:?}"
    );
    let named: BTreeSet<Table> = tables.iter().map(|a| a.table()).collect();
    assert_eq!(
        table_env(function),
        named,
        "{id}: TABLE_<CONCERN> for exactly its tables"
    );
}

#[test]
fn every_route_has_its_function_event_and_least_privilege_policy() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let functions: BTreeMap<String, &Value> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(k, r)| (k.as_str().unwrap().to_owned(), r))
        .collect();
    let mut expected_functions = BTreeSet::new();
    for route in routes() {
        let id = logical_id(route.function);
        expected_functions.insert(id.clone());
        let function = functions
            .get(&id)
            .unwrap_or_else(|| panic!("template lacks {id}"));
        let props = &function["Properties"];
        // infra/deploy.sh puts each function's binary there (relative to the nested stacks).
        assert_eq!(
            props["CodeUri"],
            format!("../.build/lambda/{}/", route.function),
            "{id}"
        );
        assert!(
            props["Events"].is_null(),
            "{id}: the API invokes it through its route"
        );
        assert_eq!(
            api_route(resources, id.trim_end_matches("Function")),
            Some(format!("{} {}", route.method, route.path)),
            "{id}'s API route"
        );
        // Mail requests come from `rampart`, release requests from `rampart.release`.
        let mut sources = Vec::new();
        if route.uses(Port::Mailer) {
            sources.push("rampart");
        }
        if route.uses(Port::Releases) {
            sources.push("rampart.release");
        }
        assert_policy(
            &id,
            function,
            iam::expected(
                &route.table_access(),
                &[],
                route.needs_secrets(),
                route.blobs,
                &sources,
            ),
            &route.table_access(),
        );
        let secret_env = text(&props["Environment"]["Variables"]["SECRETS_ARN"]);
        let reads_secret = text(&props["Policies"]).contains("secretsmanager:GetSecretValue");
        assert_eq!(
            (secret_env.contains("AppSecret"), reads_secret),
            (route.needs_secrets(), route.needs_secrets()),
            "{id}: SECRETS_ARN and secret access exactly where the function needs the secret"
        );
        let bucket_env = text(&props["Environment"]["Variables"]["BLOB_BUCKET"]);
        let bucket_access = text(&props["Policies"]).contains("BlobBucketArn");
        assert_eq!(
            (bucket_env.contains("BlobBucket"), bucket_access),
            (route.uses(Port::Blobs), route.uses(Port::Blobs)),
            "{id}: BLOB_BUCKET and bucket access exactly where the handler uses blobs"
        );
        let bus_env = text(&props["Environment"]["Variables"]["EVENT_BUS_NAME"]);
        let puts_events = text(&props["Policies"]).contains("events:PutEvents");
        assert_eq!(
            (bus_env.contains("EventBus"), puts_events),
            (
                route.uses(Port::Mailer) || route.uses(Port::Releases),
                route.uses(Port::Mailer) || route.uses(Port::Releases)
            ),
            "{id}: EVENT_BUS_NAME and PutEvents exactly where the route queues mail"
        );
    }
    // The mail worker: invoked by the bus for `mail.requested`, with exactly its tables.
    let worker_id = logical_id(rampart_lambda_host::MAIL_WORKER);
    expected_functions.insert(worker_id.clone());
    let worker = functions[&worker_id];
    let trigger = &worker["Properties"]["Events"]["MailRequested"];
    assert_eq!(trigger["Type"], "EventBridgeRule");
    assert!(text(&trigger["Properties"]["EventBusName"]).contains("EventBus"));
    assert_eq!(
        text(&trigger["Properties"]["Pattern"]["detail-type"]).trim(),
        "- mail.requested"
    );
    let tables = rampart_api::compose::MAIL_WORKER_TABLES;
    assert_policy(
        &worker_id,
        worker,
        iam::expected(tables, &[], true, &[], &[]),
        tables,
    );
    // The key-rotation job: invoked by hand, scanning only the tables with sealed fields.
    let rotation_id = logical_id(rampart_api::compose::KEY_ROTATION_FUNCTION);
    expected_functions.insert(rotation_id.clone());
    let rotation = functions[&rotation_id];
    assert!(rotation["Properties"]["Events"].is_null(), "no trigger");
    let tables = rampart_api::compose::KEY_ROTATION_TABLES;
    let scans = rampart_api::compose::KEY_ROTATION_SCANS;
    assert_policy(
        &rotation_id,
        rotation,
        iam::expected(tables, scans, true, &[], &[]),
        tables,
    );

    // Only the rotation job scans: every other policy is compared exactly.
    // The health snapshot: daily at 09:00 UTC on EventBridge Scheduler, with exactly its tables.
    let snapshot_id = logical_id(rampart_api::compose::HEALTH_SNAPSHOT_FUNCTION);
    expected_functions.insert(snapshot_id.clone());
    let snapshot = functions[&snapshot_id];
    let daily = &snapshot["Properties"]["Events"]["Daily"];
    assert_eq!(daily["Type"], "ScheduleV2");
    assert_eq!(
        daily["Properties"]["ScheduleExpression"],
        "cron(0 9 * * ? *)"
    );
    assert_eq!(daily["Properties"]["ScheduleExpressionTimezone"], "UTC");
    let tables = rampart_api::compose::HEALTH_SNAPSHOT_TABLES;
    // And the day's metrics: CloudWatch has no resource-level permission for GetMetricData.
    let mut reads_metrics = iam::expected(tables, &[], true, &[], &[]);
    reads_metrics.insert((
        "cloudwatch:GetMetricData".to_owned(),
        "'*'".to_owned(),
        String::new(),
    ));
    assert_policy(&snapshot_id, snapshot, reads_metrics, tables);
    let variables = &snapshot["Properties"]["Environment"]["Variables"];
    for name in [
        "SECRETS_ARN",
        "DISCORD_STATUS_CHANNEL_ID",
        "HEALTH_PROBE_URLS",
        "HTTP_API_ID",
    ] {
        assert!(!variables[name].is_null(), "the health snapshot's {name}");
    }
    // The release worker: every `rampart.release` event of the stack's bus, exactly its
    // tables, deploy events back onto the bus, the journey's media clean-up.
    let worker_id = logical_id(rampart_api::compose::RELEASE_WORKER_FUNCTION);
    expected_functions.insert(worker_id.clone());
    let release_worker = functions[&worker_id];
    let trigger = &release_worker["Properties"]["Events"]["ReleaseRequested"];
    assert_eq!(trigger["Type"], "EventBridgeRule");
    assert_eq!(
        text(&trigger["Properties"]["Pattern"]["source"]).trim(),
        "- rampart.release"
    );
    let tables = rampart_api::compose::RELEASE_WORKER_TABLES;
    let journey = rampart_api::routes::internal::internal_journey_run();
    assert_policy(
        &worker_id,
        release_worker,
        iam::expected(tables, &[], true, journey.blobs, &["rampart.deploy"]),
        tables,
    );
    assert_eq!(
        iam::granted(release_worker).1,
        ["ShiftAliases".to_owned(), "UseStageKey".to_owned()]
            .into_iter()
            .collect(),
        "moving aliases only with the alias deployer; the stage's key only when it has one"
    );
    // And only those of the functions it is given: the ARNs of `ReleaseAliasFunctions`,
    // unqualified and qualified, as CloudFormation resolves the statement.
    let alias_functions = "arn:aws:lambda:eu-west-1:123456789012:function:api,\
                     arn:aws:lambda:eu-west-1:123456789012:function:worker";
    assert_eq!(
        iam::conditional_resources(
            release_worker,
            "ShiftAliases",
            "ReleaseAliasFunctions",
            alias_functions
        ),
        [
            "arn:aws:lambda:eu-west-1:123456789012:function:api",
            "arn:aws:lambda:eu-west-1:123456789012:function:worker",
            "arn:aws:lambda:eu-west-1:123456789012:function:api:*",
            "arn:aws:lambda:eu-west-1:123456789012:function:worker:*",
        ]
    );
    // The `$default` route's function: every path and method, no table, no secret.
    let fallback_id = logical_id(rampart_lambda_host::FALLBACK);
    expected_functions.insert(fallback_id.clone());
    let fallback = &functions[&fallback_id]["Properties"];
    assert_eq!(fallback["CodeUri"], "../.build/lambda/fallback/");
    assert_eq!(
        api_route(resources, "Fallback").as_deref(),
        Some("$default"),
        "every request no route matched"
    );
    assert_eq!(
        iam::granted(functions[&fallback_id]),
        (
            BTreeSet::new(),
            ["UseStageKey".to_owned()].into_iter().collect()
        ),
        "the fallback needs no permissions but its environment's key"
    );
    let variables: Vec<_> = fallback["Environment"]["Variables"]
        .as_mapping()
        .map(|m| m.keys().map(text).collect())
        .unwrap_or_default();
    assert_eq!(
        variables,
        ["EDGE_ORIGIN_TOKEN"],
        "nothing but the edge's token"
    );
    let actual: BTreeSet<String> = functions.keys().cloned().collect();
    assert_eq!(
        actual, expected_functions,
        "template functions without a route, or the reverse"
    );
}

#[test]
fn every_table_is_in_the_template_with_its_ttl_and_indexes() {
    let template = template();
    for table in Table::ALL {
        let resource = &template["Resources"][table.logical_id().as_str()];
        assert_eq!(
            resource["Type"],
            "AWS::DynamoDB::Table",
            "{}",
            table.logical_id()
        );
        let props = &resource["Properties"];
        // CloudFormation names the table, so a stage can be created again while its retained
        // tables exist.
        assert!(
            props["TableName"].is_null(),
            "{}: no fixed name",
            table.logical_id()
        );
        let data = table != Table::RateLimits;
        assert_eq!(
            (
                props["DeletionProtectionEnabled"] == true,
                props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] == true,
                resource["DeletionPolicy"] == "Retain",
            ),
            (data, data, data),
            "{}: data tables are protected, retained and recoverable",
            table.logical_id()
        );
        assert_eq!(
            props["TimeToLiveSpecification"]["AttributeName"],
            "expires_at"
        );
        assert_eq!(props["TimeToLiveSpecification"]["Enabled"], true);
        let indexes: Vec<&str> = props["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|g| g["IndexName"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = table.indexes().iter().map(|i| i.name()).collect();
        assert_eq!(indexes, expected, "{}", table.logical_id());
    }
}

/// A nested stack's parameters are named after the root's resources (`UsersTable` is the
/// table's name, `UsersTableArn` its ARN): what the root passes must be exactly that, or a
/// policy written against one table would grant another.
#[test]
fn nested_stacks_receive_each_resource_under_its_own_name() {
    let root = crate::template_file::root_template();
    let resources = root["Resources"].as_mapping().unwrap();
    let parameters = root["Parameters"].as_mapping().unwrap();
    let stacks = crate::template_file::nested();
    assert!(stacks.len() >= 4, "the areas' stacks");
    for (id, path, stack) in &stacks {
        let passed = root["Resources"][id.as_str()]["Properties"]["Parameters"]
            .as_mapping()
            .unwrap();
        let declared = stack["Parameters"].as_mapping().unwrap();
        let passed_names: BTreeSet<String> = passed.keys().map(text).collect();
        let declared_names: BTreeSet<String> = declared.keys().map(text).collect();
        assert_eq!(
            passed_names,
            declared_names,
            "{id}: the root passes exactly what {} declares",
            path.display()
        );
        for (name, value) in passed {
            let name = name.as_str().unwrap();
            let value = text(value);
            let expected = if parameters.contains_key(name) || resources.contains_key(name) {
                format!("!Ref {name}")
            } else if let Some(resource) = name.strip_suffix("Arn")
                && resources.contains_key(resource)
            {
                format!("!GetAtt {resource}.Arn")
            } else {
                continue;
            };
            // A resource that exists only under a condition is passed under it.
            if value.starts_with("!If") {
                assert!(value.contains(&expected), "{id}: parameter {name}: {value}");
            } else {
                assert_eq!(value, expected, "{id}: parameter {name}");
            }
        }
        assert_eq!(
            text(&passed["RootStackName"]),
            "!Ref AWS::StackName",
            "{id}: metrics and table prefixes are the root's"
        );
        if passed.contains_key("HttpApi") {
            assert_eq!(
                text(&passed["HttpApi"]),
                "!Ref PublicApi",
                "{id}: the one API"
            );
        }
    }
}

/// Every route has its own throttle on the stage, sized by its rate-limit policy, and the
/// stage is created after the stacks that add the routes it names.
#[test]
fn the_stage_throttles_every_route_on_its_own() {
    let root = crate::template_file::root_template();
    let stage = &root["Resources"]["ApiStage"];
    assert_eq!(stage["Type"], "AWS::ApiGatewayV2::Stage");
    let depends: BTreeSet<String> = stage["DependsOn"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    let stacks: BTreeSet<String> = crate::template_file::nested()
        .into_iter()
        .map(|(id, ..)| id)
        .collect();
    assert_eq!(depends, stacks);
    let settings = stage["Properties"]["RouteSettings"].as_mapping().unwrap();
    let mut keys = BTreeSet::new();
    for route in routes() {
        let key = format!("{} {}", route.method, route.path);
        let setting = &settings[key.as_str()];
        let rate = setting["ThrottlingRateLimit"]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}"));
        let burst = setting["ThrottlingBurstLimit"].as_u64().unwrap();
        assert!(rate >= 10 && burst >= rate, "{key}: {rate}/{burst}");
        keys.insert(key);
    }
    assert_eq!(
        settings.len(),
        keys.len(),
        "settings only for routes that exist"
    );
    let login = &settings["POST /api/v1/auth/login"];
    let reads = &settings["GET /api/v1/projects"];
    assert!(
        login["ThrottlingRateLimit"].as_u64() < reads["ThrottlingRateLimit"].as_u64(),
        "sign-in (Argon2 on every attempt) has a lower ceiling than a read"
    );
    let default = &stage["Properties"]["DefaultRouteSettings"];
    assert!(
        default["ThrottlingRateLimit"].as_u64().unwrap() <= 50,
        "unmatched paths"
    );
}

/// Every function the API invokes refuses requests that went around the edge when it is on.
#[test]
fn every_api_function_knows_the_edge_token_when_the_edge_is_on() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let mut seen = 0;
    for (id, resource) in resources {
        if resource["Type"] != "AWS::ApiGatewayV2::Integration" {
            continue;
        }
        let function = text(&resource["Properties"]["IntegrationUri"])
            .trim_start_matches("!GetAtt ")
            .trim_end_matches(".Arn")
            .to_owned();
        let token = &resources[function.as_str()]["Properties"]["Environment"]["Variables"]["EDGE_ORIGIN_TOKEN"];
        assert_eq!(
            text(token),
            text(
                &serde_yaml_ng::from_str::<Value>(
                    "!If [EdgeOnly, !Sub \"{{resolve:secretsmanager:${EdgeOriginSecret}}}\", !Ref AWS::NoValue]"
                )
                .unwrap()
            ),
            "{id:?}"
        );
        seen += 1;
    }
    assert_eq!(seen, routes().len() + 1, "every route and the fallback");
}

/// With a customer-managed key, every function may use that key, and no other: decrypt for
/// all, data keys only where it writes objects or hands failed events to the queue.
#[test]
fn every_function_uses_the_stages_key_only_when_there_is_one() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let mut seen = 0;
    for (id, function) in resources {
        if function["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        seen += 1;
        let statements = text(&function["Properties"]["Policies"]);
        assert_eq!(
            statements.matches("Sid: UseStageKey").count(),
            1,
            "{id:?}: {statements}"
        );
        let decrypt_only = statements.contains("Action:\n      - kms:Decrypt\n      Resource");
        let writes = statements.contains("s3:PutObject")
            || !function["Properties"]["EventInvokeConfig"].is_null();
        assert_eq!(!decrypt_only, writes, "{id:?}: {statements}");
        assert!(
            statements.contains("Resource: !Ref KmsKeyArn"),
            "{id:?}: that key alone"
        );
        // The one action that takes no resource but `*` is reading metrics (the health
        // snapshot's GetMetricData); no other grant names every resource.
        let (grants, _) = iam::granted(function);
        for (action, resource, _) in &grants {
            assert!(
                resource != "'*'" || action == "cloudwatch:GetMetricData",
                "{id:?}: {action} on every resource"
            );
        }
        assert!(!statements.contains("kms:*"), "{id:?}");
    }
    assert_eq!(seen, routes().len() + 5);
    let globals = text(&template["Globals"]["Function"]["KmsKeyArn"]);
    assert!(globals.contains("HasKmsKey"), "{globals}");
}
