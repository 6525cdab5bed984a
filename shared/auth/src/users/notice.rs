//! Limits on mail to a mailbox: the "account exists" notice's hourly slot and the daily cap on
//! verification mails. Both are kept per mailbox ([`Email::mailbox`]) and apart from any
//! account, so plus-tags, dots and deleting the account buy no extra mail.

use rampart_store::{Cond, ReturnValues, StoreError, TTL_ATTRIBUTE, Table, Update, keys};

use super::{NOTICE_INTERVAL_SECS, Users};
use crate::email::Email;

/// Verification mails one mailbox receives in a UTC day at most.
pub const VERIFICATION_MAILS_PER_DAY: i64 = 3;

const DAY_SECS: i64 = 24 * 3600;

impl Users {
    /// Whether an "account exists" notice may go to `email` now: at most one an hour, so
    /// registering a taken address over and over cannot flood its owner's mailbox.
    pub async fn take_notice_slot(&self, email: &Email, now: i64) -> Result<bool, StoreError> {
        let mut marker = keys::users::account_exists_notice(&email.mailbox()).to_item();
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

    /// Takes one of the day's [`VERIFICATION_MAILS_PER_DAY`] verification mails of `email`'s
    /// mailbox: one conditional `ADD`, so concurrent workers cannot overshoot. False when the
    /// day's are used up.
    pub async fn take_verification_slot(
        &self,
        email: &Email,
        now: i64,
    ) -> Result<bool, StoreError> {
        let day = now.div_euclid(DAY_SECS);
        let key = keys::users::verification_mail_count(&email.mailbox(), day);
        let update = Update::new()
            .add("sent", 1)
            .set(TTL_ATTRIBUTE, (day + 2) * DAY_SECS);
        let room = Cond::not_exists("sent").or(Cond::lt("sent", VERIFICATION_MAILS_PER_DAY));
        match self
            .store
            .update(Table::Users, &key, &update, Some(room), ReturnValues::None)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e),
        }
    }
}
