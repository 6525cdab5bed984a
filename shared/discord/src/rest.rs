//! The `DiscordApi` port and its REST adapter: edit an interaction's original response, send
//! follow-ups, post to a channel, register commands. The adapter honours 429s (`retry_after`
//! in the body, or `Retry-After`) and the per-route bucket headers (`X-RateLimit-Remaining` /
//! `X-RateLimit-Reset-After`), waiting through an injected [`Sleeper`] so tests never sleep.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rampart_core::{Masked, SharedClock};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Discord's API root.
pub const DEFAULT_BASE_URL: &str = "https://discord.com/api/v10";
/// How many times one call is retried after 429s.
const MAX_RETRIES: u32 = 3;
/// The longest 429 wait we accept inside a request; longer ones fail the call.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Why a Discord call failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("Discord answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("Discord rate limit persisted after {MAX_RETRIES} retries")]
    RateLimited,
    #[error("Discord asked us to wait {0:?}, longer than we hold a request")]
    WaitTooLong(Duration),
    #[error("Discord unreachable: {0}")]
    Transport(String),
    #[error("no bot token configured")]
    NoBotToken,
}

/// What the bot asks of Discord.
#[async_trait]
pub trait DiscordApi: Send + Sync {
    /// `PATCH /webhooks/{application}/{token}/messages/@original`
    async fn edit_original(
        &self,
        application_id: &str,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError>;
    /// `POST /webhooks/{application}/{token}`
    async fn follow_up(
        &self,
        application_id: &str,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError>;
    /// `POST /channels/{channel}/messages` (bot token)
    async fn post_message(&self, channel_id: &str, body: &Value) -> Result<(), RestError>;
    /// `PUT /applications/{application}/commands`, or the guild variant for fast iteration.
    async fn put_commands(
        &self,
        application_id: &str,
        guild_id: Option<&str>,
        body: &Value,
    ) -> Result<(), RestError>;
}

/// Waits; tests record instead.
#[async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, duration: Duration);
}

/// Waits on tokio's timer.
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// The REST adapter.
pub struct RestClient {
    http: reqwest::Client,
    base_url: String,
    bot_token: Option<Masked<String>>,
    sleeper: Arc<dyn Sleeper>,
    clock: SharedClock,
    /// Route -> epoch ms when its bucket refills, for buckets reported empty.
    buckets: Mutex<HashMap<String, i64>>,
}

impl RestClient {
    /// A client for `base_url` (Discord's, or a double's).
    pub fn new(
        base_url: impl Into<String>,
        bot_token: Option<Masked<String>>,
        sleeper: Arc<dyn Sleeper>,
        clock: SharedClock,
    ) -> Result<Self, RestError> {
        let http = rampart_core::web::client_builder()
            .user_agent(concat!(
                "DiscordBot (https://rampart.invalid, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| RestError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            bot_token,
            sleeper,
            clock,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    async fn send(
        &self,
        method: Method,
        route: &str,
        path: &str,
        body: &Value,
        bot_auth: bool,
    ) -> Result<(), RestError> {
        if let Some(resume_ms) = self.bucket_resume(route) {
            let wait = Duration::from_millis(
                resume_ms
                    .saturating_sub(self.clock.now_ms())
                    .max(0)
                    .unsigned_abs(),
            );
            if wait > MAX_WAIT {
                return Err(RestError::WaitTooLong(wait));
            }
            if !wait.is_zero() {
                self.sleeper.sleep(wait).await;
            }
        }
        let url = format!("{}{path}", self.base_url);
        for _attempt in 0..=MAX_RETRIES {
            let mut request = self.http.request(method.clone(), &url).json(body);
            if bot_auth {
                let token = self.bot_token.as_ref().ok_or(RestError::NoBotToken)?;
                request = request.header("authorization", format!("Bot {}", token.expose()));
            }
            let response = request
                .send()
                .await
                .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
            self.note_bucket(route, response.headers());
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let header_wait = header_secs(response.headers(), "retry-after");
                let text = response.text().await.unwrap_or_default();
                let body_wait = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("retry_after").and_then(Value::as_f64));
                let secs = body_wait.or(header_wait).unwrap_or(1.0).max(0.0);
                // Compared before converting: a huge or odd `retry_after` is refused, never
                // a panic or a sleep past the function's timeout.
                let wait = match Duration::try_from_secs_f64(secs) {
                    Ok(wait) if wait <= MAX_WAIT => wait,
                    Ok(wait) => return Err(RestError::WaitTooLong(wait)),
                    Err(_) => return Err(RestError::WaitTooLong(Duration::MAX)),
                };
                tracing::warn!(
                    route,
                    wait_ms = wait.as_millis() as u64,
                    "discord rate limited"
                );
                self.sleeper.sleep(wait).await;
                continue;
            }
            if status.is_success() {
                return Ok(());
            }
            let text = response.text().await.unwrap_or_default();
            return Err(RestError::Status {
                status: status.as_u16(),
                body: text.chars().take(500).collect(),
            });
        }
        Err(RestError::RateLimited)
    }

    fn bucket_resume(&self, route: &str) -> Option<i64> {
        self.buckets.lock().ok()?.get(route).copied()
    }

    fn note_bucket(&self, route: &str, headers: &reqwest::header::HeaderMap) {
        let remaining = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        match (remaining, header_secs(headers, "x-ratelimit-reset-after")) {
            (Some(0), Some(after)) => {
                // `as` saturates; the sum too, so a hostile header cannot overflow.
                let after_ms = (after.max(0.0) * 1000.0) as i64;
                buckets.insert(
                    route.to_owned(),
                    self.clock.now_ms().saturating_add(after_ms),
                );
            }
            (Some(_), _) => {
                buckets.remove(route);
            }
            _ => {}
        }
    }
}

/// A webhook route's bucket name. Discord keys webhook rate limits by the webhook (its token
/// is the major parameter), so each interaction token gets its own bucket; the name carries a
/// digest of the token, never the token, since bucket names reach the logs.
fn webhook_route(kind: &str, token: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{kind}:{}",
        hex::encode(&Sha256::digest(token.as_bytes())[..6])
    )
}

fn header_secs(headers: &reqwest::header::HeaderMap, name: &str) -> Option<f64> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
}

#[async_trait]
impl DiscordApi for RestClient {
    async fn edit_original(
        &self,
        application_id: &str,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError> {
        let path = format!("/webhooks/{application_id}/{token}/messages/@original");
        let route = webhook_route("webhook-original", token);
        self.send(Method::PATCH, &route, &path, body, false).await
    }

    async fn follow_up(
        &self,
        application_id: &str,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError> {
        let path = format!("/webhooks/{application_id}/{token}");
        let route = webhook_route("webhook-follow-up", token);
        self.send(Method::POST, &route, &path, body, false).await
    }

    async fn post_message(&self, channel_id: &str, body: &Value) -> Result<(), RestError> {
        let path = format!("/channels/{channel_id}/messages");
        self.send(
            Method::POST,
            &format!("channel-messages:{channel_id}"),
            &path,
            body,
            true,
        )
        .await
    }

    async fn put_commands(
        &self,
        application_id: &str,
        guild_id: Option<&str>,
        body: &Value,
    ) -> Result<(), RestError> {
        let path = match guild_id {
            Some(guild) => format!("/applications/{application_id}/guilds/{guild}/commands"),
            None => format!("/applications/{application_id}/commands"),
        };
        self.send(Method::PUT, "commands", &path, body, true).await
    }
}
