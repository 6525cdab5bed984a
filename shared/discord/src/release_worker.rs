//! The release worker: consumes the release requests (EventBridge rule on source
//! `rampart.release`; the local stack's in-process bus), drives the `Deployer`, runs the
//! verification and edits the interaction's original response through the Discord API.
//!
//! EventBridge delivers at least once, so each request is idempotent on the release record: a
//! ship whose decision is already open only edits the message again; a decision already
//! applied is not applied twice. Every log line of a request carries the release id as its
//! `correlation_id`.

use std::sync::Arc;

use rampart_core::SharedClock;
use rampart_core::events::{Event, RELEASE_SOURCE};
use serde_json::json;
use tracing::Instrument;

use crate::release::{
    DEPLOY_CLIENT_REQUESTED, Deployer, PROMOTE_REQUESTED, ROLLBACK_REQUESTED, Release,
    ReleaseRequest, Releases, SHIP_REQUESTED, Status, VERIFY_REQUESTED, Verifier, decision_buttons,
    embed,
};
use crate::reply::{Embed, message_json};
use crate::rest::DiscordApi;

/// Why a request was not handled.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseWorkerError {
    /// Not a release request; trying again will not help.
    #[error("not a release request: {0}")]
    Malformed(String),
    /// Worth trying again (the store or Discord failed).
    #[error("release request not handled: {0}")]
    Retry(String),
}

fn retry(e: impl std::fmt::Display) -> ReleaseWorkerError {
    ReleaseWorkerError::Retry(e.to_string())
}

/// The worker.
pub struct ReleaseWorker {
    pub releases: Releases,
    pub clock: SharedClock,
    pub api: Arc<dyn DiscordApi>,
    pub deployer: Arc<dyn Deployer>,
    pub verifier: Arc<dyn Verifier>,
}

impl ReleaseWorker {
    /// Handles one event from the bus.
    pub async fn handle(&self, event: &Event) -> Result<(), ReleaseWorkerError> {
        if event.source != RELEASE_SOURCE {
            return Err(ReleaseWorkerError::Malformed(format!(
                "source {:?}",
                event.source
            )));
        }
        let request: ReleaseRequest = serde_json::from_value(event.detail.clone())
            .map_err(|e| ReleaseWorkerError::Malformed(e.to_string()))?;
        let span = tracing::info_span!(
            "release",
            correlation_id = %request.release_id,
            request = %event.detail_type,
        );
        async {
            tracing::info!("release request received");
            let done = match event.detail_type.as_str() {
                SHIP_REQUESTED => self.ship(&request).await,
                VERIFY_REQUESTED => self.verify_run(&request).await,
                PROMOTE_REQUESTED => self.decide(&request, true).await,
                ROLLBACK_REQUESTED => self.decide(&request, false).await,
                DEPLOY_CLIENT_REQUESTED => self.deploy_client(&request).await,
                other => Err(ReleaseWorkerError::Malformed(format!(
                    "detail type {other:?}"
                ))),
            };
            match &done {
                Ok(()) => tracing::info!("release request handled"),
                Err(error) => tracing::error!(%error, "release request failed"),
            }
            done
        }
        .instrument(span)
        .await
    }

    async fn edit(
        &self,
        r: &ReleaseRequest,
        body: serde_json::Value,
    ) -> Result<(), ReleaseWorkerError> {
        self.api
            .edit_original(&r.application_id, &r.interaction_token, &body)
            .await
            .map_err(retry)
    }

