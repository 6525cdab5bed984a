//! The black-box test harness: [`TestApp`] starts the local stack's server on a free loopback
//! port with a store of either kind and a manual clock, and talks to it over real HTTP.

use std::sync::Arc;

use async_trait::async_trait;
use http::request::Parts;
use rampart_api::{
    Adapters, App, AppState, Authenticated, Authenticator, Route, build_app, routes,
};
use rampart_auth::LogMailer;
use rampart_blob::LocalBlobs;
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
    /// Every mail the stack's mail worker sent (verification tokens included). Requests only
    /// queue mail: [`TestApp::deliver_mail`] runs the worker over what they queued.
    pub mailer: Arc<LogMailer>,
    /// The stack: its event bus and mail worker.
    pub stack: rampart_local::LocalStack,
    /// Where the stack's blobs (exports) are kept.
    pub blobs_dir: std::path::PathBuf,
    server: RunningServer,
}

/// How to build a [`TestApp`].
pub struct TestAppBuilder {
    config: Config,
    routes: Vec<Route>,
    fixture: Option<Fixture>,
    secrets: SecretBundle,
    authenticator: Option<Arc<dyn Authenticator>>,
    adjust: Option<StateAdjustment>,
    blobs: Option<Arc<dyn rampart_blob::BlobStore>>,
    discord_api: Option<Arc<dyn rampart_discord::rest::DiscordApi>>,
    drain: std::time::Duration,
}

/// A change applied to every function's state once built.
type StateAdjustment = Box<dyn Fn(&mut AppState)>;

impl TestApp {
    /// Every route, an in-memory store, the local configuration.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// A builder starting from the defaults of [`TestApp::spawn`].
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            config: {
                let mut config = rampart_local::local_config().expect("local config");
                // The tests play the part of a proxy on loopback to simulate many clients.
                config.trusted_proxies =
                    vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
                config
            },
            routes: routes(),
            fixture: None,
            secrets: test_secrets(),
            authenticator: None,
            adjust: None,
            blobs: None,
            discord_api: None,
            drain: rampart_local::DRAIN_TIMEOUT,
        }
    }

    /// `POST`s a JSON body to `path`, with no cookies.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.at(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
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
    pub fn state(mut self, adjust: impl Fn(&mut AppState) + 'static) -> Self {
        self.adjust = Some(Box::new(adjust));
        self
    }

    /// A Discord double for the release worker (its webhook edits and follow-ups).
    pub fn discord_api(mut self, api: Arc<dyn rampart_discord::rest::DiscordApi>) -> Self {
        self.discord_api = Some(api);
        self
    }

    /// Keeps blobs in `blobs` instead of the local folder (whose signed URLs then go unserved).
    pub fn blobs(mut self, blobs: Arc<dyn rampart_blob::BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Runs with these secrets instead of [`test_secrets`].
    pub fn secrets(mut self, secrets: SecretBundle) -> Self {
        self.secrets = secrets;
        self
    }

    /// Sends mail through the SMTP server at `url` (from `MAIL_FROM`).
    pub fn smtp(mut self, url: &str, from: &str) -> Self {
        self.secrets.smtp_url = Some(url.to_owned().into());
        self.config.mail_from = Some(from.to_owned());
        self
    }

    /// Gives in-flight requests this long to finish when the server stops (default: the
    /// local stack's 30 seconds).
    pub fn drain(mut self, drain: std::time::Duration) -> Self {
        self.drain = drain;
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
        let mailer = Arc::new(LogMailer::new(
            self.config.stage == rampart_core::Stage::Local,
        ));
        let blobs_dir = std::env::temp_dir().join(format!(
            "rampart-test-blobs-{}",
            rampart_core::ids::new_id()
        ));
        let blobs = Arc::new(LocalBlobs::new(
            &blobs_dir,
            [9u8; 32],
            fixture.clock.clone(),
        ));
        // The production wiring: the composition root Lambda and the local stack use. With an
        // SMTP server in the secrets, mail goes there; else to the inspectable outbox.
        let bus = Arc::new(rampart_core::events::LocalBus::new());
        let adapters = Adapters {
            store: fixture.store.clone(),
            clock: fixture.clock.clone(),
            secrets: Arc::new(self.secrets),
            blobs: Some(self.blobs.unwrap_or_else(|| blobs.clone())),
            events: Some(bus.clone()),
            log_mailer: mailer.clone(),
            authenticator: self.authenticator,
            ports: rampart_api::Ports::ALL,
        };
        let mut app = build_app(&self.config, &adapters, self.routes).expect("the app builds");
        // As the local stack does: every answer kept for the digest.
        let traffic = Arc::new(rampart_api::traffic::TrafficLog::default());
        let log = traffic.clone();
        let adjust = self.adjust;
        app.adjust(move |state| {
            state.traffic = Some(log.clone());
            if let Some(adjust) = &adjust {
                adjust(state);
            }
        })
        .expect("a fresh app");
        let mail_worker = rampart_api::compose::mail_worker(&self.config, &adapters)
            .expect("the mail worker builds");
        let release = rampart_api::compose::release_worker(
            &self.config,
            &adapters,
            Arc::new(rampart_discord::daily::HttpProber::new().expect("a prober")),
            self.discord_api.clone(),
            None,
        )
        .expect("the release worker builds");
        let stack = rampart_local::LocalStack {
            app: app.clone(),
            blobs,
            bus,
            mail_worker: Arc::new(mail_worker),
            // A test decides when queued mail goes out.
            deliver_in_background: false,
            health_snapshot: Arc::new({
                let mut job = rampart_api::compose::health_snapshot(
                    &self.config,
                    &adapters,
                    Arc::new(rampart_discord::daily::HttpProber::new().expect("a prober")),
                    None,
                    None,
                )
                .expect("the health snapshot builds");
                job.traffic = Some(traffic);
                job
            }),
            release_worker: Arc::new(release.worker),
            release_verifier: release.verifier,
            drain: self.drain,
        };
        let server = rampart_local::spawn(stack.clone())
            .await
            .expect("server starts");
        TestApp {
            url: server.url(),
            client: reqwest::Client::new(),
            store: fixture.store,
            clock: fixture.clock,
            app,
            mailer,
            stack,
            blobs_dir,
            server,
        }
    }
}

