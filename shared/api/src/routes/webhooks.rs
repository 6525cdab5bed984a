//! Webhooks from outside (contract section 5).

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Entry, Route, TableAccess};
use crate::handlers::alertmanager;
use crate::openapi::{ApiSpec, ok, schema};

/// Alertmanager's webhook.
pub(super) const ROUTES: &[Entry] = entries![webhooks_alertmanager];

pub fn webhooks_alertmanager() -> Route {
    Route {
        // Authenticated by the bearer token or the HMAC in the handler, over the raw body.
        rate_limit: Some(Policy::Alertmanager),
        tables: &[TableAccess::Write(Table::Intel)],
        // The token and the HMAC secret.
        secrets: true,
        api: ApiSpec {
            request: Some(schema::<rampart_ops::alerts::Notification>),
            responses: const { &[ok::<rampart_ops::alerts::Received>(200)] },
            credentials: &[&["alertmanagerBearer"], &["webhookSignature"]],
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/webhooks/alertmanager",
            "webhooks-alertmanager",
            "Alertmanager notifications (bearer token or HMAC).",
            |s, c, r| alertmanager::post(&s.secrets, &s.store, &*s.clock, &s.audit, c, r),
        )
    }
}
