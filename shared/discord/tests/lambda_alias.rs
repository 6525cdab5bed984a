//! The Lambda alias deployer through the AWS SDK against moto's Lambda API: a canary routes
//! 10 % to the newest version, promote moves the alias to it, rollback moves it back. (moto
//! does not check `RevisionId`; the optimistic lock is tested against the double in
//! `alias_deployer.rs`.)

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_discord::alias_deployer::{AliasApi, AliasDeployer, CANARY_WEIGHT, SdkAliasApi};
use rampart_discord::release::{DeployError, Deployed, Deployer, Release, Status};

/// An empty zip archive: moto keeps the code without running it.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

struct NoClient;

#[async_trait]
impl Deployer for NoClient {
    async fn deploy(&self, _: &Release) -> Result<Deployed, DeployError> {
        unreachable!()
    }
    async fn promote(&self, _: &Release) -> Result<String, DeployError> {
        unreachable!()
    }
    async fn rollback(&self, _: &Release) -> Result<String, DeployError> {
        unreachable!()
    }
    async fn deploy_client(&self, _: &str, _: &str, _: &str) -> Result<String, DeployError> {
        unreachable!()
    }
}

#[tokio::test]
async fn canary_promote_and_rollback_move_a_real_alias() {
    let sdk = load_sdk_config(&AwsSettings::emulator(
        rampart_store::testing::aws_endpoint(),
    ))
    .await;
    let client = aws_sdk_lambda::Client::new(&sdk);
    let name = format!("rampart-{}", rampart_core::ids::new_id().to_lowercase());
    client
        .create_function()
        .function_name(&name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .role("arn:aws:iam::123456789012:role/rampart-test-lambda")
        .handler("bootstrap")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .send()
        .await
        .expect("moto creates the function (scripts/moto_server.py creates its role)");
    // Two versions: Lambda publishes a version only when something changed since the last.
    for n in 1..=2 {
        client
            .update_function_configuration()
            .function_name(&name)
            .description(format!("build {n}"))
            .send()
            .await
            .unwrap();
        client
            .publish_version()
            .function_name(&name)
            .send()
            .await
            .unwrap();
    }
    client
        .create_alias()
        .function_name(&name)
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();
    let api = Arc::new(SdkAliasApi {
        client: client.clone(),
    });
    assert_eq!(api.newest_version(&name).await.unwrap(), "2");
    let deployer = AliasDeployer {
        api: api.clone(),
        functions: vec![name.clone()],
        alias: "live".into(),
        client: Arc::new(NoClient),
    };
    let mut release = Release {
        id: "R1".into(),
        env: "prod".into(),
        strategy: "canary".into(),
        requested_by: "u".into(),
        status: Status::Deploying,
        deployed: None,
        versions: BTreeMap::new(),
        verification: None,
        history: Vec::new(),
    };
    let deployed = deployer.deploy(&release).await.unwrap();
    let state = api.alias(&name, "live").await.unwrap();
    assert_eq!(state.version, "1");
    assert_eq!(state.canary, Some(("2".to_owned(), CANARY_WEIGHT)));
    release.versions = deployed.versions;
    deployer.promote(&release).await.unwrap();
    let state = api.alias(&name, "live").await.unwrap();
    assert_eq!((state.version.as_str(), state.canary), ("2", None));
    deployer.rollback(&release).await.unwrap();
    assert_eq!(api.alias(&name, "live").await.unwrap().version, "1");
}
