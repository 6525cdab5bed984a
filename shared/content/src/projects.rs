//! Projects: owner-scoped, each in its owner's partition of the content table. A project is
//! only ever read through its owner's key, so another caller's id names nothing (404, never
//! 403: whether an id exists is not disclosed).

use rampart_core::FieldError;
use rampart_store::{Cond, Item, ItemExt, Query, SharedStore, StoreError, Table, TxOp, keys};

use crate::listing::Deltas;
use serde::{Deserialize, Serialize};

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// How often a change is tried again when another change lands between its read and its
/// write (only without `If-Match`; with it, the other change makes the tag stale).
const WRITE_ATTEMPTS: usize = 3;

mod writes;

/// A project as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /projects`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// 1 to 100 characters, not only spaces, no control characters.
    #[schemars(length(min = 1, max = 100), pattern(rampart_core::text::SINGLE_LINE))]
    pub name: String,
    /// Up to 2000 characters.
    #[serde(default)]
    #[schemars(length(max = 2000))]
    pub description: String,
}

/// `PATCH /projects/{id}`: the fields to change, at least one.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [
    {"required": ["name"], "properties": {"name": {"type": "string"}}},
    {"required": ["description"], "properties": {"description": {"type": "string"}}},
]))]
pub struct ProjectPatch {
    #[schemars(length(min = 1, max = 100), pattern(rampart_core::text::SINGLE_LINE))]
    pub name: Option<String>,
    #[schemars(length(max = 2000))]
    pub description: Option<String>,
}

/// Why a project operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("invalid project")]
    Validation(Vec<FieldError>),
    #[error("no such project")]
    NotFound,
    /// The caller's precondition (`If-Match`) does not hold for the project as it is now.
    #[error("the project has changed")]
    Stale,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProjectError> for rampart_core::ApiError {
    fn from(error: ProjectError) -> Self {
        match error {
            ProjectError::Validation(errors) => Self::Validation(errors),
            ProjectError::NotFound => Self::ResourceNotFound,
            ProjectError::Stale => Self::PreconditionFailed,
            ProjectError::Store(error) => error.into(),
        }
    }
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let chars = name.chars().count();
    if name.trim().is_empty() || chars > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters, not only spaces"),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "must not contain control characters",
        ));
    }
}

fn check_description(description: &str, errors: &mut Vec<FieldError>) {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push(FieldError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
}

impl NewProject {
    /// Field errors, all at once.
    pub fn validate(&self) -> Result<(), ProjectError> {
        let mut errors = Vec::new();
        check_name(&self.name, &mut errors);
        check_description(&self.description, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ProjectError::Validation(errors))
        }
    }
}

impl ProjectPatch {
    /// Field errors, all at once; an empty patch is one too.
    pub fn validate(&self) -> Result<(), ProjectError> {
        let mut errors = Vec::new();
        if self.name.is_none() && self.description.is_none() {
            errors.push(FieldError::new("name", "send name, description or both"));
        }
        if let Some(name) = &self.name {
            check_name(name, &mut errors);
        }
        if let Some(description) = &self.description {
            check_description(description, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ProjectError::Validation(errors))
        }
    }
}

/// What search finds a project by.
fn text_of(project: &Project) -> String {
    format!("{} {}", project.name, project.description)
}

/// A stored project and the version its writes are conditioned on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub project: Project,
    pub version: i64,
}

fn to_item(owner_id: &str, stored: &Stored) -> Item {
    let p = &stored.project;
    let mut item = keys::content::project(owner_id, &p.id).to_item();
    item.insert("name".into(), p.name.clone().into());
    item.insert("description".into(), p.description.clone().into());
    item.insert("created_at".into(), p.created_at.clone().into());
    item.insert("updated_at".into(), p.updated_at.clone().into());
    item.insert("version".into(), stored.version.into());
    item
}

fn from_item(item: &Item) -> Result<Stored, StoreError> {
    let text = |name: &str| {
        item.str_attr(name)
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Internal(format!("a stored project lacks {name}")))
    };
    Ok(Stored {
        project: Project {
            id: text("sk")?,
            name: text("name")?,
            description: text("description").unwrap_or_default(),
            created_at: text("created_at")?,
            updated_at: text("updated_at")?,
        },
        version: item.i64_attr("version").unwrap_or(0),
    })
}

/// The counter list of an owner's projects.
fn count_list(owner_id: &str) -> String {
    format!("projects_of#{owner_id}")
}

/// The projects of every owner.
#[derive(Clone)]
pub struct Projects {
    store: SharedStore,
    /// The project's item as already read, when it was (see [`Projects::knowing`]).
    known: Option<Option<Item>>,
}

impl Projects {
    pub fn new(store: SharedStore) -> Self {
        Self { store, known: None }
    }

