//! Keys for the local stack. Without `jwt_signing_keys` / `field_encryption_keys` in the
//! local secrets, the stack generates random ones on first start and keeps them in the data
//! directory (`local-keys.json`, mode 0600), so sessions survive restarts like the file
//! store does. With the memory store they live only as long as the process. Never used
//! outside the local stack.

use std::path::Path;

use rampart_core::Masked;
use rampart_core::secrets::{KeyEntry, SecretBundle};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored {
    jwt: String,
    /// The first field-encryption key (`local-f1`), until it is retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Field-encryption keys added by `rotate-keys --new-local-key`, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_fields: Vec<LocalKey>,
}

#[derive(Clone, Serialize, Deserialize)]
struct LocalKey {
    kid: String,
    secret: String,
}

impl Stored {
    /// The field keys, oldest first.
    fn field_keys(&self) -> Vec<KeyEntry> {
        let first = self.field.as_ref().map(|secret| LocalKey {
            kid: FIRST_FIELD_KID.to_owned(),
            secret: secret.clone(),
        });
        first
            .into_iter()
            .chain(self.more_fields.iter().cloned())
            .map(|k| KeyEntry {
                kid: k.kid,
                secret: Masked::new(k.secret),
            })
            .collect()
    }
}

const FIRST_FIELD_KID: &str = "local-f1";

fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for local keys: {e}"))?;
    Ok(hex::encode(bytes))
}

fn load_or_create(dir: Option<&Path>) -> Result<Stored, String> {
    let path = dir.map(|d| d.join("local-keys.json"));
    if let Some(path) = &path
        && let Ok(text) = std::fs::read_to_string(path)
    {
        return serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid: {e}", path.display()));
    }
    let stored = Stored {
        jwt: random_secret()?,
        field: Some(random_secret()?),
        more_fields: Vec::new(),
    };
    if let Some(path) = &path {
        write_private(
            path,
            &serde_json::to_string(&stored).map_err(|e| e.to_string())?,
        )?;
    }
    Ok(stored)
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Fills in missing signing and encryption keys; `dir` is where to keep them (`None` for
/// the memory store).
pub fn ensure_local_keys(bundle: &mut SecretBundle, dir: Option<&Path>) -> Result<(), String> {
    if !bundle.jwt_signing_keys.is_empty() && !bundle.field_encryption_keys.is_empty() {
        return Ok(());
    }
    let stored = load_or_create(dir)?;
    if bundle.jwt_signing_keys.is_empty() {
        bundle.jwt_signing_keys = vec![KeyEntry {
            kid: "local-1".into(),
            secret: Masked::new(stored.jwt.clone()),
        }];
    }
    if bundle.field_encryption_keys.is_empty() {
        bundle.field_encryption_keys = stored.field_keys();
    }
    Ok(())
}

/// Adds a new generated field-encryption key to the stored local keys (it seals from the
/// next start on); returns its id.
pub fn add_local_field_key(dir: &Path) -> Result<String, String> {
    let mut stored = load_or_create(Some(dir))?;
    let next = stored.field_keys().len() + 1;
    let kid = (next..)
        .map(|n| format!("local-f{n}"))
        .find(|kid| stored.field_keys().iter().all(|k| &k.kid != kid))
        .unwrap_or_default();
    stored.more_fields.push(LocalKey {
        kid: kid.clone(),
        secret: random_secret()?,
    });
    replace_private(&dir.join("local-keys.json"), &stored)?;
    Ok(kid)
}

/// Drops every stored field-encryption key but the newest; returns the ids dropped.
pub fn retire_local_field_keys(dir: &Path) -> Result<Vec<String>, String> {
    let mut stored = load_or_create(Some(dir))?;
    let keys = stored.field_keys();
    let retired: Vec<String> = keys[..keys.len().saturating_sub(1)]
        .iter()
        .map(|k| k.kid.clone())
        .collect();
    if retired.is_empty() {
        return Ok(retired);
    }
    let newest = keys.last().cloned();
    stored.field = None;
    stored.more_fields = newest
        .map(|k| LocalKey {
            kid: k.kid,
            secret: k.secret.expose().clone(),
        })
        .into_iter()
        .collect();
    replace_private(&dir.join("local-keys.json"), &stored)?;
    Ok(retired)
}

/// Rewrites the key file (mode 0600) through a new file and a rename.
fn replace_private(path: &Path, stored: &Stored) -> Result<(), String> {
    let tmp = path.with_extension("json.new");
    let _ = std::fs::remove_file(&tmp);
    write_private(
        &tmp,
        &serde_json::to_string(stored).map_err(|e| e.to_string())?,
    )?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_generated_once_and_kept() {
        let dir =
            std::env::temp_dir().join(format!("rampart-keys-{}", rampart_core::ids::new_id()));
        let mut first = SecretBundle::default();
        ensure_local_keys(&mut first, Some(&dir)).unwrap();
        let mut second = SecretBundle::default();
        ensure_local_keys(&mut second, Some(&dir)).unwrap();
        assert_eq!(first.jwt_signing_keys, second.jwt_signing_keys);
        assert_eq!(first.field_encryption_keys, second.field_encryption_keys);
        assert_eq!(first.jwt_signing_keys[0].secret.expose().len(), 64);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.join("local-keys.json"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_field_key_is_added_then_the_older_ones_retired() {
        let dir =
            std::env::temp_dir().join(format!("rampart-keys-{}", rampart_core::ids::new_id()));
        let mut before = SecretBundle::default();
        ensure_local_keys(&mut before, Some(&dir)).unwrap();
        assert_eq!(add_local_field_key(&dir).unwrap(), "local-f2");
        let mut during = SecretBundle::default();
        ensure_local_keys(&mut during, Some(&dir)).unwrap();
        let kids: Vec<&str> = during
            .field_encryption_keys
            .iter()
            .map(|k| k.kid.as_str())
            .collect();
        assert_eq!(kids, ["local-f1", "local-f2"]);
        assert_eq!(
            during.field_encryption_keys[0],
            before.field_encryption_keys[0]
        );
        assert_eq!(during.jwt_signing_keys, before.jwt_signing_keys);
        assert_eq!(retire_local_field_keys(&dir).unwrap(), ["local-f1"]);
        let mut after = SecretBundle::default();
        ensure_local_keys(&mut after, Some(&dir)).unwrap();
        assert_eq!(
            after.field_encryption_keys,
            during.field_encryption_keys[1..]
        );
        assert!(retire_local_field_keys(&dir).unwrap().is_empty());
        assert_eq!(add_local_field_key(&dir).unwrap(), "local-f3");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn configured_keys_are_left_alone() {
        let mut bundle = SecretBundle::from_json(
            r#"{"jwt_signing_keys":[{"kid":"mine","secret":"s"}],"field_encryption_keys":[{"kid":"f","secret":"t"}]}"#,
        )
        .unwrap();
        ensure_local_keys(&mut bundle, None).unwrap();
        assert_eq!(bundle.jwt_signing_keys[0].kid, "mine");
    }
}
