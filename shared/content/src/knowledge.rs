//! The knowledge base: reviewers and admins write entries; users and API keys query them.
//!
//! Queries never scan the entries. Each entry's words are kept in a token index (one item per
//! token and entry, in the token's own partition), so a query reads one partition per word
//! and ranks what it finds (the words' frequency in the entry, weighted by how rare each word
//! is across the base). An entry is written unindexed first, then its tokens, then marked
//! indexed: an entry whose indexing failed part-way is never answered, never half-found.

use std::collections::{BTreeMap, BTreeSet};

use rampart_core::FieldError;
use rampart_store::{
    Cond, Item, ItemExt, Query, ReturnValues, SharedStore, StoreError, Table, Update, keys,
};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 50_000;
/// The most tags, and the longest tag.
pub const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 40;
/// The longest query, in characters (the contract's bound).
pub const MAX_QUERY_CHARS: usize = 5_000;
/// The words of a query that count; further ones are ignored.
const MAX_QUERY_TOKENS: usize = 12;
/// The distinct words of an entry that are indexed (its most frequent ones).
const MAX_ENTRY_TOKENS: usize = 300;
/// Matches read per query word.
const MATCHES_PER_TOKEN: u32 = 1_000;
/// The most answers a query returns.
pub const MAX_ANSWERS: usize = 20;

mod validation;
pub use validation::tokens;

/// A knowledge-base entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub created_at: String,
}

/// `POST /knowledge/entries`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    #[schemars(length(min = 1, max = 200), pattern(rampart_core::text::NOT_BLANK))]
    pub title: String,
    #[schemars(length(min = 1, max = 50000), pattern(rampart_core::text::NOT_BLANK))]
    pub body: String,
    /// Up to 20 tags of 1 to 40 characters.
    #[serde(default)]
    #[schemars(
        length(max = 20),
        inner(length(min = 1, max = 40), pattern(rampart_core::text::SINGLE_LINE))
    )]
    pub tags: Vec<String>,
}

/// `POST /knowledge/query`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeQuery {
    /// 1 to 5000 characters of letters, digits, spaces and `-.()'",?:`. The pattern is
    /// written for every regex dialect (no `\p{…}` classes): it refuses control characters and
    /// the ASCII punctuation outside that list; the server also refuses non-ASCII symbols.
    #[schemars(
        length(min = 1, max = 5000),
        regex(pattern = r#"^[^\x00-\x1F\x7F!#$%&*+/;<=>@\[\\\]^_`{|}~]+$"#)
    )]
    pub query: String,
}

/// One answer to a query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Answer {
    pub entry: Entry,
    /// Higher is better; comparable within one query only.
    pub score: f64,
}

/// The answers to a query, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Answers {
    pub items: Vec<Answer>,
}

/// `GET /knowledge/summary`: totals only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    pub entries: u64,
}

/// Why a knowledge operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KnowledgeError> for rampart_core::ApiError {
    fn from(error: KnowledgeError) -> Self {
        match error {
            KnowledgeError::Validation(errors) => Self::Validation(errors),
            KnowledgeError::Store(error) => error.into(),
        }
    }
}

/// The knowledge base.
#[derive(Clone)]
pub struct Knowledge {
    store: SharedStore,
}

impl Knowledge {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Writes an entry by `author_id` and indexes its words (title, body and tags). The author
    /// is kept for their export, never shown with the entry.
    pub async fn create(
        &self,
        author_id: &str,
        new: NewEntry,
        now: &str,
    ) -> Result<Entry, KnowledgeError> {
        new.validate()?;
        let entry = Entry {
            id: rampart_core::ids::new_id(),
            title: new.title,
            body: new.body,
            tags: new.tags,
            created_at: now.to_owned(),
        };
        let key = keys::content::knowledge_entry(&entry.id);
        let mut item = key.to_item();
        let json =
            serde_json::to_string(&entry).map_err(|e| StoreError::Internal(e.to_string()))?;
        item.insert("entry".into(), json.into());
        item.insert("indexed".into(), false.into());
        item.insert("author_id".into(), author_id.into());
        item.insert(
            "gsi2pk".into(),
            keys::content::knowledge_by(author_id).into(),
        );
        item.insert("gsi2sk".into(), entry.id.clone().into());
        item.insert("gsi1pk".into(), keys::content::ALL_KNOWLEDGE.into());
        item.insert("gsi1sk".into(), entry.id.clone().into());
        self.store
            .put(Table::Content, item, Some(Cond::not_exists("pk")))
            .await?;

        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        let text = format!("{} {} {}", entry.title, entry.body, entry.tags.join(" "));
        for token in tokens(&text) {
            *counts.entry(token).or_default() += 1;
        }
        let mut by_frequency: Vec<(String, u32)> = counts.into_iter().collect();
        by_frequency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        by_frequency.truncate(MAX_ENTRY_TOKENS);
        for (token, count) in &by_frequency {
            let mut posting =
                rampart_store::Key::new(keys::content::knowledge_token(token), entry.id.clone())
                    .to_item();
            posting.insert("tf".into(), i64::from(*count).into());
            self.store.put(Table::Content, posting, None).await?;
        }
        self.store
            .update(
                Table::Content,
                &key,
                &Update::new().set("indexed", true),
                Some(Cond::exists("pk")),
                ReturnValues::None,
            )
            .await?;
        self.store
            .update(
                Table::Content,
                &keys::content::knowledge_stats(),
                &Update::new().add("entries", 1),
                None,
                ReturnValues::None,
            )
            .await?;
        Ok(entry)
    }

