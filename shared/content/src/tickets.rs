//! Support tickets: an owner opens one and may close it; reviewers and admins (`tickets:manage`)
//! see every ticket and change status, assignee and priority.

use rampart_core::FieldError;
use rampart_store::{Cond, Index, Item, ItemExt, Query, SharedStore, StoreError, Table, keys};
use serde::{Deserialize, Serialize};

/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
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
    #[schemars(length(min = 1, max = 200))]
    pub subject: String,
    #[schemars(length(min = 1, max = 10000))]
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
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    /// A user id, or `null` to unassign.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<String>")]
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
    Store(#[from] StoreError),
}

impl From<TicketError> for rampart_core::ApiError {
    fn from(error: TicketError) -> Self {
        match error {
            TicketError::Validation(errors) => Self::Validation(errors),
            TicketError::NotFound => Self::ResourceNotFound,
            TicketError::Forbidden => Self::Forbidden,
            TicketError::Stale => Self::PreconditionFailed,
            TicketError::Store(error) => error.into(),
        }
    }
}

fn text_field(
    name: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
    single_line: bool,
) {
    if value.trim().is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            name,
            format!("must be 1 to {max} characters, not only spaces"),
        ));
    } else if single_line && value.chars().any(char::is_control) {
        errors.push(FieldError::new(name, "must not contain control characters"));
    }
}

impl NewTicket {
    pub fn validate(&self) -> Result<(), TicketError> {
        let mut errors = Vec::new();
        text_field(
            "subject",
            &self.subject,
            MAX_SUBJECT_CHARS,
            &mut errors,
            true,
        );
        text_field("body", &self.body, MAX_BODY_CHARS, &mut errors, false);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TicketError::Validation(errors))
        }
    }
}

