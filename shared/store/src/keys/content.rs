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
