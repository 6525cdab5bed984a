//! TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew)
//! and recovery codes.
//!
//! Layout ([`rampart_store::keys::users`]), in the account's partition of the users table:
//! - the TOTP item: the secret sealed with the field cipher (bound to the account),
//!   whether it is enabled, and the last time step accepted. A code is accepted only for a
//!   step after the last one, by one conditional update, so a code never works twice.
//! - one item per unused recovery code, by the code's SHA-256; using one is a conditional
//!   delete.
//!
//! Login challenges live in the sessions table ([`rampart_store::keys::sessions::challenge`],
//! by the token's hash), 5 minutes, redeemed by a conditional delete so each works once.

use rampart_audit::FieldCipher;
use rampart_store::{
    Cond, Item, ItemExt, Key, Query, ReturnValues, SharedStore, SortCond, StoreError,
    TTL_ATTRIBUTE, Table, TxOp, Update, keys,
};
use totp_rs::{Builder, Secret, Totp};

use crate::secret_token::{random_token, token_hash};

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;
/// How long a login challenge lives.
pub const CHALLENGE_SECS: i64 = 300;
/// Wrong codes a challenge takes before it is spent: the password must then be entered again.
pub const CHALLENGE_FAILURES: i64 = 3;
const ISSUER: &str = "Rampart";

/// Why a two-factor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("two-factor authentication is already enabled")]
    AlreadyEnabled,
    #[error("two-factor authentication is not set up")]
    NotSetUp,
    #[error("the code is wrong, expired or already used")]
    InvalidCode,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("two-factor secret unusable: {0}")]
    Secret(String),
    #[error(transparent)]
    Undecryptable(#[from] rampart_audit::DecryptionFailed),
}

/// A new secret for an authenticator app.
#[derive(Debug)]
pub struct Enrolment {
    /// Base32, as apps expect it when typed in.
    pub secret: rampart_core::Masked<String>,
    /// `otpauth://totp/...`, for a QR code.
    pub otpauth_url: rampart_core::Masked<String>,
}

fn recovery_key(user_id: &str, code: &str) -> Key {
    keys::users::recovery_code(user_id, &token_hash(&normalise(code)))
}

fn challenge_key(token: &str) -> Key {
    keys::sessions::challenge(&token_hash(token))
}

pub(crate) fn seal_context(user_id: &str) -> String {
    format!("user:{user_id}:totp")
}

/// Recovery codes are compared without dashes, spaces or case.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, TwoFactorError> {
    Builder::new()
        .with_secret(Secret::from(secret))
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|e| TwoFactorError::Secret(e.to_string()))
}

/// The two-factor store.
#[derive(Clone)]
pub struct TwoFactor {
    store: SharedStore,
    cipher: FieldCipher,
}

impl TwoFactor {
    /// The store on `store`, sealing secrets with `cipher`.
    pub fn new(store: SharedStore, cipher: FieldCipher) -> Self {
        Self { store, cipher }
    }

