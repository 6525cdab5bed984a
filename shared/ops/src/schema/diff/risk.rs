//! The risk weights of each op and the window rule, in one place.

use super::Op;

/// Risk weights, per operation.
pub mod weights {
    pub const DROP_MODEL: u32 = 10; // Atlas DS102
    pub const DROP_FIELD: u32 = 8; // Atlas DS103
    pub const ADD_REQUIRED_FIELD: u32 = 8; // Atlas MF103
    pub const OPTIONAL_TO_REQUIRED: u32 = 7; // Atlas MF104
    pub const ALTER_TYPE: u32 = 6; // squawk changing-column-type
    pub const ALTER_PRIMARY_KEY: u32 = 6; // squawk changing-column-type: a rewrite, and every foreign key
    pub const RENAME_CANDIDATE: u32 = 6; // Atlas BC102
    pub const DROP_ENUM_VALUE: u32 = 6; // rows may still hold the value
    pub const ADD_UNIQUE: u32 = 5; // Atlas MF101
    pub const ADD_INDEX: u32 = 2; // builds under a lock unless created concurrently
    pub const REQUIRED_TO_OPTIONAL: u32 = 2;
    pub const DROP_UNIQUE: u32 = 2;
    pub const DROP_ENUM: u32 = 2; // the columns using it change type, and count for that
    /// Adding a foreign key to an existing table validates every row under a lock on both
    /// tables; changing one is a drop and an add. squawk adding-foreign-key-constraint.
    pub const ADD_FOREIGN_KEY: u32 = 5;
    pub const ALTER_FOREIGN_KEY: u32 = 5;
    pub const DROP_FOREIGN_KEY: u32 = 1;
    /// A column default is catalog-only: a brief lock, no rewrite.
    pub const ALTER_DEFAULT: u32 = 1;
    pub const ADD_OPTIONAL_FIELD: u32 = 1;
    pub const ADD_MODEL: u32 = 1;
    pub const ADD_ENUM: u32 = 1;
    pub const ADD_ENUM_VALUE: u32 = 1;
    pub const DROP_INDEX: u32 = 1;
    /// The most any op on a view or composite type weighs: Prisma Migrate creates no tables for
    /// them, so no stored rows are at stake.
    pub const NO_TABLE: u32 = 1;
}

/// The window rule: any op >= 8, or a total >= 12, needs a maintenance window; a largest op of
/// 5 to 7 a low-traffic window; anything less none.
pub fn window(ops: &[Op]) -> &'static str {
    let max = ops.iter().map(|o| o.risk).max().unwrap_or(0);
    let total: u32 = ops.iter().map(|o| o.risk).sum();
    if max >= 8 || total >= 12 {
        "maintenance"
    } else if max >= 5 {
        "low_traffic"
    } else {
        "none"
    }
}
