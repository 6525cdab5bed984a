//! Any text into the Prisma parser: it answers a schema or an error that points inside the
//! text, never a panic or a hang. A schema it accepts diffs to nothing against itself, and
//! diffing it against the empty schema (both ways) stays within the scoring rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_ops::schema::{PrismaSchema, diff, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(schema) => {
            let same = diff(&schema, &schema);
            assert!(
                same.ops.is_empty(),
                "a schema differs from itself: {:?}",
                same.ops
            );
            assert_eq!(same.risk_score, 0);
            assert_eq!(same.window_recommendation, "none");
            let empty = PrismaSchema::default();
            for d in [diff(&empty, &schema), diff(&schema, &empty)] {
                assert!(d.risk_score <= 100);
                assert!(d.ops.iter().all(|op| op.risk <= 10));
            }
        }
        Err(e) => {
            let lines = text.split('\n').count();
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
            assert!(e.column >= 1, "column {}", e.column);
            assert!(!e.message.is_empty());
        }
    }
});
