//! Support tickets: an owner opens one and may close it; reviewers and admins (`tickets:manage`)
//! see every ticket and change status, assignee and priority.

use rampart_core::FieldError;
use rampart_store::{Cond, Item, ItemExt, SharedStore, StoreError, Table, TxOp, keys};
use serde::{Deserialize, Serialize};

use crate::listing::{self, CappedWriteError, DailyCap, DailyCapReached};

mod index;
mod validation;

pub use index::PressingTickets;

/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Tickets one account opens in a UTC day at most.
pub const TICKETS_PER_DAY: DailyCap = DailyCap {
    counter: "tickets",
    what: "support tickets",
    cap: 20,
};
const WRITE_ATTEMPTS: usize = 3;

/// How urgent a ticket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Pending,
    Resolved,
    Closed,
}

impl TicketStatus {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// The status named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::Pending, Self::Resolved, Self::Closed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A ticket as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Ticket {
    pub id: String,
    /// The account that opened it.
    pub owner_id: String,
    pub subject: String,
    pub body: String,
    pub priority: Priority,
    pub status: TicketStatus,
    /// The reviewer or admin handling it.
    pub assignee: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /support/tickets`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    #[schemars(length(min = 1, max = 200), pattern(rampart_core::text::SINGLE_LINE))]
    pub subject: String,
    #[schemars(length(min = 1, max = 10000), pattern(rampart_core::text::NOT_BLANK))]
    pub body: String,
    /// Default `normal`.
    #[serde(default = "normal")]
    pub priority: Priority,
}

fn normal() -> Priority {
    Priority::Normal
}

/// `PATCH /support/tickets/{id}`: at least one field. `assignee: null` unassigns.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [
    {"required": ["status"], "properties": {"status": {"type": "string"}}},
    {"required": ["priority"], "properties": {"priority": {"type": "string"}}},
    {"required": ["assignee"]},
]))]
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    /// A user id, or `null` to unassign.
    #[serde(default, deserialize_with = "present")]
    #[schemars(
        with = "Option<String>",
        length(min = 1, max = 128),
        pattern(r"^[A-Za-z0-9]+$")
    )]
    pub assignee: Option<Option<String>>,
}

/// `Some(value)` for a field that is present, even as `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Why a ticket operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("invalid ticket")]
    Validation(Vec<FieldError>),
    #[error("no such ticket")]
    NotFound,
    /// The caller may not make this change (an owner changing more than the status to closed).
    #[error("not allowed")]
    Forbidden,
    #[error("the ticket has changed")]
    Stale,
    #[error(transparent)]
    DailyCap(DailyCapReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TicketError> for rampart_core::ApiError {
    fn from(error: TicketError) -> Self {
        match error {
            TicketError::Validation(errors) => Self::Validation(errors),
            TicketError::NotFound => Self::ResourceNotFound,
            TicketError::Forbidden => Self::Forbidden,
            TicketError::Stale => Self::PreconditionFailed,
            TicketError::DailyCap(cap) => cap.into(),
            TicketError::Store(error) => error.into(),
        }
    }
}

/// Who is asking.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    pub id: &'a str,
    /// Holds `tickets:manage` (reviewers and admins).
    pub manages: bool,
}

/// A stored ticket and the version its writes are conditioned on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub ticket: Ticket,
    pub version: i64,
}

fn to_item(stored: &Stored) -> Result<Item, StoreError> {
    let t = &stored.ticket;
    let mut item = keys::content::ticket(&t.id).to_item();
    let json = serde_json::to_string(t).map_err(|e| StoreError::Internal(e.to_string()))?;
    item.insert("ticket".into(), json.into());
    item.insert("version".into(), stored.version.into());
    // Both indexes sort by status, then priority, then age: a status is a key prefix, and
    // the most pressing open tickets come first.
    let order = index::sort_key(t);
    item.insert(
        "gsi1pk".into(),
        keys::content::tickets_of(&t.owner_id).into(),
    );
    item.insert("gsi1sk".into(), order.clone().into());
    item.insert("gsi2pk".into(), keys::content::ALL_TICKETS.into());
    item.insert("gsi2sk".into(), order.into());
    Ok(item)
}

fn from_item(item: &Item) -> Result<Stored, StoreError> {
    let ticket = item
        .str_attr("ticket")
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| StoreError::Internal("a stored ticket is unreadable".into()))?;
    Ok(Stored {
        ticket,
        version: item.i64_attr("version").unwrap_or(0),
    })
}

