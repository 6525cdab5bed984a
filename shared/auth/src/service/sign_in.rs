//! Signing in: passwords, sessions and their tokens, and the principal behind an access token.

use rampart_rbac::{Principal, PrincipalKind};
use rampart_store::{Cond, Item, Table, TxOp, Update, keys};

use super::{AuthService, Keyed, SignedIn, Tokens};
use crate::access_token::{self, ACCESS_TOKEN_SECS, AccessClaims, AccessTokenError};
use crate::email::Email;
use crate::sessions::{Issued, Origin, RefreshOutcome, Session, SessionError};
use crate::users::User;
use crate::{AuthError, csrf};

impl AuthService {
    /// Checks an email and password. Unknown address and wrong password fail alike, after
    /// one hash each.
    pub async fn check_password(&self, email: &str, password: &str) -> Result<User, AuthError> {
        let user = match Email::parse(email) {
            Ok(email) => self.users.find_by_email_evenly(&email).await?,
            Err(_) => None,
        };
        let phc = user.as_ref().and_then(|u| u.password_hash.as_deref());
        if self.password_matches(password, phc).await {
            user.ok_or(AuthError::InvalidCredentials)
        } else {
            Err(AuthError::InvalidCredentials)
        }
    }

    /// Opens a session for `user` and issues its tokens.
    pub async fn sign_in(&self, user: User, origin: &Origin) -> Result<SignedIn, AuthError> {
        let keyed = self.keyed()?;
        let issued = keyed
            .sessions
            .open(&user.id, origin, self.now())
            .await
            .map_err(session_error)?;
        let tokens = self.tokens_for(keyed, &issued)?;
        Ok(SignedIn { user, tokens })
    }

    fn tokens_for(&self, keyed: &Keyed, issued: &Issued) -> Result<Tokens, AuthError> {
        let session = &issued.session;
        Ok(Tokens {
            access_token: access_token::issue(
                &keyed.keys,
                &session.user_id,
                &session.id,
                self.now(),
            )
            .into(),
            refresh_token: issued.refresh_token.clone(),
            csrf_token: csrf::issue(&keyed.keys, &session.id)
                .map_err(|_| AuthError::Internal("no randomness".into()))?
                .into(),
            expires_in: ACCESS_TOKEN_SECS,
            session_id: session.id.clone(),
        })
    }

    /// Presents a refresh token.
    pub async fn refresh(&self, token: &str) -> Result<SignedIn, AuthError> {
        let (signed_in, _) = self.refresh_with(token, None, |_, _| Vec::new()).await?;
        Ok(signed_in)
    }

    /// Presents a refresh token whose session item may already have been read (`known`, see
    /// [`crate::Sessions::key_of`]). A rotation is one transaction: the session's conditional
    /// update, a check that the account still honours the session (it exists, and has not
    /// ended its sessions since this one was confirmed), and the writes `also` gives for the
    /// user and session ids. The account is read at the same time, for the answer. Returns
    /// whether `also` was written: not when the grace window hands out the current pair,
    /// which writes nothing.
    pub async fn refresh_with(
        &self,
        token: &str,
        known: Option<Option<Item>>,
        also: impl FnOnce(&str, &str) -> Vec<TxOp>,
    ) -> Result<(SignedIn, bool), AuthError> {
        let keyed = self.keyed()?;
        let Some(presented) = keyed
            .sessions
            .presented_knowing(token, known)
            .await
            .map_err(session_error)?
        else {
            return Err(AuthError::InvalidRefresh);
        };
        let user_id = presented.user_id().to_owned();
        let honoured = Cond::exists("pk").and(
            Cond::not_exists("sessions_not_before")
                .or(Cond::le("sessions_not_before", presented.valid_from())),
        );
        let mut writes = vec![TxOp::Check {
            table: Table::Users,
            key: keys::users::account(&user_id),
            cond: honoured,
        }];
        writes.extend(also(&user_id, presented.session_id()));
        let (settled, user) = tokio::join!(
            keyed.sessions.settle_with(presented, self.now(), writes),
            self.users.get(&user_id)
        );
        let (outcome, written) = settled.map_err(session_error)?;
        match outcome {
            RefreshOutcome::Ok(issued) => {
                let user = user?
                    .filter(|u| u.id == issued.session.user_id)
                    .filter(|u| u.honours_session_from(issued.session.valid_from))
                    .ok_or(AuthError::InvalidRefresh)?;
                let tokens = self.tokens_for(keyed, &issued)?;
                Ok((SignedIn { user, tokens }, written))
            }
            RefreshOutcome::Invalid => Err(AuthError::InvalidRefresh),
            RefreshOutcome::Reused {
                session_id,
                user_id,
            } => Err(AuthError::RefreshReused {
                session_id,
                user_id,
            }),
        }
    }

