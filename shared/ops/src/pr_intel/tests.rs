use super::*;

#[test]
fn the_worked_examples_of_the_docs_hold() {
    // (files, additions, deletions, sensitive) -> score, as in docs/internal/pr_intel.md
    let table = [
        ((1, 8, 2, 0), 1),
        ((5, 150, 50, 0), 15),
        ((3, 100, 20, 1), 24),
        ((12, 300, 150, 2), 64),
        ((40, 1500, 500, 4), 100),
        ((0, 0, 0, 0), 0),
    ];
    for ((files, add, del, sens), expected) in table {
        assert_eq!(
            risk(files, add, del, sens).0,
            expected,
            "{files} {add} {del} {sens}"
        );
    }
}

#[test]
fn default_sensitive_paths_catch_what_they_should() {
    let s = SensitivePaths::defaults();
    for path in [
        "shared/auth/src/lib.rs",
        "src/middleware/authz.ts",
        "prisma/migrations/2024_init/migration.sql",
        "packages/db/schema.prisma",
        "template.yaml",
        ".github/workflows/ci.yml",
        "Cargo.lock",
        "web/package-lock.json",
        "./infra/main.tf",
        ".env.production",
    ] {
        assert!(s.matches(path), "{path}");
    }
    for path in [
        "README.md",
        "src/main.rs",
        "docs/authoring.md.txt/x",
        "web/src/App.tsx",
    ] {
        assert!(!s.matches(path), "{path}");
    }
    assert!(SensitivePaths::new(&["[unclosed"]).is_err());
}

#[test]
fn the_state_comes_from_the_state_or_the_webhook_action() {
    let submission =
        |state: Option<PrState>, action: Option<&str>, merged: Option<bool>| PrSubmission {
            pr_number: 9,
            title: "t".into(),
            author: "a".into(),
            changed_files: Vec::new(),
            additions: 0,
            deletions: 0,
            state,
            action: action.map(str::to_owned),
            merged,
        };
    use PrState::{Closed, Merged, Open};
    let cases = [
        (None, None, None, Open),
        (Some(Merged), None, None, Merged),
        (None, Some("opened"), None, Open),
        (None, Some("synchronize"), None, Open),
        (None, Some("reopened"), None, Open),
        (None, Some("closed"), Some(true), Merged),
        (None, Some("closed"), Some(false), Closed),
        (None, Some("closed"), None, Closed),
        // `merged` is read with `closed` only; a given `state` wins over the action.
        (None, Some("opened"), Some(true), Open),
        (Some(Open), Some("closed"), Some(true), Open),
    ];
    for (state, action, merged, expected) in cases {
        let s = submission(state, action, merged);
        assert_eq!(
            s.resolved_state(),
            expected,
            "{state:?} {action:?} {merged:?}"
        );
        assert!(s.validate().is_ok());
    }
    let long = submission(None, Some(&"x".repeat(65)), None).validate();
    assert!(long.is_err_and(|errors| errors.iter().any(|e| e.field == "action")));
}

#[test]
fn records_count_unique_paths_and_flag_sensitive_ones() {
    let record = PrRecord::compute(
        PrSubmission {
            pr_number: 7,
            title: " Add login ".into(),
            author: "ada".into(),
            changed_files: vec![
                "shared/auth/src/lib.rs".into(),
                "README.md".into(),
                "README.md".into(),
            ],
            additions: 30,
            deletions: 10,
            state: None,
            action: None,
            merged: None,
        },
        &SensitivePaths::defaults(),
        "2026-11-22T09:00:00Z".into(),
    );
    assert_eq!(record.changed_files_count, 2);
    assert_eq!(record.sensitive_paths, ["shared/auth/src/lib.rs"]);
    assert_eq!(record.risk_score, 2 + 2 + 15);
    assert_eq!(record.title, "Add login");
}

#[test]
fn long_paths_are_stored_within_a_byte_budget_and_still_counted() {
    // 400 distinct 1,000-byte paths under infra/: all sensitive, 800 KB if stored twice.
    let files: Vec<String> = (0..400)
        .map(|i| format!("infra/{i:03}/{}.tf", "x".repeat(986)))
        .collect();
    let record = PrRecord::compute(
        PrSubmission {
            pr_number: 8,
            title: "Big".into(),
            author: "ada".into(),
            changed_files: files,
            additions: 1,
            deletions: 1,
            state: None,
            action: None,
            merged: None,
        },
        &SensitivePaths::defaults(),
        "2026-11-22T09:00:00Z".into(),
    );
    assert_eq!(
        (record.changed_files_count, record.sensitive_paths_count),
        (400, 400)
    );
    let stored: usize = record
        .changed_files
        .iter()
        .chain(&record.sensitive_paths)
        .map(String::len)
        .sum();
    assert!(stored <= STORED_PATH_BYTES, "{stored}");
    assert_eq!(
        record.sensitive_paths.len(),
        98,
        "the sensitive ones come first"
    );
    assert!(record.changed_files.is_empty() && record.changed_files_truncated);
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.len() < 200 * 1024, "{}", json.len());
}
