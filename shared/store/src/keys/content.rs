//! The content table: the product's own data, each owner's items in a partition of their own.

use crate::port::Key;

/// The partition of an owner's projects.
pub fn projects(owner_id: &str) -> String {
    format!("projects#{owner_id}")
}

/// One project, in its owner's partition (ids are ULIDs, so the partition reads in creation
/// order).
pub fn project(owner_id: &str, id: &str) -> Key {
    Key::new(projects(owner_id), id)
}

/// A support ticket, read by its id alone (managers read any, owners their own).
pub fn ticket(id: &str) -> Key {
    Key::new(format!("ticket#{id}"), "ticket")
}

/// The gsi1 partition of an owner's tickets (sort key: [`ticket_order`]).
pub fn tickets_of(owner_id: &str) -> String {
    format!("tickets#owner#{owner_id}")
}

/// The gsi2 partition of every ticket, for reviewers and admins (sort key: [`ticket_order`]).
pub const ALL_TICKETS: &str = "tickets#all";

/// A ticket's sort key in both ticket indexes: a letter for its status, one for its priority,
/// `#`, its id. Letters sort after the digits a bare id starts with, so a status prefix never
/// matches a key of another shape.
pub fn ticket_order(status: char, priority: char, id: &str) -> String {
    format!("{status}{priority}#{id}")
}

/// The counter item of a list (`n` and named counts), kept with the writes it counts.
pub fn counter(list: &str) -> Key {
    Key::new(format!("count#{list}"), "n")
}

/// What `owner` added of `what` on `day` (days since the epoch, UTC), for daily caps.
pub fn daily(what: &str, owner: &str, day: i64) -> Key {
    Key::new(format!("daily#{what}#{owner}"), day.to_string())
}

/// A community post.
pub fn post(id: &str) -> Key {
    Key::new(format!("post#{id}"), "post")
}

/// The gsi1 partition of every post, newest first when read backward (sort key: the post id).
pub const ALL_POSTS: &str = "posts#all";

/// The gsi2 partition of an author's posts (sort key: the post id).
pub fn posts_by(author_id: &str) -> String {
    format!("posts#author#{author_id}")
}

/// A status event.
pub fn status_event(id: &str) -> Key {
    Key::new(format!("status#event#{id}"), "event")
}

/// The gsi1 partition of one service's status events (sort key: `<created_at>#<id>`).
pub fn status_events_of(service: &str) -> String {
    format!("status#service#{service}")
}

/// The gsi2 partition of every status event (sort key: `<created_at>#<id>`).
pub const ALL_STATUS_EVENTS: &str = "status#all";

/// The partition of every service's current status (sort key: the service).
pub const CURRENT_STATUS: &str = "status#current";

/// One service's current status.
pub fn current_status(service: &str) -> Key {
    Key::new(CURRENT_STATUS, service)
}

/// A user's profile.
pub fn profile(user_id: &str) -> Key {
    Key::new(format!("profile#{user_id}"), "profile")
}

/// A user's settings.
pub fn settings(user_id: &str) -> Key {
    Key::new(format!("settings#{user_id}"), "settings")
}

/// The partition of a user's media.
pub fn media_of(owner_id: &str) -> String {
    format!("media#{owner_id}")
}

/// One media object's record, in its owner's partition.
pub fn media(owner_id: &str, id: &str) -> Key {
    Key::new(media_of(owner_id), id)
}

/// A knowledge-base entry.
pub fn knowledge_entry(id: &str) -> Key {
    Key::new(format!("kb#entry#{id}"), "entry")
}

/// The token index of the knowledge base: the entries holding `token` (sort key: entry id).
pub fn knowledge_token(token: &str) -> String {
    format!("kb#tok#{token}")
}

/// The knowledge base's totals.
pub fn knowledge_stats() -> Key {
    Key::new("kb#stats", "stats")
}

/// The search index partition of `token` within `scope` (`user#<id>` for an account's
/// private documents, `public` for everyone's); sort key `<kind>#<id>`.
pub fn search_token(scope: &str, token: &str) -> String {
    format!("search#{scope}#{token}")
}

/// The gsi2 partition of the knowledge entries an account wrote (sort key: the entry id).
pub fn knowledge_by(author_id: &str) -> String {
    format!("kb#author#{author_id}")
}

/// The gsi1 partition of every knowledge entry (sort key: the entry id).
pub const ALL_KNOWLEDGE: &str = "kb#all";
