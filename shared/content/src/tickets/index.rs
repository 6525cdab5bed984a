//! How tickets are listed with bounded reads: both indexes sort by status, then priority, then
//! age, so a status filter is a key prefix and the most pressing tickets are a short query;
//! counts by status and priority are kept in the same transaction as every ticket write.

use rampart_store::{Index, Query, SortCond, Table, TxOp, keys};

use super::{Caller, Priority, Ticket, TicketError, TicketStatus, Tickets, from_item};
use crate::listing::{self, Deltas};

/// The counter list of every ticket.
const ALL_TICKETS_COUNT: &str = "tickets";

/// The counter list of one owner's tickets.
pub(super) fn owner_list(owner_id: &str) -> String {
    format!("tickets_of#{owner_id}")
}

fn status_letter(status: TicketStatus) -> char {
    match status {
        TicketStatus::Open => 'a',
        TicketStatus::Pending => 'b',
        TicketStatus::Resolved => 'c',
        TicketStatus::Closed => 'd',
    }
}

fn priority_letter(priority: Priority) -> char {
    match priority {
        Priority::Urgent => 'a',
        Priority::High => 'b',
        Priority::Normal => 'c',
        Priority::Low => 'd',
    }
}

fn priority_name(priority: Priority) -> &'static str {
    match priority {
        Priority::Urgent => "urgent",
        Priority::High => "high",
        Priority::Normal => "normal",
        Priority::Low => "low",
    }
}

/// The ticket's sort key in both indexes: status, then priority, then age.
pub(super) fn sort_key(ticket: &Ticket) -> String {
    keys::content::ticket_order(
        status_letter(ticket.status),
        priority_letter(ticket.priority),
        &ticket.id,
    )
}

/// The counts a ticket adds to its lists: `n`, its status, and its status and priority.
fn counted(ticket: &Ticket, sign: i64, deltas: Deltas) -> Deltas {
    deltas.add("n", sign).add(ticket.status.as_str(), sign).add(
        format!(
            "{}_{}",
            ticket.status.as_str(),
            priority_name(ticket.priority)
        ),
        sign,
    )
}

/// The counter updates of a ticket going from `before` to `after` (`None`: it did not exist,
/// or no longer does): for every ticket and for its owner's.
pub(super) fn count_changes(before: Option<&Ticket>, after: Option<&Ticket>) -> Vec<TxOp> {
    let mut deltas = Deltas::new();
    if let Some(ticket) = before {
        deltas = counted(ticket, -1, deltas);
    }
    if let Some(ticket) = after {
        deltas = counted(ticket, 1, deltas);
    }
    let Some(owner) = after.or(before).map(|t| t.owner_id.as_str()) else {
        return Vec::new();
    };
    [ALL_TICKETS_COUNT.to_owned(), owner_list(owner)]
        .iter()
        .filter_map(|list| deltas.op(list))
        .collect()
}

/// The index query of the tickets `caller` may see (every ticket for a manager, else their
/// own), with `status` when given; and the counter list that counts them.
fn visible_to(caller: Caller<'_>, status: Option<TicketStatus>) -> (Query, String) {
    let (query, list) = if caller.manages {
        (
            Query::index(Table::Content, Index::Gsi2, keys::content::ALL_TICKETS),
            ALL_TICKETS_COUNT.to_owned(),
        )
    } else {
        (
            Query::index(
                Table::Content,
                Index::Gsi1,
                keys::content::tickets_of(caller.id),
            ),
            owner_list(caller.id),
        )
    };
    match status {
        Some(status) => (
            query.sort(SortCond::BeginsWith(status_letter(status).to_string())),
            list,
        ),
        None => (query, list),
    }
}

fn tickets_of(items: &[rampart_store::Item]) -> Result<Vec<Ticket>, TicketError> {
    Ok(items
        .iter()
        .map(|item| from_item(item).map(|s| s.ticket))
        .collect::<Result<_, _>>()?)
}

/// The open tickets that need someone first, and how many there are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PressingTickets {
    /// Open urgent tickets, then open high ones, oldest first within each, at most the limit.
    pub tickets: Vec<Ticket>,
    /// Every open urgent and high ticket, counted.
    pub total: u64,
}

impl Tickets {
    /// Up to `limit` tickets `caller` may see, in index order (status, priority, age), after
    /// `cursor`, with `status` when given; and the next page's cursor.
    pub async fn page(
        &self,
        caller: Caller<'_>,
        status: Option<TicketStatus>,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Ticket>, Option<String>), TicketError> {
        let (query, _) = visible_to(caller, status);
        let page = self.store.query(&query.limit(limit).after(cursor)).await?;
        Ok((tickets_of(&page.items)?, page.cursor))
    }

    /// Tickets `skip .. skip + take` that `caller` may see, reading no further; and the
    /// cursor after them.
    pub async fn numbered(
        &self,
        caller: Caller<'_>,
        status: Option<TicketStatus>,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Ticket>, Option<String>), TicketError> {
        let (query, _) = visible_to(caller, status);
        let (items, next) = listing::numbered_slice(&*self.store, query, skip, take).await?;
        Ok((tickets_of(&items)?, next))
    }

    /// How many tickets `caller` may see, with `status` when given (one read of a counter).
    pub async fn count(
        &self,
        caller: Caller<'_>,
        status: Option<TicketStatus>,
    ) -> Result<u64, TicketError> {
        let (_, list) = visible_to(caller, status);
        let name = status.map_or("n", TicketStatus::as_str);
        Ok(listing::count(&*self.store, &list, name).await?)
    }

    /// Every ticket `owner_id` opened (their export and their account's deletion).
    pub async fn of_owner(&self, owner_id: &str) -> Result<Vec<Ticket>, TicketError> {
        let query = Query::index(
            Table::Content,
            Index::Gsi1,
            keys::content::tickets_of(owner_id),
        );
        tickets_of(&rampart_store::query_all(&*self.store, query).await?)
    }

    /// At most `limit` open urgent and high tickets, most pressing first, and how many there
    /// are: two bounded queries and one counter read, whatever the table holds.
    pub async fn pressing(&self, limit: u32) -> Result<PressingTickets, TicketError> {
        let mut tickets = Vec::new();
        for priority in [Priority::Urgent, Priority::High] {
            let want = limit.saturating_sub(u32::try_from(tickets.len()).unwrap_or(u32::MAX));
            if want == 0 {
                break;
            }
            let prefix = format!(
                "{}{}",
                status_letter(TicketStatus::Open),
                priority_letter(priority)
            );
            let query = Query::index(Table::Content, Index::Gsi2, keys::content::ALL_TICKETS)
                .sort(SortCond::BeginsWith(prefix))
                .limit(want);
            tickets.extend(tickets_of(&self.store.query(&query).await?.items)?);
        }
        let counts = listing::counts(&*self.store, ALL_TICKETS_COUNT).await?;
        let total = ["open_urgent", "open_high"]
            .iter()
            .filter_map(|name| counts.get(*name))
            .sum();
        Ok(PressingTickets { tickets, total })
    }
}
