use super::*;

#[test]
fn first_bytes_must_match_the_declared_type() {
    assert!(magic_matches("image/png", b"\x89PNG\r\n\x1a\n...."));
    assert!(magic_matches("image/gif", b"GIF89a..."));
    assert!(magic_matches("image/webp", b"RIFF\0\0\0\0WEBPVP8 "));
    assert!(!magic_matches("image/webp", b"RIFF\0\0\0\0WAVEfmt "));
    assert!(!magic_matches("image/png", b"GIF89a..."));
    assert!(magic_matches("application/pdf", b"%PDF-1.7"));
    assert!(!magic_matches("text/html", b"<html>"));
}

#[test]
fn requests_are_bounded() {
    let new = |ct: &str, size: u64| NewMedia {
        filename: "a.png".into(),
        content_type: ct.into(),
        size,
    };
    assert!(new("image/png", 1).validate().is_ok());
    assert!(new("image/png", MAX_BYTES + 1).validate().is_err());
    assert!(new("image/svg+xml", 10).validate().is_err());
    assert!(new("image/png", 0).validate().is_err());
}
