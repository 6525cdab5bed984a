//! The `Secrets` port: one JSON secret, fetched once per cold start and cached.
//!
//! Adapters: Secrets Manager (production) and local (a JSON file and/or environment variables,
//! for the local stack only).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::OnceCell;

use crate::masked::Masked;

/// One key of a rotating keyring; the newest entry signs, any entry verifies.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct KeyEntry {
    /// The key id, carried by what the key signed or encrypted.
    pub kid: String,
    /// The key material.
    pub secret: Masked<String>,
}

/// Every secret Rampart uses, as stored in the one secret's JSON.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecretBundle {
    pub jwt_signing_keys: Vec<KeyEntry>,
    pub field_encryption_keys: Vec<KeyEntry>,
    pub discord_bot_token: Option<Masked<String>>,
    pub pr_intel_webhook_secret: Option<Masked<String>>,
    pub alertmanager_token: Option<Masked<String>>,
    pub alertmanager_hmac_secret: Option<Masked<String>>,
    pub smtp_url: Option<Masked<String>>,
    /// The key of the keyed hashes rate limits store instead of client and account addresses
    /// (32 bytes or more; required outside the local stage wherever a route is limited).
    pub rate_limit_key: Option<Masked<String>>,
    /// The stack's root key: random text Secrets Manager generates when the stack creates
    /// the secret. Whatever the secret does not list is derived from it (see
    /// [`SecretBundle::from_json`]), so a new stage serves traffic without a manual step.
    pub root_key: Option<Masked<String>>,
    /// `oauth_*` entries (client ids and secrets per provider).
    #[serde(flatten)]
    pub oauth: BTreeMap<String, Masked<serde_json::Value>>,
}

impl SecretBundle {
    /// Parses the secret's JSON text; the error never quotes the text.
    /// A blank value (`""`, spaces) counts as absent: an empty HMAC key or token would
    /// authenticate anyone who knows it is empty.
    ///
    /// With a `root_key`, keys are derived from it under fixed labels: a signing key and a
    /// field-encryption key with the id [`ROOT_KEY_ID`], placed first (oldest) in their
    /// keyrings so that any key the secret lists is newer and takes over signing and sealing
    /// while the derived one still verifies and opens what it made; and the `rate_limit_key`
    /// when the secret has none. A listed key with the id `root` replaces the derived one.
    pub fn from_json(text: &str) -> Result<Self, SecretsError> {
        let mut bundle: Self = serde_json::from_str(text).map_err(|e| {
            SecretsError::Malformed(format!(
                "line {} column {}: {}",
                e.line(),
                e.column(),
                classify(&e)
            ))
        })?;
        for value in [
            &mut bundle.discord_bot_token,
            &mut bundle.pr_intel_webhook_secret,
            &mut bundle.alertmanager_token,
            &mut bundle.alertmanager_hmac_secret,
            &mut bundle.smtp_url,
            &mut bundle.rate_limit_key,
            &mut bundle.root_key,
        ] {
            if value.as_ref().is_some_and(|v| v.expose().trim().is_empty()) {
                *value = None;
            }
        }
        for (field, keys) in [
            ("jwt_signing_keys", &bundle.jwt_signing_keys),
            ("field_encryption_keys", &bundle.field_encryption_keys),
        ] {
            check_key_ids(keys)
                .map_err(|why| SecretsError::Malformed(format!("{field}: {why}")))?;
        }
        if bundle.root_key.is_some() {
            bundle.derive_from_root()?;
        }
        Ok(bundle)
    }

    fn derive_from_root(&mut self) -> Result<(), SecretsError> {
        let Some(root) = self.root_key.as_ref().map(|r| r.expose().trim().to_owned()) else {
            return Ok(());
        };
        if root.len() < MIN_ROOT_KEY_BYTES {
            return Err(SecretsError::Malformed(format!(
                "root_key is shorter than {MIN_ROOT_KEY_BYTES} bytes"
            )));
        }
        let derive = |label: &str| Masked::new(derive_key(&root, label));
        for (keys, label) in [
            (&mut self.jwt_signing_keys, "jwt-signing"),
            (&mut self.field_encryption_keys, "field-encryption"),
        ] {
            if !keys.iter().any(|k| k.kid == ROOT_KEY_ID) {
                keys.insert(
                    0,
                    KeyEntry {
                        kid: ROOT_KEY_ID.to_owned(),
                        secret: derive(label),
                    },
                );
            }
        }
        if self.rate_limit_key.is_none() {
            self.rate_limit_key = Some(derive("rate-limit"));
        }
        Ok(())
    }
}

/// The id of the keys derived from the root key.
pub const ROOT_KEY_ID: &str = "root";

