//! Refreshing a session: the presented token's session read, the rotation (one conditional
//! update, with whatever the caller adds to its transaction) and the grace window's answer to
//! a token just rotated away.

use rampart_store::{
    AttrValue, CancelReason, Cond, Item, ItemExt, Key, ReturnValues, StoreError, Table, TxOp,
    Update, keys,
};

use super::*;
use crate::refresh_token;
use crate::secret_token::{constant_time_eq, token_hash};

impl Sessions {
    /// Presents a refresh token: rotates it, hands out the current one within the grace
    /// window, or revokes the session on a replay.
    pub async fn refresh(&self, token: &str, now: i64) -> Result<RefreshOutcome, SessionError> {
        match self.presented(token).await? {
            Some(presented) => self.settle(presented, now).await,
            None => Ok(RefreshOutcome::Invalid),
        }
    }

    /// Where the session a refresh token names is stored, from the token's text alone (it
    /// is not authenticated): for reading the item ahead, alongside other reads.
    pub fn key_of(token: &str) -> Option<(Table, Key)> {
        let session = refresh_token::session_named(token)?;
        Some((Table::Sessions, keys::sessions::session(session)))
    }

    /// The session an authentic refresh token names, as stored (`None`: the token is not
    /// authentic, or its session is gone). [`Sessions::settle`] then decides; the caller may
    /// read what the session names (its user) at the same time.
    pub async fn presented(&self, token: &str) -> Result<Option<Presented>, SessionError> {
        self.presented_knowing(token, None).await
    }

    /// [`Sessions::presented`], with the item at [`Sessions::key_of`] the token already read
    /// (`Some(None)`: it does not exist), when it was.
    pub async fn presented_knowing(
        &self,
        token: &str,
        known: Option<Option<Item>>,
    ) -> Result<Option<Presented>, SessionError> {
        let Some(parsed) = refresh_token::authenticate(&self.keys, token) else {
            return Ok(None);
        };
        let key = keys::sessions::session(&parsed.session_id);
        let item = match known {
            Some(item) if Self::key_of(token).is_some_and(|(_, k)| k == key) => item,
            _ => self.store.get(Table::Sessions, &key).await?,
        };
        Ok(item.map(|item| Presented {
            parsed,
            hash: token_hash(token),
            user_id: item.str_attr("user_id").unwrap_or_default().to_owned(),
            item,
        }))
    }

    /// Rotates a presented token, hands out the current one within the grace window, or
    /// revokes the session on a replay.
    pub async fn settle(
        &self,
        presented: Presented,
        now: i64,
    ) -> Result<RefreshOutcome, SessionError> {
        Ok(self.settle_with(presented, now, Vec::new()).await?.0)
    }

    /// [`Sessions::settle`], with `also` written in the rotation's transaction; and whether
    /// they were (only a rotation writes them: not the grace window's answer, nor a refusal).
    /// A failed condition of `also` refuses the refresh: nothing is rotated, and the outcome
    /// is [`RefreshOutcome::Invalid`].
    pub async fn settle_with(
        &self,
        presented: Presented,
        now: i64,
        also: Vec<TxOp>,
    ) -> Result<(RefreshOutcome, bool), SessionError> {
        let Presented {
            parsed, item, hash, ..
        } = presented;
        let current = item.str_attr("current_hash").unwrap_or_default();
        if constant_time_eq(current, &hash) {
            return self.rotate(&item, &hash, now, also).await;
        }
        Ok((self.stale(&item, &parsed, &hash, now).await?, false))
    }

