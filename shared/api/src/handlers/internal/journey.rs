//! `POST /internal/journey/run {base_url?}` (contract section 5): a synthetic user's journey
//! through the public API over HTTP, register → verify → login → create profile → upload media →
//! search → export → logout, each step timed; `{passed, steps, total_ms, cleaned_up}`.
//!
//! Safe against production: the user is `journey-<id>@journey.rampart.invalid` (a domain that
//! can receive no mail, to which the mail worker sends nothing; the journey takes its
//! verification token directly), and it is deleted afterwards, over the API (sign in again,
//! `DELETE /api/v1/account`) or, when that fails, in process, even when a step failed. The
//! target must be the deployment's own `PUBLIC_BASE_URL` (or, in the local stage, a loopback
//! address): the route is no way to make the service call arbitrary hosts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{ApiError, Config, FieldError, Stage};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::context::RequestContext;
use crate::extract;
use crate::handlers::account::{ExportFiles, purge};
use crate::handlers::auth::Accounts;
use crate::response;
use crate::state::HandlerFuture;

/// Each request's timeout.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

mod client;
use client::{Client, Failed};

/// The smallest valid PNG (1 × 1, transparent): the media step's upload.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The request.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// The API's origin; default `PUBLIC_BASE_URL` (in the local stage, this server).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// One step.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Step {
    pub name: &'static str,
    pub ok: bool,
    /// The HTTP status of the step's last request (0 when none answered).
    pub status: u16,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The journey's report.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(rename = "JourneyReport")]
pub struct Report {
    /// Every step passed.
    pub passed: bool,
    /// The steps run, in order; the journey stops at the first that fails.
    pub steps: Vec<Step>,
    pub total_ms: u64,
    /// Whether the journey's user is gone.
    pub cleaned_up: bool,
}

/// Whether `base` is a plain loopback origin, `http://<127.0.0.1|localhost|[::1]>:<port>`,
/// read as a URL parser reads it: no user information (`http://127.0.0.1:1@evil.example` is
/// the host `evil.example`), no path, query or fragment.
fn is_loopback_origin(base: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base) else {
        return false;
    };
    url.scheme() == "http"
        && url.username().is_empty()
        && url.password().is_none()
        && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        && url.port().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
}

/// The target, checked: `PUBLIC_BASE_URL`, or loopback in the local stage.
fn target(config: &Config, asked: Option<String>, host: Option<&str>) -> Result<String, ApiError> {
    let public = config.public_base_url.clone();
    let local = config.stage == Stage::Local;
    let base = match asked {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => match (&public, local, host) {
            (Some(p), _, _) => p.clone(),
            (None, true, Some(host)) => format!("http://{host}"),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "base_url",
                    "required: PUBLIC_BASE_URL is not set",
                )]));
            }
        },
    };
    if public.as_deref() == Some(base.as_str()) || (local && is_loopback_origin(&base)) {
        Ok(base)
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            "base_url",
            "must be this deployment's PUBLIC_BASE_URL (or, locally, a loopback address)",
        )]))
    }
}

/// Runs the journey.
pub fn post<'a>(
    accounts: Accounts<'a>,
    files: ExportFiles<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = match ctx.json {
            None => Body::default(),
            Some(_) => extract::body(ctx)?,
        };
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok());
        let base = target(accounts.config, body.base_url, host)?;
        let report = run_against(accounts, files, base)
            .await
            .map_err(ApiError::internal)?;
        tracing::info!(
            passed = report.passed,
            total_ms = report.total_ms,
            cleaned_up = report.cleaned_up,
            "synthetic journey finished"
        );
        Ok(response::json(StatusCode::OK, &report))
    })
}

