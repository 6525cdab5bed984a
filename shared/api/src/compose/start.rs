//! What a route function does once per cold start beside its composition: the store warm-up
//! reads the overrides the deployment last started with, and once the function serves, it
//! notes its own (recording a change as a `configuration` event, see [`crate::overrides`]).

use rampart_audit::AuditLog;
use rampart_core::{Config, SharedClock};
use rampart_store::{ScopedStore, SharedStore, Table, TableAccess};

use crate::overrides::{Overrides, Seen, note};
use crate::routes::Route;

/// The cold start's note of one function (or of the local stack, serving every route).
pub struct StartNote {
    store: SharedStore,
    audit: AuditLog,
    clock: SharedClock,
    function: String,
    overrides: Overrides,
    /// Whether the function may count the event for the security summary.
    tally: bool,
}

impl StartNote {
    /// The note of `function`, which serves `routes`, on `store` limited to their access.
    pub fn new(
        config: &Config,
        store: SharedStore,
        clock: SharedClock,
        function: &str,
        routes: &[Route],
    ) -> Self {
        let access = super::declared_access(routes);
        let tally = access.iter().any(|a| {
            matches!(
                a,
                TableAccess::Counter(Table::RateLimits) | TableAccess::Write(Table::RateLimits)
            )
        });
        let store: SharedStore = std::sync::Arc::new(ScopedStore::new(store, &access));
        Self {
            audit: AuditLog::new(store.clone(), clock.clone(), config.audit_retention_days),
            store,
            clock,
            function: function.to_owned(),
            overrides: Overrides::of(config),
            tally,
        }
    }

    /// The warm-up read; `None` when the store did not answer (nothing is noted then).
    pub async fn warm_up(&self) -> Option<Seen> {
        Seen::read(&self.store)
            .await
            .inspect_err(|error| tracing::warn!(%error, "store not reachable at cold start"))
            .ok()
    }

    /// Notes the function's overrides; a failure is logged, never fatal.
    pub async fn note(self, seen: Seen) {
        match note(
            &self.store,
            &self.audit,
            &*self.clock,
            &self.function,
            &self.overrides,
            seen,
            self.tally,
        )
        .await
        {
            Ok(Some(change)) => tracing::info!(
                features_off = ?change.after.features_off,
                "started with overrides that differ from the deployment's last"
            ),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "overrides at start not noted"),
        }
    }
}
