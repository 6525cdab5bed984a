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
