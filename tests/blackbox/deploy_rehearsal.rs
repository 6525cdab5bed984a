//! A deploy rehearsal on moto: a fresh stage's resources created through the calls
//! CloudFormation makes for them (the tables as template.yaml defines them, named as
//! CloudFormation names them; the secret as `GenerateSecretString` makes it, from
//! `GetRandomPassword`), then the sign-in function started as Lambda starts it, with the
//! environment the template gives it resolved against those resources. It must answer a
//! sign-in before anyone has touched the secret, and fail closed while the secret is missing.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use bytes::Bytes;
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_lambda_host::{Deployment, Function, Host};
use rampart_rbac::Role;
use serde_yaml_ng::Value;

use crate::template_file::template;

/// What CloudFormation would have made of the stage.
struct Stage {
    name: String,
    /// Logical id -> physical name or ARN (what `!Ref` resolves to).
    refs: BTreeMap<String, String>,
}

impl Stage {
    /// A template value as CloudFormation resolves it for this stage; `None` for `AWS::NoValue`.
    fn resolve(&self, value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                let inner = &tagged.value;
                match tag.as_str() {
                    "!Ref" => {
                        let name = inner.as_str().unwrap();
                        match name {
                            "AWS::StackName" | "RootStackName" => Some(self.name.clone()),
                            "AWS::NoValue" => None,
                            "Stage" => Some("dev".to_owned()),
                            "LogLevel" => Some("info".to_owned()),
                            other => Some(
                                self.refs
                                    .get(other)
                                    .unwrap_or_else(|| panic!("!Ref {other} not rehearsed"))
                                    .clone(),
                            ),
                        }
                    }
                    "!Sub" => Some(
                        inner
                            .as_str()
                            .unwrap()
                            .replace("${AWS::StackName}", &self.name)
                            .replace("${RootStackName}", &self.name),
                    ),
                    // Conditions on empty parameters: the defaults leave them all false.
                    "!If" => {
                        let branches = inner.as_sequence().unwrap();
                        self.resolve(&branches[2])
                    }
                    other => panic!("{other} is not rehearsed"),
                }
            }
            other => panic!("unexpected value {other:?}"),
        }
    }
}

/// Creates the template's tables as CloudFormation would: `<stack>-<LogicalId>-<suffix>`.
async fn create_tables(client: &aws_sdk_dynamodb::Client, template: &Value, stage: &mut Stage) {
    for (id, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::DynamoDB::Table" {
            continue;
        }
        let id = id.as_str().unwrap();
        let props = &resource["Properties"];
        assert!(props["TableName"].is_null(), "{id} has a fixed name");
        let name = format!("{}-{id}-{}", stage.name, ulid_suffix());
        let attr = |v: &Value| {
            AttributeDefinition::builder()
                .attribute_name(v["AttributeName"].as_str().unwrap())
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap()
        };
        let key = |v: &Value| {
            KeySchemaElement::builder()
                .attribute_name(v["AttributeName"].as_str().unwrap())
                .key_type(KeyType::from(v["KeyType"].as_str().unwrap()))
                .build()
                .unwrap()
        };
        let mut create = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(
                props["AttributeDefinitions"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(attr)
                    .collect(),
            ))
            .set_key_schema(Some(
                props["KeySchema"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(key)
                    .collect(),
            ))
            .deletion_protection_enabled(props["DeletionProtectionEnabled"] == true);
        for gsi in props["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(gsi["IndexName"].as_str().unwrap())
                    .set_key_schema(Some(
                        gsi["KeySchema"]
                            .as_sequence()
                            .unwrap()
                            .iter()
                            .map(key)
                            .collect(),
                    ))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            );
        }
        create
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let ttl = &props["TimeToLiveSpecification"];
        client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(ttl["AttributeName"].as_str().unwrap())
                    .enabled(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        if props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] == true {
            client
                .update_continuous_backups()
                .table_name(&name)
                .point_in_time_recovery_specification(
                    PointInTimeRecoverySpecification::builder()
                        .point_in_time_recovery_enabled(true)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        stage.refs.insert(id.to_owned(), name);
    }
}

fn ulid_suffix() -> String {
    rampart_core::ids::new_id()
        .chars()
        .rev()
        .take(12)
        .collect::<String>()
        .to_uppercase()
}

/// The environment the template gives `function`: Globals, then its own variables.
fn environment(template: &Value, function: &str, stage: &Stage) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let id = format!(
        "{}Function",
        function
            .split('-')
            .map(|p| p[..1].to_uppercase() + &p[1..])
            .collect::<String>()
    );
    for variables in [
        &template["Globals"]["Function"]["Environment"]["Variables"],
        &template["Resources"][id.as_str()]["Properties"]["Environment"]["Variables"],
    ] {
        for (name, value) in variables.as_mapping().unwrap() {
            if let Some(value) = stage.resolve(value) {
                env.insert(name.as_str().unwrap().to_owned(), value);
            }
        }
    }
    env
}

