//! Roles, `resource:action` permissions and the one role matrix.
//!
//! Routes declare the permission they need; a principal holds a role (users) and grants
//! (users' extra permissions, or an API key's whole permission set).

mod permission;
mod principal;
mod role;

pub use permission::{KNOWN, Permission, PermissionError, is_known};
pub use principal::{Principal, PrincipalKind};
pub use role::{Role, RoleError};
