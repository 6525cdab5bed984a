use super::*;

#[test]
fn the_registry_is_valid_for_discord() {
    assert_eq!(problems(&commands()), Vec::<String>::new());
}

#[test]
fn invalid_specs_are_reported() {
    let mut bad = commands()[0];
    bad.name = "Status Digest";
    bad.description = "";
    let found = problems(&[bad, bad]);
    assert!(found.iter().any(|p| p.contains("twice")));
    assert!(found.iter().any(|p| p.contains("name must be")));
    assert!(found.iter().any(|p| p.contains("description must be")));
}

#[test]
fn registration_lists_every_command_with_its_options() {
    let body = registration_body(&commands());
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "status-digest",
            "triage",
            "verify-run",
            "ship",
            "deploy-client",
            "restore-feature",
            "help"
        ]
    );
    assert!(body.as_array().unwrap().iter().all(|c| c["type"] == 1));
}

#[test]
fn every_command_module_is_registered_and_every_command_dispatches() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let modules: std::collections::BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .replace(".rs", "")
                .replace('_', "-")
        })
        .filter(|m| m != "mod")
        .collect();
    let registered: std::collections::BTreeSet<String> =
        commands().iter().map(|c| c.name.to_owned()).collect();
    assert_eq!(
        modules, registered,
        "a command module without a registry entry, or the reverse"
    );
    let body = registration_body(&commands());
    let sent: std::collections::BTreeSet<String> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sent, registered,
        "registration sends exactly the dispatched commands"
    );
}

#[test]
fn the_permission_matrix_names_exactly_the_role_gated_commands() {
    let matrix =
        crate::PermissionMatrix::parse(crate::permissions::DEFAULT_MATRIX, &[], true).unwrap();
    let in_matrix: std::collections::BTreeSet<&str> = matrix.commands().collect();
    let gated: std::collections::BTreeSet<&str> = commands()
        .iter()
        .filter(|c| c.gate == Gate::Roles)
        .map(|c| c.name)
        .collect();
    assert_eq!(
        in_matrix, gated,
        "config/permission_matrix.json and the registry's role-gated commands differ"
    );
}

#[test]
fn commands_doc_matches_the_registry() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/orchestrator/commands.md");
    let rendered = commands_markdown(&commands());
    if std::env::var("RAMPART_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &rendered).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        on_disk, rendered,
        "docs/orchestrator/commands.md is stale; regenerate with RAMPART_BLESS=1"
    );
}