    /// Where the owner's project `id` is stored.
    pub fn key(owner_id: &str, id: &str) -> (Table, rampart_store::Key) {
        (Table::Content, keys::content::project(owner_id, id))
    }

    /// The same projects, with the item at [`Projects::key`] already read (by the request
    /// pipeline, alongside authentication; `Some(None)`: it does not exist). The first read
    /// of [`Projects::get`], [`Projects::update`] or [`Projects::delete`] uses it instead of
    /// the store; a retry after a lost race reads the store.
    pub fn knowing(self, first_read: Option<Option<Item>>) -> Self {
        Self {
            known: first_read,
            ..self
        }
    }

    /// The owner's project `id`: as known on the first attempt, else from the store.
    async fn current(
        &self,
        owner_id: &str,
        id: &str,
        attempt: usize,
    ) -> Result<Option<Stored>, ProjectError> {
        match (&self.known, attempt) {
            (Some(item), 0) => Ok(item.as_ref().map(from_item).transpose()?),
            _ => self.read(owner_id, id).await,
        }
    }

    /// Creates a project for `owner_id` at `now` (RFC 3339).
    pub async fn create(
        &self,
        owner_id: &str,
        new: NewProject,
        now: &str,
    ) -> Result<Project, ProjectError> {
        self.create_with(owner_id, new, now, |_| Vec::new()).await
    }

    /// [`Projects::create`], with the writes `with` gives for the new project (the record of
    /// the request's answer, say) in the same transaction.
    pub async fn create_with(
        &self,
        owner_id: &str,
        new: NewProject,
        now: &str,
        with: impl FnOnce(&Project) -> Vec<TxOp>,
    ) -> Result<Project, ProjectError> {
        new.validate()?;
        let stored = Stored {
            project: Project {
                id: rampart_core::ids::new_id(),
                name: new.name,
                description: new.description,
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            },
            version: 1,
        };
        // The project and its count in one transaction: the list's total is one read.
        let mut ops = vec![TxOp::Put {
            table: Table::Content,
            item: to_item(owner_id, &stored),
            cond: Some(Cond::not_exists("pk")),
        }];
        ops.extend(Deltas::new().add("n", 1).op(&count_list(owner_id)));
        let p = &stored.project;
        ops.extend(crate::search::postings(
            &crate::search::private_scope(owner_id),
            crate::search::Kind::Project,
            &p.id,
            &text_of(p),
        ));
        ops.extend(with(p));
        self.store.transact(ops).await?;
        Ok(stored.project)
    }

    /// The owner's project `id`.
    pub async fn get(&self, owner_id: &str, id: &str) -> Result<Option<Stored>, ProjectError> {
        self.current(owner_id, id, 0).await
    }

    async fn read(&self, owner_id: &str, id: &str) -> Result<Option<Stored>, ProjectError> {
        match self
            .store
            .get(Table::Content, &keys::content::project(owner_id, id))
            .await?
        {
            Some(item) => Ok(Some(from_item(&item)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` of the owner's projects, oldest first, after `cursor`; and the cursor of
    /// the next page, when one follows.
    pub async fn page(
        &self,
        owner_id: &str,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Project>, Option<String>), ProjectError> {
        let page = self
            .store
            .query(
                &Query::partition(Table::Content, keys::content::projects(owner_id))
                    .limit(limit)
                    .after(cursor),
            )
            .await?;
        let projects = page
            .items
            .iter()
            .map(|item| from_item(item).map(|s| s.project))
            .collect::<Result<_, _>>()?;
        Ok((projects, page.cursor))
    }

    /// Projects `skip .. skip + take` of the owner, oldest first, reading no further; and the
    /// cursor after them.
    pub async fn numbered(
        &self,
        owner_id: &str,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Project>, Option<String>), ProjectError> {
        let query = Query::partition(Table::Content, keys::content::projects(owner_id));
        let (items, next) = crate::listing::numbered_slice(&*self.store, query, skip, take).await?;
        let projects = items
            .iter()
            .map(|item| from_item(item).map(|s| s.project))
            .collect::<Result<_, _>>()?;
        Ok((projects, next))
    }

    /// How many projects the owner has: one counter read.
    pub async fn count(&self, owner_id: &str) -> Result<u64, ProjectError> {
        Ok(crate::listing::count(&*self.store, &count_list(owner_id), "n").await?)
    }

    /// Every project of the owner, oldest first.
    pub async fn all(&self, owner_id: &str) -> Result<Vec<Project>, ProjectError> {
        let query = Query::partition(Table::Content, keys::content::projects(owner_id));
        let items = rampart_store::query_all(&*self.store, query).await?;
        Ok(items
            .iter()
            .map(|item| from_item(item).map(|s| s.project))
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests;
