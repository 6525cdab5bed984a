//! Roles, `resource:action` permissions and the one role matrix.
//!
//! Routes declare the permission they need; a principal holds a role (users) and grants
//! (users' extra permissions, or an API key's whole permission set).

mod assignment;
mod permission;
mod principal;
mod role;

pub use assignment::{AssignmentRefusal, check_assignment};
pub use permission::{KNOWN, Permission, PermissionError, is_known};
pub use principal::{Authority, Principal, PrincipalKind};
pub use role::{Role, RoleError};