/// The signing and field-encryption keys the test stack runs with (test-only values).
pub fn test_secrets() -> SecretBundle {
    SecretBundle::from_json(
        r#"{
            "jwt_signing_keys": [{"kid": "test-1", "secret": "test-signing-key-0123456789abcdef-0123"}],
            "field_encryption_keys": [{"kid": "test-f1", "secret": "test-field-key-0123456789abcdef-01234"}],
            "rate_limit_key": "test-rate-limit-key-0123456789abcdef-012"
        }"#,
    )
    .expect("test secrets parse")
}

/// A fresh embedded store whose writes to the intel table are throttled while the returned
/// flag is set (see [`intel_throttled_while`]).
pub async fn intel_throttled() -> (Fixture, Arc<std::sync::atomic::AtomicBool>) {
    let fixture = rampart_store::testing::embedded().await;
    let throttled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store = intel_throttled_while(fixture.store, fixture.clock, throttled.clone());
    (store, throttled)
}

/// An embedded store on `clock` whose writes to the intel table (where test runs and PR
/// records are kept) are throttled while `throttled` is set: a dependency a test can fail.
pub fn intel_throttled_while(
    inner: SharedStore,
    clock: Arc<ManualClock>,
    throttled: Arc<std::sync::atomic::AtomicBool>,
) -> Fixture {
    use rampart_store::testing::{Faulty, WriteAttempt};
    use rampart_store::{Table, TxOp};
    let touches_intel = |attempt: &WriteAttempt<'_>| match attempt {
        WriteAttempt::Put(table, _) => *table == Table::Intel,
        WriteAttempt::Transact(ops) => ops.iter().any(|op| match op {
            TxOp::Put { table, .. }
            | TxOp::Update { table, .. }
            | TxOp::Delete { table, .. }
            | TxOp::Check { table, .. } => *table == Table::Intel,
        }),
    };
    let store = Arc::new(Faulty {
        inner,
        fault: Box::new(move |attempt| {
            (throttled.load(std::sync::atomic::Ordering::SeqCst) && touches_intel(attempt))
                .then(|| rampart_store::StoreError::Unavailable("throttled".into()))
        }),
    });
    Fixture { store, clock }
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
    async fn authenticate(&self, parts: &Parts) -> Result<Option<Authenticated>, ApiError> {
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
            return Ok(Some(
                Principal {
                    id: format!("user-{role}"),
                    role: Some(role),
                    grants: Vec::new(),
                    email_verified: verified,
                    kind: PrincipalKind::Bearer,
                    session_id: None,
                    ceiling: None,
                }
                .into(),
            ));
        }
        if let Some(permission) = token.strip_prefix("test-key:") {
            let permission =
                Permission::parse(permission).map_err(|_| ApiError::Unauthenticated)?;
            return Ok(Some(
                Principal {
                    id: "key-1".into(),
                    role: None,
                    grants: vec![permission],
                    email_verified: true,
                    kind: PrincipalKind::ApiKey,
                    session_id: None,
                    ceiling: None,
                }
                .into(),
            ));
        }
        Err(ApiError::Unauthenticated)
    }
}

