//! Tests of the composition root: what each function builds, and what stops its start.
use bytes::Bytes;
use rampart_core::ManualClock;
use rampart_store::{Key, Table};

use super::*;
use crate::routes::routes;
use crate::state::HandlerFuture;
use crate::{RequestContext, response};

fn adapters() -> Adapters {
    Adapters::in_memory(Arc::new(ManualClock::at_ms(1_795_338_000_000))).with_ports(Ports::ALL)
}

fn function(config: &Config, name: &str) -> Result<App, StartError> {
    build_function(config, &adapters(), routes(), name)
}

#[test]
fn health_builds_no_discord_bot_blob_store_or_mailer() {
    let app = function(&Config::local(), "health").unwrap();
    let state = app.function_state("health");
    assert!(state.discord.is_none());
    assert!(state.blobs.is_none());
    assert!(
        !state
            .auth
            .oauth_configured(rampart_auth::oauth::Provider::GitHub)
    );
}

#[test]
fn the_webhook_gets_the_discord_parts_and_a_rest_client_only_with_a_bot_token() {
    let config = Config::local();
    let app = function(&config, "discord-interactions").unwrap();
    let discord = app.function_state("discord-interactions").discord.as_ref();
    assert!(discord.is_some_and(|d| d.api.is_none()));
    let mut with_token = adapters();
    with_token.secrets =
        Arc::new(SecretBundle::from_json(r#"{"discord_bot_token":"bot-1"}"#).unwrap());
    let app = build_function(&config, &with_token, routes(), "discord-interactions").unwrap();
    let discord = app.function_state("discord-interactions").discord.as_ref();
    assert!(discord.is_some_and(|d| d.api.is_some()));
}

#[test]
fn bad_settings_stop_the_start_naming_their_variable() {
    let mut config = Config::local();
    config.pr_intel_sensitive_paths = Some(vec!["[".to_owned()]);
    let error = function(&config, "internal-pr-intel-ingest")
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("PR_INTEL_SENSITIVE_PATHS"), "{error}");
    // Only the function that scores PRs compiles the globs.
    assert!(function(&config, "health").is_ok());

    let mut config = Config::local();
    config.rate_limit_overrides = Some(r#"{"writes": {"max": 1}}"#.into());
    let error = function(&config, "health").err().unwrap().to_string();
    assert!(error.starts_with("RATE_LIMIT_OVERRIDES"), "{error}");

    let mut config = Config::local();
    config.discord_public_key = Some("ab".repeat(31));
    let error = function(&config, "discord-interactions")
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("DISCORD_PUBLIC_KEY"), "{error}");

    let mut smtp = adapters();
    smtp.secrets =
        Arc::new(SecretBundle::from_json(r#"{"smtp_url":"smtp://127.0.0.1:2525"}"#).unwrap());
    let error = mail_worker(&Config::local(), &smtp)
        .err()
        .unwrap()
        .to_string();
    assert!(error.starts_with("MAIL_FROM"), "{error}");
    // The functions only queue mail: none of them needs MAIL_FROM.
    smtp.events = Some(Arc::new(rampart_core::events::LocalBus::new()));
    assert!(build_function(&Config::local(), &smtp, routes(), "auth-register").is_ok());
    assert!(build_function(&Config::local(), &smtp, routes(), "health").is_ok());
}

#[test]
fn a_function_built_without_a_port_its_route_uses_does_not_start() {
    let bare = Adapters {
        events: None,
        ..adapters().with_ports(Ports::NONE)
    };
    for (function, port) in [
        ("auth-register", "mail"),
        ("discord-interactions", "Discord"),
        ("auth-oauth-start", "OAuth"),
        ("internal-pr-intel-ingest", "PR risk"),
    ] {
        let error = build_function(&Config::local(), &bare, routes(), function)
            .err()
            .unwrap_or_else(|| panic!("{function} started without its {port} port"))
            .to_string();
        assert!(
            error.starts_with(&format!("function {function} ")),
            "{error}"
        );
    }
    // What each function is given is exactly what its route declares.
    let given = |ports: Ports| Adapters {
        events: Some(Arc::new(rampart_core::events::LocalBus::new())),
        ..adapters().with_ports(ports)
    };
    for (function, ports) in [
        ("auth-register", Ports::NONE),
        ("discord-interactions", Ports::NONE.with_discord()),
        ("auth-oauth-start", Ports::NONE.with_oauth()),
        ("internal-pr-intel-ingest", Ports::NONE.with_pr_risk()),
        ("health", Ports::NONE),
    ] {
        build_function(&Config::local(), &given(ports), routes(), function)
            .unwrap_or_else(|e| panic!("{function}: {e}"));
    }
}

#[test]
fn a_function_that_uses_blobs_needs_a_blob_store() {
    let error = function(&Config::local(), "account-export-get")
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("BLOB_BUCKET"), "{error}");
}

fn reads_content<'a>(
    state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: http::Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        state.store.get(Table::Content, &Key::new("a", "b")).await?;
        Ok(response::json(http::StatusCode::OK, &serde_json::json!({})))
    })
}

