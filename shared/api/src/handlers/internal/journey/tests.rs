use super::is_loopback_origin;

#[test]
fn only_plain_loopback_origins_count_as_loopback() {
    for ok in [
        "http://127.0.0.1:3000",
        "http://localhost:8080",
        "http://[::1]:1",
    ] {
        assert!(is_loopback_origin(ok), "{ok}");
    }
    for bad in [
        "http://127.0.0.1:1@evil.example",
        "http://127.0.0.1:1@evil.example:80",
        "http://user:pw@127.0.0.1:3000",
        "https://127.0.0.1:3000",
        "http://127.0.0.1",
        "http://127.0.0.1:3000/x",
        "http://127.0.0.1.evil.example:3000",
        "http://localhost:3000?x=1",
    ] {
        assert!(!is_loopback_origin(bad), "{bad}");
    }
}