impl TicketPatch {
    pub fn validate(&self) -> Result<(), TicketError> {
        let mut errors = Vec::new();
        if self.status.is_none() && self.priority.is_none() && self.assignee.is_none() {
            errors.push(FieldError::new(
                "status",
                "send status, priority, assignee or several",
            ));
        }
        if let Some(Some(assignee)) = &self.assignee
            && (assignee.is_empty()
                || assignee.len() > 128
                || !assignee.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            errors.push(FieldError::new("assignee", "must be a user id"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TicketError::Validation(errors))
        }
    }

    /// Whether this is the one change an owner may make: closing.
    fn only_closes(&self) -> bool {
        self.status == Some(TicketStatus::Closed)
            && self.priority.is_none()
            && self.assignee.is_none()
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
    item.insert(
        "gsi1pk".into(),
        keys::content::tickets_of(&t.owner_id).into(),
    );
    item.insert("gsi1sk".into(), t.id.clone().into());
    item.insert("gsi2pk".into(), keys::content::ALL_TICKETS.into());
    item.insert("gsi2sk".into(), t.id.clone().into());
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

/// The index partition of the tickets `caller` may see: every ticket for a manager, else
/// their own.
fn visible_to(caller: Caller<'_>) -> Query {
    if caller.manages {
        Query::index(Table::Content, Index::Gsi2, keys::content::ALL_TICKETS)
    } else {
        Query::index(
            Table::Content,
            Index::Gsi1,
            keys::content::tickets_of(caller.id),
        )
    }
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

    /// Opens a ticket for `owner_id`.
    pub async fn create(
        &self,
        owner_id: &str,
        new: NewTicket,
        now: &str,
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
        self.store
            .put(
                Table::Content,
                to_item(&stored)?,
                Some(Cond::not_exists("pk")),
            )
            .await?;
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

    /// Up to `limit` tickets `caller` may see (a manager: every ticket; else their own), oldest
    /// first, after `cursor`, with `status` when given; and the next page's cursor. A filtered
    /// page may hold fewer than `limit` tickets and still have a next page.
    pub async fn page(
        &self,
        caller: Caller<'_>,
        status: Option<TicketStatus>,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Ticket>, Option<String>), TicketError> {
        let query = visible_to(caller);
        let page = self.store.query(&query.limit(limit).after(cursor)).await?;
        let mut tickets = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let ticket = from_item(item)?.ticket;
            if status.is_none_or(|s| s == ticket.status) {
                tickets.push(ticket);
            }
        }
        Ok((tickets, page.cursor))
    }

    /// Every ticket `caller` may see, with `status` when given.
    pub async fn all(
        &self,
        caller: Caller<'_>,
        status: Option<TicketStatus>,
    ) -> Result<Vec<Ticket>, TicketError> {
        let items = rampart_store::query_all(&*self.store, visible_to(caller)).await?;
        let mut all = Vec::with_capacity(items.len());
        for item in &items {
            let ticket = from_item(item)?.ticket;
            if status.is_none_or(|s| s == ticket.status) {
                all.push(ticket);
            }
        }
        Ok(all)
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
            match self
                .store
                .put(
                    Table::Content,
                    to_item(&next)?,
                    Some(Cond::eq("version", current.version)),
                )
                .await
            {
                Ok(()) => return Ok(next.ticket),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(TicketError::Store(StoreError::Unavailable(
            "the ticket keeps changing; try again".into(),
        )))
    }

    /// Deletes every ticket `owner_id` opened (account deletion).
    pub async fn delete_all(&self, owner_id: &str) -> Result<usize, TicketError> {
        let caller = Caller {
            id: owner_id,
            manages: false,
        };
        let all = self.all(caller, None).await?;
        for ticket in &all {
            self.store
                .delete(Table::Content, &keys::content::ticket(&ticket.id), None)
                .await?;
        }
        Ok(all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn tickets() -> Tickets {
        let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
        Tickets::new(Arc::new(rampart_store::EmbeddedStore::memory(clock)))
    }

    fn new() -> NewTicket {
        NewTicket {
            subject: "Login fails".into(),
            body: "Since this morning.".into(),
            priority: Priority::High,
        }
    }

    const AT: &str = "2026-11-26T10:00:00Z";

    #[tokio::test]
    async fn an_owner_may_only_close_and_a_manager_may_change_anything() {
        let tickets = tickets();
        let ada = Caller {
            id: "ada",
            manages: false,
        };
        let reviewer = Caller {
            id: "rev",
            manages: true,
        };
        let made = tickets.create("ada", new(), AT).await.unwrap();
        let reprioritise = TicketPatch {
            priority: Some(Priority::Low),
            ..TicketPatch::default()
        };
        assert!(matches!(
            tickets
                .update(ada, &made.id, reprioritise.clone(), AT, |_| true)
                .await,
            Err(TicketError::Forbidden)
        ));
        let changed = tickets
            .update(reviewer, &made.id, reprioritise, AT, |_| true)
            .await
            .unwrap();
        assert_eq!(changed.priority, Priority::Low);
        let close = TicketPatch {
            status: Some(TicketStatus::Closed),
            ..TicketPatch::default()
        };
        let closed = tickets
            .update(ada, &made.id, close.clone(), AT, |_| true)
            .await
            .unwrap();
        assert_eq!(closed.status, TicketStatus::Closed);
        // Another viewer sees nothing.
        let bob = Caller {
            id: "bob",
            manages: false,
        };
        assert!(matches!(
            tickets.update(bob, &made.id, close, AT, |_| true).await,
            Err(TicketError::NotFound)
        ));
    }

    #[test]
    fn a_patch_names_null_to_unassign() {
        let patch: TicketPatch = serde_json::from_str(r#"{"assignee": null}"#).unwrap();
        assert_eq!(patch.assignee, Some(None));
        let patch: TicketPatch = serde_json::from_str(r#"{"status": "pending"}"#).unwrap();
        assert_eq!(patch.assignee, None);
        assert!(serde_json::from_str::<TicketPatch>(r#"{"status": "lost"}"#).is_err());
    }
}