async fn status(tables: &'static [TableAccess]) -> u16 {
    let route = Route {
        tables,
        ..Route::new(
            http::Method::GET,
            "/probe",
            "probe",
            "reads the content table.",
            reads_content,
        )
    };
    let app = build_app(&Config::local(), &adapters(), vec![route]).unwrap();
    let req = http::Request::get("/probe").body(Bytes::new()).unwrap();
    app.handle(req).await.status().as_u16()
}

#[tokio::test]
async fn a_handler_touching_a_table_its_route_does_not_declare_fails() {
    assert_eq!(status(&[]).await, 500);
    assert_eq!(status(&[TableAccess::Read(Table::Health)]).await, 500);
    assert_eq!(status(&[TableAccess::Read(Table::Content)]).await, 200);
}

/// CloudWatch answering 10 requests for any API and 4 errors for one function; the queries
/// it was asked are kept.
#[derive(Default)]
struct Metrics {
    asked: std::sync::Mutex<Vec<rampart_discord::cloudwatch::MetricQuery>>,
}

#[async_trait::async_trait]
impl rampart_discord::cloudwatch::MetricsApi for Metrics {
    async fn metric_data(
        &self,
        queries: &[rampart_discord::cloudwatch::MetricQuery],
        _: i64,
        _: i64,
        _: i32,
    ) -> Result<std::collections::HashMap<String, Vec<f64>>, String> {
        self.asked.lock().unwrap().extend_from_slice(queries);
        let failing = deployed_function_name(rampart_core::metrics::stack(), "projects-create");
        Ok(queries
            .iter()
            .filter_map(|q| match (q.metric, q.dimensions[0].1.as_str()) {
                ("Count", _) => Some((q.id.clone(), vec![10.0])),
                ("Errors", name) if name == failing => Some((q.id.clone(), vec![4.0])),
                _ => None,
            })
            .collect())
    }
}

#[tokio::test]
async fn on_aws_the_digest_reads_the_api_and_every_route_function_from_cloudwatch() {
    let prober = Arc::new(rampart_discord::daily::HttpProber::new().unwrap());
    let metrics = Arc::new(Metrics::default());
    // Without the API's id there is nothing to read: the start says which variable.
    match health_snapshot(
        &Config::local(),
        &adapters(),
        prober.clone(),
        None,
        Some(metrics.clone()),
    ) {
        Err(StartError::Setting { variable, .. }) => assert_eq!(variable, "HTTP_API_ID"),
        other => panic!("{:?}", other.map(|_| ())),
    }
    let mut config = Config::local();
    config.health_probes.api_id = Some("a1b2c3".into());
    let job = health_snapshot(&config, &adapters(), prober, None, Some(metrics.clone())).unwrap();
    let traffic = job
        .traffic
        .expect("a traffic source")
        .traffic(0, 86_400_000)
        .await
        .unwrap();
    assert_eq!(traffic.requests, 10);
    assert_eq!(traffic.worst_route.as_deref(), Some("projects-create"));
    // Every function of the route table, under the name the template gives it.
    let asked = metrics.asked.lock().unwrap();
    let mut functions: Vec<&str> = routes().iter().map(|r| r.function).collect();
    functions.sort_unstable();
    functions.dedup();
    for function in functions {
        let name = deployed_function_name(rampart_core::metrics::stack(), function);
        assert!(
            asked.iter().any(|q| q.dimensions[0].1 == name),
            "{function} is not read"
        );
    }
}
