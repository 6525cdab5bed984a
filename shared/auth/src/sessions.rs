//! Sessions and their refresh-token families, in the sessions table.
//!
//! One item per session, indexed by user on GSI1 and sorted there by creation time (layout:
//! [`rampart_store::keys::sessions`]). The item holds the hash of the current refresh token
//! and of the one it replaced, the generation, and the current token sealed with the field
//! cipher so that a concurrent tab presenting the token just rotated away can be given the
//! current one during the grace window.
//!
//! Rotation is one conditional update on "the current hash is still the one presented": of
//! two concurrent refreshes with one token, exactly one rotates and the other falls into the
//! grace path, so a family never forks. The caller may add writes to the rotation's
//! transaction (the audit record, a check that the account still honours the session). A revoked session is deleted, so nothing can refresh
//! it and access tokens naming it stop working at once.

use rampart_audit::FieldCipher;
use rampart_store::{
    AttrValue, Cond, Index, Item, ItemExt, Query, ReturnValues, SharedStore, StoreError, Table,
    Update, keys,
};

use crate::keyring::Keyring;

mod refresh;
use crate::refresh_token;
use crate::secret_token::token_hash;

/// How long a session lives without a refresh (the refresh cookie's `Max-Age`).
pub const SESSION_SECS: i64 = 30 * 24 * 3600;

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub generation: i64,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// When the session was last confirmed as one to keep (revoking the owner's other
    /// sessions renews the current one); the account's `sessions_not_before` is compared
    /// with this.
    pub valid_from: i64,
}

impl Session {
    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Internal(format!("session item has no {what}"));
        Ok(Self {
            id: item.str_attr("id").ok_or_else(|| bad("id"))?.to_owned(),
            user_id: item
                .str_attr("user_id")
                .ok_or_else(|| bad("user_id"))?
                .to_owned(),
            generation: item.i64_attr("generation").unwrap_or(1),
            created_at: item.i64_attr("created_at").unwrap_or(0),
            last_used_at: item.i64_attr("last_used_at").unwrap_or(0),
            expires_at: item.i64_attr(rampart_store::TTL_ATTRIBUTE).unwrap_or(0),
            user_agent: item.str_attr("user_agent").map(str::to_owned),
            ip: item.str_attr("ip").map(str::to_owned),
            valid_from: item
                .i64_attr("valid_from")
                .or_else(|| item.i64_attr("created_at"))
                .unwrap_or(0),
        })
    }
}

/// A refresh token pair handed to the client: the refresh token and its session.
#[derive(Clone, Debug)]
pub struct Issued {
    pub session: Session,
    pub refresh_token: rampart_core::Masked<String>,
}

/// A refresh token whose session was found ([`Sessions::presented`]).
pub struct Presented {
    parsed: refresh_token::RefreshToken,
    item: Item,
    hash: String,
    user_id: String,
}

impl Presented {
    /// The user the session belongs to, as stored.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The session's id.
    pub fn session_id(&self) -> &str {
        &self.parsed.session_id
    }

    /// Since when the session counts as confirmed (see [`Session::valid_from`]).
    pub fn valid_from(&self) -> i64 {
        self.item
            .i64_attr("valid_from")
            .or_else(|| self.item.i64_attr("created_at"))
            .unwrap_or(0)
    }
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// Rotated (or, within the grace window, the current token handed out again).
    Ok(Issued),
    /// Unknown, forged, expired or revoked.
    Invalid,
    /// An older token was replayed; the session is now revoked.
    Reused { session_id: String, user_id: String },
}

/// Where a session is being opened from.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// Failures of the session store (beyond the outcomes above).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no randomness available")]
    Random,
    #[error("session field cannot be sealed: {0}")]
    Cipher(String),
    #[error(transparent)]
    Undecryptable(#[from] rampart_audit::DecryptionFailed),
}

/// The sessions repository.
#[derive(Clone)]
pub struct Sessions {
    store: SharedStore,
    keys: Keyring,
    cipher: FieldCipher,
    grace_secs: i64,
}

pub(crate) fn seal_context(session_id: &str) -> String {
    format!("session:{session_id}:refresh")
}

impl Sessions {
    /// The repository; `grace_secs` is `REFRESH_REUSE_GRACE_SECONDS`.
    pub fn new(store: SharedStore, keys: Keyring, cipher: FieldCipher, grace_secs: i64) -> Self {
        Self {
            store,
            keys,
            cipher,
            grace_secs,
        }
    }