    async fn ship(&self, r: &ReleaseRequest) -> Result<(), ReleaseWorkerError> {
        let now = || self.clock.now_ms();
        let mut release = match self.releases.get(&r.release_id).await.map_err(retry)? {
            Some(release) => release,
            None => Release {
                id: r.release_id.clone(),
                env: r.env.clone(),
                strategy: r.strategy.clone().unwrap_or_else(|| "full".to_owned()),
                requested_by: r.requested_by.clone(),
                status: Status::Requested,
                deployed: None,
                versions: Default::default(),
                verification: None,
                history: Vec::new(),
            },
        };
        match release.status {
            Status::Requested | Status::Deploying | Status::Verifying => {}
            Status::AwaitingDecision => {
                // A redelivery: the decision is open; show it again.
                let body = message_json(&None, &[embed(&release)], &decision_buttons(&release.id));
                return self.edit(r, body).await;
            }
            // Decided (or failed) already: nothing more to do.
            _ => return Ok(()),
        }
        release.status = Status::Deploying;
        self.releases
            .put_with_history(&release)
            .await
            .map_err(retry)?;
        match self.deployer.deploy(&release).await {
            Ok(deployed) => {
                release.note(now(), format!("deploy: {}", deployed.summary), None);
                release.deployed = Some(deployed.summary);
                release.versions = deployed.versions;
            }
            Err(error) => {
                release.status = Status::Failed;
                release.note(now(), format!("deploy failed: {error}"), None);
                self.releases
                    .put_with_history(&release)
                    .await
                    .map_err(retry)?;
                let body = message_json(&None, &[embed(&release)], &[]);
                return self.edit(r, body).await;
            }
        }
        release.status = Status::Verifying;
        self.releases
            .put_with_history(&release)
            .await
            .map_err(retry)?;
        let verification = self.verifier.verify(&release.env).await;
        release.note(
            now(),
            if verification.passed() {
                "verification passed; promote recommended".to_owned()
            } else {
                format!(
                    "verification failed ({}); rollback recommended",
                    verification.failures.join("; ")
                )
            },
            None,
        );
        release.verification = Some(verification);
        release.status = Status::AwaitingDecision;
        self.releases
            .put_with_history(&release)
            .await
            .map_err(retry)?;
        self.releases
            .open_decision(&release.id)
            .await
            .map_err(retry)?;
        let body = message_json(&None, &[embed(&release)], &decision_buttons(&release.id));
        self.edit(r, body).await
    }

    async fn verify_run(&self, r: &ReleaseRequest) -> Result<(), ReleaseWorkerError> {
        let v = self.verifier.verify(&r.env).await;
        let release = Release {
            id: r.release_id.clone(),
            env: r.env.clone(),
            strategy: "verification only".to_owned(),
            requested_by: r.requested_by.clone(),
            status: if v.passed() {
                Status::Promoted
            } else {
                Status::Failed
            },
            deployed: Some("nothing deployed: a verification run".to_owned()),
            versions: Default::default(),
            verification: Some(v),
            history: Vec::new(),
        };
        let mut shown: Embed = embed(&release);
        shown.title = format!("Verification of {}", r.env);
        shown.description = format!("asked by <@{}>", r.requested_by);
        shown.fields.retain(|(name, _, _)| name != "Deploy");
        self.edit(r, message_json(&None, &[shown], &[])).await
    }

    async fn decide(&self, r: &ReleaseRequest, promote: bool) -> Result<(), ReleaseWorkerError> {
        let Some(mut release) = self.releases.get(&r.release_id).await.map_err(retry)? else {
            tracing::warn!("the release expired before its decision was applied");
            return Ok(());
        };
        let (doing, done) = if promote {
            (Status::Promoting, Status::Promoted)
        } else {
            (Status::RollingBack, Status::RolledBack)
        };
        if release.status != doing {
            // Applied already (a redelivery), or never decided this way.
            return Ok(());
        }
        let outcome = if promote {
            self.deployer.promote(&release).await
        } else {
            self.deployer.rollback(&release).await
        };
        let text = match outcome {
            Ok(what) => {
                release.status = done;
                release.note(self.clock.now_ms(), what.clone(), None);
                format!("{:?}: {what}", done)
            }
            Err(error) => {
                release.status = Status::Failed;
                release.note(self.clock.now_ms(), format!("failed: {error}"), None);
                format!(
                    "{:?} failed: {error}. Roll back by hand (docs/orchestrator/release_conductor.md).",
                    doing
                )
            }
        };
        self.releases
            .put_with_history(&release)
            .await
            .map_err(retry)?;
        self.api
            .follow_up(
                &r.application_id,
                &r.interaction_token,
                &json!({"content": format!("Release {}: {text}", release.id)}),
            )
            .await
            .map_err(retry)
    }

    async fn deploy_client(&self, r: &ReleaseRequest) -> Result<(), ReleaseWorkerError> {
        let git_ref = r.git_ref.as_deref().unwrap_or("main");
        let text = match self
            .deployer
            .deploy_client(&r.release_id, &r.env, git_ref)
            .await
        {
            Ok(what) => format!("Web client `{git_ref}` → {}: {what}", r.env),
            Err(error) => format!("Web client `{git_ref}` → {} failed: {error}", r.env),
        };
        self.api
            .follow_up(
                &r.application_id,
                &r.interaction_token,
                &json!({"content": text, "flags": 64}),
            )
            .await
            .map_err(retry)
    }
}