/// Every support ticket.
#[derive(Clone)]
pub struct Tickets {
    store: SharedStore,
}

impl Tickets {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Opens a ticket for `owner_id`: the ticket, its counts and the owner's daily slot in
    /// one transaction.
    pub async fn create(
        &self,
        owner_id: &str,
        new: NewTicket,
        now: &str,
        now_secs: i64,
    ) -> Result<Ticket, TicketError> {
        new.validate()?;
        let stored = Stored {
            ticket: Ticket {
                id: rampart_core::ids::new_id(),
                owner_id: owner_id.to_owned(),
                subject: new.subject,
                body: new.body,
                priority: new.priority,
                status: TicketStatus::Open,
                assignee: None,
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            },
            version: 1,
        };
        let mut ops = vec![TxOp::Put {
            table: Table::Content,
            item: to_item(&stored)?,
            cond: Some(Cond::not_exists("pk")),
        }];
        ops.extend(index::count_changes(None, Some(&stored.ticket)));
        TICKETS_PER_DAY
            .write(&self.store, ops, owner_id, now_secs)
            .await
            .map_err(|e| match e {
                CappedWriteError::Capped(cap) => TicketError::DailyCap(cap),
                CappedWriteError::Store(e) => e.into(),
            })?;
        Ok(stored.ticket)
    }

    /// The ticket `id`, if `caller` may see it (its owner, or a manager).
    pub async fn get(&self, caller: Caller<'_>, id: &str) -> Result<Option<Stored>, TicketError> {
        let Some(item) = self
            .store
            .get(Table::Content, &keys::content::ticket(id))
            .await?
        else {
            return Ok(None);
        };
        let stored = from_item(&item)?;
        Ok((caller.manages || stored.ticket.owner_id == caller.id).then_some(stored))
    }

    /// Applies `patch` as `caller`: a manager may change anything; the owner may only close.
    pub async fn update(
        &self,
        caller: Caller<'_>,
        id: &str,
        patch: TicketPatch,
        now: &str,
        precondition: impl Fn(&Ticket) -> bool,
    ) -> Result<Ticket, TicketError> {
        patch.validate()?;
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.get(caller, id).await?.ok_or(TicketError::NotFound)?;
            if !caller.manages && !patch.only_closes() {
                return Err(TicketError::Forbidden);
            }
            if !precondition(&current.ticket) {
                return Err(TicketError::Stale);
            }
            let mut next = current.clone();
            if let Some(status) = patch.status {
                next.ticket.status = status;
            }
            if let Some(priority) = patch.priority {
                next.ticket.priority = priority;
            }
            if let Some(assignee) = &patch.assignee {
                next.ticket.assignee.clone_from(assignee);
            }
            next.ticket.updated_at = now.to_owned();
            next.version = current.version + 1;
            let mut ops = vec![TxOp::Put {
                table: Table::Content,
                item: to_item(&next)?,
                cond: Some(Cond::eq("version", current.version)),
            }];
            ops.extend(index::count_changes(
                Some(&current.ticket),
                Some(&next.ticket),
            ));
            match self.store.transact(ops).await {
                Ok(()) => return Ok(next.ticket),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(TicketError::Store(StoreError::Unavailable(
            "the ticket keeps changing; try again".into(),
        )))
    }

    /// Deletes every ticket `owner_id` opened, and their counts (account deletion). Each
    /// ticket goes with its count in one transaction, so a retried deletion counts none twice.
    pub async fn delete_all(&self, owner_id: &str) -> Result<usize, TicketError> {
        let all = self.of_owner(owner_id).await?;
        for ticket in &all {
            let mut ops = vec![TxOp::Delete {
                table: Table::Content,
                key: keys::content::ticket(&ticket.id),
                cond: Some(Cond::exists("pk")),
            }];
            ops.extend(index::count_changes(Some(ticket), None));
            match self.store.transact(ops).await {
                Err(error) if error.is_condition_failed() => {}
                other => other?,
            }
        }
        self.store
            .delete(
                Table::Content,
                &listing::counter_key(&index::owner_list(owner_id)),
                None,
            )
            .await?;
        Ok(all.len())
    }
}

#[cfg(test)]
mod tests;
