//! Pull-request intelligence: what a PR touches and how risky it looks.
//!
//! The risk score (0..=100) is a sum of three capped parts, deterministic and documented in
//! docs/internal/pr_intel.md with worked examples:
//! - size: one point per changed file, at most 25;
//! - churn: one point per 20 changed lines (additions + deletions), at most 35;
//! - sensitive paths: 15 points per file matching the sensitive-path list, at most 40.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use rampart_core::FieldError;
use rampart_store::{Cond, ItemExt, SharedStore, StoreError, Table, TxOp, keys};
use serde::{Deserialize, Serialize};

/// The sensitive-path globs used when `PR_INTEL_SENSITIVE_PATHS` is not set: auth code,
/// migrations and schemas, infrastructure templates, CI workflows, lock files, env files.
pub const DEFAULT_SENSITIVE_PATHS: &[&str] = &[
    "**/auth/**",
    "**/*auth*.*",
    "**/security/**",
    "**/migrations/**",
    "**/*.sql",
    "**/schema.prisma",
    "template.yaml",
    "samconfig.toml",
    "infra/**",
    "**/*.tf",
    ".github/workflows/**",
    ".ci/**",
    ".gitlab-ci.yml",
    "**/Cargo.lock",
    "**/package-lock.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/poetry.lock",
    "**/go.sum",
    "**/.env*",
];

const MAX_FILES: usize = 5_000;
const MAX_PATH: usize = 1_024;
const MAX_TEXT: usize = 1_000;
/// Bytes of paths stored per record (sensitive paths first, then changed files), so a record
/// stays far below DynamoDB's 400 KB item limit whatever the paths' lengths.
const STORED_PATH_BYTES: usize = 96 * 1024;

/// The leading paths that fit in `budget` bytes (what they take is subtracted), and whether
/// any was left out.
fn within(paths: &[String], budget: &mut usize) -> (Vec<String>, bool) {
    let mut kept = Vec::new();
    for path in paths {
        if path.len() > *budget {
            return (kept, true);
        }
        *budget -= path.len();
        kept.push(path.clone());
    }
    (kept, false)
}

/// The sensitive-path list.
#[derive(Clone, Debug)]
pub struct SensitivePaths {
    set: GlobSet,
    patterns: Vec<String>,
}

impl SensitivePaths {
    /// Compiles glob patterns (`*` stays within a path segment, `**` crosses them).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = GlobBuilder::new(pattern.as_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| format!("sensitive path {:?}: {e}", pattern.as_ref()))?;
            builder.add(glob);
        }
        Ok(Self {
            set: builder.build().map_err(|e| e.to_string())?,
            patterns: patterns.iter().map(|p| p.as_ref().to_owned()).collect(),
        })
    }

    /// The defaults.
    pub fn defaults() -> Self {
        Self::new(DEFAULT_SENSITIVE_PATHS).expect("the default globs compile")
    }

    /// Whether `path` is sensitive.
    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path.trim_start_matches("./"))
    }

    /// The patterns, as configured.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// What CI sends.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
pub struct PrSubmission {
    #[schemars(range(min = 1, max = 1_000_000_000))]
    pub pr_number: u64,
    #[schemars(length(min = 1, max = 1000), pattern(rampart_core::text::NOT_BLANK))]
    pub title: String,
    #[schemars(length(min = 1, max = 1000), pattern(rampart_core::text::NOT_BLANK))]
    pub author: String,
    /// At most 5000 paths of 1 to 1024 characters, without NUL.
    #[schemars(
        length(max = 5000),
        inner(length(min = 1, max = 1024), pattern(r"^[^\x00]+$"))
    )]
    pub changed_files: Vec<String>,
    #[schemars(range(max = u64::MAX))]
    pub additions: u64,
    #[schemars(range(max = u64::MAX))]
    pub deletions: u64,
    /// The PR's state; when absent, what GitHub's webhook `action` and `merged` say, else
    /// `open`.
    #[serde(default)]
    pub state: Option<PrState>,
    /// GitHub's `pull_request` webhook action (`opened`, `synchronize`, `closed`, ...):
    /// `closed` is `merged` when `merged` is true, else `closed`; any other action is `open`.
    #[serde(default)]
    #[schemars(length(min = 1, max = 64))]
    pub action: Option<String>,
    /// With `action: closed`: whether the PR was merged.
    #[serde(default)]
    pub merged: Option<bool>,
}

