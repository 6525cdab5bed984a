//! Accounts in the users table.
//!
//! Layout ([`rampart_store::keys::users`]): the account, and the email claim naming it.
//! Both are written in one transaction, each on the condition that it does not exist yet, so
//! an address belongs to one account at most, under any concurrency.

use rampart_core::clock::rfc3339;
use rampart_rbac::{Permission, Role};
use rampart_store::{
    AttrValue, Cond, Item, ItemExt, Key, ReturnValues, SharedStore, StoreError, TTL_ATTRIBUTE,
    Table, TxOp, Update, keys,
};
use serde::Serialize;

use crate::email::Email;

/// An account as stored. Its `Debug` leaves the password hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: Email,
    /// The Argon2id PHC string; `None` for accounts created through OAuth.
    pub password_hash: Option<String>,
    pub role: Role,
    pub grants: Vec<Permission>,
    pub email_verified: bool,
    pub two_factor_enabled: bool,
    /// Milliseconds since the epoch.
    pub created_ms: i64,
    /// Sessions begun before this time (epoch seconds) are not honoured, whether or not a
    /// revocation reached them: set when the account changes hands, where a session created
    /// a moment earlier might not yet show in the index a revocation walks.
    pub sessions_not_before: Option<i64>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("has_password", &self.password_hash.is_some())
            .field("role", &self.role)
            .field("grants", &self.grants)
            .field("email_verified", &self.email_verified)
            .field("two_factor_enabled", &self.two_factor_enabled)
            .field("created_ms", &self.created_ms)
            .field("sessions_not_before", &self.sessions_not_before)
            .finish()
    }
}

/// The account as clients see it (`{user}` in the contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    /// `viewer`, `reviewer` or `admin`.
    pub role: &'static str,
    pub two_factor_enabled: bool,
    /// RFC 3339.
    pub created_at: String,
}

impl User {
    /// The client-facing view.
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            email: self.email.to_string(),
            email_verified: self.email_verified,
            role: self.role.as_str(),
            two_factor_enabled: self.two_factor_enabled,
            created_at: rfc3339(self.created_ms),
        }
    }

    fn to_item(&self) -> Item {
        let mut item = keys::users::account(&self.id).to_item();
        item.insert("id".into(), self.id.clone().into());
        item.insert("email".into(), self.email.given().into());
        if let Some(hash) = &self.password_hash {
            item.insert("password_hash".into(), hash.clone().into());
        }
        item.insert("role".into(), self.role.as_str().into());
        item.insert(
            "grants".into(),
            AttrValue::L(self.grants.iter().map(|g| g.to_string().into()).collect()),
        );
        item.insert("email_verified".into(), self.email_verified.into());
        item.insert("two_factor_enabled".into(), self.two_factor_enabled.into());
        item.insert("created_ms".into(), self.created_ms.into());
        if let Some(at) = self.sessions_not_before {
            item.insert("sessions_not_before".into(), at.into());
        }
        item
    }

    /// Whether a session begun at `created_at` (epoch seconds) may still be honoured.
    pub fn honours_session_from(&self, created_at: i64) -> bool {
        self.sessions_not_before.is_none_or(|at| created_at >= at)
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Internal(format!("user item has no valid {what}"));
        let email = item
            .str_attr("email")
            .and_then(|e| Email::parse(e).ok())
            .ok_or_else(|| bad("email"))?;
        let role = item
            .str_attr("role")
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| bad("role"))?;
        let grants = match item.get("grants") {
            Some(AttrValue::L(list)) => list
                .iter()
                .filter_map(AttrValue::as_s)
                .filter_map(|g| Permission::parse(g).ok())
                .collect(),
            _ => Vec::new(),
        };
        let flag = |name: &str| matches!(item.get(name), Some(AttrValue::Bool(true)));
        Ok(Self {
            id: item.str_attr("id").ok_or_else(|| bad("id"))?.to_owned(),
            email,
            password_hash: item.str_attr("password_hash").map(str::to_owned),
            role,
            grants,
            email_verified: flag("email_verified"),
            two_factor_enabled: flag("two_factor_enabled"),
            created_ms: item.i64_attr("created_ms").unwrap_or(0),
            sessions_not_before: item.i64_attr("sessions_not_before"),
        })
    }
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the email address belongs to another account")]
    EmailTaken,
    #[error(transparent)]
    Store(StoreError),
}

/// The accounts repository.
#[derive(Clone)]
pub struct Users {
    store: SharedStore,
}

/// How long an account whose address nobody has proved lives: long enough for its owner to
/// find the mail, short enough that a squatted address frees itself (contract: 7 days).
pub const UNVERIFIED_TTL_SECS: i64 = 7 * 24 * 3600;

/// An account id no account has (ids are ULIDs), read in place of a missing one.
const PLACEHOLDER_ID: &str = "-";

/// The least time between two "account exists" notices to one address.
const NOTICE_INTERVAL_SECS: i64 = 3600;