    /// Opens a session for `user_id` with its first refresh token.
    pub async fn open(
        &self,
        user_id: &str,
        origin: &Origin,
        now: i64,
    ) -> Result<Issued, SessionError> {
        let id = rampart_core::ids::new_id();
        let token = refresh_token::issue(&self.keys, &id, 1).map_err(|_| SessionError::Random)?;
        let mut item = keys::sessions::session(&id).to_item();
        let mut put = |name: &str, value: AttrValue| {
            item.insert(name.to_owned(), value);
        };
        put("id", id.clone().into());
        put("user_id", user_id.into());
        put("gsi1pk", keys::sessions::by_user(user_id).into());
        put("gsi1sk", keys::sessions::by_user_sort(now, &id).into());
        put("generation", 1.into());
        put("current_hash", token_hash(&token).into());
        put("current_sealed", self.seal(&id, &token)?.into());
        put("rotated_at", now.into());
        put("created_at", now.into());
        put("last_used_at", now.into());
        put(rampart_store::TTL_ATTRIBUTE, (now + SESSION_SECS).into());
        if let Some(ua) = &origin.user_agent {
            put("user_agent", truncate(ua, 256).into());
        }
        if let Some(ip) = &origin.ip {
            put("ip", ip.clone().into());
        }
        let session = Session::from_item(&item)?;
        self.store
            .put(Table::Sessions, item, Some(Cond::not_exists("pk")))
            .await?;
        Ok(Issued {
            session,
            refresh_token: token.into(),
        })
    }

    /// A live session by id.
    pub async fn get(&self, id: &str) -> Result<Option<Session>, StoreError> {
        match self
            .store
            .get(Table::Sessions, &keys::sessions::session(id))
            .await?
        {
            Some(item) => Session::from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    /// Revokes (deletes) a session; returns it as it was.
    pub async fn revoke(&self, id: &str) -> Result<Option<Session>, StoreError> {
        match self
            .store
            .delete(Table::Sessions, &keys::sessions::session(id), None)
            .await?
        {
            Some(item) => Session::from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    /// Revokes a session only if it belongs to `user_id`; `false` when it does not exist or
    /// is someone else's (the caller answers 404 either way).
    pub async fn revoke_owned(&self, id: &str, user_id: &str) -> Result<bool, StoreError> {
        match self
            .store
            .delete(
                Table::Sessions,
                &keys::sessions::session(id),
                Some(Cond::eq("user_id", user_id)),
            )
            .await
        {
            Ok(Some(_)) => Ok(true),
            Ok(None) | Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// One page of a user's live sessions, oldest first.
    pub async fn list(
        &self,
        user_id: &str,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Session>, Option<String>), StoreError> {
        let query = Query::index(
            Table::Sessions,
            Index::Gsi1,
            keys::sessions::by_user(user_id),
        )
        .limit(limit)
        .after(cursor);
        let page = self.store.query(&query).await?;
        let sessions = page
            .items
            .iter()
            .map(Session::from_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((sessions, page.cursor))
    }

    /// Every live session id of a user.
    pub async fn all_ids(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let mut ids = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = self.list(user_id, 100, cursor).await?;
            ids.extend(page.into_iter().map(|s| s.id));
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(ids),
            }
        }
    }

    /// Revokes every session of a user except `keep`; returns how many were revoked.
    /// Marks a live session of `user_id` as kept at `now`, so an account-wide
    /// `sessions_not_before = now` spares it; `false` when there is no such session.
    pub async fn renew(&self, id: &str, user_id: &str, now: i64) -> Result<bool, StoreError> {
        match self
            .store
            .update(
                Table::Sessions,
                &keys::sessions::session(id),
                &Update::new().set("valid_from", now),
                Some(Cond::eq("user_id", user_id.to_owned())),
                ReturnValues::None,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn revoke_all_except(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut revoked = 0;
        for id in self.all_ids(user_id).await? {
            if Some(id.as_str()) != keep && self.revoke_owned(&id, user_id).await? {
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    fn seal(&self, session_id: &str, token: &str) -> Result<String, SessionError> {
        self.cipher
            .seal(token.as_bytes(), &seal_context(session_id))
            .map_err(|e| SessionError::Cipher(e.to_string()))
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
