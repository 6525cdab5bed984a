//! A function's app, built at cold start, and what it answers while it cannot be built.
//!
//! A new stage, a secret being rotated by hand or a throttled `GetSecretValue` can leave a
//! cold start unable to finish. Crashing then would make API Gateway answer bare 500s and
//! Lambda retry the whole init on every request. Instead the function fails closed: every
//! request gets `503 service_unavailable` (a problem document with the request id, the
//! security headers and `Retry-After`), the cause is logged once per attempt, and the build
//! is tried again at most every [`RETRY_EVERY`]. Nothing is served that needed what failed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rampart_api::response::UNAVAILABLE_RETRY_SECS;
use rampart_api::state::unavailable_handler;
use rampart_api::{Adapters, App, Route, build_app};
use rampart_core::{Config, SystemClock};
use std::sync::Arc;
use tokio::sync::OnceCell;

use crate::{Deployment, Error, Function, build_with};

/// The shortest wait between two attempts at a failed cold start.
pub const RETRY_EVERY: Duration = Duration::from_secs(UNAVAILABLE_RETRY_SECS);

/// Serves a function's route once its app is built, `503` until then.
pub struct Host {
    config: Config,
    function: Function,
    deployment: Deployment,
    app: OnceCell<App>,
    /// Answers while `app` is empty: the route's method and path, every request a 503.
    unavailable: App,
    next_attempt: Mutex<Instant>,
    /// The start's note of its overrides, while it runs.
    noting: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Host {
    /// Builds the function's app (a failure is logged and leaves the host failing closed).
    /// Fails only if even the 503 answer cannot be put together.
    pub async fn start(
        config: Config,
        function: Function,
        deployment: Deployment,
    ) -> Result<Self, Error> {
        let route = (function.route)();
        let unavailable = Route::new(
            route.method.clone(),
            route.path,
            route.function,
            route.summary,
            unavailable_handler,
        );
        let adapters = Adapters::in_memory(Arc::new(SystemClock));
        let host = Self {
            unavailable: build_app(&config, &adapters, vec![unavailable])?,
            config,
            function,
            deployment,
            app: OnceCell::new(),
            next_attempt: Mutex::new(Instant::now()),
            noting: Mutex::new(None),
        };
        host.attempt().await;
        Ok(host)
    }

    /// Whether the function's own app serves requests.
    pub fn is_ready(&self) -> bool {
        self.app.initialized()
    }

    /// Waits until the start has noted the overrides it started with (see
    /// [`rampart_api::overrides`]); at once when there is nothing (left) to note.
    pub async fn noted(&self) {
        let noting = self.noting.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = noting {
            let _ = task.await;
        }
    }

    /// The function's app, once built.
    pub fn app(&self) -> Option<&App> {
        self.app.get()
    }

    /// Answers `req` with the app, or `503` while the app cannot be built.
    pub async fn handle(&self, req: http::Request<Bytes>) -> http::Response<Bytes> {
        if !self.is_ready() && self.due() {
            self.attempt().await;
        }
        match self.app.get() {
            Some(app) => app.handle(req).await,
            None => self.unavailable.handle(req).await,
        }
    }

    /// Whether the next attempt is due (and, if so, the one after is scheduled).
    fn due(&self) -> bool {
        let mut next = self
            .next_attempt
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if now < *next {
            return false;
        }
        *next = now + RETRY_EVERY;
        true
    }

    async fn attempt(&self) {
        let built = self
            .app
            .get_or_try_init(|| async {
                let (app, noting) =
                    build_with(self.config.clone(), self.function, &self.deployment).await?;
                *self.noting.lock().unwrap_or_else(|p| p.into_inner()) = noting;
                Ok::<_, Error>(app)
            })
            .await;
        if let Err(error) = built {
            tracing::error!(
                %error,
                retry_in_secs = RETRY_EVERY.as_secs(),
                "cold start failed; answering 503 until it succeeds"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret cannot be read (nothing answers at its endpoint): every request is a 503
    /// problem, never a crash or a bare 500, and the host keeps failing closed.
    #[tokio::test]
    async fn a_cold_start_that_cannot_read_the_secret_answers_503_problems() {
        let config = Config::from_lookup(|name| {
            match name {
                "STAGE" => Some("prod"),
                "SECRETS_ARN" => Some("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"),
                "STORE_TIMEOUT_MS" => Some("300"),
                _ => None,
            }
            .map(str::to_owned)
        })
        .unwrap();
        let function = Function::new(rampart_api::routes::sessions::auth_login).secrets();
        // Nothing answers where the secret should be.
        let deployment = Deployment {
            lookup: Arc::new(|_| None),
            aws: rampart_core::aws::AwsSettings {
                max_attempts: Some(1),
                ..rampart_core::aws::AwsSettings::emulator("http://127.0.0.1:9")
            },
        };
        let host = Host::start(config, function, deployment).await.unwrap();
        assert!(!host.is_ready());
        for _ in 0..2 {
            let req = http::Request::builder()
                .method("POST")
                .uri("/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(Bytes::from_static(
                    br#"{"email":"a@example.com","password":"x"}"#,
                ))
                .unwrap();
            let res = host.handle(req).await;
            assert_eq!(res.status(), 503);
            assert_eq!(res.headers()["content-type"], "application/problem+json");
            assert_eq!(res.headers()["retry-after"], "5");
            assert!(res.headers().contains_key("x-request-id"));
            let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
            assert_eq!(body["code"], "service_unavailable");
            assert!(
                !body.to_string().contains("127.0.0.1"),
                "the cause stays in the log: {body}"
            );
        }
    }
}
