//! The release conductor's model: the requests `/ship`, `/verify-run`, `/deploy-client` and the
//! Promote / Rollback buttons hand to the release worker (EventBridge, source
//! `rampart.release`), the release record kept in the state store (24 hours), the `Deployer`
//! and `Verifier` ports the worker drives, and the embeds it renders.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rampart_core::clock::rfc3339;
use rampart_core::events::{DEPLOY_SOURCE, Event, RELEASE_SOURCE, SharedEventBus};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::daily::Measured;
use crate::reply::{Button, Embed};
use crate::state::StateStore;

mod view;
pub use view::{decision_buttons, embed};

/// How long a release (and its buttons) lives.
pub const RELEASE_TTL_SECS: i64 = 24 * 3600;
/// How long a release stays in the history the console shows.
pub const RELEASE_HISTORY_TTL_SECS: i64 = 90 * 24 * 3600;

/// The requests the release worker consumes (`detail-type`s under source `rampart.release`).
pub const SHIP_REQUESTED: &str = "ShipRequested";
pub const VERIFY_REQUESTED: &str = "VerifyRequested";
pub const PROMOTE_REQUESTED: &str = "PromoteRequested";
pub const ROLLBACK_REQUESTED: &str = "RollbackRequested";
pub const DEPLOY_CLIENT_REQUESTED: &str = "DeployClientRequested";

/// The environments a release goes to.
pub const ENVIRONMENTS: [&str; 2] = ["staging", "prod"];
/// How a release is rolled out.
pub const STRATEGIES: [&str; 2] = ["canary", "full"];

/// One request to the worker.
#[derive(Clone, Serialize, Deserialize)]
pub struct ReleaseRequest {
    pub release_id: String,
    pub env: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The web client's git ref (`/deploy-client`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// The Discord user who asked.
    pub requested_by: String,
    pub application_id: String,
    /// The interaction's token: the worker edits (or follows up on) its response with it. A
    /// credential for 15 minutes; never logged.
    pub interaction_token: String,
}

impl std::fmt::Debug for ReleaseRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseRequest")
            .field("release_id", &self.release_id)
            .field("env", &self.env)
            .field("strategy", &self.strategy)
            .field("git_ref", &self.git_ref)
            .field("requested_by", &self.requested_by)
            .field("interaction_token", &"***")
            .finish()
    }
}

impl ReleaseRequest {
    /// The request as an event of `kind` for the worker.
    pub fn event(&self, kind: &str) -> Event {
        Event::new(kind, serde_json::to_value(self).unwrap_or_default()).from_source(RELEASE_SOURCE)
    }
}

/// Where a release stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Requested,
    Deploying,
    Verifying,
    AwaitingDecision,
    Promoting,
    Promoted,
    RollingBack,
    RolledBack,
    Failed,
}

/// One line of a release's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// What the verification found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub probes: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub error_rate_pct: f64,
    /// The synthetic journey: passed, its time, the step that failed.
    pub journey_passed: Option<bool>,
    pub journey_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey_failed_step: Option<String>,
    /// Why the verification failed (empty when it passed).
    pub failures: Vec<String>,
}

impl Verification {
    /// Judges probes and a journey against `thresholds`.
    pub fn judge(
        measured: Measured,
        journey: Option<(bool, u64, Option<String>)>,
        thresholds: &Thresholds,
    ) -> Self {
        let mut failures = Vec::new();
        if measured.probes == 0 {
            failures.push("no endpoint answered a probe".to_owned());
        }
        if measured.error_rate_pct > thresholds.max_error_rate_pct {
            failures.push(format!(
                "error rate {:.1} % is over {:.1} %",
                measured.error_rate_pct, thresholds.max_error_rate_pct
            ));
        }
        if measured.p95_ms > thresholds.max_p95_ms {
            failures.push(format!(
                "p95 {:.0} ms is over {:.0} ms",
                measured.p95_ms, thresholds.max_p95_ms
            ));
        }
        if let Some((false, _, step)) = &journey {
            failures.push(format!(
                "the synthetic journey failed at {}",
                step.as_deref().unwrap_or("a step")
            ));
        }
        Self {
            probes: measured.probes,
            p50_ms: measured.p50_ms,
            p95_ms: measured.p95_ms,
            error_rate_pct: measured.error_rate_pct,
            journey_passed: journey.as_ref().map(|j| j.0),
            journey_ms: journey.as_ref().map(|j| j.1),
            journey_failed_step: journey.and_then(|j| j.2),
            failures,
        }
    }

    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The verification's thresholds (`VERIFY_MAX_ERROR_RATE_PCT`, `VERIFY_MAX_P95_MS`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub max_error_rate_pct: f64,
    pub max_p95_ms: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            max_error_rate_pct: 1.0,
            max_p95_ms: 1_500.0,
        }
    }
}

/// A release, as the state store keeps it (`release#<id>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub id: String,
    pub env: String,
    pub strategy: String,
    pub requested_by: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed: Option<String>,
    /// What the deploy moved, per function: the version before and the version released
    /// (the Lambda alias deployer's; empty for the events deployer).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, (String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    pub history: Vec<HistoryEntry>,
}

impl Release {
    /// Adds a line to the history.
    pub fn note(&mut self, now_ms: i64, what: impl Into<String>, by: Option<&str>) {
        self.history.push(HistoryEntry {
            at: rfc3339(now_ms),
            what: what.into(),
            by: by.map(str::to_owned),
        });
    }
}

fn record_name(id: &str) -> String {
    format!("release#{id}")
}

