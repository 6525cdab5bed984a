use super::*;
use serde_json::{Value, json};

fn schemas_under_schema_keys(node: &Value, found: &mut Vec<Value>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "schema" {
                    found.push(value.clone());
                }
                schemas_under_schema_keys(value, found);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| schemas_under_schema_keys(i, found)),
        _ => {}
    }
}

#[test]
fn every_media_types_schema_is_an_object_for_client_generators() {
    let document = document(&crate::routes::routes());
    let mut found = Vec::new();
    schemas_under_schema_keys(&document["paths"], &mut found);
    assert!(found.len() > 100, "{}", found.len());
    assert!(
        found.iter().all(Value::is_object),
        "a boolean schema remains"
    );
    // The Discord endpoint answers any JSON: `{}`, not `true`.
    let discord = &document["paths"]["/discord/interactions"]["post"];
    assert_eq!(
        discord["responses"]["200"]["content"]["application/json"]["schema"],
        json!({})
    );
}

#[test]
fn every_schema_has_its_own_name() {
    // schemars numbers a second type of the same name (`Page2`, `Report2`): clients would
    // get those numbered names.
    let document = document(&crate::routes::routes());
    let names: Vec<&String> = document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let numbered: Vec<_> = names
        .iter()
        .filter(|n| n.ends_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(numbered.is_empty(), "{numbered:?}");
    assert!(names.iter().any(|n| n.as_str() == "ProjectPage"));
}

#[test]
fn every_operation_has_a_tag_security_and_a_description() {
    let document = document(&crate::routes::routes());
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    let tags: Vec<&str> = TAGS.iter().map(|(t, _)| *t).collect();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let tag = op["tags"][0].as_str().unwrap();
            assert!(tags.contains(&tag), "{method} {path}: tag {tag:?}");
            assert!(!op["description"].as_str().unwrap().is_empty());
            for requirement in op["security"].as_array().unwrap() {
                for scheme in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
                }
            }
        }
    }
    // The webhooks and Discord name their own credentials; a public route names none.
    let security = |path: &str| document["paths"][path]["post"]["security"].clone();
    assert_eq!(
        security("/webhooks/alertmanager"),
        json!([{"alertmanagerBearer": []}, {"webhookSignature": []}])
    );
    assert_eq!(
        security("/discord/interactions"),
        json!([{"discordSignature": []}])
    );
    assert_eq!(security("/api/v1/auth/register"), json!([]));
    // A cookie write needs the CSRF header with it.
    assert_eq!(
        security("/api/v1/projects"),
        json!([{"bearer": []}, {"apiKey": []}, {"cookie": [], "csrf": []}])
    );
}

#[test]
fn creates_link_to_what_they_created() {
    let document = document(&crate::routes::routes());
    let operation_ids: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    let links = |path: &str, status: &str| {
        document["paths"][path]["post"]["responses"][status]["links"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let projects = links("/api/v1/projects", "201");
    let mut names: Vec<&String> = projects.keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["projects-delete", "projects-get", "projects-update"]
    );
    assert_eq!(
        projects["projects-get"]["parameters"]["id"],
        "$response.body#/id"
    );
    assert_eq!(
        links("/api/v1/media", "201")["media-complete"]["parameters"]["id"],
        "$response.body#/media_id"
    );
    assert_eq!(
        links("/api/v1/account/export", "202")["account-export-get"]["parameters"]["id"],
        "$response.body#/export_id"
    );
    for path in [
        "/api/v1/support/tickets",
        "/api/v1/admin/api-keys",
        "/internal/pr-intel/ingest",
    ] {
        let status = if path == "/internal/pr-intel/ingest" {
            "200"
        } else {
            "201"
        };
        let found = links(path, status);
        assert!(!found.is_empty(), "{path}");
        for link in found.values() {
            let target = link["operationId"].as_str().unwrap();
            assert!(operation_ids.iter().any(|id| id == target), "{target}");
        }
    }
}
