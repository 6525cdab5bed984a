//! Search over the caller's projects, the knowledge base and the public community posts.
//!
//! Documents are indexed when they are written: one item per distinct word (folded like the
//! knowledge base's: lower case, no accents) in the word's partition of the document's scope,
//! `search#user#<owner>#<word>` for a project, `search#public#<word>` for a post; knowledge
//! entries keep their own word index (`kb#tok#<word>`). A query reads, per word, the caller's
//! partition, the public one and the knowledge one, so it never scans a table and can never
//! see another account's project.

use std::collections::{BTreeMap, BTreeSet};

use rampart_core::FieldError;
use rampart_store::{ItemExt, Key, Query, SharedStore, StoreError, Table, TxOp, keys};
use serde::Serialize;

use crate::knowledge::tokens;

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// What a query must hold, as a pattern every regex dialect reads: two characters in a row
/// that may be letters or digits (anything but ASCII punctuation, spaces, controls and the
/// Latin-1 signs before `ª`), or a Hangul syllable (one is two letters once decomposed). A
/// query without it has no word and is refused; one with it usually has (two symbols in a row
/// match too, and are refused).
pub const QUERY_PATTERN: &str = r"[^\x00-\x2F\x3A-\x40\x5B-\x60\x7B-\xA9]{2}|[\uAC00-\uD7A3]";
/// The words of a query that count.
pub const MAX_QUERY_WORDS: usize = 8;
/// Matches read per partition.
const MATCHES_PER_PARTITION: u32 = 1_000;
/// The distinct words of a document that are indexed (its most frequent ones): each is one
/// write when the document is saved, so this bounds what one post or one edit costs.
pub const MAX_DOCUMENT_WORDS: usize = 32;
/// The most results a query ranks.
pub const MAX_RESULTS: usize = 100;

/// What a result is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Project,
    Knowledge,
    Post,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Knowledge => "knowledge",
            Self::Post => "post",
        }
    }
}

/// One ranked match: what it is and how well it matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: String,
    pub score: f64,
}

/// Why a search did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("invalid query")]
    Validation(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SearchError> for rampart_core::ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Validation(errors) => Self::Validation(errors),
            SearchError::Store(error) => error.into(),
        }
    }
}

/// The scope of an account's private documents.
pub fn private_scope(owner: &str) -> String {
    format!("user#{owner}")
}

/// The scope of everyone's documents.
pub const PUBLIC: &str = "public";

fn counts(text: &str) -> Vec<(String, u32)> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for token in tokens(text) {
        *counts.entry(token).or_default() += 1;
    }
    let mut by_frequency: Vec<(String, u32)> = counts.into_iter().collect();
    by_frequency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_frequency.truncate(MAX_DOCUMENT_WORDS);
    by_frequency
}

fn posting(scope: &str, word: &str, kind: Kind, id: &str) -> Key {
    Key::new(
        keys::content::search_token(scope, word),
        format!("{}#{id}", kind.as_str()),
    )
}

/// The writes that index a document's `text` in `scope`: one posting per word (at most
/// [`MAX_DOCUMENT_WORDS`]). They go into the transaction that writes the document, so a
/// document and its postings are saved together or not at all, in one round trip.
pub fn postings(scope: &str, kind: Kind, id: &str, text: &str) -> Vec<TxOp> {
    counts(text)
        .into_iter()
        .map(|(word, count)| put_posting(scope, &word, kind, id, count))
        .collect()
}

/// The writes that move a document's postings from what `old` indexed to what `new` indexes,
/// only the difference: words gone are deleted, words new or counted differently are written
/// (at most twice [`MAX_DOCUMENT_WORDS`]).
pub fn repostings(scope: &str, kind: Kind, id: &str, old: &str, new: &str) -> Vec<TxOp> {
    let before: BTreeMap<String, u32> = counts(old).into_iter().collect();
    let after: BTreeMap<String, u32> = counts(new).into_iter().collect();
    let gone = before
        .keys()
        .filter(|w| !after.contains_key(*w))
        .map(|word| TxOp::Delete {
            table: Table::Content,
            key: posting(scope, word, kind, id),
            cond: None,
        });
    let changed = after
        .iter()
        .filter(|(w, c)| before.get(*w) != Some(*c))
        .map(|(word, count)| put_posting(scope, word, kind, id, *count));
    gone.chain(changed).collect()
}

