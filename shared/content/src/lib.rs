//! The product's own data, with its validation and exact store semantics. The HTTP handlers in
//! `rampart-api` are thin adapters over these types.

pub mod knowledge;
pub mod listing;
pub mod media;
pub mod posts;
pub mod profile;
pub mod projects;
pub mod search;
pub mod status;
pub mod tickets;

pub use knowledge::{Answers, Knowledge, KnowledgeQuery, NewEntry, Summary};
pub use media::{Media, MediaLibrary, NewMedia, Upload};
pub use posts::{NewPost, Post, PostError, Posts};
pub use profile::{Profile, ProfileError, Profiles, Settings, Theme};
pub use projects::{NewProject, Project, ProjectError, ProjectPatch, Projects};
pub use status::{NewStatusEvent, ServiceStatus, Status, StatusEvent, StatusPage};
pub use tickets::{NewTicket, Ticket, TicketError, TicketPatch, TicketStatus, Tickets};
