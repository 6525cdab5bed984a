//! Roles and grants of an account, changed by admins. Every role change also updates the set
//! of admin ids, in one transaction conditioned on both, so two admins demoting each other at
//! once cannot leave the deployment without an admin.

use rampart_rbac::{Authority, Permission, Role};
use rampart_store::{AttrValue, Cond, ItemExt, StoreError, Table, TxOp, Update, keys};

use super::{User, Users};

/// Why a role or grant change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("no such account")]
    NotFound,
    /// The account is the last admin: demoting it would leave none.
    #[error("the last admin cannot be demoted")]
    LastAdmin,
    /// The account has not verified its address: it is given no role or grant.
    #[error("the account has not verified its address")]
    Unverified,
    /// The caller's check refused the change.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A check of a change before it is written, given the account as it is and the authority it
/// would hold; it runs again on every retry, against what was read.
pub type ChangeCheck<'a> = &'a (dyn Fn(&User, &Authority) -> Result<(), RoleError> + Sync);

/// The check of changes made by the system itself (start-up, tests): every change passes.
pub const UNCHECKED: ChangeCheck<'static> = &|_, _| Ok(());

fn authority(role: Role, grants: &[Permission]) -> Authority {
    Authority {
        role,
        grants: grants.to_vec(),
    }
}

impl User {
    /// What the account holds now.
    pub fn authority(&self) -> Authority {
        authority(self.role, &self.grants)
    }
}

impl Users {
    /// The ids of every admin, and the version of the set (`None` before the first change).
    async fn admins(&self) -> Result<(Vec<String>, Option<i64>), StoreError> {
        let Some(item) = self.store.get(Table::Users, &keys::users::admins()).await? else {
            return Ok((Vec::new(), None));
        };
        let ids = match item.get("ids") {
            Some(AttrValue::L(values)) => values
                .iter()
                .filter_map(|v| v.as_s().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok((ids, item.i64_attr("version")))
    }

    /// Gives account `id` `role`; returns the account as it now is. Demoting an admin when the
    /// set names no other admin is refused ([`RoleError::LastAdmin`]); so is any change
    /// `check` refuses, or one to an unverified account.
    pub async fn set_role(
        &self,
        id: &str,
        role: Role,
        check: ChangeCheck<'_>,
    ) -> Result<User, RoleError> {
        for _ in 0..5 {
            let user = self.get(id).await?.ok_or(RoleError::NotFound)?;
            check(&user, &authority(role, &user.grants))?;
            let (mut admins, version) = self.admins().await?;
            let was_admin = user.role == Role::Admin;
            if user.role == role && (!was_admin || admins.iter().any(|a| a == id)) {
                return Ok(user);
            }
            admins.retain(|a| a != id);
            if was_admin && role != Role::Admin && admins.is_empty() {
                return Err(RoleError::LastAdmin);
            }
            if role == Role::Admin {
                admins.push(id.to_owned());
            }
            let mut set = keys::users::admins().to_item();
            set.insert(
                "ids".into(),
                AttrValue::L(admins.iter().map(AttrValue::s).collect()),
            );
            set.insert("version".into(), (version.unwrap_or(0) + 1).into());
            let set_guard = match version {
                Some(v) => Cond::eq("version", v),
                None => Cond::not_exists("pk"),
            };
            let written = self
                .store
                .transact(vec![
                    TxOp::Update {
                        table: Table::Users,
                        key: keys::users::account(id),
                        update: Update::new().set("role", role.as_str()),
                        cond: Some(Cond::eq("role", user.role.as_str())),
                    },
                    TxOp::Put {
                        table: Table::Users,
                        item: set,
                        cond: Some(set_guard),
                    },
                ])
                .await;
            match written {
                Ok(()) => return self.get(id).await?.ok_or(RoleError::NotFound),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(RoleError::Store(StoreError::Unavailable(
            "roles keep changing; try again".into(),
        )))
    }

    /// The transaction step that takes account `id` out of the set of admins as its account is
    /// deleted, conditioned on the set being unchanged; `None` when it is not in the set.
    /// Refused ([`RoleError::LastAdmin`]) when no other admin would be left.
    pub async fn leave_admins(&self, id: &str) -> Result<Option<TxOp>, RoleError> {
        let (mut admins, version) = self.admins().await?;
        if !admins.iter().any(|a| a == id) {
            return Ok(None);
        }
        admins.retain(|a| a != id);
        if admins.is_empty() {
            return Err(RoleError::LastAdmin);
        }
        let mut set = keys::users::admins().to_item();
        set.insert(
            "ids".into(),
            AttrValue::L(admins.iter().map(AttrValue::s).collect()),
        );
        set.insert("version".into(), (version.unwrap_or(0) + 1).into());
        Ok(Some(TxOp::Put {
            table: Table::Users,
            item: set,
            cond: Some(match version {
                Some(v) => Cond::eq("version", v),
                None => Cond::not_exists("pk"),
            }),
        }))
    }

    /// Adds `permission` to account `id`'s grants (no change when it holds it already).
    pub async fn grant(
        &self,
        id: &str,
        permission: &Permission,
        check: ChangeCheck<'_>,
    ) -> Result<User, RoleError> {
        self.change_grants(
            id,
            |grants| {
                if !grants.contains(permission) {
                    grants.push(permission.clone());
                }
            },
            check,
        )
        .await
    }

    /// Removes `permission` from account `id`'s grants.
    pub async fn revoke(
        &self,
        id: &str,
        permission: &Permission,
        check: ChangeCheck<'_>,
    ) -> Result<User, RoleError> {
        self.change_grants(id, |grants| grants.retain(|g| g != permission), check)
            .await
    }

    async fn change_grants(
        &self,
        id: &str,
        change: impl Fn(&mut Vec<Permission>),
        check: ChangeCheck<'_>,
    ) -> Result<User, RoleError> {
        for _ in 0..5 {
            let user = self.get(id).await?.ok_or(RoleError::NotFound)?;
            let mut grants = user.grants.clone();
            change(&mut grants);
            check(&user, &authority(user.role, &grants))?;
            if grants == user.grants {
                return Ok(user);
            }
            let old: Vec<AttrValue> = user.grants.iter().map(|g| g.to_string().into()).collect();
            let new: Vec<AttrValue> = grants.iter().map(|g| g.to_string().into()).collect();
            let unchanged = if old.is_empty() {
                Cond::not_exists("grants").or(Cond::eq("grants", AttrValue::L(old)))
            } else {
                Cond::eq("grants", AttrValue::L(old))
            };
            if let Some(user) = self
                .set_when(
                    id,
                    Update::new().set("grants", AttrValue::L(new)),
                    unchanged,
                )
                .await?
            {
                return Ok(user);
            }
        }
        Err(RoleError::Store(StoreError::Unavailable(
            "grants keep changing; try again".into(),
        )))
    }
}