/// Runs the journey against `base` (already checked: the route's target, or the release
/// worker's configured environment).
pub(crate) async fn run_against(
    accounts: Accounts<'_>,
    files: ExportFiles<'_>,
    base: String,
) -> Result<Report, reqwest::Error> {
    let http = rampart_core::web::client_builder()
        .timeout(STEP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let client = Client {
        http,
        base,
        cookies: BTreeMap::new(),
    };
    Ok(run(accounts, files, client).await)
}

async fn run(accounts: Accounts<'_>, files: ExportFiles<'_>, mut client: Client) -> Report {
    let started = Instant::now();
    let id = rampart_core::ids::new_id().to_lowercase();
    let email = format!("journey-{id}@{}", rampart_auth::JOURNEY_DOMAIN);
    let mut secret = [0u8; 24];
    let password = match getrandom_password(&mut secret) {
        Some(p) => p,
        None => {
            return Report {
                passed: false,
                steps: Vec::new(),
                total_ms: 0,
                cleaned_up: true,
            };
        }
    };
    let credentials = json!({"email": email, "password": password});
    let mut steps: Vec<Step> = Vec::new();
    let mut user_id: Option<String> = None;
    for name in [
        "register",
        "verify",
        "login",
        "create profile",
        "upload media",
        "search",
        "export",
        "logout",
    ] {
        let step_started = Instant::now();
        use http::Method as M;
        let outcome: Result<u16, Failed> = match name {
            "register" => client
                .call(M::POST, "/api/v1/auth/register", Some(credentials.clone()), &[201])
                .await
                .map(|(status, body)| {
                    user_id = body["user"]["id"].as_str().map(str::to_owned);
                    status
                }),
            "verify" => match &user_id {
                None => Err(Failed {
                    status: 0,
                    error: "registration named no user".into(),
                }),
                Some(user) => match accounts.auth.journey_verification_token(user).await {
                    Err(e) => Err(Failed {
                        status: 0,
                        error: format!("no verification token: {e}"),
                    }),
                    Ok(token) => client
                        .call(
                            M::POST,
                            "/api/v1/auth/verify-email",
                            Some(json!({"token": token, "password": password})),
                            &[200],
                        )
                        .await
                        .map(|(s, _)| s),
                },
            },
            "login" => client
                .call(M::POST, "/api/v1/auth/login", Some(credentials.clone()), &[200])
                .await
                .map(|(s, _)| s),
            "create profile" => client
                .call(
                    M::PUT,
                    "/api/v1/profile",
                    Some(json!({"display_name": "Synthetic journey", "bio": "Checks the service, then deletes itself."})),
                    &[200],
                )
                .await
                .map(|(s, _)| s),
            "upload media" => {
                let signed = client
                    .call(
                        M::POST,
                        "/api/v1/media",
                        Some(json!({"filename": "pixel.png", "content_type": "image/png", "size": PIXEL_PNG.len()})),
                        &[201],
                    )
                    .await;
                match signed {
                    Err(f) => Err(f),
                    Ok((_, upload)) => {
                        let media_id = upload["media_id"].as_str().unwrap_or_default();
                        let url = upload["upload_url"].as_str().unwrap_or_default();
                        match client.upload(url, &upload["upload_headers"]).await {
                            Err(f) => Err(f),
                            Ok(_) => client
                                .call(M::POST, &format!("/api/v1/media/{media_id}/complete"), None, &[200])
                                .await
                                .map(|(s, _)| s),
                        }
                    }
                }
            }
            "search" => client
                .call(M::GET, "/api/v1/search?q=journey", None, &[200])
                .await
                .map(|(s, _)| s),
            "export" => client
                .call(M::POST, "/api/v1/account/export", None, &[200, 201, 202])
                .await
                .map(|(s, _)| s),
            _ => client
                .call(M::POST, "/api/v1/auth/logout", None, &[204])
                .await
                .map(|(s, _)| s),
        };
        let duration_ms = step_started.elapsed().as_millis() as u64;
        let (ok, status, error) = match outcome {
            Ok(status) => (true, status, None),
            Err(f) => (false, f.status, Some(f.error)),
        };
        steps.push(Step {
            name,
            ok,
            status,
            duration_ms,
            error,
        });
        if !ok {
            break;
        }
    }
    let cleaned_up = if user_id.is_some() {
        clean_up(accounts, files, &mut client, &credentials, &email).await
    } else {
        // Nothing was registered, so nothing is left behind.
        true
    };
    Report {
        passed: steps.len() == 8 && steps.iter().all(|s| s.ok),
        steps,
        total_ms: started.elapsed().as_millis() as u64,
        cleaned_up,
    }
}

/// A random password for the journey's user.
fn getrandom_password(buffer: &mut [u8; 24]) -> Option<String> {
    getrandom::fill(buffer).ok()?;
    Some(hex::encode(buffer))
}

/// Deletes the journey's user, which was registered: over the API when it can sign in, else
/// in process when it is in this deployment's store; `false` when it is left behind.
async fn clean_up(
    accounts: Accounts<'_>,
    files: ExportFiles<'_>,
    client: &mut Client,
    credentials: &Value,
    email: &str,
) -> bool {
    let over_api = async {
        client
            .call(
                http::Method::POST,
                "/api/v1/auth/login",
                Some(credentials.clone()),
                &[200],
            )
            .await?;
        client
            .call(
                http::Method::DELETE,
                "/api/v1/account",
                Some(json!({"password": credentials["password"]})),
                &[204],
            )
            .await
    };
    if over_api.await.is_ok() {
        return true;
    }
    let Ok(parsed) = rampart_auth::Email::parse(email) else {
        return false;
    };
    match accounts.auth.users().find_by_email(&parsed).await {
        // Registered, not deleted over the API, and not in this deployment's store: the user
        // lives where the journey ran (another environment) and is still there.
        Ok(None) => {
            tracing::error!("the journey's user could not be deleted where it was registered");
            false
        }
        Ok(Some(user)) => match purge(accounts, files, &user).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error.chain(), "the journey's user could not be deleted");
                false
            }
        },
        Err(error) => {
            tracing::error!(%error, "the journey's user could not be looked up");
            false
        }
    }
}

#[cfg(test)]
mod tests;