/// The writes that remove a document's postings; `text` is what it was indexed with.
pub fn unpostings(scope: &str, kind: Kind, id: &str, text: &str) -> Vec<TxOp> {
    counts(text)
        .into_iter()
        .map(|(word, _)| TxOp::Delete {
            table: Table::Content,
            key: posting(scope, &word, kind, id),
            cond: None,
        })
        .collect()
}

fn put_posting(scope: &str, word: &str, kind: Kind, id: &str, count: u32) -> TxOp {
    let mut item = posting(scope, word, kind, id).to_item();
    item.insert("tf".into(), i64::from(count).into());
    TxOp::Put {
        table: Table::Content,
        item,
        cond: None,
    }
}

/// Checks a query: 1 to 200 characters with at least one word.
pub fn words_of(query: &str) -> Result<Vec<String>, SearchError> {
    let chars = query.chars().count();
    let words: BTreeSet<String> = tokens(query).into_iter().collect();
    if chars == 0 || chars > MAX_QUERY_CHARS || words.is_empty() {
        return Err(SearchError::Validation(vec![FieldError::new(
            "q",
            format!(
                "must be 1 to {MAX_QUERY_CHARS} characters holding at least one word of 2 or more letters or digits"
            ),
        )]));
    }
    Ok(words.into_iter().take(MAX_QUERY_WORDS).collect())
}

/// The best matches for `words` that `owner` may see, best first (at most [`MAX_RESULTS`]).
/// Reads three partitions per word.
pub async fn rank(
    store: &SharedStore,
    owner: &str,
    words: &[String],
) -> Result<Vec<Hit>, SearchError> {
    let private = private_scope(owner);
    let mut scores: BTreeMap<(Kind, String), f64> = BTreeMap::new();
    for word in words {
        let partitions = [
            keys::content::search_token(&private, word),
            keys::content::search_token(PUBLIC, word),
            keys::content::knowledge_token(word),
        ];
        for (n, partition) in partitions.iter().enumerate() {
            let page = store
                .query(
                    &Query::partition(Table::Content, partition.clone())
                        .limit(MATCHES_PER_PARTITION),
                )
                .await?;
            // Rarer words weigh more: fewer matches in this partition, a higher weight.
            let weight = (1.0 + 1_000.0 / page.items.len().max(1) as f64).ln();
            for item in &page.items {
                let (Some(sk), Some(tf)) = (item.str_attr("sk"), item.i64_attr("tf")) else {
                    continue;
                };
                let (kind, id) = if n == 2 {
                    (Kind::Knowledge, sk.to_owned())
                } else {
                    match sk.split_once('#') {
                        Some(("project", id)) => (Kind::Project, id.to_owned()),
                        Some(("post", id)) => (Kind::Post, id.to_owned()),
                        _ => continue,
                    }
                };
                *scores.entry((kind, id)).or_default() += (1.0 + tf as f64).ln() * weight;
            }
        }
    }
    let mut hits: Vec<Hit> = scores
        .into_iter()
        .map(|((kind, id), score)| Hit {
            kind,
            id,
            score: (score * 1000.0).round() / 1000.0,
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    hits.truncate(MAX_RESULTS);
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_need_a_word_and_a_bound() {
        assert_eq!(words_of("Café  CAFE lamp").unwrap(), ["cafe", "lamp"]);
        assert!(words_of("").is_err());
        assert!(words_of("!!! ?").is_err());
        assert!(words_of(&"a".repeat(201)).is_err());
    }
}
