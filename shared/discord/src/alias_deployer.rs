//! The Lambda alias deployer: releases by moving each function's alias (`live` by default)
//! between published versions. A canary keeps the alias on the current version and routes 10 %
//! to the newest with weighted routing; promote points the alias at the newest with no
//! routing; rollback points it back at the version it had. Every move names the alias's
//! `RevisionId` as read just before, so a move made meanwhile by someone else fails instead of
//! being overwritten. A deploy that fails part way moves the functions it already moved back.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::release::{DeployError, Deployed, Deployer, Release};

/// The share of traffic a canary gets.
pub const CANARY_WEIGHT: f64 = 0.1;

/// An alias as read.
#[derive(Clone, Debug, PartialEq)]
pub struct AliasState {
    pub version: String,
    /// The version getting extra traffic, and its share.
    pub canary: Option<(String, f64)>,
    pub revision_id: String,
}

/// Lambda's alias API, as the deployer uses it.
#[async_trait]
pub trait AliasApi: Send + Sync {
    async fn alias(&self, function: &str, alias: &str) -> Result<AliasState, DeployError>;
    /// The newest published version (not `$LATEST`).
    async fn newest_version(&self, function: &str) -> Result<String, DeployError>;
    /// Points the alias at `version` (with `canary` routing, or none), if its revision is
    /// still `revision_id`.
    async fn shift(
        &self,
        function: &str,
        alias: &str,
        version: &str,
        canary: Option<(&str, f64)>,
        revision_id: &str,
    ) -> Result<(), DeployError>;
}

/// The deployer over `functions`' alias `alias`; client deploys go to `client` (the events
/// deployer: the web client is not a Lambda function).
pub struct AliasDeployer {
    pub api: Arc<dyn AliasApi>,
    pub functions: Vec<String>,
    pub alias: String,
    pub client: Arc<dyn Deployer>,
}

impl AliasDeployer {
    /// Points every function of `versions` at the version `pick` chooses, with no routing.
    async fn point(
        &self,
        versions: &BTreeMap<String, (String, String)>,
        pick: fn(&(String, String)) -> &String,
    ) -> Result<String, DeployError> {
        let mut moved = Vec::new();
        for (function, pair) in versions {
            let state = self.api.alias(function, &self.alias).await?;
            let target = pick(pair);
            self.api
                .shift(function, &self.alias, target, None, &state.revision_id)
                .await?;
            moved.push(format!("{function} → {target}"));
        }
        Ok(format!("alias `{}`: {}", self.alias, moved.join(", ")))
    }
}

#[async_trait]
impl Deployer for AliasDeployer {
    async fn deploy(&self, release: &Release) -> Result<Deployed, DeployError> {
        let canary = release.strategy == "canary";
        let mut versions = BTreeMap::new();
        let mut lines = Vec::new();
        for function in &self.functions {
            let moved = async {
                let state = self.api.alias(function, &self.alias).await?;
                let newest = self.api.newest_version(function).await?;
                if newest == state.version {
                    return Ok::<_, DeployError>((state.version.clone(), newest, false));
                }
                if canary {
                    self.api
                        .shift(
                            function,
                            &self.alias,
                            &state.version,
                            Some((&newest, CANARY_WEIGHT)),
                            &state.revision_id,
                        )
                        .await?;
                } else {
                    self.api
                        .shift(function, &self.alias, &newest, None, &state.revision_id)
                        .await?;
                }
                Ok((state.version, newest, true))
            }
            .await;
            match moved {
                Ok((previous, newest, changed)) => {
                    lines.push(if !changed {
                        format!("{function}: {newest} already live")
                    } else if canary {
                        format!(
                            "{function}: {newest} at {:.0} % beside {previous}",
                            CANARY_WEIGHT * 100.0
                        )
                    } else {
                        format!("{function}: {previous} → {newest}")
                    });
                    versions.insert(function.clone(), (previous, newest));
                }
                Err(error) => {
                    // Leave nothing half-released: put back what was moved.
                    let restored = self.point(&versions, |(previous, _)| previous).await;
                    return Err(DeployError(match restored {
                        Ok(_) => format!(
                            "{function}: {error}; the functions moved before it were put back"
                        ),
                        Err(again) => format!(
                            "{function}: {error}; putting back the others failed too ({again}): roll back by hand"
                        ),
                    }));
                }
            }
        }
        Ok(Deployed {
            summary: format!("alias `{}`: {}", self.alias, lines.join("; ")),
            versions,
        })
    }

    async fn promote(&self, release: &Release) -> Result<String, DeployError> {
        self.point(&release.versions, |(_, newest)| newest).await
    }

    async fn rollback(&self, release: &Release) -> Result<String, DeployError> {
        self.point(&release.versions, |(previous, _)| previous)
            .await
    }

    async fn deploy_client(
        &self,
        release_id: &str,
        env: &str,
        git_ref: &str,
    ) -> Result<String, DeployError> {
        self.client.deploy_client(release_id, env, git_ref).await
    }
}

/// Lambda's API through the AWS SDK.
pub struct SdkAliasApi {
    pub client: aws_sdk_lambda::Client,
}

fn sdk_error<E: std::error::Error + 'static>(
    error: aws_sdk_lambda::error::SdkError<E>,
) -> DeployError {
    DeployError(aws_sdk_lambda::error::DisplayErrorContext(error).to_string())
}

#[async_trait]
impl AliasApi for SdkAliasApi {
    async fn alias(&self, function: &str, alias: &str) -> Result<AliasState, DeployError> {
        let out = self
            .client
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
            .await
            .map_err(sdk_error)?;
        let canary = out
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .and_then(|w| w.iter().next().map(|(v, share)| (v.clone(), *share)));
        Ok(AliasState {
            version: out.function_version().unwrap_or_default().to_owned(),
            canary,
            revision_id: out.revision_id().unwrap_or_default().to_owned(),
        })
    }

    async fn newest_version(&self, function: &str) -> Result<String, DeployError> {
        let mut newest: Option<u64> = None;
        let mut marker = None;
        loop {
            let out = self
                .client
                .list_versions_by_function()
                .function_name(function)
                .set_marker(marker)
                .send()
                .await
                .map_err(sdk_error)?;
            for version in out.versions() {
                if let Some(n) = version.version().and_then(|v| v.parse::<u64>().ok()) {
                    newest = Some(newest.map_or(n, |m| m.max(n)));
                }
            }
            match out.next_marker() {
                Some(next) => marker = Some(next.to_owned()),
                None => break,
            }
        }
        newest
            .map(|n| n.to_string())
            .ok_or_else(|| DeployError(format!("{function} has no published version")))
    }

    async fn shift(
        &self,
        function: &str,
        alias: &str,
        version: &str,
        canary: Option<(&str, f64)>,
        revision_id: &str,
    ) -> Result<(), DeployError> {
        let routing = aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
            .set_additional_version_weights(
                canary.map(|(v, share)| std::collections::HashMap::from([(v.to_owned(), share)])),
            )
            .build();
        let mut request = self
            .client
            .update_alias()
            .function_name(function)
            .name(alias)
            .function_version(version)
            .routing_config(routing);
        if !revision_id.is_empty() {
            request = request.revision_id(revision_id);
        }
        request.send().await.map_err(sdk_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
