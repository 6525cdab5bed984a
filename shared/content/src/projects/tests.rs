use super::*;
use std::sync::Arc;

fn store() -> SharedStore {
    let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
    Arc::new(rampart_store::EmbeddedStore::memory(clock))
}

fn new(name: &str) -> NewProject {
    NewProject {
        name: name.to_owned(),
        description: String::new(),
    }
}

#[tokio::test]
async fn projects_belong_to_their_owner_alone() {
    let projects = Projects::new(store());
    let made = projects
        .create("ada", new("Lamp"), "2026-11-26T10:00:00Z")
        .await
        .unwrap();
    assert!(projects.get("ada", &made.id).await.unwrap().is_some());
    assert!(projects.get("bob", &made.id).await.unwrap().is_none());
    assert!(matches!(
        projects.delete("bob", &made.id, |_| true).await,
        Err(ProjectError::NotFound)
    ));
}

#[tokio::test]
async fn a_failed_precondition_changes_nothing() {
    let projects = Projects::new(store());
    let made = projects
        .create("ada", new("Lamp"), "2026-11-26T10:00:00Z")
        .await
        .unwrap();
    let patch = ProjectPatch {
        name: Some("Lantern".into()),
        description: None,
    };
    assert!(matches!(
        projects
            .update(
                "ada",
                &made.id,
                patch.clone(),
                "2026-11-26T10:01:00Z",
                |_| false
            )
            .await,
        Err(ProjectError::Stale)
    ));
    let changed = projects
        .update("ada", &made.id, patch, "2026-11-26T10:02:00Z", |p| {
            p.name == "Lamp"
        })
        .await
        .unwrap();
    assert_eq!(changed.name, "Lantern");
    assert_eq!(changed.created_at, "2026-11-26T10:00:00Z");
    assert_eq!(changed.updated_at, "2026-11-26T10:02:00Z");
    let stored = projects.get("ada", &made.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
}

#[test]
fn field_errors_come_all_at_once() {
    let bad = NewProject {
        name: "  ".into(),
        description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
    };
    match bad.validate() {
        Err(ProjectError::Validation(errors)) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["name", "description"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(new(&"n".repeat(MAX_NAME_CHARS)).validate().is_ok());
    assert!(new(&"n".repeat(MAX_NAME_CHARS + 1)).validate().is_err());
    assert!(new("tab\there").validate().is_err());
    assert!(ProjectPatch::default().validate().is_err());
}
