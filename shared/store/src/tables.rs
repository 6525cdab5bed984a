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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// Physical table names: the stage's prefix plus the concern, unless the deployment names a
/// table (`TABLE_<CONCERN>`, set by the template to the name CloudFormation gave the table) or
/// switches it to a restored copy (`TABLE_OVERRIDES`).
#[derive(Clone, Debug)]
pub struct TableNames {
    prefix: String,
    named: std::collections::BTreeMap<Table, String>,
}

/// The variable that switches tables to restored copies: `users=<name>,audit=<name>`.
pub const TABLE_OVERRIDES_VAR: &str = "TABLE_OVERRIDES";

impl TableNames {
    /// Names with `prefix` (for example `rampart-prod-`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            named: Default::default(),
        }
    }

    /// The physical name of `table`.
    pub fn of(&self, table: Table) -> String {
        match self.named.get(&table) {
            Some(name) => name.clone(),
            None => format!("{}{}", self.prefix, table.concern()),
        }
    }

    /// The variable naming `table` (`TABLE_USERS`, `TABLE_RATELIMITS`, ...).
    pub fn variable(table: Table) -> String {
        format!("TABLE_{}", table.concern().to_ascii_uppercase())
    }

    /// These names with the deployment's: each table's `TABLE_<CONCERN>`, then
    /// `TABLE_OVERRIDES`. A restored copy must be named `<prefix><concern>-restored-<suffix>`
    /// (the name the functions' IAM policies allow besides the table itself), so an override
    /// can only point a concern at its own copies.
    pub fn with_lookup(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        for table in Table::ALL {
            let variable = Self::variable(table);
            if let Some(name) = get(&variable) {
                check_name(&name).map_err(|why| format!("{variable}: {why}"))?;
                self.named.insert(table, name);
            }
        }
        if let Some(overrides) = get(TABLE_OVERRIDES_VAR) {
            for pair in overrides
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let bad = |why: String| format!("{TABLE_OVERRIDES_VAR}: {why}");
                let (concern, name) = pair
                    .split_once('=')
                    .ok_or_else(|| bad(format!("{pair:?} is not <concern>=<table name>")))?;
                let table = Table::from_concern(concern.trim())
                    .ok_or_else(|| bad(format!("no table for {concern:?}")))?;
                let name = name.trim();
                check_name(name).map_err(bad)?;
                let expected = format!("{}{}-restored-", self.prefix, table.concern());
                if !name.starts_with(&expected) || name.len() == expected.len() {
                    return Err(bad(format!(
                        "a restored {concern} table must be named {expected}<suffix>"
                    )));
                }
                self.named.insert(table, name.to_owned());
            }
        }
        Ok(self)
    }
}

/// DynamoDB's rule: 3 to 255 of `a-z A-Z 0-9 _ - .`.
fn check_name(name: &str) -> Result<(), String> {
    let valid = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(format!("{name:?} is not a valid table name"))
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

    #[test]
    fn deployments_name_tables_and_switch_them_to_restored_copies() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let names = TableNames::new("rampart-prod-")
            .with_lookup(env(&[
                ("TABLE_USERS", "rampart-prod-UsersTable-1A2B3C"),
                (
                    "TABLE_OVERRIDES",
                    "audit=rampart-prod-audit-restored-20261126 ",
                ),
            ]))
            .unwrap();
        assert_eq!(names.of(Table::Users), "rampart-prod-UsersTable-1A2B3C");
        assert_eq!(
            names.of(Table::Audit),
            "rampart-prod-audit-restored-20261126"
        );
        assert_eq!(names.of(Table::Content), "rampart-prod-content");
        assert_eq!(TableNames::variable(Table::RateLimits), "TABLE_RATELIMITS");
        for (pairs, needle) in [
            (
                &[("TABLE_OVERRIDES", "users=rampart-prod-audit-restored-x")][..],
                "rampart-prod-users-restored-",
            ),
            (
                &[("TABLE_OVERRIDES", "users=rampart-prod-users-restored-")][..],
                "<suffix>",
            ),
            (
                &[("TABLE_OVERRIDES", "nope=rampart-prod-nope-restored-x")][..],
                "no table",
            ),
            (
                &[("TABLE_OVERRIDES", "users")][..],
                "<concern>=<table name>",
            ),
            (&[("TABLE_STATE", "bad name!")][..], "TABLE_STATE"),
        ] {
            let error = TableNames::new("rampart-prod-")
                .with_lookup(|name: &str| {
                    pairs
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.to_string())
                })
                .unwrap_err();
            assert!(error.contains(needle), "{pairs:?}: {error}");
        }
    }
}
