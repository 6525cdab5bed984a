//! The product's own data, with its validation and exact store semantics. The HTTP handlers in
//! `rampart-api` are thin adapters over these types.

pub mod posts;
pub mod projects;
pub mod status;
pub mod tickets;

pub use posts::{NewPost, Post, PostError, Posts};
pub use projects::{NewProject, Project, ProjectError, ProjectPatch, Projects};
pub use status::{NewStatusEvent, ServiceStatus, Status, StatusEvent, StatusPage};
pub use tickets::{NewTicket, Ticket, TicketError, TicketPatch, TicketStatus, Tickets};