/// A browser-like client for the auth tests: it keeps cookies (by name, honouring `Path` and
/// `Max-Age=0`) and, like a single-page app, echoes the `XSRF-TOKEN` cookie in
/// `X-CSRF-Token` on writes unless told not to.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    jar: std::sync::Mutex<std::collections::BTreeMap<String, (String, String)>>,
    /// Whether writes carry the CSRF header.
    pub send_csrf: bool,
}

impl Browser {
    /// A browser with no cookies, talking to `app`.
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.url.clone(),
            client: reqwest::Client::new(),
            jar: std::sync::Mutex::new(Default::default()),
            send_csrf: true,
        }
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).map(|(v, _)| v.clone())
    }

    /// Sets a cookie by hand (as a cross-site page or a tampering user would).
    pub fn set_cookie(&self, name: &str, value: &str, path: &str) {
        self.jar
            .lock()
            .unwrap()
            .insert(name.to_owned(), (value.to_owned(), path.to_owned()));
    }

    /// Sends a request with the cookies that match `path`, and keeps what comes back.
    pub async fn send(
        &self,
        method: http::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        self.send_with(method, path, body, &[]).await
    }

    /// [`Browser::send`] with extra request headers (`Idempotency-Key`, `If-Match`, ...).
    pub async fn send_with(
        &self,
        method: http::Method,
        path: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let cookie_header: Vec<String> = self
            .jar
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, (_, p))| path.starts_with(p.as_str()))
            .map(|(n, (v, _))| format!("{n}={v}"))
            .collect();
        let is_write = !matches!(method, http::Method::GET | http::Method::HEAD);
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("user-agent", "rampart-tests/1.0");
        if !cookie_header.is_empty() {
            req = req.header("cookie", cookie_header.join("; "));
        }
        if is_write
            && self.send_csrf
            && let Some(token) = self.cookie("XSRF-TOKEN")
        {
            req = req.header("x-csrf-token", token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req.send().await.expect("request sent");
        self.remember(&response);
        response
    }

    /// Creates an API key named `name` holding `permissions` (this browser must be an
    /// admin's) and returns the key itself (`rk_...`).
    pub async fn api_key(&self, name: &str, permissions: &[&str]) -> String {
        let created: serde_json::Value = self
            .send(
                http::Method::POST,
                "/api/v1/admin/api-keys",
                Some(serde_json::json!({ "name": name, "permissions": permissions })),
            )
            .await
            .json()
            .await
            .expect("the created key");
        created["key"].as_str().expect("a key").to_owned()
    }

    /// Sends a bodiless request and returns only its status.
    pub async fn status(&self, method: http::Method, path: &str) -> u16 {
        self.send(method, path, None).await.status().as_u16()
    }

    fn remember(&self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let mut parts = text.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let mut path = "/".to_owned();
            let mut cleared = false;
            for attribute in parts {
                if let Some(p) = attribute.strip_prefix("Path=") {
                    path = p.to_owned();
                }
                if attribute == "Max-Age=0" {
                    cleared = true;
                }
            }
            let mut jar = self.jar.lock().unwrap();
            if cleared {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), (value.to_owned(), path));
            }
        }
    }
}

