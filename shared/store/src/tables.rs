//! Every table, per concern, defined in one place: its keys, its GSIs and its TTL attribute.
//!
//! All tables share one key shape (`pk` and `sk`, both strings) and the same TTL attribute,
//! so code reads the same across concerns and each function's IAM policy can name exactly the
//! tables it needs.

/// The TTL attribute of every table: epoch seconds after which the item is dead.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// The partition key attribute of every table.
pub const PK: &str = "pk";
/// The sort key attribute of every table.
pub const SK: &str = "sk";

/// A table, named for its concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Accounts, email claims, API keys, grants.
    Users,
    /// Sessions and refresh-token families.
    Sessions,
    /// Rate-limit counters, lockouts and violation history.
    RateLimits,
    /// Idempotency records, Discord interaction state, OAuth state.
    State,
    /// Security audit events.
    Audit,
    /// Projects, tickets, posts, status, knowledge, media.
    Content,
    /// PR intelligence, test runs, schema diffs.
    Intel,
    /// Health snapshots.
    Health,
}

/// A global secondary index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    /// The index's name in DynamoDB.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gsi1 => "gsi1",
            Self::Gsi2 => "gsi2",
        }
    }

    /// The index's partition and sort key attributes.
    pub fn key_attributes(self) -> (&'static str, &'static str) {
        match self {
            Self::Gsi1 => ("gsi1pk", "gsi1sk"),
            Self::Gsi2 => ("gsi2pk", "gsi2sk"),
        }
    }
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 8] = [
        Self::Users,
        Self::Sessions,
        Self::RateLimits,
        Self::State,
        Self::Audit,
        Self::Content,
        Self::Intel,
        Self::Health,
    ];

    /// The concern name, appended to the stage's table prefix.
    pub fn concern(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Sessions => "sessions",
            Self::RateLimits => "ratelimits",
            Self::State => "state",
            Self::Audit => "audit",
            Self::Content => "content",
            Self::Intel => "intel",
            Self::Health => "health",
        }
    }

    /// The table's logical id in `template.yaml` (`UsersTable`, ...).
    pub fn logical_id(self) -> String {
        let concern = match self {
            Self::RateLimits => "RateLimits",
            other => {
                let c = other.concern();
                return format!("{}{}Table", c[..1].to_uppercase(), &c[1..]);
            }
        };
        format!("{concern}Table")
    }

    /// The table's GSIs.
    pub fn indexes(self) -> &'static [Index] {
        match self {
            Self::Users | Self::Sessions | Self::Intel | Self::Health => &[Index::Gsi1],
            Self::Audit | Self::Content => &[Index::Gsi1, Index::Gsi2],
            Self::RateLimits | Self::State => &[],
        }
    }

    /// Finds a table by its concern name.
    pub fn from_concern(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.concern() == name)
    }
}

/// Physical table names: the stage's prefix plus the concern.
#[derive(Clone, Debug)]
pub struct TableNames {
    prefix: String,
}

impl TableNames {
    /// Names with `prefix` (for example `rampart-prod-`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The physical name of `table`.
    pub fn of(&self, table: Table) -> String {
        format!("{}{}", self.prefix, table.concern())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_pascal_case() {
        assert_eq!(Table::Users.logical_id(), "UsersTable");
        assert_eq!(Table::RateLimits.logical_id(), "RateLimitsTable");
        assert_eq!(
            TableNames::new("rampart-dev-").of(Table::Audit),
            "rampart-dev-audit"
        );
        assert_eq!(Table::from_concern("state"), Some(Table::State));
    }
}
