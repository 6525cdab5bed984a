//! The OpenAPI patterns of rampart_core::text say exactly what the validators do, for every
//! character of the Basic Multilingual Plane alone and around ordinary text.

use rampart_core::text::{NOT_BLANK, SINGLE_LINE, not_blank, single_line};
use regex::Regex;

fn bmp() -> impl Iterator<Item = char> {
    (0u32..=0xFFFF).filter_map(char::from_u32)
}

#[test]
fn single_line_pattern_is_the_validator() {
    let pattern = Regex::new(SINGLE_LINE).unwrap();
    for c in bmp() {
        for text in [
            c.to_string(),
            format!("a{c}"),
            format!("{c} b"),
            format!("{c}{c}"),
        ] {
            assert_eq!(
                pattern.is_match(&text),
                single_line(&text),
                "U+{:04X} in {text:?}",
                c as u32
            );
        }
    }
    assert!(!pattern.is_match(""));
}

#[test]
fn not_blank_pattern_is_the_validator() {
    let pattern = Regex::new(NOT_BLANK).unwrap();
    for c in bmp() {
        for text in [c.to_string(), format!(" {c}\n"), format!("{c}\t{c}")] {
            assert_eq!(
                pattern.is_match(&text),
                not_blank(&text),
                "U+{:04X} in {text:?}",
                c as u32
            );
        }
    }
    assert!(!pattern.is_match(""));
}