/// A password the strength check accepts.
pub const GOOD_PASSWORD: &str = "violet kettle under 42 lanterns";

impl TestApp {
    /// Runs the mail worker over every mail request queued so far, as EventBridge would;
    /// returns how many it took.
    pub async fn deliver_mail(&self) -> usize {
        self.stack.deliver_mail().await
    }

    /// The last mail of `kind` to `to`, once what is queued has been delivered.
    pub async fn mail(&self, kind: rampart_auth::MailKind, to: &str) -> Option<rampart_auth::Mail> {
        self.deliver_mail().await;
        self.mailer.last(kind, to)
    }

    /// The token of the last verification mail to `email`, once queued mail is delivered.
    pub async fn verification_token(&self, email: &str) -> Option<String> {
        self.mail(rampart_auth::MailKind::VerifyEmail, email)
            .await
            .and_then(|m| m.token.map(|t| t.expose().clone()))
    }

    /// Registers and verifies `email` with [`GOOD_PASSWORD`]; returns the user id.
    pub async fn verified_user(&self, email: &str) -> String {
        let registered: serde_json::Value = self
            .client
            .post(self.at("/api/v1/auth/register"))
            .json(&serde_json::json!({"email": email, "password": GOOD_PASSWORD}))
            .send()
            .await
            .expect("register")
            .json()
            .await
            .expect("register body");
        let token = self
            .verification_token(email)
            .await
            .expect("verification mail");
        let verified = self
            .client
            .post(self.at("/api/v1/auth/verify-email"))
            // With the password, which the account keeps (the link alone proves only the address).
            .json(&serde_json::json!({ "token": token, "password": GOOD_PASSWORD }))
            .send()
            .await
            .expect("verify");
        assert_eq!(verified.status(), 200);
        registered["user"]["id"]
            .as_str()
            .expect("user id")
            .to_owned()
    }

    /// Gives an existing user `role` (`viewer`, `reviewer`, `admin`), as an admin would.
    pub async fn set_role(&self, user_id: &str, role: &str) {
        let role: rampart_rbac::Role = role.parse().expect("a role");
        self.app
            .state()
            .auth
            .users()
            .set_role(user_id, role, rampart_auth::users::UNCHECKED)
            .await
            .expect("the role changes");
    }

    /// The audit records of `event`, oldest first (the audit table's event index).
    pub async fn audited(&self, event: &str) -> Vec<rampart_store::Item> {
        self.store
            .query(&rampart_store::Query::index(
                rampart_store::Table::Audit,
                rampart_store::Index::Gsi1,
                rampart_store::keys::audit::by_event(event),
            ))
            .await
            .unwrap()
            .items
    }

    /// Makes an existing user an admin.
    pub async fn promote_to_admin(&self, user_id: &str) {
        self.set_role(user_id, "admin").await;
    }

    /// A browser signed in as a verified user `email`.
    pub async fn signed_in(&self, email: &str) -> (Browser, String) {
        let id = self.verified_user(email).await;
        (self.new_session(email).await, id)
    }

    /// A new browser with a new session of the existing account `email` ([`GOOD_PASSWORD`]).
    pub async fn new_session(&self, email: &str) -> Browser {
        let browser = Browser::new(self);
        let response = browser
            .send(
                http::Method::POST,
                "/api/v1/auth/login",
                Some(serde_json::json!({"email": email, "password": GOOD_PASSWORD})),
            )
            .await;
        assert_eq!(response.status(), 200);
        browser
    }
}

/// A helper process that prints `listening <port>` when ready and then one line per event;
/// it is killed when dropped.
pub struct ChildServer {
    child: std::process::Child,
    _stdin: std::process::ChildStdin,
    pub port: u16,
    /// The lines it printed after the first.
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ChildServer {
    /// Starts `program` with `args` and waits for its `listening <port>` line.
    pub fn start(program: &str, args: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        let port = first
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected output from {program}: {first}"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Self {
            child,
            _stdin: stdin,
            port,
            lines: rx,
        }
    }
}

/// A test tool's path from the environment `scripts/test.sh` sets; fails (never skips)
/// without it.
pub fn test_tool(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set; run the tests with scripts/test.sh, which installs the test tools"
        )
    })
}