    /// Starts (or restarts) enrolment: a new 160-bit secret, stored sealed and not yet
    /// enabled.
    pub async fn setup(&self, user_id: &str, account: &str) -> Result<Enrolment, TwoFactorError> {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes).map_err(|e| TwoFactorError::Secret(e.to_string()))?;
        let totp = totp(bytes.to_vec(), account)?;
        let url = totp
            .to_url()
            .map_err(|e| TwoFactorError::Secret(e.to_string()))?;
        let sealed = self
            .cipher
            .seal(&bytes, &seal_context(user_id))
            .map_err(|e| TwoFactorError::Secret(e.to_string()))?;
        let mut item = keys::users::totp(user_id).to_item();
        item.insert("sealed".into(), sealed.into());
        item.insert("enabled".into(), false.into());
        let not_enabled = Cond::not_exists("pk").or(Cond::eq("enabled", false));
        match self.store.put(Table::Users, item, Some(not_enabled)).await {
            Ok(()) => Ok(Enrolment {
                secret: Secret::from(bytes.to_vec()).to_base32().into(),
                otpauth_url: url.into(),
            }),
            Err(StoreError::ConditionFailed { .. }) => Err(TwoFactorError::AlreadyEnabled),
            Err(e) => Err(e.into()),
        }
    }

    async fn load(&self, user_id: &str) -> Result<(Item, Vec<u8>), TwoFactorError> {
        let item = self
            .store
            .get(Table::Users, &keys::users::totp(user_id))
            .await?
            .ok_or(TwoFactorError::NotSetUp)?;
        let sealed = item.str_attr("sealed").unwrap_or_default();
        let secret = self
            .cipher
            .open(sealed, &seal_context(user_id))
            .map_err(|reason| {
                let record = format!("users/{}", keys::users::totp(user_id).pk);
                rampart_audit::DecryptionFailed::new("user.totp_secret", record, sealed, reason)
            })?;
        Ok((item, secret))
    }

    /// Confirms enrolment with a first code: enables 2FA on the account, records the code's
    /// step, and returns the recovery codes (shown once, stored hashed). One transaction.
    pub async fn enable(
        &self,
        user_id: &str,
        code: &str,
        now: i64,
    ) -> Result<Vec<rampart_core::Masked<String>>, TwoFactorError> {
        let (item, secret) = self.load(user_id).await?;
        if matches!(
            item.get("enabled"),
            Some(rampart_store::AttrValue::Bool(true))
        ) {
            return Err(TwoFactorError::AlreadyEnabled);
        }
        let step = totp(secret, "-")?
            .check(code.trim(), now.max(0).unsigned_abs())
            .ok_or(TwoFactorError::InvalidCode)?;
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| new_recovery_code())
            .collect::<Result<_, _>>()?;
        let sealed = item.str_attr("sealed").unwrap_or_default().to_owned();
        let mut ops = vec![
            TxOp::Update {
                table: Table::Users,
                key: keys::users::totp(user_id),
                update: Update::new()
                    .set("enabled", true)
                    .set("last_step", i64::try_from(step).unwrap_or(i64::MAX)),
                cond: Some(Cond::eq("enabled", false).and(Cond::eq("sealed", sealed))),
            },
            TxOp::Update {
                table: Table::Users,
                key: keys::users::account(user_id),
                update: Update::new().set("two_factor_enabled", true),
                cond: Some(Cond::exists("pk")),
            },
        ];
        for code in &codes {
            ops.push(TxOp::Put {
                table: Table::Users,
                item: recovery_key(user_id, code).to_item(),
                cond: None,
            });
        }
        match self.store.transact(ops).await {
            Ok(()) => Ok(codes.into_iter().map(Into::into).collect()),
            Err(e) if e.is_condition_failed() => Err(TwoFactorError::InvalidCode),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks a code of an enabled account and burns its time step.
    pub async fn check_code(
        &self,
        user_id: &str,
        code: &str,
        now: i64,
    ) -> Result<(), TwoFactorError> {
        let (item, secret) = self.load(user_id).await?;
        if !matches!(
            item.get("enabled"),
            Some(rampart_store::AttrValue::Bool(true))
        ) {
            return Err(TwoFactorError::NotSetUp);
        }
        let step = totp(secret, "-")?
            .check(code.trim(), now.max(0).unsigned_abs())
            .ok_or(TwoFactorError::InvalidCode)?;
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let fresh = Cond::not_exists("last_step").or(Cond::lt("last_step", step));
        match self
            .store
            .update(
                Table::Users,
                &keys::users::totp(user_id),
                &Update::new().set("last_step", step),
                Some(Cond::eq("enabled", true).and(fresh)),
                ReturnValues::None,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => Err(TwoFactorError::InvalidCode),
            Err(e) => Err(e.into()),
        }
    }

    /// Uses up a recovery code.
    pub async fn use_recovery_code(&self, user_id: &str, code: &str) -> Result<(), TwoFactorError> {
        if normalise(code).is_empty() {
            return Err(TwoFactorError::InvalidCode);
        }
        match self
            .store
            .delete(
                Table::Users,
                &recovery_key(user_id, code),
                Some(Cond::exists("pk")),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => Err(TwoFactorError::InvalidCode),
            Err(e) => Err(e.into()),
        }
    }

    /// The operations that remove every two-factor item of an account (the secret and the
    /// unused recovery codes).
    pub async fn removal_ops(&self, user_id: &str) -> Result<Vec<TxOp>, StoreError> {
        let codes = self
            .store
            .query(
                &Query::partition(Table::Users, keys::users::partition(user_id))
                    .sort(SortCond::BeginsWith(
                        keys::users::RECOVERY_CODE_PREFIX.into(),
                    ))
                    .limit(100),
            )
            .await?;
        let mut ops: Vec<TxOp> = codes
            .items
            .iter()
            .filter_map(Key::of)
            .map(|key| TxOp::Delete {
                table: Table::Users,
                key,
                cond: None,
            })
            .collect();
        ops.push(TxOp::Delete {
            table: Table::Users,
            key: keys::users::totp(user_id),
            cond: None,
        });
        Ok(ops)
    }

    /// Turns 2FA off: the secret and recovery codes are deleted and the account's flag
    /// cleared, in one transaction.
    pub async fn disable(&self, user_id: &str) -> Result<(), TwoFactorError> {
        let mut ops = self.removal_ops(user_id).await?;
        ops.push(TxOp::Update {
            table: Table::Users,
            key: keys::users::account(user_id),
            update: Update::new().set("two_factor_enabled", false),
            cond: Some(Cond::exists("pk")),
        });
        Ok(self.store.transact(ops).await?)
    }

    /// A single-use login challenge for `user_id`, valid 5 minutes.
    pub async fn issue_challenge(&self, user_id: &str, now: i64) -> Result<String, TwoFactorError> {
        let token = random_token().map_err(|e| TwoFactorError::Secret(e.to_string()))?;
        let mut item = challenge_key(&token).to_item();
        item.insert("user_id".into(), user_id.into());
        item.insert(TTL_ATTRIBUTE.into(), (now + CHALLENGE_SECS).into());
        self.store
            .put(Table::Sessions, item, Some(Cond::not_exists("pk")))
            .await?;
        Ok(token)
    }

    /// The account a live challenge belongs to (the challenge stays usable).
    pub async fn challenge_user(&self, token: &str) -> Result<Option<String>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        Ok(self
            .store
            .get(Table::Sessions, &challenge_key(token))
            .await?
            .and_then(|i| i.str_attr("user_id").map(str::to_owned)))
    }

    /// Counts a wrong code against a challenge; the challenge is deleted at its
    /// [`CHALLENGE_FAILURES`]th, so one password entry buys a few guesses, not five minutes'.
    pub async fn fail_challenge(&self, token: &str) -> Result<(), StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(());
        }
        let key = challenge_key(token);
        let counted = self
            .store
            .update(
                Table::Sessions,
                &key,
                &Update::new().add("failures", 1),
                Some(Cond::exists("pk")),
                ReturnValues::UpdatedNew,
            )
            .await;
        let failures = match counted {
            Ok(item) => item.and_then(|i| i.i64_attr("failures")).unwrap_or(0),
            Err(StoreError::ConditionFailed { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        if failures >= CHALLENGE_FAILURES {
            self.store.delete(Table::Sessions, &key, None).await?;
        }
        Ok(())
    }

    /// Redeems a challenge; false when it was already used or has expired.
    pub async fn consume_challenge(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        let live = Cond::exists("pk").and(Cond::ge(TTL_ATTRIBUTE, now));
        match self
            .store
            .delete(Table::Sessions, &challenge_key(token), Some(live))
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A recovery code: 50 random bits as ten lower-case base32 characters, `xxxxx-xxxxx`.
fn new_recovery_code() -> Result<String, TwoFactorError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| TwoFactorError::Secret(e.to_string()))?;
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_characters_and_compare_loosely() {
        let code = new_recovery_code().unwrap();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert_eq!(normalise(" ABCDE-fghij "), "abcdefghij");
    }

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 secret, truncated to 6 digits.
        let totp = totp(b"12345678901234567890".to_vec(), "a@example.com").unwrap();
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(totp.generate(1_111_111_109).to_string(), "081804");
        assert_eq!(totp.check("287082", 59), Some(1));
        assert_eq!(totp.check("287082", 89), Some(1), "one step of skew");
        assert_eq!(totp.check("287082", 120), None);
    }
}