    async fn rotate(
        &self,
        item: &Item,
        presented: &str,
        now: i64,
        also: Vec<TxOp>,
    ) -> Result<(RefreshOutcome, bool), SessionError> {
        let session = Session::from_item(item)?;
        let generation = session.generation + 1;
        let token = refresh_token::issue(&self.keys, &session.id, generation)
            .map_err(|_| SessionError::Random)?;
        let changes: [(&str, AttrValue); 7] = [
            ("generation", generation.into()),
            ("current_hash", token_hash(&token).into()),
            ("previous_hash", presented.into()),
            ("current_sealed", self.seal(&session.id, &token)?.into()),
            ("rotated_at", now.into()),
            ("last_used_at", now.into()),
            (rampart_store::TTL_ATTRIBUTE, (now + SESSION_SECS).into()),
        ];
        let mut update = Update::new();
        let mut rotated = item.clone();
        for (name, value) in changes {
            update = update.set(name, value.clone());
            rotated.insert(name.to_owned(), value);
        }
        let still_current =
            Cond::eq("current_hash", presented).and(Cond::ge(rampart_store::TTL_ATTRIBUTE, now));
        let key = keys::sessions::session(&session.id);
        let issued = |rotated: &Item| -> Result<RefreshOutcome, SessionError> {
            Ok(RefreshOutcome::Ok(Issued {
                session: Session::from_item(rotated)?,
                refresh_token: token.clone().into(),
            }))
        };
        // Another refresh with the same token won the race (or the session died): decide
        // again against the session as it now is.
        let lost = |existing: Option<Item>| async move {
            match existing {
                Some(existing) => {
                    let parsed = refresh_token::RefreshToken {
                        session_id: session.id.clone(),
                        generation: session.generation,
                    };
                    Ok((self.stale(&existing, &parsed, presented, now).await?, false))
                }
                None => Ok((RefreshOutcome::Invalid, false)),
            }
        };
        if also.is_empty() {
            return match self
                .store
                .update(
                    Table::Sessions,
                    &key,
                    &update,
                    Some(still_current),
                    ReturnValues::AllNew,
                )
                .await
            {
                Ok(Some(new)) => Ok((issued(&new)?, false)),
                Ok(None) => Err(SessionError::Store(StoreError::Internal(
                    "rotation returned no item".into(),
                ))),
                Err(StoreError::ConditionFailed { existing }) => lost(existing.map(|b| *b)).await,
                Err(e) => Err(e.into()),
            };
        }
        let mut ops = vec![TxOp::Update {
            table: Table::Sessions,
            key,
            update,
            cond: Some(still_current),
        }];
        ops.extend(also);
        match self.store.transact(ops).await {
            Ok(()) => Ok((issued(&rotated)?, true)),
            Err(StoreError::TransactionCanceled { reasons }) => match reasons.first() {
                Some(CancelReason::ConditionalCheckFailed(existing)) => {
                    lost(existing.clone()).await
                }
                _ if reasons
                    .iter()
                    .any(|r| matches!(r, CancelReason::ConditionalCheckFailed(_))) =>
                {
                    Ok((RefreshOutcome::Invalid, false))
                }
                _ => Err(StoreError::TransactionCanceled { reasons }.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// A token that is not the current one: the previous token within the grace window gets
    /// the current pair; any other authentic token of this session is a replay.
    async fn stale(
        &self,
        item: &Item,
        parsed: &refresh_token::RefreshToken,
        presented: &str,
        now: i64,
    ) -> Result<RefreshOutcome, SessionError> {
        let session = Session::from_item(item)?;
        if session.expires_at < now {
            return Ok(RefreshOutcome::Invalid);
        }
        let previous = item.str_attr("previous_hash").unwrap_or_default();
        let rotated_at = item.i64_attr("rotated_at").unwrap_or(0);
        if constant_time_eq(previous, presented) && now - rotated_at <= self.grace_secs {
            let sealed = item.str_attr("current_sealed").unwrap_or_default();
            let current = self
                .cipher
                .open(sealed, &seal_context(&session.id))
                .map_err(|reason| {
                    let record = format!("sessions/{}", keys::sessions::session(&session.id).pk);
                    rampart_audit::DecryptionFailed::new(
                        "session.refresh_token",
                        record,
                        sealed,
                        reason,
                    )
                })?;
            let token = String::from_utf8(current)
                .map_err(|_| SessionError::Cipher("sealed token is not text".into()))?;
            return Ok(RefreshOutcome::Ok(Issued {
                session,
                refresh_token: token.into(),
            }));
        }
        if parsed.generation < session.generation {
            self.revoke(&session.id).await?;
            return Ok(RefreshOutcome::Reused {
                session_id: session.id,
                user_id: session.user_id,
            });
        }
        Ok(RefreshOutcome::Invalid)
    }
}
