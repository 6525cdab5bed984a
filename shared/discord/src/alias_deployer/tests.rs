use std::sync::Mutex;

use super::*;
use crate::release::Status;

/// Lambda's alias API as a double that checks revisions like Lambda does.
#[derive(Default)]
struct Lambda {
    aliases: Mutex<BTreeMap<String, AliasState>>,
    newest: Mutex<BTreeMap<String, String>>,
    revision: Mutex<u32>,
    /// A function whose alias someone else moves just before the deployer's move.
    raced: Mutex<Option<String>>,
}

impl Lambda {
    fn with(functions: &[(&str, &str, &str)]) -> Self {
        let lambda = Self::default();
        for (name, live, newest) in functions {
            lambda.aliases.lock().unwrap().insert(
                (*name).to_owned(),
                AliasState {
                    version: (*live).to_owned(),
                    canary: None,
                    revision_id: "r0".into(),
                },
            );
            lambda
                .newest
                .lock()
                .unwrap()
                .insert((*name).to_owned(), (*newest).to_owned());
        }
        lambda
    }

    fn state(&self, function: &str) -> AliasState {
        self.aliases.lock().unwrap()[function].clone()
    }
}

#[async_trait]
impl AliasApi for Lambda {
    async fn alias(&self, function: &str, alias: &str) -> Result<AliasState, DeployError> {
        assert_eq!(alias, "live");
        Ok(self.state(function))
    }
    async fn newest_version(&self, function: &str) -> Result<String, DeployError> {
        Ok(self.newest.lock().unwrap()[function].clone())
    }
    async fn shift(
        &self,
        function: &str,
        _alias: &str,
        version: &str,
        canary: Option<(&str, f64)>,
        revision_id: &str,
    ) -> Result<(), DeployError> {
        let mut revision = self.revision.lock().unwrap();
        let mut aliases = self.aliases.lock().unwrap();
        let alias = aliases.get_mut(function).unwrap();
        let mut raced = self.raced.lock().unwrap();
        if raced.as_deref() == Some(function) {
            *raced = None;
            *revision += 1;
            alias.revision_id = format!("r{revision}");
        }
        if alias.revision_id != revision_id {
            return Err(DeployError(
                "PreconditionFailedException: the revision changed".into(),
            ));
        }
        *revision += 1;
        *alias = AliasState {
            version: version.to_owned(),
            canary: canary.map(|(v, w)| (v.to_owned(), w)),
            revision_id: format!("r{revision}"),
        };
        Ok(())
    }
}

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
        Ok("client".into())
    }
}

fn deployer(lambda: Arc<Lambda>) -> AliasDeployer {
    AliasDeployer {
        api: lambda,
        functions: vec!["api".into(), "worker".into()],
        alias: "live".into(),
        client: Arc::new(NoClient),
    }
}

fn release(strategy: &str) -> Release {
    Release {
        id: "R1".into(),
        env: "prod".into(),
        strategy: strategy.into(),
        requested_by: "u".into(),
        status: Status::Deploying,
        deployed: None,
        versions: BTreeMap::new(),
        verification: None,
        history: Vec::new(),
    }
}

#[tokio::test]
async fn a_canary_routes_ten_percent_then_promote_and_rollback_move_the_alias() {
    let lambda = Arc::new(Lambda::with(&[("api", "3", "4"), ("worker", "7", "7")]));
    let d = deployer(lambda.clone());
    let mut r = release("canary");
    let deployed = d.deploy(&r).await.unwrap();
    assert_eq!(
        lambda.state("api").canary,
        Some(("4".to_owned(), CANARY_WEIGHT))
    );
    assert_eq!(lambda.state("api").version, "3");
    assert_eq!(
        lambda.state("worker").version,
        "7",
        "nothing new: left alone"
    );
    assert!(
        deployed.summary.contains("api: 4 at 10 % beside 3"),
        "{deployed:?}"
    );
    r.versions = deployed.versions;
    d.promote(&r).await.unwrap();
    assert_eq!(
        (lambda.state("api").version, lambda.state("api").canary),
        ("4".to_owned(), None)
    );
    d.rollback(&r).await.unwrap();
    assert_eq!(lambda.state("api").version, "3");
    // All at once.
    let full = d.deploy(&release("full")).await.unwrap();
    assert_eq!(lambda.state("api").version, "4");
    assert_eq!(full.versions["api"], ("3".to_owned(), "4".to_owned()));
}

#[tokio::test]
async fn a_move_made_meanwhile_fails_the_deploy_and_the_moved_ones_are_put_back() {
    let lambda = Arc::new(Lambda::with(&[("api", "3", "4"), ("worker", "7", "8")]));
    *lambda.raced.lock().unwrap() = Some("worker".into());
    let error = deployer(lambda.clone())
        .deploy(&release("full"))
        .await
        .unwrap_err();
    assert!(error.0.contains("revision changed"), "{error}");
    assert!(error.0.contains("put back"), "{error}");
    assert_eq!(
        lambda.state("api").version,
        "3",
        "api was moved, then put back"
    );
    assert_eq!(lambda.state("worker").version, "7");
}