    /// The entries that best match `query`, best first: one partition read per distinct word
    /// (at most 12), then one read per answer.
    pub async fn query(&self, query: &KnowledgeQuery) -> Result<Answers, KnowledgeError> {
        query.validate()?;
        let words: BTreeSet<String> = tokens(&query.query)
            .into_iter()
            .take(MAX_QUERY_TOKENS)
            .collect();
        let total = self.summary().await?.entries.max(1) as f64;
        let mut scores: BTreeMap<String, f64> = BTreeMap::new();
        for word in &words {
            let page = self
                .store
                .query(
                    &Query::partition(Table::Content, keys::content::knowledge_token(word))
                        .limit(MATCHES_PER_TOKEN),
                )
                .await?;
            let found = page.items.len().max(1) as f64;
            // Rare words count for more (a smoothed inverse document frequency).
            let weight = (1.0 + total / found).ln();
            for posting in &page.items {
                let (Some(id), Some(tf)) = (posting.str_attr("sk"), posting.i64_attr("tf")) else {
                    continue;
                };
                *scores.entry(id.to_owned()).or_default() += (1.0 + tf as f64).ln() * weight;
            }
        }
        let mut ranked: Vec<(String, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut items = Vec::new();
        for (id, score) in ranked {
            if items.len() == MAX_ANSWERS {
                break;
            }
            if let Some(entry) = self.get_indexed(&id).await? {
                items.push(Answer {
                    entry,
                    score: (score * 1000.0).round() / 1000.0,
                });
            }
        }
        Ok(Answers { items })
    }

    /// The entry `id`, once indexed.
    pub async fn get_indexed(&self, id: &str) -> Result<Option<Entry>, KnowledgeError> {
        let Some(item) = self
            .store
            .get(Table::Content, &keys::content::knowledge_entry(id))
            .await?
        else {
            return Ok(None);
        };
        if !matches!(
            item.get("indexed"),
            Some(rampart_store::AttrValue::Bool(true))
        ) {
            return Ok(None);
        }
        Ok(entry_of(&item))
    }

    /// Every indexed entry, oldest first (the admin export).
    pub async fn all(&self) -> Result<Vec<Entry>, KnowledgeError> {
        let query = Query::index(
            Table::Content,
            rampart_store::Index::Gsi1,
            keys::content::ALL_KNOWLEDGE,
        );
        let items = rampart_store::query_all(&*self.store, query).await?;
        Ok(items
            .iter()
            .filter(|item| {
                matches!(
                    item.get("indexed"),
                    Some(rampart_store::AttrValue::Bool(true))
                )
            })
            .filter_map(entry_of)
            .collect())
    }

    /// The entries `author_id` wrote (export).
    pub async fn authored(&self, author_id: &str) -> Result<Vec<Entry>, KnowledgeError> {
        let query = Query::index(
            Table::Content,
            rampart_store::Index::Gsi2,
            keys::content::knowledge_by(author_id),
        );
        let items = rampart_store::query_all(&*self.store, query).await?;
        Ok(items.iter().filter_map(entry_of).collect())
    }

    /// Forgets `author_id` as the author of their entries (account deletion). The entries
    /// stay: they are the team's knowledge, written about the product rather than about
    /// their author.
    pub async fn forget_author(&self, author_id: &str) -> Result<usize, KnowledgeError> {
        let authored = self.authored(author_id).await?;
        for entry in &authored {
            self.store
                .update(
                    Table::Content,
                    &keys::content::knowledge_entry(&entry.id),
                    &Update::new()
                        .remove("author_id")
                        .remove("gsi2pk")
                        .remove("gsi2sk"),
                    Some(Cond::exists("pk")),
                    ReturnValues::None,
                )
                .await?;
        }
        Ok(authored.len())
    }

    /// The totals.
    pub async fn summary(&self) -> Result<Summary, KnowledgeError> {
        let entries = self
            .store
            .get(Table::Content, &keys::content::knowledge_stats())
            .await?
            .and_then(|item| item.i64_attr("entries"))
            .unwrap_or(0);
        Ok(Summary {
            entries: u64::try_from(entries).unwrap_or(0),
        })
    }
}

fn entry_of(item: &Item) -> Option<Entry> {
    item.str_attr("entry")
        .and_then(|json| serde_json::from_str(json).ok())
}

#[cfg(test)]
mod tests;