/// The shortest root key (Secrets Manager generates 64 characters).
const MIN_ROOT_KEY_BYTES: usize = 32;

/// HMAC-SHA256 of a fixed, versioned label under the root key, hex-encoded (64 characters):
/// independent keys for each purpose, all of them gone once the root key is.
fn derive_key(root: &str, label: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(root.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"rampart/v1/root/");
    mac.update(label.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The longest key id.
const MAX_KEY_ID_CHARS: usize = 64;

/// Key ids travel inside tokens (`<...>.<kid>.<tag>`) and sealed fields (`<kid>:<...>`), so a
/// `.` or `:` in one, or two keys with one id, would break every token or field it touches:
/// refused when the secret is read, at cold start, instead.
fn check_key_ids(keys: &[KeyEntry]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        let kid = key.kid.as_str();
        let valid = !kid.is_empty()
            && kid.chars().count() <= MAX_KEY_ID_CHARS
            && kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!(
                "key id {kid:?} must be 1 to {MAX_KEY_ID_CHARS} of A-Z, a-z, 0-9, '-', '_'"
            ));
        }
        if !seen.insert(kid) {
            return Err(format!("key id {kid:?} is used twice"));
        }
    }
    Ok(())
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "a field has the wrong type",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

/// Why secrets could not be loaded.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret could not be fetched: {0}")]
    Unavailable(String),
    #[error("secret is not valid JSON of the expected shape: {0}")]
    Malformed(String),
}

/// Where the secret bundle comes from.
#[async_trait]
pub trait Secrets: Send + Sync {
    /// The bundle, fetched on the first call and cached for the life of the process.
    async fn load(&self) -> Result<Arc<SecretBundle>, SecretsError>;
}

/// Secrets Manager: `GetSecretValue` on one ARN, once per cold start.
pub struct SecretsManagerSecrets {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    cache: OnceCell<Arc<SecretBundle>>,
}

impl SecretsManagerSecrets {
    /// An adapter reading `secret_id` (an ARN or name).
    pub fn new(sdk: &crate::aws::SdkConfig, secret_id: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_secretsmanager::Client::new(sdk),
            secret_id: secret_id.into(),
            cache: OnceCell::new(),
        }
    }
}

#[async_trait]
impl Secrets for SecretsManagerSecrets {
    async fn load(&self) -> Result<Arc<SecretBundle>, SecretsError> {
        self.cache
            .get_or_try_init(|| async {
                let out = self
                    .client
                    .get_secret_value()
                    .secret_id(&self.secret_id)
                    .send()
                    .await
                    .map_err(|e| {
                        SecretsError::Unavailable(
                            aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
                        )
                    })?;
                let text = out.secret_string().ok_or_else(|| {
                    SecretsError::Malformed("the secret has no string value".to_owned())
                })?;
                SecretBundle::from_json(text).map(Arc::new)
            })
            .await
            .cloned()
    }
}

/// The local adapter: an optional JSON file (`RAMPART_SECRETS_FILE`) with environment overrides
/// for the few secrets the local stack documents. Never used outside `STAGE=local`.
pub struct LocalSecrets {
    bundle: Arc<SecretBundle>,
}

impl LocalSecrets {
    /// Reads the file named by `RAMPART_SECRETS_FILE` (if any) and the override variables.
    pub fn from_env() -> Result<Self, SecretsError> {
        let file = std::env::var("RAMPART_SECRETS_FILE").ok();
        let text = match file {
            Some(path) => std::fs::read_to_string(&path)
                .map_err(|e| SecretsError::Unavailable(format!("{path}: {e}")))?,
            None => "{}".to_owned(),
        };
        Self::from_parts(&text, |name| std::env::var(name).ok())
    }

    /// Builds the bundle from JSON text and an environment lookup.
    pub fn from_parts(
        json: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SecretsError> {
        let mut bundle = SecretBundle::from_json(json)?;
        let env = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(Masked::new);
        if let Some(v) = env("PR_INTEL_WEBHOOK_SECRET") {
            bundle.pr_intel_webhook_secret = Some(v);
        }
        if let Some(v) = env("ALERTMANAGER_TOKEN") {
            bundle.alertmanager_token = Some(v);
        }
        if let Some(v) = env("ALERTMANAGER_HMAC_SECRET") {
            bundle.alertmanager_hmac_secret = Some(v);
        }
        Ok(Self {
            bundle: Arc::new(bundle),
        })
    }
}

#[async_trait]
impl Secrets for LocalSecrets {
    async fn load(&self) -> Result<Arc<SecretBundle>, SecretsError> {
        Ok(self.bundle.clone())
    }
}

#[cfg(test)]
mod tests;
