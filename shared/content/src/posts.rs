//! Community posts: written by verified accounts, listed publicly, newest first. A post
//! shows no author id: the public list discloses no account. When an account is deleted its
//! posts are deleted too (not anonymised): a post's text can itself name or describe its
//! author, which no anonymisation of the author field would remove.

use rampart_core::FieldError;
use rampart_store::{
    Cond, Index, Item, ItemExt, Query, SharedStore, StoreError, Table, TxOp, keys,
};
use serde::{Deserialize, Serialize};

use crate::listing::{self, CappedWriteError, DailyCap, DailyCapReached, Deltas};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Posts one account publishes in a UTC day at most.
pub const POSTS_PER_DAY: DailyCap = DailyCap {
    counter: "posts",
    what: "community posts",
    cap: 50,
};
/// The counter of every post (`n`).
const ALL_POSTS_COUNT: &str = "posts";

/// A post as everyone sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Post {
    pub id: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
}

/// `POST /community/posts`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    #[schemars(length(min = 1, max = 200), pattern(rampart_core::text::SINGLE_LINE))]
    pub title: String,
    #[schemars(length(min = 1, max = 20000), pattern(rampart_core::text::NOT_BLANK))]
    pub body: String,
}

impl NewPost {
    /// Field errors, all at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("must be 1 to {MAX_TITLE_CHARS} characters, not only spaces"),
            ));
        } else if self.title.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "title",
                "must not contain control characters",
            ));
        }
        if self.body.trim().is_empty() || self.body.chars().count() > MAX_BODY_CHARS {
            errors.push(FieldError::new(
                "body",
                format!("must be 1 to {MAX_BODY_CHARS} characters, not only spaces"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn from_item(item: &Item) -> Result<Post, StoreError> {
    let text = |name: &str| {
        item.str_attr(name)
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Internal(format!("a stored post lacks {name}")))
    };
    Ok(Post {
        id: text("id")?,
        title: text("title")?,
        body: text("body")?,
        created_at: text("created_at")?,
    })
}

/// Every community post.
#[derive(Clone)]
pub struct Posts {
    store: SharedStore,
}

impl Posts {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Publishes a post by `author_id`: the post, the count of posts and the author's daily
    /// slot in one transaction.
    pub async fn create(
        &self,
        author_id: &str,
        new: NewPost,
        now: &str,
        now_secs: i64,
    ) -> Result<Post, PostError> {
        new.validate().map_err(PostError::Validation)?;
        let post = Post {
            id: rampart_core::ids::new_id(),
            title: new.title,
            body: new.body,
            created_at: now.to_owned(),
        };
        let mut item = keys::content::post(&post.id).to_item();
        item.insert("id".into(), post.id.clone().into());
        item.insert("title".into(), post.title.clone().into());
        item.insert("body".into(), post.body.clone().into());
        item.insert("created_at".into(), post.created_at.clone().into());
        item.insert("author_id".into(), author_id.into());
        item.insert("gsi1pk".into(), keys::content::ALL_POSTS.into());
        item.insert("gsi1sk".into(), post.id.clone().into());
        item.insert("gsi2pk".into(), keys::content::posts_by(author_id).into());
        item.insert("gsi2sk".into(), post.id.clone().into());
        let mut ops = vec![TxOp::Put {
            table: Table::Content,
            item,
            cond: Some(Cond::not_exists("pk")),
        }];
        ops.extend(Deltas::new().add("n", 1).op(ALL_POSTS_COUNT));
        // The post, the count, its postings and the author's daily cap: one transaction.
        ops.extend(crate::search::postings(
            crate::search::PUBLIC,
            crate::search::Kind::Post,
            &post.id,
            &format!("{} {}", post.title, post.body),
        ));
        POSTS_PER_DAY
            .write(&self.store, ops, author_id, now_secs)
            .await
            .map_err(|e| match e {
                CappedWriteError::Capped(cap) => PostError::DailyCap(cap),
                CappedWriteError::Store(e) => e.into(),
            })?;
        Ok(post)
    }

    /// The post `id`.
    pub async fn get(&self, id: &str) -> Result<Option<Post>, PostError> {
        match self
            .store
            .get(Table::Content, &keys::content::post(id))
            .await?
        {
            Some(item) => Ok(Some(from_item(&item)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` posts, newest first, after `cursor`; and the next page's cursor.
    pub async fn page(
        &self,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Post>, Option<String>), PostError> {
        let page = self
            .store
            .query(
                &Query::index(Table::Content, Index::Gsi1, keys::content::ALL_POSTS)
                    .backward()
                    .limit(limit)
                    .after(cursor),
            )
            .await?;
        let posts = page.items.iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((posts, page.cursor))
    }

    /// How many posts there are, from the counter kept with every write.
    pub async fn count(&self) -> Result<u64, PostError> {
        Ok(listing::count(&*self.store, ALL_POSTS_COUNT, "n").await?)
    }

    /// Posts `skip .. skip + take`, newest first, reading no further than that (page numbers
    /// stop at [`listing::MAX_NUMBERED_ITEMS`]); and the cursor after them.
    pub async fn numbered(
        &self,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Post>, Option<String>), PostError> {
        let query = Query::index(Table::Content, Index::Gsi1, keys::content::ALL_POSTS).backward();
        let (items, next) = listing::numbered_slice(&*self.store, query, skip, take).await?;
        let posts = items.iter().map(from_item).collect::<Result<_, _>>()?;
        Ok((posts, next))
    }

    /// The posts `author_id` wrote, oldest first (export).
    pub async fn by(&self, author_id: &str) -> Result<Vec<Post>, PostError> {
        let query = Query::index(
            Table::Content,
            Index::Gsi2,
            keys::content::posts_by(author_id),
        );
        let items = rampart_store::query_all(&*self.store, query).await?;
        Ok(items.iter().map(from_item).collect::<Result<_, _>>()?)
    }

    /// Deletes every post `author_id` wrote (account deletion).
    pub async fn delete_by(&self, author_id: &str) -> Result<usize, PostError> {
        let all = self.by(author_id).await?;
        for post in &all {
            let mut ops = vec![TxOp::Delete {
                table: Table::Content,
                key: keys::content::post(&post.id),
                cond: Some(Cond::exists("pk")),
            }];
            ops.extend(Deltas::new().add("n", -1).op(ALL_POSTS_COUNT));
            // Its postings go with it, so a post already gone has none left either.
            ops.extend(crate::search::unpostings(
                crate::search::PUBLIC,
                crate::search::Kind::Post,
                &post.id,
                &format!("{} {}", post.title, post.body),
            ));
            match self.store.transact(ops).await {
                // Gone already (a retried deletion): counted down then.
                Err(error) if error.is_condition_failed() => {}
                other => other?,
            }
        }
        Ok(all.len())
    }
}

/// Why a post operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("invalid post")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    DailyCap(DailyCapReached),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PostError> for rampart_core::ApiError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::Validation(errors) => Self::Validation(errors),
            PostError::DailyCap(cap) => cap.into(),
            PostError::Store(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn posts_list_newest_first_and_go_with_their_author() {
        let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
        let posts = Posts::new(Arc::new(rampart_store::EmbeddedStore::memory(clock)));
        let new = |t: &str| NewPost {
            title: t.into(),
            body: "b".into(),
        };
        posts
            .create("ada", new("first"), "2026-11-26T10:00:00Z", 1_795_338_000)
            .await
            .unwrap();
        posts
            .create("bob", new("second"), "2026-11-26T10:01:00Z", 1_795_338_060)
            .await
            .unwrap();
        let (page, _) = posts.page(10, None).await.unwrap();
        let titles: Vec<&str> = page.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["second", "first"]);
        assert_eq!(posts.delete_by("ada").await.unwrap(), 1);
        let (left, _) = posts.numbered(0, 10).await.unwrap();
        assert_eq!(
            (posts.count().await.unwrap(), left[0].title.as_str()),
            (1, "second")
        );
    }
}