/// Whether a PR is still open, and how it ended.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PrState {
    #[default]
    Open,
    Closed,
    Merged,
}

impl PrSubmission {
    /// The state the submission gives the PR: `state` when given, else what `action` and
    /// `merged` say (`merged` is read only with `action: closed`), else `open`.
    pub fn resolved_state(&self) -> PrState {
        if let Some(state) = self.state {
            return state;
        }
        match self.action.as_deref() {
            Some("closed") if self.merged == Some(true) => PrState::Merged,
            Some("closed") => PrState::Closed,
            _ => PrState::Open,
        }
    }

    /// Checks bounds; every problem is reported with its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.pr_number == 0 || self.pr_number > 1_000_000_000 {
            errors.push(FieldError::new("pr_number", "must be 1 to 1000000000"));
        }
        for (field, text) in [("title", &self.title), ("author", &self.author)] {
            if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
                errors.push(FieldError::new(field, "must be 1 to 1000 characters"));
            }
        }
        if self.changed_files.len() > MAX_FILES {
            errors.push(FieldError::new("changed_files", "at most 5000 paths"));
        }
        if self
            .changed_files
            .iter()
            .any(|p| p.is_empty() || p.chars().count() > MAX_PATH || p.contains('\0'))
        {
            errors.push(FieldError::new(
                "changed_files",
                "paths must be 1 to 1024 characters, without NUL",
            ));
        }
        if self
            .action
            .as_deref()
            .is_some_and(|a| a.is_empty() || a.len() > 64)
        {
            errors.push(FieldError::new("action", "must be 1 to 64 characters"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The score's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RiskParts {
    pub size: u32,
    pub churn: u32,
    pub sensitive: u32,
}

/// The score of a PR: the capped sum of its parts.
pub fn risk(files: usize, additions: u64, deletions: u64, sensitive: usize) -> (u32, RiskParts) {
    let parts = RiskParts {
        size: u32::try_from(files.min(25)).unwrap_or(25),
        churn: u32::try_from((additions.saturating_add(deletions) / 20).min(35)).unwrap_or(35),
        sensitive: u32::try_from(sensitive.min(3) * 15).unwrap_or(45).min(40),
    };
    ((parts.size + parts.churn + parts.sensitive).min(100), parts)
}

/// The stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PrRecord {
    pub pr_number: u64,
    pub title: String,
    pub author: String,
    pub changed_files: Vec<String>,
    /// True when `changed_files` holds only the first paths (96 KiB of paths are stored per
    /// record; the counts always cover all of them).
    pub changed_files_truncated: bool,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files_count: usize,
    pub sensitive_paths_count: usize,
    pub sensitive_paths: Vec<String>,
    pub risk_score: u32,
    pub risk_parts: RiskParts,
    /// `open` until a delivery says the PR was closed or merged (records stored before the
    /// state was kept read as `open`).
    #[serde(default)]
    pub state: PrState,
    pub updated_at: String,
}

impl PrRecord {
    /// Computes the record of a submission (duplicate paths count once).
    pub fn compute(submission: PrSubmission, sensitive: &SensitivePaths, now: String) -> Self {
        let state = submission.resolved_state();
        let mut files = submission.changed_files;
        let mut seen = std::collections::BTreeSet::new();
        files.retain(|p| seen.insert(p.clone()));
        let sensitive_paths: Vec<String> = files
            .iter()
            .filter(|p| sensitive.matches(p))
            .cloned()
            .collect();
        let (risk_score, risk_parts) = risk(
            files.len(),
            submission.additions,
            submission.deletions,
            sensitive_paths.len(),
        );
        let count = files.len();
        let sensitive_count = sensitive_paths.len();
        let mut budget = STORED_PATH_BYTES;
        let (sensitive_paths, _) = within(&sensitive_paths, &mut budget);
        let (files, truncated) = within(&files, &mut budget);
        Self {
            pr_number: submission.pr_number,
            title: submission.title.trim().to_owned(),
            author: submission.author.trim().to_owned(),
            changed_files: files,
            changed_files_truncated: truncated,
            additions: submission.additions,
            deletions: submission.deletions,
            changed_files_count: count,
            sensitive_paths_count: sensitive_count,
            sensitive_paths,
            risk_score,
            risk_parts,
            state,
            updated_at: now,
        }
    }
}

/// What became of a signed delivery.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Applied: the record is now the one computed from it.
    Stored,
    /// The same body as the one the stored record came from, sent again (a retry): nothing
    /// changes, and the stored record is the answer.
    Repeated(Box<PrRecord>),
    /// A body accepted before and since superseded: applying it again would revert the
    /// record, so it is refused.
    Replayed,
}