    /// Revokes the session a refresh token belongs to, if the token is authentic.
    pub async fn revoke_by_refresh_token(&self, token: &str) -> Result<Option<Session>, AuthError> {
        let keyed = self.keyed()?;
        match crate::refresh_token::authenticate(&keyed.keys, token) {
            Some(parsed) => Ok(keyed.sessions.revoke(&parsed.session_id).await?),
            None => Ok(None),
        }
    }

    /// Revokes a session by id.
    pub async fn revoke_session(&self, session_id: &str) -> Result<Option<Session>, AuthError> {
        Ok(self.keyed()?.sessions.revoke(session_id).await?)
    }

    /// Revokes one of `user_id`'s sessions; `false` when it is not theirs or does not exist.
    pub async fn revoke_own_session(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<bool, AuthError> {
        Ok(self
            .keyed()?
            .sessions
            .revoke_owned(session_id, user_id)
            .await?)
    }

    /// Revokes every session of `user_id` but `keep`.
    /// Ends every session of `user_id` but `keep`. The kept session is renewed and the
    /// account refuses every session older than now, so even a session the index does not yet
    /// list (it is eventually consistent) ends at once; the index walk then deletes what it
    /// lists. Returns how many the walk deleted.
    pub async fn revoke_other_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AuthError> {
        let keyed = self.keyed()?;
        let now = self.now();
        if let Some(keep) = keep {
            keyed.sessions.renew(keep, user_id, now).await?;
        }
        self.users
            .set(user_id, Update::new().set("sessions_not_before", now))
            .await?;
        Ok(keyed.sessions.revoke_all_except(user_id, keep).await?)
    }

    /// Ends every session of the account after its address was proved: revokes those the
    /// index lists now, while the account's `sessions_not_before` (set with the proof) refuses
    /// any the index has not shown yet.
    pub(crate) async fn end_sessions(&self, user_id: &str) -> Result<(), AuthError> {
        if let Ok(keyed) = self.keyed() {
            keyed.sessions.revoke_all_except(user_id, None).await?;
        }
        Ok(())
    }

    /// One page of `user_id`'s sessions.
    pub async fn sessions(
        &self,
        user_id: &str,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Session>, Option<String>), AuthError> {
        Ok(self.keyed()?.sessions.list(user_id, limit, cursor).await?)
    }

    /// The principal behind an access token: the token must verify, its session must be
    /// live and belong to its user, and the user must exist.
    pub async fn authenticate_access(
        &self,
        token: &str,
        kind: PrincipalKind,
    ) -> Result<(Principal, User), AuthError> {
        let claims = self.verify_access(token)?;
        self.authenticate_claims(&claims, kind).await
    }

    /// An access token's claims, when its signature, issuer and expiry verify: what it says,
    /// before the store confirms its session.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let keyed = self.keyed()?;
        keyed
            .verified
            .verify(&keyed.keys, token, self.now())
            .map_err(|e| match e {
                AccessTokenError::Invalid | AccessTokenError::Expired => AuthError::Unauthenticated,
            })
    }

    /// The principal behind verified claims ([`AuthService::verify_access`]): their session
    /// must be live and belong to their user, and the user must exist.
    pub async fn authenticate_claims(
        &self,
        claims: &AccessClaims,
        kind: PrincipalKind,
    ) -> Result<(Principal, User), AuthError> {
        let keyed = self.keyed()?;
        let (user, session) =
            tokio::join!(self.users.get(&claims.sub), keyed.sessions.get(&claims.sid));
        let (Some(user), Some(session)) = (user?, session?) else {
            return Err(AuthError::Unauthenticated);
        };
        if session.user_id != user.id || !user.honours_session_from(session.valid_from) {
            return Err(AuthError::Unauthenticated);
        }
        let principal = Principal {
            id: user.id.clone(),
            role: Some(user.role),
            grants: user.grants.clone(),
            email_verified: user.email_verified,
            kind,
            session_id: Some(session.id),
            ceiling: None,
        };
        Ok((principal, user))
    }

    /// Whether the CSRF token is valid for `session_id`.
    pub fn check_csrf(
        &self,
        session_id: &str,
        header: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<csrf::CsrfCheck, AuthError> {
        Ok(csrf::check(&self.keyed()?.keys, session_id, header, cookie))
    }
}

fn session_error(e: SessionError) -> AuthError {
    match e {
        SessionError::Store(e) => e.into(),
        SessionError::Undecryptable(failure) => AuthError::Undecryptable(failure),
        other => AuthError::Internal(other.to_string()),
    }
}
