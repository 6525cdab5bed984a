//! Every rate-limit policy's numbers, in one place (contract section 1, "Rate limits").

use rampart_rbac::Role;

/// A route's rate-limit policy, declared in the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Register and 2FA verify: 10 / min per IP, and 5 / min per account (the body's address,
    /// or for 2FA verify the challenge's account, checked by its handler).
    AuthCredentials,
    /// Login and token, the routes that check a password: as `AuthCredentials`, but with one
    /// per-account budget for both, so switching routes buys no extra guesses.
    AuthPassword,
    /// Resend verification: 5 / hour per account.
    ResendVerification,
    /// Password forgot: 5 / hour per address, and 20 / hour per client (so one client cannot
    /// mail many owners).
    PasswordForgot,
    /// Refresh: 30 / min per session (the presented refresh token's), and 300 / min per
    /// client, so the clients behind one NAT do not share a budget.
    Refresh,
    /// Every other `/api/v1/auth/*` route: 30 / min.
    Auth,
    /// Every request to a protected route, counted with its credentials' reads: 600 / min per
    /// client (generous: the people behind one NAT share it), so anonymous floods stop at the limiter's deny cache instead of costing an
    /// authentication and an audit record each.
    PreAuth,
    /// Reads and writes, scaled by role.
    Standard,
    /// Alertmanager webhook: 2,000 / min per credential, sized for a highly available pair
    /// flushing hundreds of groups at once (Alertmanager does not retry a 429).
    Alertmanager,
    /// Account and admin export: 5 / min.
    Export,
    /// The CI routes (test reports, flaky candidates, schema diffs, PR intelligence reads):
    /// 600 / min per caller, whatever its role, so one key serves a CI fleet (a key's budget
    /// is its own: keys are callers by their id).
    Ci,
}

/// Whose requests a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The client's IP address.
    Ip,
    /// The account named in the request (checked by the handler).
    Account,
    /// The user id when authenticated, else the client's IP.
    Caller,
    /// The session a presented refresh token names, else the client's IP.
    Session,
    /// The credential a webhook's sender presents (its bearer token, or signing by relay),
    /// else the client's IP: one budget per sender however many addresses it sends from.
    Credential,
}

impl Scope {
    /// What the limit counts per, in words an operator reads.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "client address",
            Self::Account => "account",
            Self::Caller => "caller",
            Self::Session => "session",
            Self::Credential => "credential",
        }
    }
}

/// One limit: at most `max` requests per `window_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub max: u32,
    /// The window's length.
    pub window_secs: u32,
    /// Whose requests count.
    pub scope: Scope,
    /// The policy's name in `RateLimit-Policy`.
    pub name: &'static str,
}

const MINUTE: u32 = 60;
const HOUR: u32 = 3600;
const DAY: u32 = 24 * HOUR;

/// Second-factor attempts per account a day, on top of the 5 a minute: guessing a six-digit
/// code (three steps accepted) at this rate succeeds about once in 17,000 days.
pub const SECOND_FACTOR_DAILY: Limit = Limit {
    max: 20,
    window_secs: DAY,
    scope: Scope::Account,
    name: "auth-2fa-account-day",
};

impl Policy {
    /// The limit applied by the pipeline for a request with this policy.
    pub fn limit(self, is_write: bool, role: Option<Role>) -> Limit {
        let (max, window_secs, scope, name) = match self {
            Self::AuthCredentials | Self::AuthPassword => {
                (10, MINUTE, Scope::Ip, "auth-credentials")
            }
            Self::ResendVerification => (5, HOUR, Scope::Account, "resend-verification"),
            Self::PasswordForgot => (5, HOUR, Scope::Account, "password-forgot"),
            Self::Refresh => (30, MINUTE, Scope::Session, "refresh"),
            Self::Auth => (30, MINUTE, Scope::Caller, "auth"),
            Self::PreAuth => (600, MINUTE, Scope::Ip, "pre-auth"),
            Self::Alertmanager => (2_000, MINUTE, Scope::Credential, "alertmanager"),
            Self::Export => (5, MINUTE, Scope::Caller, "export"),
            Self::Ci => (600, MINUTE, Scope::Caller, "ci"),
            Self::Standard => {
                let role = role.unwrap_or(Role::Viewer);
                let max = match (is_write, role) {
                    (true, Role::Viewer) => 30,
                    (true, Role::Reviewer) => 100,
                    (true, Role::Admin) => 1000,
                    (false, Role::Viewer) => 100,
                    (false, Role::Reviewer) => 200,
                    (false, Role::Admin) => 1000,
                };
                let name = if is_write { "writes" } else { "reads" };
                (max, MINUTE, Scope::Caller, name)
            }
        };
        Limit {
            max,
            window_secs,
            scope,
            name,
        }
    }

