use super::*;

#[test]
fn generated_files_match_the_route_table() {
    let root = repository_root();
    let plan = plan_routes(&root).expect("plan");
    let drift = drift(&root, &plan);
    assert!(
        drift.is_empty(),
        "generated files are out of date with the route table:\n  {}\nrun `{COMMAND}` \
             and commit the result",
        drift.join("\n  ")
    );
}

#[test]
fn only_the_functions_that_hash_passwords_allocate_with_mimalloc() {
    let plan = plan_routes(&repository_root()).expect("plan");
    let mains: Vec<&Output> = plan
        .outputs
        .iter()
        .filter(|o| o.path.starts_with("functions") && o.path.ends_with("src/main.rs"))
        .collect();
    assert!(mains.len() > 60, "{}", mains.len());
    let hashing: Vec<&str> = rampart_api::routes()
        .iter()
        .filter(|r| r.memory == rampart_api::routes::Memory::PasswordHashing)
        .map(|r| r.function)
        .collect();
    assert!(!hashing.is_empty());
    for main in mains {
        let function = main
            .path
            .components()
            .nth(1)
            .and_then(|c| c.as_os_str().to_str());
        let uses = main.content.contains("#[global_allocator]")
            && main.content.contains("mimalloc::MiMalloc");
        assert_eq!(
            uses,
            function.is_some_and(|f| hashing.contains(&f)),
            "{}",
            main.path.display()
        );
    }
}

#[test]
fn a_new_route_gets_its_crate_member_resource_and_doc_row() {
    let root = repository_root();
    let mut table = table();
    let sample = Route {
        access: rampart_api::Access::Permission("projects:read"),
        rate_limit: Some(rampart_ratelimit::Policy::Standard),
        tables: &[rampart_store::TableAccess::Read(
            rampart_store::Table::Content,
        )],
        ..Route::new(
            http::Method::GET,
            "/api/v1/samples/{id}",
            "samples-get",
            "A sample.",
            table[0].route.handler,
        )
    };
    table.push(Entry {
        path: "rampart_api::routes::projects::samples_get".to_owned(),
        route: sample,
    });
    let plan = plan(&root, &table).expect("plan");
    let drift = drift(&root, &plan);
    assert_eq!(
        drift,
        [
            "functions/fallback/src/main.rs differs",
            "functions/samples-get/Cargo.toml is missing",
            "functions/samples-get/src/main.rs is missing",
            "Cargo.toml differs",
            "infra/stacks/content.yaml differs",
            "template.yaml differs",
            "docs/api/routes.md differs",
            "shared/api/src/routes/paths.rs differs",
            "docs/api/openapi.json differs",
        ]
    );
    let file = |path: &str| {
        plan.outputs
            .iter()
            .find(|o| o.path == Path::new(path))
            .map(|o| o.content.clone())
            .unwrap()
    };
    let main = file("functions/samples-get/src/main.rs");
    assert!(
        main.contains("use rampart_api::routes::projects::samples_get as route;"),
        "{main}"
    );
    assert!(
        main.contains("Function::new(route).secrets();"),
        "a route that authenticates reads the secret: {main}"
    );
    assert!(
        !main.contains(".blobs()") && !main.contains(".mailer()"),
        "{main}"
    );
    assert!(
        file("functions/fallback/src/main.rs").contains("(\"GET\", \"/api/v1/samples/{id}\"),"),
        "the fallback knows every path"
    );
    assert!(file("Cargo.toml").contains("\"functions/samples-get\","));
    let stack = file("infra/stacks/content.yaml");
    let resource = &stack[stack.find("  SamplesGetFunction:").unwrap()..];
    assert!(resource.contains("- Sid: ReadContent"));
    assert!(stack.contains("RouteKey: \"GET /api/v1/samples/{id}\""));
    assert!(stack.contains("${HttpApi}/*/GET/api/v1/samples/*\""));
    let root = file("template.yaml");
    assert!(
        root.contains("\"GET /api/v1/samples/{id}\":\n          ThrottlingRateLimit: 200"),
        "the stage throttles the new route"
    );
    assert!(file("docs/api/routes.md").contains("`/api/v1/samples/{id}`"));
}

#[test]
fn a_route_of_a_module_without_an_area_is_refused_by_name() {
    let root = repository_root();
    let mut table = table();
    let mut odd = table[0].clone();
    odd.path = "rampart_api::routes::gadgets::gadgets_get".to_owned();
    table.push(odd);
    let error = plan(&root, &table).unwrap_err();
    assert!(
        error.contains("gadgets_get") && error.contains("infra/codegen/src/stacks.rs"),
        "{error}"
    );
}