/// A real SMTP server (aiosmtpd from the test venv, `scripts/smtp_sink.py`) on a free
/// loopback port, accepting one user.
pub struct SmtpSink(ChildServer);

impl SmtpSink {
    /// Starts the server.
    pub fn start(user: &str, password: &str) -> Self {
        let python = test_tool("RAMPART_TEST_PYTHON");
        let script = test_tool("RAMPART_TEST_SMTP_SINK");
        Self(ChildServer::start(&python, &[&script, user, password]))
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// The next message received, waiting up to 10 s.
    pub fn next(&self) -> Option<serde_json::Value> {
        let line = self
            .0
            .lines
            .recv_timeout(std::time::Duration::from_secs(10))
            .ok()?;
        serde_json::from_str(&line).ok()
    }

    /// Whether a message arrived (without waiting).
    pub fn received_any(&self) -> bool {
        self.0.lines.try_recv().is_ok()
    }
}

/// Undoes quoted-printable (soft line breaks and `=XX` escapes), as a mail reader would.
pub fn quoted_printable_decode(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A log sink for tests: everything a subscriber writes, kept in memory.
#[derive(Clone, Default)]
pub struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Keeps a message payload a test captured for the docs' rendered embeds: written to
/// `$RAMPART_EMBEDS_DIR/<name>.json` when that variable is set (`scripts/render-embeds.sh`),
/// otherwise nothing.
pub fn keep_payload(name: &str, payload: &serde_json::Value) {
    if let Some(dir) = std::env::var_os("RAMPART_EMBEDS_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("the embeds folder");
        let text = serde_json::to_string_pretty(payload).expect("JSON");
        std::fs::write(dir.join(format!("{name}.json")), text + "\n").expect("the payload");
    }
}

/// A hook a test runs inside a blob operation, given the operation's source key.
pub type BlobHook = Box<
    dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync,
>;

/// A blob store that runs a test's hook just before each copy (to change the source under the
/// copy, or to hold two copies at once), can refuse every deletion (as a bucket policy denying
/// `DeleteObject` would), and is `inner` otherwise.
pub struct HookedBlobs {
    pub inner: Arc<dyn rampart_blob::BlobStore>,
    pub before_copy: BlobHook,
    pub refuse_deletes: bool,
}

impl HookedBlobs {
    /// `inner`, with no hook and deletions allowed.
    pub fn over(inner: Arc<dyn rampart_blob::BlobStore>) -> Self {
        Self {
            inner,
            before_copy: Box::new(|_| Box::pin(async {})),
            refuse_deletes: false,
        }
    }

    fn deletable(&self) -> Result<(), rampart_blob::BlobError> {
        if self.refuse_deletes {
            Err(rampart_blob::BlobError::Unavailable("access denied".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl rampart_blob::BlobStore for HookedBlobs {
    async fn put(
        &self,
        key: &str,
        body: bytes::Bytes,
        content_type: &str,
    ) -> Result<(), rampart_blob::BlobError> {
        self.inner.put(key, body, content_type).await
    }

    async fn head(
        &self,
        key: &str,
    ) -> Result<Option<rampart_blob::BlobMeta>, rampart_blob::BlobError> {
        self.inner.head(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), rampart_blob::BlobError> {
        self.deletable()?;
        self.inner.delete(key).await
    }

    async fn presign_get(&self, key: &str, secs: u64) -> Result<String, rampart_blob::BlobError> {
        self.inner.presign_get(key, secs).await
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        secs: u64,
    ) -> Result<rampart_blob::PresignedPut, rampart_blob::BlobError> {
        self.inner.presign_put(key, content_type, size, secs).await
    }

    async fn first_bytes(
        &self,
        key: &str,
        n: usize,
    ) -> Result<Option<bytes::Bytes>, rampart_blob::BlobError> {
        self.inner.first_bytes(key, n).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), rampart_blob::BlobError> {
        (self.before_copy)(from.to_owned()).await;
        self.inner.copy(from, to).await
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<usize, rampart_blob::BlobError> {
        self.deletable()?;
        self.inner.delete_prefix(prefix).await
    }
}
