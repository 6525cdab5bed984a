use super::*;

#[test]
fn every_route_is_well_formed_and_unique() {
    let all = routes();
    let mut seen = std::collections::BTreeSet::new();
    for route in &all {
        assert!(route.path.starts_with('/'), "{}", route.path);
        assert!(
            seen.insert((route.method.to_string(), route.path)),
            "duplicate {}",
            route.path
        );
        if let Access::Permission(p) = route.access {
            assert!(
                Permission::parse(p).is_ok(),
                "{} needs a valid permission",
                route.path
            );
        }
        assert!(
            route
                .function
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "function names are kebab-case: {}",
            route.function
        );
    }
    let functions: std::collections::BTreeSet<_> = all.iter().map(|r| r.function).collect();
    assert_eq!(functions.len(), all.len(), "one function per route");
    for route in &all {
        assert_eq!(
            route.uses(Port::Blobs),
            !route.blobs.is_empty(),
            "{}: a route that uses the bucket declares what it does with it, and only such \
                 a route does",
            route.function
        );
    }
}

#[test]
fn the_functions_that_hash_passwords_are_sized_for_it_and_the_rest_small() {
    let mut hashing: Vec<&str> = routes()
        .iter()
        .filter(|r| r.memory == Memory::PasswordHashing)
        .map(|r| r.function)
        .collect();
    hashing.sort_unstable();
    // Registration, verification with a password, reset and change hash one; sign-in,
    // tokens, account deletion and turning 2FA off verify one.
    assert_eq!(
        hashing,
        [
            "account-delete",
            "auth-2fa-disable",
            "auth-login",
            "auth-password-change",
            "auth-password-reset",
            "auth-register",
            "auth-token",
            "auth-verify-email",
        ]
    );
    // Argon2id takes about 21 ms of one core with mimalloc, which these functions
    // allocate with (infra/bench/sizing.py, criterion 20.5 ms); Lambda gives one vCPU at
    // 1,769 MB, so the hash takes at most 50 ms of wall time at this size, with room for
    // a run-to-run spread of a fifth.
    let hash_ms = 21.0 * 1.2 * 1769.0 / f64::from(Memory::PasswordHashing.megabytes());
    assert!(hash_ms <= 50.0, "{hash_ms}");
    assert_eq!(Memory::Standard.megabytes(), 128, "Lambda's smallest size");
}

#[test]
fn every_permission_a_route_needs_can_be_granted() {
    for route in routes() {
        if let Access::Permission(p) = route.access {
            assert!(
                rampart_rbac::KNOWN.contains(&p),
                "{p} ({} {}) is missing from rampart_rbac::KNOWN",
                route.method,
                route.path
            );
        }
    }
}

#[test]
fn each_entry_is_named_after_its_function() {
    for entry in entries() {
        let route = (entry.build)();
        let name = entry.path.rsplit("::").next().unwrap_or_default();
        assert_eq!(
            name,
            route.function.replace('-', "_"),
            "{}: the route's `pub fn` is named after its function",
            entry.path
        );
        assert!(
            entry.path.starts_with("rampart_api::routes::"),
            "{}",
            entry.path
        );
    }
}

#[test]
fn every_route_declares_its_bodies_for_the_openapi_document() {
    for route in routes() {
        assert!(
            !route.api.responses.is_empty(),
            "{} {} declares no success response (Route::api)",
            route.method,
            route.path
        );
        let takes_json = !matches!(route.body, BodyKind::None);
        assert!(
            !takes_json || route.api.request.is_some(),
            "{} {} takes a JSON body but declares no request schema",
            route.method,
            route.path
        );
    }
}

#[test]
fn pipeline_tables_are_added_and_writes_subsume_reads() {
    let route = Route {
        method: Method::POST,
        path: "/x",
        function: "x",
        summary: "A test route.",
        handler: crate::state::not_found_handler,
        access: Access::Permission("projects:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        feature: None,
        body: BodyKind::Json,
        tables: &[
            TableAccess::Read(Table::Content),
            TableAccess::Write(Table::Content),
        ],
        secrets: false,
        uses: &[],
        blobs: &[],
        api: ApiSpec::UNDECLARED,
        idempotent: false,
        prefetch: None,
        memory: Memory::Standard,
    };
    assert_eq!(
        route.table_access(),
        [
            TableAccess::Read(Table::Users),
            TableAccess::Read(Table::Sessions),
            TableAccess::Append(Table::Audit),
            TableAccess::Counter(Table::RateLimits),
            TableAccess::Write(Table::Content),
            // Every function notes the overrides it started with.
            TableAccess::Item(Table::State, rampart_store::keys::state::OVERRIDES_PK),
        ]
    );
}
