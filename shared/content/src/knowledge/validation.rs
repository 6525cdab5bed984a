//! Words and what an entry or a query may hold.

use super::*;

/// The words of `text`, lower-cased and stripped of accents (`Été` and `ete` are one word):
/// runs of letters and digits of 2 to 40 characters.
pub fn tokens(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| (2..=40).contains(&t.chars().count()))
        .map(str::to_owned)
        .collect()
}

/// The contract's rule for a query's characters.
fn query_char_ok(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            ' ' | '-' | '.' | '(' | ')' | '\'' | '"' | ',' | '?' | ':'
        )
}

impl KnowledgeQuery {
    /// `400` naming `query` for an empty, over-long or disallowed query.
    pub fn validate(&self) -> Result<(), KnowledgeError> {
        let chars = self.query.chars().count();
        let message = if self.query.trim().is_empty() || chars > MAX_QUERY_CHARS {
            Some(format!(
                "must be 1 to {MAX_QUERY_CHARS} characters, not only spaces"
            ))
        } else if !self.query.chars().all(query_char_ok) {
            Some("may hold only letters, digits, spaces and - . ( ) ' \" , ? :".to_owned())
        } else {
            None
        };
        match message {
            Some(message) => Err(KnowledgeError::Validation(vec![FieldError::new(
                "query", message,
            )])),
            None => Ok(()),
        }
    }
}

impl NewEntry {
    /// Field errors, all at once.
    pub fn validate(&self) -> Result<(), KnowledgeError> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("must be 1 to {MAX_TITLE_CHARS} characters"),
            ));
        }
        if self.body.trim().is_empty() || self.body.chars().count() > MAX_BODY_CHARS {
            errors.push(FieldError::new(
                "body",
                format!("must be 1 to {MAX_BODY_CHARS} characters"),
            ));
        }
        if self.tags.len() > MAX_TAGS
            || self.tags.iter().any(|t| {
                t.trim().is_empty()
                    || t.chars().count() > MAX_TAG_CHARS
                    || t.chars().any(char::is_control)
            })
        {
            errors.push(FieldError::new(
                "tags",
                format!("at most {MAX_TAGS} tags of 1 to {MAX_TAG_CHARS} characters"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(KnowledgeError::Validation(errors))
        }
    }
}
