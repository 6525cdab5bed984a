//! The local admin: `RAMPART_ADMIN_EMAIL` / `RAMPART_ADMIN_PASSWORD` name an account that is
//! created at start, verified and with the admin role, when it does not exist yet.

use rampart_api::App;
use rampart_auth::Email;
use rampart_rbac::Role;

/// Creates the admin account if both variables are set and the address has no account.
/// Returns the address when an account was created.
pub async fn ensure_admin(
    app: &App,
    email: Option<String>,
    password: Option<String>,
) -> Result<Option<String>, String> {
    let (Some(email), Some(password)) = (email, password) else {
        return Ok(None);
    };
    let parsed = Email::parse(&email).map_err(|e| format!("RAMPART_ADMIN_EMAIL: {e}"))?;
    let auth = &app.state().auth;
    if auth
        .users()
        .find_by_email(&parsed)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(None);
    }
    let admin = auth
        .register(&email, &password, Role::Admin, true)
        .await
        .map_err(|e| match e {
            rampart_auth::AuthError::Validation(errors) => format!(
                "RAMPART_ADMIN_EMAIL / RAMPART_ADMIN_PASSWORD: {}",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => other.to_string(),
        })?;
    // Counted among the admins, so the last one is never demoted.
    auth.users()
        .set_role(&admin.id, Role::Admin, rampart_auth::users::UNCHECKED)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Some(parsed.to_string()))
}
