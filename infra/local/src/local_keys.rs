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
    field: String,
}

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
        field: random_secret()?,
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
            secret: Masked::new(stored.jwt),
        }];
    }
    if bundle.field_encryption_keys.is_empty() {
        bundle.field_encryption_keys = vec![KeyEntry {
            kid: "local-f1".into(),
            secret: Masked::new(stored.field),
        }];
    }
    Ok(())
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
    fn configured_keys_are_left_alone() {
        let mut bundle = SecretBundle::from_json(
            r#"{"jwt_signing_keys":[{"kid":"mine","secret":"s"}],"field_encryption_keys":[{"kid":"f","secret":"t"}]}"#,
        )
        .unwrap();
        ensure_local_keys(&mut bundle, None).unwrap();
        assert_eq!(bundle.jwt_signing_keys[0].kid, "mine");
    }
}
