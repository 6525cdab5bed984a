//! The Secrets Manager adapter against moto's server mode: the secret is fetched once per
//! process and cached, and a malformed secret is an error that does not echo its text.

use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_core::secrets::{Secrets, SecretsError, SecretsManagerSecrets};

fn endpoint() -> String {
    std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_AWS_ENDPOINT is not set: run scripts/test.sh, which starts moto")
    })
}

async fn create(sdk: &rampart_core::aws::SdkConfig, name: &str, value: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let out = client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("create the secret on moto");
    out.arn().expect("an ARN").to_owned()
}

#[tokio::test]
async fn the_secret_is_fetched_once_and_cached() {
    let sdk = load_sdk_config(&AwsSettings::emulator(endpoint())).await;
    let name = format!("rampart-test/{}", rampart_core::ids::new_id());
    let arn = create(
        &sdk,
        &name,
        r#"{"jwt_signing_keys":[{"kid":"2026-11","secret":"k-one"}],"discord_bot_token":"bot-1"}"#,
    )
    .await;
    let secrets = SecretsManagerSecrets::new(&sdk, arn.clone());
    let first = secrets.load().await.unwrap();
    assert_eq!(first.jwt_signing_keys[0].kid, "2026-11");
    assert_eq!(first.discord_bot_token.as_ref().unwrap().expose(), "bot-1");

    aws_sdk_secretsmanager::Client::new(&sdk)
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(r#"{"discord_bot_token":"bot-2"}"#)
        .send()
        .await
        .unwrap();
    let second = secrets.load().await.unwrap();
    assert_eq!(
        second.discord_bot_token.as_ref().unwrap().expose(),
        "bot-1",
        "cached for the process"
    );
    let fresh = SecretsManagerSecrets::new(&sdk, arn).load().await.unwrap();
    assert_eq!(
        fresh.discord_bot_token.as_ref().unwrap().expose(),
        "bot-2",
        "a new cold start sees rotation"
    );
}

#[tokio::test]
async fn a_malformed_secret_fails_without_echoing_it() {
    let sdk = load_sdk_config(&AwsSettings::emulator(endpoint())).await;
    let name = format!("rampart-test/{}", rampart_core::ids::new_id());
    let arn = create(&sdk, &name, "not-json-but-secret-material").await;
    let err = SecretsManagerSecrets::new(&sdk, arn)
        .load()
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Malformed(_)));
    assert!(!err.to_string().contains("secret-material"), "{err}");
}

#[tokio::test]
async fn a_missing_secret_is_unavailable() {
    let sdk = load_sdk_config(&AwsSettings::emulator(endpoint())).await;
    let err = SecretsManagerSecrets::new(&sdk, "rampart-test/absent")
        .load()
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Unavailable(_)), "{err:?}");
}