async fn host(env: &BTreeMap<String, String>, endpoint: &str, function: Function) -> Host {
    let lookup = env.clone();
    let config = rampart_core::Config::from_lookup(|name| lookup.get(name).cloned()).unwrap();
    let lookup = env.clone();
    let deployment = Deployment {
        lookup: Arc::new(move |name| lookup.get(name).cloned()),
        aws: AwsSettings::emulator(endpoint),
    };
    Host::start(config, function, deployment).await.unwrap()
}

fn sign_in(email: &str, password: &str) -> http::Request<Bytes> {
    http::Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Bytes::from(
            serde_json::json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap()
}

fn login() -> Function {
    Function::new(rampart_api::routes::sessions::auth_login).secrets()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_stage_answers_a_sign_in_through_its_deployed_wiring() {
    let endpoint = rampart_store::testing::aws_endpoint();
    let sdk = load_sdk_config(&AwsSettings::emulator(&endpoint)).await;
    let template = template();
    let mut stage = Stage {
        name: format!("rehearsal-{}", ulid_suffix().to_lowercase()),
        refs: BTreeMap::new(),
    };
    create_tables(&aws_sdk_dynamodb::Client::new(&sdk), &template, &mut stage).await;

    // The login function before its secret exists: 503 problems, never a crash.
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let secret_name = format!("{}-AppSecret-{}", stage.name, ulid_suffix());
    stage.refs.insert(
        "AppSecret".to_owned(),
        format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{secret_name}-AbCdEf"),
    );
    let early = host(
        &environment(&template, "auth-login", &stage),
        &endpoint,
        login(),
    )
    .await;
    assert!(!early.is_ready());
    let answer = early.handle(sign_in("ada@example.com", "irrelevant")).await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["content-type"], "application/problem+json");

    // The secret as the template's GenerateSecretString creates it.
    let generate = &template["Resources"]["AppSecret"]["Properties"]["GenerateSecretString"];
    let length = generate["PasswordLength"].as_i64().unwrap();
    let random = secrets
        .get_random_password()
        .password_length(length)
        .exclude_punctuation(generate["ExcludePunctuation"] == true)
        .send()
        .await
        .unwrap()
        .random_password
        .unwrap();
    let mut document: serde_json::Value =
        serde_json::from_str(generate["SecretStringTemplate"].as_str().unwrap()).unwrap();
    document[generate["GenerateStringKey"].as_str().unwrap()] = random.into();
    let created = secrets
        .create_secret()
        .name(&secret_name)
        .secret_string(document.to_string())
        .send()
        .await
        .unwrap();
    stage
        .refs
        .insert("AppSecret".to_owned(), created.arn.unwrap());

    // The function as Lambda starts it, with the template's environment for this stage.
    let env = environment(&template, "auth-login", &stage);
    assert!(env["TABLE_USERS"].starts_with(&format!("{}-UsersTable-", stage.name)));
    let signin = host(&env, &endpoint, login()).await;
    assert!(
        signin.is_ready(),
        "the generated secret is all a cold start needs"
    );
    // An account, made by the registration function's wiring (the sign-in function may not
    // write the users table), verified as the admin bootstrap makes it.
    stage
        .refs
        .insert("EventBus".to_owned(), format!("{}-events", stage.name));
    let register = host(
        &environment(&template, "auth-register", &stage),
        &endpoint,
        Function::new(rampart_api::routes::accounts::auth_register)
            .secrets()
            .mailer(),
    )
    .await;
    assert!(register.is_ready());
    let auth = &register.app().unwrap().state().auth;
    let password = rampart_blackbox_tests::GOOD_PASSWORD;
    auth.register("ada@example.com", password, Role::Viewer, true)
        .await
        .unwrap();
    let answer = signin.handle(sign_in("ada@example.com", password)).await;
    assert_eq!(
        answer.status(),
        200,
        "{}",
        String::from_utf8_lossy(answer.body())
    );
    let cookies: Vec<&str> = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-access_token=") || c.contains("access_token=")),
        "{cookies:?}"
    );
    let wrong = signin
        .handle(sign_in("ada@example.com", "not the password 1!"))
        .await;
    assert_eq!(wrong.status(), 401);
    // The account went to the stage's own users table, under CloudFormation's name.
    let users = aws_sdk_dynamodb::Client::new(&sdk)
        .scan()
        .table_name(&env["TABLE_USERS"])
        .send()
        .await
        .unwrap();
    assert!(users.count() >= 1);

    // The restore procedure (docs/runbooks/restore.md): the users table restored to a point
    // in time under a `-restored-` name, then the stage switched to it with RestoredTables.
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let restored = format!("{}-users-restored-20261126", stage.name);
    dynamo
        .restore_table_to_point_in_time()
        .source_table_name(&env["TABLE_USERS"])
        .target_table_name(&restored)
        .use_latest_restorable_time(true)
        .send()
        .await
        .unwrap();
    // The account made after the restore point is not in the copy; Ada's is.
    auth.register("bob@example.com", password, Role::Viewer, true)
        .await
        .unwrap();
    let mut switched = env.clone();
    switched.insert("TABLE_OVERRIDES".to_owned(), format!("users={restored}"));
    let on_copy = host(&switched, &endpoint, login()).await;
    assert!(on_copy.is_ready());
    let ada = on_copy.handle(sign_in("ada@example.com", password)).await;
    assert_eq!(ada.status(), 200, "{}", String::from_utf8_lossy(ada.body()));
    let bob = on_copy.handle(sign_in("bob@example.com", password)).await;
    assert_eq!(bob.status(), 401, "written after the restore point");
    let bob_live = signin.handle(sign_in("bob@example.com", password)).await;
    assert_eq!(bob_live.status(), 200, "still in the live table");
    // A name outside the stage's restored copies is refused at cold start (503), not used.
    let mut elsewhere = env.clone();
    elsewhere.insert(
        "TABLE_OVERRIDES".to_owned(),
        "users=someone-elses-table".to_owned(),
    );
    let refused = host(&elsewhere, &endpoint, login()).await;
    assert!(!refused.is_ready());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_switched_off_by_hand_is_recorded_by_the_functions_next_cold_start() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let endpoint = rampart_store::testing::aws_endpoint();
    let sdk = load_sdk_config(&AwsSettings::emulator(&endpoint)).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let template = template();
    let mut stage = Stage {
        name: format!("rehearsal-{}", ulid_suffix().to_lowercase()),
        refs: BTreeMap::new(),
    };
    create_tables(&dynamo, &template, &mut stage).await;
    // The health function needs no secret: its cold start is the store warm-up alone.
    let env = environment(&template, "health", &stage);
    let health = || Function::new(rampart_api::routes::platform::health);
    let first = host(&env, &endpoint, health()).await;
    assert!(first.is_ready());
    first.noted().await;
    let noted = dynamo
        .get_item()
        .table_name(&env["TABLE_STATE"])
        .key("pk", AttributeValue::S("config#overrides".into()))
        .key("sk", AttributeValue::S("overrides".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the start is noted in the stage's state table");
    assert!(noted.contains_key("fn#health"), "{noted:?}");
    let audit = || async {
        dynamo
            .scan()
            .table_name(&env["TABLE_AUDIT"])
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .filter(|i| {
                i.get("event")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some("configuration.overrides_changed")
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(audit().await.is_empty(), "the defaults are no change");
    // An operator switches CSRF off on this one function in the console.
    let mut by_hand = env.clone();
    by_hand.insert("CSRF_ENABLED".to_owned(), "false".to_owned());
    let edited = host(&by_hand, &endpoint, health()).await;
    assert!(edited.is_ready());
    edited.noted().await;
    let events = audit().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["target"].as_s().unwrap(),
        "function:health",
        "{events:?}"
    );
    // Its next cold starts record nothing more.
    let again = host(&by_hand, &endpoint, health()).await;
    assert!(again.is_ready());
    again.noted().await;
    assert_eq!(audit().await.len(), 1);
}