    /// The per-account companion limit that credential routes check once they know the account.
    pub fn account_limit(self) -> Option<Limit> {
        match self {
            Self::AuthCredentials => Some(Limit {
                max: 5,
                window_secs: MINUTE,
                scope: Scope::Account,
                name: "auth-credentials-account",
            }),
            Self::AuthPassword => Some(Limit {
                max: 5,
                window_secs: MINUTE,
                scope: Scope::Account,
                name: "auth-password-account",
            }),
            _ => None,
        }
    }

    /// The per-address companion limit of policies whose own scope is the account, so one
    /// address cannot probe or mail-bomb many accounts.
    pub fn ip_limit(self) -> Option<Limit> {
        match self {
            Self::ResendVerification => Some(Limit {
                max: 5,
                window_secs: HOUR,
                scope: Scope::Ip,
                name: "resend-verification-ip",
            }),
            Self::Refresh => Some(Limit {
                max: 300,
                window_secs: MINUTE,
                scope: Scope::Ip,
                name: "refresh-ip",
            }),
            Self::PasswordForgot => Some(Limit {
                max: 20,
                window_secs: HOUR,
                scope: Scope::Ip,
                name: "password-forgot-ip",
            }),
            _ => None,
        }
    }

    /// Whether requests are refused (503) when the limiter's store is down. Credential and
    /// export routes fail closed: they are what an attacker would hammer during an outage.
    /// Other routes fail open: their handlers need the store anyway, and a limiter-only
    /// failure (say, throttling on the rate-limit table) should not take the API down.
    pub fn fails_closed(self) -> bool {
        matches!(
            self,
            Self::AuthCredentials
                | Self::AuthPassword
                | Self::ResendVerification
                | Self::PasswordForgot
                | Self::Refresh
                | Self::Auth
                | Self::Export
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_table_is_what_the_policies_say() {
        let table = [
            (Policy::AuthCredentials, false, None, 10, 60),
            (Policy::ResendVerification, true, None, 5, 3600),
            (Policy::PasswordForgot, true, None, 5, 3600),
            (Policy::Auth, true, None, 30, 60),
            (Policy::Standard, true, Some(Role::Viewer), 30, 60),
            (Policy::Standard, true, Some(Role::Reviewer), 100, 60),
            (Policy::Standard, true, Some(Role::Admin), 1000, 60),
            (Policy::Standard, false, Some(Role::Viewer), 100, 60),
            (Policy::Standard, false, Some(Role::Reviewer), 200, 60),
            (Policy::Standard, false, Some(Role::Admin), 1000, 60),
            (Policy::Standard, false, None, 100, 60),
            (Policy::Alertmanager, true, None, 2_000, 60),
            (Policy::Export, true, Some(Role::Admin), 5, 60),
            (Policy::Ci, true, Some(Role::Viewer), 600, 60),
            (Policy::Ci, false, None, 600, 60),
        ];
        for (policy, write, role, max, window) in table {
            let limit = policy.limit(write, role);
            assert_eq!(
                (limit.max, limit.window_secs),
                (max, window),
                "{policy:?} {write} {role:?}"
            );
        }
        assert_eq!(
            Policy::AuthCredentials.account_limit().map(|l| l.max),
            Some(5)
        );
    }

    #[test]
    fn auth_routes_fail_closed_and_the_rest_open() {
        assert!(Policy::AuthCredentials.fails_closed());
        assert!(Policy::Auth.fails_closed());
        assert!(!Policy::Standard.fails_closed());
        assert!(!Policy::Alertmanager.fails_closed());
    }
}
