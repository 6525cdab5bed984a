//! The key-rotation job's composition: the field-encryption rotation on a store limited to the
//! tables it needs (a one-off Lambda invocation on AWS; `rotate-keys` locally).

use std::sync::Arc;

use rampart_audit::{AuditLog, FieldCipher};
use rampart_auth::rotation::Rotation;
use rampart_core::Config;
use rampart_store::{ScopedStore, SharedStore, Table, TableAccess};

use super::{Adapters, StartError};

/// The key-rotation job's Lambda function (its folder under `functions/`).
pub const KEY_ROTATION_FUNCTION: &str = "key-rotation";

/// What the job may touch: the tables holding sealed fields (scanned and updated), the state
/// table for its checkpoint, and the audit table, to which it only adds.
pub const KEY_ROTATION_TABLES: &[TableAccess] = &[
    TableAccess::Write(Table::Sessions),
    TableAccess::Write(Table::Users),
    TableAccess::Write(Table::State),
    TableAccess::Append(Table::Audit),
];

/// The tables the job scans: those holding sealed fields.
pub const KEY_ROTATION_SCANS: &[Table] = &rampart_auth::rotation::SEALED_TABLES;

/// The job over the secret's `field_encryption_keys`: values are re-sealed under the last one.
pub fn key_rotation(config: &Config, adapters: &Adapters) -> Result<Rotation, StartError> {
    let cipher =
        FieldCipher::from_entries(&adapters.secrets.field_encryption_keys).map_err(|e| {
            StartError::Setting {
                variable: "the secret's field_encryption_keys",
                reason: e.to_string(),
            }
        })?;
    let store: SharedStore = Arc::new(ScopedStore::new(
        adapters.store.clone(),
        KEY_ROTATION_TABLES,
    ));
    let audit = AuditLog::new(
        store.clone(),
        adapters.clock.clone(),
        config.audit_retention_days,
    );
    Ok(Rotation::new(store, cipher, audit, adapters.clock.clone()))
}
