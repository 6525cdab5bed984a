//! The account system's kinds of problem, defined once (status, code, title, detail); its
//! errors map into them in `From<AuthError> for ApiError`.

use rampart_core::ProblemKind;

pub const INVALID_CREDENTIALS: ProblemKind = ProblemKind::new(
    401,
    "invalid_credentials",
    "Invalid credentials",
    "The email address or password is wrong.",
);
pub const INVALID_TOKEN: ProblemKind = ProblemKind::new(
    400,
    "invalid_token",
    "Invalid token",
    "The token is unknown, already used or expired.",
);
pub const INVALID_REFRESH: ProblemKind = ProblemKind::new(
    401,
    "invalid_refresh",
    "Invalid refresh token",
    "The refresh token is not valid; sign in again.",
);
pub const REFRESH_REUSED: ProblemKind = ProblemKind::new(
    401,
    "refresh_reused",
    "Refresh token reused",
    "This refresh token was already used, so the session has been revoked as a precaution; \
     sign in again.",
);
/// A wrong code where the code is what the request is about (enabling 2FA).
pub const INVALID_CODE: ProblemKind = ProblemKind::new(
    400,
    "invalid_code",
    "Invalid code",
    "The code is wrong, expired or already used.",
);
/// A wrong code where it is a credential (completing a sign-in).
pub const WRONG_CODE: ProblemKind = ProblemKind::new(
    401,
    "invalid_code",
    "Invalid code",
    "The code is wrong, expired or already used.",
);
pub const INVALID_STATE: ProblemKind = ProblemKind::new(
    400,
    "invalid_state",
    "Invalid state",
    "The sign-in link is unknown, already used or older than 10 minutes; start the sign-in \
     again.",
);

#[cfg(test)]
mod tests {
    use rampart_core::ApiError;

    use crate::AuthError;

    #[test]
    fn account_errors_map_to_the_contracts_statuses_and_codes() {
        let table = [
            (AuthError::InvalidCredentials, 401, "invalid_credentials"),
            (AuthError::InvalidToken, 400, "invalid_token"),
            (AuthError::InvalidRefresh, 401, "invalid_refresh"),
            (AuthError::InvalidCode, 400, "invalid_code"),
            (AuthError::WrongCode, 401, "invalid_code"),
            (
                AuthError::RefreshReused {
                    session_id: "s".into(),
                    user_id: "u".into(),
                },
                401,
                "refresh_reused",
            ),
        ];
        for (error, status, code) in table {
            let api = ApiError::from(error);
            assert_eq!((api.status(), api.code()), (status, code));
        }
    }
}