/// The SHA-256 of a delivery's raw body, hex.
pub fn body_digest(body: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(body))
}

/// Stores `record`, computed from the delivery whose body has `digest`, unless that body was
/// accepted before. The record and the delivery's mark are written in one transaction, the
/// mark only where none exists, so a body is applied at most once however deliveries race.
/// Marks are kept as long as the record: the body carries no time, so its digest is what
/// tells a replay.
pub async fn save(
    store: &SharedStore,
    record: &PrRecord,
    digest: &str,
) -> Result<Delivery, StoreError> {
    let mut item = keys::intel::pr(record.pr_number).to_item();
    let json = serde_json::to_string(record).map_err(|e| StoreError::Internal(e.to_string()))?;
    item.insert("record".into(), json.into());
    item.insert("risk_score".into(), i64::from(record.risk_score).into());
    // Only an open PR is in the index by risk: a record put without the index's attributes
    // leaves it, so a closed or merged PR drops out of `/triage` with the delivery that says
    // so.
    if record.state == PrState::Open {
        item.insert("gsi1pk".into(), keys::intel::PRS_BY_RISK.into());
        item.insert(
            "gsi1sk".into(),
            keys::intel::pr_by_risk(record.risk_score, record.pr_number).into(),
        );
    }
    item.insert("delivery".into(), digest.into());
    let mark = keys::intel::pr_delivery(record.pr_number, digest).to_item();
    let applied = store
        .transact(vec![
            TxOp::Put {
                table: Table::Intel,
                item,
                cond: None,
            },
            TxOp::Put {
                table: Table::Intel,
                item: mark,
                cond: Some(Cond::not_exists("pk")),
            },
        ])
        .await;
    match applied {
        Ok(()) => Ok(Delivery::Stored),
        Err(error) if error.is_condition_failed() => {
            let current = store
                .get(Table::Intel, &keys::intel::pr(record.pr_number))
                .await?;
            match current {
                Some(item) if item.str_attr("delivery") == Some(digest) => {
                    Ok(Delivery::Repeated(Box::new(parse(&item)?)))
                }
                _ => Ok(Delivery::Replayed),
            }
        }
        Err(error) => Err(error),
    }
}

fn parse(item: &rampart_store::Item) -> Result<PrRecord, StoreError> {
    let json = item.str_attr("record").unwrap_or("{}");
    serde_json::from_str(json)
        .map_err(|e| StoreError::Internal(format!("stored PR record unreadable: {e}")))
}

/// The `limit` riskiest open PRs (one index query, riskiest first; closed and merged PRs are
/// not in the index).
pub async fn riskiest(store: &SharedStore, limit: u32) -> Result<Vec<PrRecord>, StoreError> {
    let page = store
        .query(
            &rampart_store::Query::index(
                Table::Intel,
                rampart_store::Index::Gsi1,
                keys::intel::PRS_BY_RISK,
            )
            .backward()
            .limit(limit),
        )
        .await?;
    page.items.iter().map(parse).collect()
}

/// The record of a PR.
pub async fn load(store: &SharedStore, pr_number: u64) -> Result<Option<PrRecord>, StoreError> {
    let Some(item) = store.get(Table::Intel, &keys::intel::pr(pr_number)).await? else {
        return Ok(None);
    };
    parse(&item).map(Some)
}

#[cfg(test)]
mod tests;
