//! Deleting an account: its item, its address claim, and the writes a caller adds to the same
//! transaction.

use super::*;

impl Users {
    /// Deletes the account and its claim, with `extra` operations (the account's other
    /// items), in one transaction.
    pub async fn delete(&self, user: &User, mut extra: Vec<TxOp>) -> Result<(), StoreError> {
        // A transaction holds 100 operations: what does not fit goes first, in batches,
        // which leaves the account intact (and deletable again) if this stops part-way.
        let fits = 100 - Self::delete_ops(user).len();
        while extra.len() > fits {
            let batch: Vec<TxOp> = extra.drain(..(extra.len() - fits).min(100)).collect();
            self.store.transact(batch).await?;
        }
        let mut ops = Self::delete_ops(user);
        ops.extend(extra);
        self.store.transact(ops).await
    }

    /// The operations that delete every item of the account's partition but the account
    /// itself (two-factor data, export records, key links, ...).
    pub async fn partition_ops(&self, user_id: &str) -> Result<Vec<TxOp>, StoreError> {
        let account = keys::users::account(user_id);
        let mut ops = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(
                    &rampart_store::Query::partition(Table::Users, keys::users::partition(user_id))
                        .limit(100)
                        .after(cursor),
                )
                .await?;
            ops.extend(
                page.items
                    .iter()
                    .filter_map(Key::of)
                    .filter(|k| *k != account)
                    .map(|key| TxOp::Delete {
                        table: Table::Users,
                        key,
                        cond: None,
                    }),
            );
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(ops),
            }
        }
    }

    /// The operations that delete the account and its claim (the claim only while it still
    /// names this account), for a caller's transaction.
    pub fn delete_ops(user: &User) -> Vec<TxOp> {
        vec![
            TxOp::Delete {
                table: Table::Users,
                key: keys::users::account(&user.id),
                cond: None,
            },
            TxOp::Delete {
                table: Table::Users,
                key: keys::users::email_claim(user.email.as_str()),
                cond: Some(Cond::not_exists("pk").or(Cond::eq("user_id", user.id.as_str()))),
            },
        ]
    }
}