impl Users {
    /// The repository on `store`.
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Creates the account and its email claim together. An account whose address is not yet
    /// proved expires, claim and all, after [`UNVERIFIED_TTL_SECS`] unless it is proved.
    pub async fn create(&self, user: &User) -> Result<(), CreateError> {
        let mut claim = keys::users::email_claim(user.email.as_str()).to_item();
        claim.insert("user_id".into(), user.id.clone().into());
        let mut account = user.to_item();
        if !user.email_verified {
            let expires = user.created_ms / 1000 + UNVERIFIED_TTL_SECS;
            account.insert(TTL_ATTRIBUTE.into(), expires.into());
            claim.insert(TTL_ATTRIBUTE.into(), expires.into());
        }
        // An expired claim (an address nobody proved within the week) is free to take, even
        // while DynamoDB has not yet deleted it.
        let free = Cond::absent_or_expired(user.created_ms / 1000);
        let result = self
            .store
            .transact(vec![
                TxOp::Put {
                    table: Table::Users,
                    item: account,
                    cond: Some(Cond::not_exists("pk")),
                },
                TxOp::Put {
                    table: Table::Users,
                    item: claim,
                    cond: Some(free),
                },
            ])
            .await;
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.is_condition_failed() => Err(CreateError::EmailTaken),
            Err(e) => Err(CreateError::Store(e)),
        }
    }

    /// The account with this id.
    pub async fn get(&self, id: &str) -> Result<Option<User>, StoreError> {
        match self
            .store
            .get(Table::Users, &keys::users::account(id))
            .await?
        {
            Some(item) => User::from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    /// The account that owns this address.
    pub async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let Some(claim) = self
            .store
            .get(Table::Users, &keys::users::email_claim(email.as_str()))
            .await?
        else {
            return Ok(None);
        };
        match claim.str_attr("user_id") {
            Some(id) => self.get(id).await,
            None => Ok(None),
        }
    }

    /// As [`Users::find_by_email`], always at the cost of two reads: an unknown address reads
    /// a placeholder account too, so how long a sign-in takes does not tell whether the
    /// address is registered.
    pub async fn find_by_email_evenly(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let claim = self
            .store
            .get(Table::Users, &keys::users::email_claim(email.as_str()))
            .await?;
        let id = claim
            .as_ref()
            .and_then(|c| c.str_attr("user_id"))
            .unwrap_or(PLACEHOLDER_ID);
        let user = self.get(id).await?;
        Ok(user.filter(|_| claim.is_some()))
    }

    /// Records that the address was proved at `now` (by a verification link, a password reset
    /// or a provider's sign-in), applying `update` (a new password, or none) in the same write:
    /// the account is verified and no longer expires, every session begun before `now` ends,
    /// and every token mailed before it is retired. `None` when
    /// the account no longer exists.
    pub async fn prove_address(
        &self,
        user: &User,
        now: i64,
        update: Update,
    ) -> Result<Option<User>, StoreError> {
        self.prove_address_when(user, now, update, Cond::exists("pk"))
            .await
    }

    /// [`Users::prove_address`], when `condition` holds of the account as well; `None` when it
    /// does not.
    pub async fn prove_address_when(
        &self,
        user: &User,
        now: i64,
        update: Update,
        condition: Cond,
    ) -> Result<Option<User>, StoreError> {
        // The proof also retires every mailed token: none issued before it works afterwards.
        let account = crate::one_time_tokens::OneTimeTokens::retire_all(update)
            .set("email_verified", true)
            .set("sessions_not_before", now)
            .remove(TTL_ATTRIBUTE);
        let result = self
            .store
            .transact(vec![
                TxOp::Update {
                    table: Table::Users,
                    key: keys::users::account(&user.id),
                    update: account,
                    cond: Some(condition),
                },
                TxOp::Update {
                    table: Table::Users,
                    key: keys::users::email_claim(user.email.as_str()),
                    update: Update::new().remove(TTL_ATTRIBUTE),
                    cond: Some(Cond::eq("user_id", user.id.clone())),
                },
            ])
            .await;
        match result {
            Ok(()) => self.get(&user.id).await,
            Err(e) if e.is_condition_failed() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Marks the address verified; `None` when the account no longer exists.
    pub async fn mark_verified(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.set(id, Update::new().set("email_verified", true))
            .await
    }

    /// Applies `update` to an existing account and returns it as it now is.
    pub async fn set(&self, id: &str, update: Update) -> Result<Option<User>, StoreError> {
        self.set_when(id, update, Cond::exists("pk")).await
    }

    /// Applies `update` when `condition` holds; `None` when it does not (or there is no such
    /// account).
    pub async fn set_when(
        &self,
        id: &str,
        update: Update,
        condition: Cond,
    ) -> Result<Option<User>, StoreError> {
        match self
            .store
            .update(
                Table::Users,
                &keys::users::account(id),
                &update,
                Some(condition),
                ReturnValues::AllNew,
            )
            .await
        {
            Ok(Some(item)) => User::from_item(&item).map(Some),
            Ok(None) | Err(StoreError::ConditionFailed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

mod deletion;
mod notice;
mod roles;
#[cfg(test)]
mod tests;

pub use roles::{ChangeCheck, RoleError, UNCHECKED};
