//! Opaque identifiers: ULIDs, sortable by creation time.

/// A new ULID as a 26-character Crockford base32 string.
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_26_characters_and_distinct() {
        let a = super::new_id();
        let b = super::new_id();
        assert_eq!(a.len(), 26);
        assert_ne!(a, b);
    }
}
