//! The users table: each account's partition (`user#<id>`) holds the account and what goes
//! with it (two-factor secret, recovery codes, export records, API key links); email claims,
//! API keys and one-time tokens have partitions of their own.

use crate::port::Key;

/// The sort-key prefix of an account's unused recovery codes.
pub const RECOVERY_CODE_PREFIX: &str = "recovery#";
/// The sort-key prefix of an account's export records.
pub const EXPORT_PREFIX: &str = "export#";
/// The sort-key prefix of an account's links to the API keys it created.
pub const API_KEY_LINK_PREFIX: &str = "apikey#";
/// The GSI1 sort key of every API key (one item per id).
pub const API_KEY_BY_ID_SORT: &str = "key";

/// The partition of an account and everything that goes with it.
pub fn partition(user_id: &str) -> String {
    format!("user#{user_id}")
}

/// The account itself.
pub fn account(user_id: &str) -> Key {
    Key::new(partition(user_id), "user")
}

/// The claim that makes an address belong to one account (the address as normalised).
pub fn email_claim(email: &str) -> Key {
    Key::new(format!("email#{email}"), "claim")
}

/// The account's TOTP secret.
pub fn totp(user_id: &str) -> Key {
    Key::new(partition(user_id), "totp")
}

/// One unused recovery code, by the hash of the normalised code.
pub fn recovery_code(user_id: &str, code_hash: &str) -> Key {
    Key::new(
        partition(user_id),
        format!("{RECOVERY_CODE_PREFIX}{code_hash}"),
    )
}

/// One export record of the account.
pub fn export(user_id: &str, export_id: &str) -> Key {
    Key::new(partition(user_id), format!("{EXPORT_PREFIX}{export_id}"))
}

/// An API key, by the hash of its secret.
pub fn api_key(secret_hash: &str) -> Key {
    Key::new(format!("apikey#{secret_hash}"), "key")
}

/// The GSI1 partition that finds an API key by its id.
pub fn api_key_by_id(id: &str) -> String {
    format!("apikey#{id}")
}

/// The creator's link to an API key, in the creator's partition.
pub fn api_key_link(created_by: &str, id: &str) -> Key {
    Key::new(partition(created_by), format!("{API_KEY_LINK_PREFIX}{id}"))
}

/// An email-verification token, by the hash of the token.
pub fn email_verification(token_hash: &str) -> Key {
    Key::new(format!("verify#{token_hash}"), "token")
}

/// The marker that an "account exists" notice went to this mailbox within the hour.
pub fn account_exists_notice(mailbox: &str) -> Key {
    Key::new(format!("mailbox#{mailbox}"), "exists-notice")
}

/// How many verification mails went to this mailbox on `day` (days since the epoch, UTC).
pub fn verification_mail_count(mailbox: &str, day: i64) -> Key {
    Key::new(format!("mailbox#{mailbox}"), format!("verify-mails#{day}"))
}

/// A password-reset token, by its hash.
pub fn password_reset(token_hash: &str) -> Key {
    Key::new(format!("reset#{token_hash}"), "token")
}

/// The set of admin account ids, kept with every role change so the last admin is never
/// demoted.
pub fn admins() -> Key {
    Key::new("admins", "set")
}