fn decision_name(id: &str) -> String {
    format!("release-decision#{id}")
}

/// Releases in the state store.
#[derive(Clone)]
pub struct Releases {
    pub state: StateStore,
}

impl Releases {
    pub async fn get(&self, id: &str) -> Result<Option<Release>, rampart_store::StoreError> {
        Ok(self
            .state
            .get(&record_name(id))
            .await?
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Stores the release's live record (24 hours, what the buttons act on).
    pub async fn put(&self, release: &Release) -> Result<(), rampart_store::StoreError> {
        self.state
            .put(&record_name(&release.id), &json!(release), RELEASE_TTL_SECS)
            .await
    }

    /// Stores the live record and the release's entry in the history (90 days, in the intel
    /// table), as the release worker does at each step it takes: the entry then holds every
    /// step so far, the requests and decisions taken in Discord included.
    pub async fn put_with_history(
        &self,
        release: &Release,
    ) -> Result<(), rampart_store::StoreError> {
        self.put(release).await?;
        let mut item = rampart_store::keys::intel::release(&release.id).to_item();
        item.insert(
            "release".into(),
            rampart_store::AttrValue::s(json!(release).to_string()),
        );
        item.insert(
            rampart_store::TTL_ATTRIBUTE.into(),
            rampart_store::AttrValue::n(self.state.now_secs() + RELEASE_HISTORY_TTL_SECS),
        );
        self.state
            .store()
            .put(rampart_store::Table::Intel, item, None)
            .await
    }

    /// Opens the decision (Promote or Rollback) for the buttons.
    pub async fn open_decision(&self, id: &str) -> Result<(), rampart_store::StoreError> {
        self.state
            .put(&decision_name(id), &json!({"open": true}), RELEASE_TTL_SECS)
            .await
    }

    /// Takes the decision: true for exactly one caller while it is open and unexpired.
    pub async fn take_decision(&self, id: &str) -> Result<bool, rampart_store::StoreError> {
        Ok(self.state.consume(&decision_name(id)).await?.is_some())
    }
}

/// The release history, newest first: up to `limit` releases after `cursor` (a previous
/// page's), and the cursor of the next page.
pub async fn history(
    store: &rampart_store::SharedStore,
    limit: u32,
    cursor: Option<String>,
) -> Result<(Vec<Release>, Option<String>), rampart_store::StoreError> {
    use rampart_store::ItemExt as _;
    let query = rampart_store::Query::partition(
        rampart_store::Table::Intel,
        rampart_store::keys::intel::RELEASES,
    )
    .backward()
    .limit(limit)
    .after(cursor);
    let page = store.query(&query).await?;
    let releases = page
        .items
        .iter()
        .filter_map(|item| serde_json::from_str(item.str_attr("release")?).ok())
        .collect();
    Ok((releases, page.cursor))
}

/// Why a deploy step failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DeployError(pub String);

/// What a deploy did: a line for people, and the versions it moved (for promote and
/// rollback).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Deployed {
    pub summary: String,
    pub versions: BTreeMap<String, (String, String)>,
}

/// Drives deploys: by default by emitting `rampart.deploy` events for the team's pipeline.
#[async_trait]
pub trait Deployer: Send + Sync {
    /// Starts the release (a canary, or all at once); answers what it did.
    async fn deploy(&self, release: &Release) -> Result<Deployed, DeployError>;
    async fn promote(&self, release: &Release) -> Result<String, DeployError>;
    async fn rollback(&self, release: &Release) -> Result<String, DeployError>;
    async fn deploy_client(
        &self,
        release_id: &str,
        env: &str,
        git_ref: &str,
    ) -> Result<String, DeployError>;
}

/// The default deployer: one `rampart.deploy` event per step on the stack's bus, which the
/// team's pipeline consumes (docs/orchestrator/release_conductor.md).
pub struct EventsDeployer {
    pub bus: SharedEventBus,
}

impl EventsDeployer {
    async fn emit(&self, kind: &str, detail: serde_json::Value) -> Result<String, DeployError> {
        self.bus
            .publish(Event::new(kind, detail).from_source(DEPLOY_SOURCE))
            .await
            .map_err(|e| DeployError(e.to_string()))?;
        Ok(format!("`{kind}` sent to the deploy pipeline"))
    }
}

#[async_trait]
impl Deployer for EventsDeployer {
    async fn deploy(&self, r: &Release) -> Result<Deployed, DeployError> {
        let summary = self
            .emit(
                "DeployRequested",
                json!({"release_id": r.id, "env": r.env, "strategy": r.strategy}),
            )
            .await?;
        Ok(Deployed {
            summary,
            versions: BTreeMap::new(),
        })
    }
    async fn promote(&self, r: &Release) -> Result<String, DeployError> {
        self.emit(
            "PromoteRequested",
            json!({"release_id": r.id, "env": r.env}),
        )
        .await
    }
    async fn rollback(&self, r: &Release) -> Result<String, DeployError> {
        self.emit(
            "RollbackRequested",
            json!({"release_id": r.id, "env": r.env}),
        )
        .await
    }
    async fn deploy_client(
        &self,
        release_id: &str,
        env: &str,
        git_ref: &str,
    ) -> Result<String, DeployError> {
        self.emit(
            "ClientDeployRequested",
            json!({"release_id": release_id, "env": env, "ref": git_ref}),
        )
        .await
    }
}

/// Checks an environment after a deploy.
#[async_trait]
pub trait Verifier: Send + Sync {
    async fn verify(&self, env: &str) -> Verification;
}

#[cfg(test)]
mod tests;
