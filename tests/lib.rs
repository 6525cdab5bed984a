//! The black-box test harness: [`TestApp`] starts the local stack's server on a free loopback
//! port with a store of either kind and a manual clock, and talks to it over real HTTP.

use std::sync::Arc;

use async_trait::async_trait;
use http::request::Parts;
use rampart_api::{App, AppState, Authenticator, Route, routes};
use rampart_auth::LogMailer;
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_core::secrets::SecretBundle;
use rampart_core::{ApiError, Config, ManualClock};
use rampart_local::RunningServer;
use rampart_rbac::{Permission, Principal, PrincipalKind, Role};
use rampart_store::testing::{self, Fixture};
use rampart_store::{DynamoStore, SharedStore, TableNames};

/// A running local stack and a client for it.
pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub store: SharedStore,
    pub clock: Arc<ManualClock>,
    pub app: App,
    /// Every mail the stack sent (verification tokens included).
    pub mailer: Arc<LogMailer>,
    server: RunningServer,
}

/// How to build a [`TestApp`].
pub struct TestAppBuilder {
    config: Config,
    routes: Vec<Route>,
    fixture: Option<Fixture>,
    authenticator: Option<Arc<dyn Authenticator>>,
    adjust: Option<StateAdjustment>,
}

/// A change applied to the state once built.
type StateAdjustment = Box<dyn FnOnce(&mut AppState)>;

impl TestApp {
    /// Every route, an in-memory store, the local configuration.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// A builder starting from the defaults of [`TestApp::spawn`].
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            config: rampart_local::local_config().expect("local config"),
            routes: routes(),
            fixture: None,
            authenticator: None,
            adjust: None,
        }
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(self) {
        self.server.stop().await.expect("server stops cleanly");
    }
}

impl TestAppBuilder {
    /// Changes the configuration.
    pub fn config(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(&mut self.config);
        self
    }

    /// Serves these routes instead of the route table.
    pub fn routes(mut self, routes: Vec<Route>) -> Self {
        self.routes = routes;
        self
    }

    /// Uses this store and clock.
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = Some(fixture);
        self
    }

    /// Changes the state once built (for example, to serve another command registry).
    pub fn state(mut self, adjust: impl FnOnce(&mut AppState) + 'static) -> Self {
        self.adjust = Some(Box::new(adjust));
        self
    }

    /// Recognises the bearer tokens of [`TestTokens`].
    pub fn with_test_tokens(mut self) -> Self {
        self.authenticator = Some(Arc::new(TestTokens));
        self
    }

    /// Starts the server.
    pub async fn spawn(self) -> TestApp {
        let fixture = match self.fixture {
            Some(f) => f,
            None => testing::embedded().await,
        };
        let mailer = Arc::new(LogMailer::new(true));
        let mut state = AppState::new(self.config, fixture.store.clone(), fixture.clock.clone())
            .with_secrets(Arc::new(test_secrets()))
            .with_mailer(mailer.clone());
        if let Some(authenticator) = self.authenticator {
            state = state.with_authenticator(authenticator);
        }
        if let Some(adjust) = self.adjust {
            adjust(&mut state);
        }
        let app = App::new(state, self.routes);
        let server = rampart_local::spawn(app.clone())
            .await
            .expect("server starts");
        TestApp {
            url: server.url(),
            client: reqwest::Client::new(),
            store: fixture.store,
            clock: fixture.clock,
            app,
            mailer,
            server,
        }
    }
}

/// The signing and field-encryption keys the test stack runs with (test-only values).
pub fn test_secrets() -> SecretBundle {
    SecretBundle::from_json(
        r#"{
            "jwt_signing_keys": [{"kid": "test-1", "secret": "test-signing-key-0123456789abcdef-0123"}],
            "field_encryption_keys": [{"kid": "test-f1", "secret": "test-field-key-0123456789abcdef-01234"}]
        }"#,
    )
    .expect("test secrets parse")
}

/// A DynamoDB store whose endpoint refuses connections: a real unreachable store.
pub async fn unreachable_store(clock: Arc<ManualClock>) -> Fixture {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut settings = AwsSettings::emulator(format!("http://127.0.0.1:{port}"));
    settings.operation_timeout = Some(std::time::Duration::from_secs(2));
    settings.max_attempts = Some(1);
    let sdk = load_sdk_config(&settings).await;
    Fixture {
        store: Arc::new(DynamoStore::new(
            &sdk,
            TableNames::new("down-"),
            clock.clone(),
        )),
        clock,
    }
}

/// A test double for the authentication slot: `Bearer test:<role>[:unverified]` signs in as
/// a user with that role; `Bearer test-key:<permission>` as an API key holding one permission.
/// Anything else after `Bearer ` is an invalid credential (401).
pub struct TestTokens;

#[async_trait]
impl Authenticator for TestTokens {
    async fn authenticate(&self, parts: &Parts) -> Result<Option<Principal>, ApiError> {
        let Some(value) = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(None);
        };
        let token = value
            .strip_prefix("Bearer ")
            .ok_or(ApiError::Unauthenticated)?;
        if let Some(rest) = token.strip_prefix("test:") {
            let (role, verified) = match rest.split_once(':') {
                Some((role, "unverified")) => (role, false),
                _ => (rest, true),
            };
            let role: Role = role.parse().map_err(|_| ApiError::Unauthenticated)?;
            return Ok(Some(Principal {
                id: format!("user-{role}"),
                role: Some(role),
                grants: Vec::new(),
                email_verified: verified,
                kind: PrincipalKind::Bearer,
                session_id: None,
            }));
        }
        if let Some(permission) = token.strip_prefix("test-key:") {
            let permission =
                Permission::parse(permission).map_err(|_| ApiError::Unauthenticated)?;
            return Ok(Some(Principal {
                id: "key-1".into(),
                role: None,
                grants: vec![permission],
                email_verified: true,
                kind: PrincipalKind::ApiKey,
                session_id: None,
            }));
        }
        Err(ApiError::Unauthenticated)
    }
}
