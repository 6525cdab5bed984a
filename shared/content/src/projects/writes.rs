//! Changing and deleting projects: conditional writes on the version read, retried a few
//! times when another change lands in between.

use super::*;

impl Projects {
    /// The owner's project `id` as it is now (`attempt` 0 may use the item already read),
    /// `404` without it, `412` when `precondition` does not hold for it.
    async fn current_if(
        &self,
        owner_id: &str,
        id: &str,
        attempt: usize,
        precondition: &impl Fn(&Project) -> bool,
    ) -> Result<Stored, ProjectError> {
        let current = self
            .current(owner_id, id, attempt)
            .await?
            .ok_or(ProjectError::NotFound)?;
        if !precondition(&current.project) {
            return Err(ProjectError::Stale);
        }
        Ok(current)
    }

    /// Applies `patch` to the owner's project `id` if `precondition` holds for it as it is;
    /// the write is conditioned on the version read, so a change in between is never lost.
    pub async fn update(
        &self,
        owner_id: &str,
        id: &str,
        patch: ProjectPatch,
        now: &str,
        precondition: impl Fn(&Project) -> bool,
    ) -> Result<Project, ProjectError> {
        self.update_with(owner_id, id, patch, now, precondition, |_| Vec::new())
            .await
    }

    /// [`Projects::update`], with the writes `with` gives for the changed project in the same
    /// transaction (asked again when a lost race makes the change retry).
    pub async fn update_with(
        &self,
        owner_id: &str,
        id: &str,
        patch: ProjectPatch,
        now: &str,
        precondition: impl Fn(&Project) -> bool,
        mut with: impl FnMut(&Project) -> Vec<TxOp>,
    ) -> Result<Project, ProjectError> {
        patch.validate()?;
        for attempt in 0..WRITE_ATTEMPTS {
            let current = self
                .current_if(owner_id, id, attempt, &precondition)
                .await?;
            let mut next = current.clone();
            if let Some(name) = &patch.name {
                next.project.name.clone_from(name);
            }
            if let Some(description) = &patch.description {
                next.project.description.clone_from(description);
            }
            next.project.updated_at = now.to_owned();
            next.version = current.version + 1;
            // The project and its postings' difference in one transaction.
            let mut ops = vec![TxOp::Put {
                table: Table::Content,
                item: to_item(owner_id, &next),
                cond: Some(Cond::eq("version", current.version)),
            }];
            ops.extend(crate::search::repostings(
                &crate::search::private_scope(owner_id),
                crate::search::Kind::Project,
                id,
                &text_of(&current.project),
                &text_of(&next.project),
            ));
            ops.extend(with(&next.project));
            match self.store.transact(ops).await {
                Ok(()) => return Ok(next.project),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ProjectError::Store(StoreError::Unavailable(
            "the project keeps changing; try again".into(),
        )))
    }

    /// Deletes the owner's project `id` if `precondition` holds for it as it is.
    pub async fn delete(
        &self,
        owner_id: &str,
        id: &str,
        precondition: impl Fn(&Project) -> bool,
    ) -> Result<(), ProjectError> {
        for attempt in 0..WRITE_ATTEMPTS {
            let current = self
                .current_if(owner_id, id, attempt, &precondition)
                .await?;
            let mut ops = vec![TxOp::Delete {
                table: Table::Content,
                key: keys::content::project(owner_id, id),
                cond: Some(Cond::eq("version", current.version)),
            }];
            ops.extend(Deltas::new().add("n", -1).op(&count_list(owner_id)));
            ops.extend(crate::search::unpostings(
                &crate::search::private_scope(owner_id),
                crate::search::Kind::Project,
                id,
                &text_of(&current.project),
            ));
            match self.store.transact(ops).await {
                Ok(()) => return Ok(()),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ProjectError::Store(StoreError::Unavailable(
            "the project keeps changing; try again".into(),
        )))
    }

    /// Deletes every project of the owner (account deletion); each delete can be repeated.
    pub async fn delete_all(&self, owner_id: &str) -> Result<usize, ProjectError> {
        let all = self.all(owner_id).await?;
        for project in &all {
            // Each project with its postings; repeating one deletes nothing more.
            let mut ops = vec![TxOp::Delete {
                table: Table::Content,
                key: keys::content::project(owner_id, &project.id),
                cond: None,
            }];
            ops.extend(crate::search::unpostings(
                &crate::search::private_scope(owner_id),
                crate::search::Kind::Project,
                &project.id,
                &text_of(project),
            ));
            self.store.transact(ops).await?;
        }
        self.store
            .delete(
                Table::Content,
                &crate::listing::counter_key(&count_list(owner_id)),
                None,
            )
            .await?;
        Ok(all.len())
    }
}
