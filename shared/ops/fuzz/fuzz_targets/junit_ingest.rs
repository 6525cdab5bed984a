//! Any bytes down the JUnit ingest path (UTF-8 check, then the report to runs), as
//! `POST /internal/tests/ingest` takes an XML body: runs or an error, never a panic or a hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_ops::flaky::junit;

const NOW: i64 = 1_790_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match junit::runs(text, NOW) {
        // The same report reads the same way twice: nothing depends on order of hashing.
        Ok(runs) => assert_eq!(runs, junit::runs(text, NOW).expect("read once, read twice")),
        Err(e) => assert!(!e.to_string().is_empty(), "an error says why"),
    }
});
