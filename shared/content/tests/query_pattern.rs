//! A search query the OpenAPI pattern refuses is one the server refuses: for every character of
//! the Basic Multilingual Plane, alone, doubled around punctuation and beside ASCII letters.

use rampart_content::search::{QUERY_PATTERN, words_of};
use regex::Regex;

#[test]
fn what_the_pattern_refuses_the_server_refuses() {
    let pattern = Regex::new(QUERY_PATTERN).unwrap();
    let mut matched = 0;
    for c in (0u32..=0xFFFF).filter_map(char::from_u32) {
        for query in [
            c.to_string(),
            format!("{c}-{c}"),
            format!("a {c} b"),
            format!("{c}{c}"),
        ] {
            if pattern.is_match(&query) {
                matched += 1;
            } else {
                assert!(words_of(&query).is_err(), "U+{:04X} in {query:?}", c as u32);
            }
        }
    }
    assert!(matched > 40_000, "{matched}");
    assert!(words_of("release notes").is_ok() && pattern.is_match("release notes"));
    assert!(pattern.is_match("가") && words_of("가").is_ok());
}
