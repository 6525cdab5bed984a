//! The text rules the validators apply, as JSON Schema patterns for the OpenAPI document.
//! They are written for every regex dialect the document's readers use (ECMA-262, Python's
//! `re`, Rust's `regex`): `\xHH` and `\uHHHH` escapes and ranges only, no `\p{…}` classes
//! and no `\s`, whose meaning differs between them. Unicode's `White_Space` characters
//! (what `str::trim` removes) and `Cc` controls (what `char::is_control` finds) are spelled
//! out; rampart-content's tests check each pattern against its validator over every
//! character of the Basic Multilingual Plane.

/// One line of text: no control character, and at least one character that is not white
/// space (`str::trim` leaves something). Names, titles, subjects.
pub const SINGLE_LINE: &str = concat!(
    r"^[^\x00-\x1F\x7F-\x9F]*",
    r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"[^\x00-\x1F\x7F-\x9F]*$"
);

/// Text that is not only white space (line breaks and tabs allowed). Bodies, messages.
pub const NOT_BLANK: &str =
    r"[^\t-\r\x20\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// Whether `text` is not only white space, as [`NOT_BLANK`] says.
pub fn not_blank(text: &str) -> bool {
    !text.trim().is_empty()
}

/// Whether `text` is one line as [`SINGLE_LINE`] says.
pub fn single_line(text: &str) -> bool {
    not_blank(text) && !text.chars().any(char::is_control)
}
