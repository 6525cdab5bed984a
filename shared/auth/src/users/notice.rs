//! The "account exists" notice's hourly slot.

use rampart_store::{Cond, StoreError, TTL_ATTRIBUTE, Table, keys};

use super::{NOTICE_INTERVAL_SECS, Users};
use crate::email::Email;

impl Users {
    /// Whether an "account exists" notice may go to `email` now: at most one an hour, so
    /// registering a taken address over and over cannot flood its owner's mailbox.
    pub async fn take_notice_slot(&self, email: &Email, now: i64) -> Result<bool, StoreError> {
        let mut marker = keys::users::account_exists_notice(email.as_str()).to_item();
        marker.insert(TTL_ATTRIBUTE.into(), (now + NOTICE_INTERVAL_SECS).into());
        match self
            .store
            .put(Table::Users, marker, Some(Cond::absent_or_expired(now)))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
