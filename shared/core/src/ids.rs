//! Opaque identifiers: ULIDs, sortable by creation time.
//!
//! Within one process the ids are strictly increasing, even within one millisecond (the
//! random part of a later id in the same millisecond is the earlier one's plus one), so a
//! partition sorted by id lists what one function instance wrote in the order it wrote it.

use std::sync::Mutex;

static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);

/// A new ULID as a 26-character Crockford base32 string.
pub fn new_id() -> String {
    let mut generator = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    generator
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        // Only 2^80 ids in one millisecond overflow the generator; then a fresh random one.
        .unwrap_or_else(|_| ulid::Ulid::new())
        .to_string()
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

    #[test]
    fn ids_increase_within_a_millisecond() {
        let ids: Vec<String> = (0..1_000).map(|_| super::new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
