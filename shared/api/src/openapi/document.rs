//! The document itself: paths and operations from the route table, security schemes, the
//! links between operations, the problem responses and the rate-limit headers.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{SCHEMES, Success, TAGS, schema, tag_of};
use crate::routes::{Access, BodyKind, Route};

/// The rate-limit headers of every limited answer (docs/security/rate_limiting.md).
const RATE_LIMIT_HEADERS: [(&str, &str); 5] = [
    ("X-RateLimit-Limit", "Requests allowed in the window."),
    ("X-RateLimit-Remaining", "Requests left in the window."),
    (
        "X-RateLimit-Reset",
        "When the window resets (epoch seconds).",
    ),
    (
        "RateLimit-Policy",
        "The limit as the IETF draft writes it (`<limit>;w=<seconds>`).",
    ),
    (
        "RateLimit",
        "What is left as the IETF draft writes it (`limit=..., remaining=..., reset=...`).",
    ),
];

/// The OpenAPI 3.1 document for `routes`.
pub fn document(routes: &[Route]) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let problem = schema::<rampart_core::problem::Problem>(&mut generator);
    let mut paths = Map::new();
    for route in routes {
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] =
            operation(route, &mut generator, &problem);
    }
    add_links(routes, &mut paths);
    let schemas = generator.take_definitions(true);
    let mut paths = Value::Object(paths);
    without_boolean_schemas(&mut paths);
    let mut headers = Map::new();
    for (name, description) in RATE_LIMIT_HEADERS {
        headers.insert(
            name.to_owned(),
            json!({"description": description, "schema": {"type": "string"}}),
        );
    }
    headers.insert(
        "Retry-After".to_owned(),
        json!({"description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0}}),
    );
    headers.insert(
        "ETag".to_owned(),
        json!({"description": "The strong entity tag of the body (for `If-None-Match` and `If-Match`).",
            "schema": {"type": "string"}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rampart API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Accounts, sessions and roles; projects, tickets, posts, the knowledge \
                base, media, search and export; status; CI tooling and webhooks; the Discord \
                interactions endpoint. Generated from the route table by \
                `cargo run -p rampart-codegen`. Errors are RFC 9457 problem documents \
                (`application/problem+json`); lists are pages (`page`/`page_size` or \
                `cursor`); every successful GET carries an `ETag`. See docs/api/conventions.md.",
            "contact": {"name": "Rampart maintainers (security reports: SECURITY.md)",
                "email": "security@rampart.example"},
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": "The local stack (`cargo run -p rampart-local`)."},
            {"url": "https://{api_domain}", "description": "A deployed stage, behind its edge.",
                "variables": {"api_domain": {"default": "api.rampart.example",
                    "description": "The stage's API domain."}}},
        ],
        "tags": TAGS.iter().map(|(name, description)| json!({"name": name, "description": description})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": security_schemes(),
            "headers": headers,
            "parameters": {
                "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "Makes the request run at most once: a repeat within 24 h \
                        answers the first answer (`Idempotent-Replayed: true`); the same key with \
                        another body is `422`, one still running `409`.",
                    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"}},
                "IfMatch": {"name": "If-Match", "in": "header", "required": false,
                    "description": "The `ETag` the change is based on; another is `412 precondition_failed`.",
                    "schema": {"type": "string"}},
                "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": false,
                    "description": "An `ETag` the client holds; if it is current the answer is `304`.",
                    "schema": {"type": "string"}},
            },
        },
    })
}

fn security_schemes() -> Value {
    let mut schemes = Map::new();
    for (name, description) in SCHEMES {
        let scheme = match name {
            "bearer" => json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
            "apiKey" | "alertmanagerBearer" => json!({"type": "http", "scheme": "bearer"}),
            "cookie" => json!({"type": "apiKey", "in": "cookie", "name": "access_token"}),
            "refreshCookie" => json!({"type": "apiKey", "in": "cookie", "name": "refresh_token"}),
            "csrf" => json!({"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}),
            "webhookSignature" => {
                json!({"type": "apiKey", "in": "header", "name": "X-Webhook-Signature"})
            }
            "hubSignature" => {
                json!({"type": "apiKey", "in": "header", "name": "X-Hub-Signature-256"})
            }
            _ => json!({"type": "apiKey", "in": "header", "name": "X-Signature-Ed25519"}),
        };
        let mut scheme = scheme;
        scheme["description"] = json!(description);
        schemes.insert(name.to_owned(), scheme);
    }
    Value::Object(schemes)
}

/// The security requirement of a route: its own credentials for a public route that checks
/// one, none for a public route, and a token, a key or the cookie (with the CSRF header on
/// writes) for a route that needs a permission.
fn security(route: &Route) -> Value {
    match route.access {
        Access::Public => Value::Array(
            route
                .api
                .credentials
                .iter()
                .map(|all| {
                    Value::Object(all.iter().map(|s| ((*s).to_owned(), json!([]))).collect())
                })
                .collect(),
        ),
        Access::Permission(_) => {
            let write = !matches!(route.method, http::Method::GET | http::Method::HEAD);
            let cookie = if write {
                json!({"cookie": [], "csrf": []})
            } else {
                json!({"cookie": []})
            };
            json!([{"bearer": []}, {"apiKey": []}, cookie])
        }
    }
}

/// What a route's description says beyond its summary: who may call it, its limit, its
/// feature flag, idempotency and preconditions.
fn description(route: &Route) -> String {
    let mut parts = vec![match &route.access {
        Access::Public if route.api.credentials.is_empty() => "Public.".to_owned(),
        Access::Public => "Public, with the credentials declared below.".to_owned(),
        Access::Permission(p) if route.verified => {
            format!("Needs the permission `{p}` and a verified email.")
        }
        Access::Permission(p) => format!("Needs the permission `{p}`."),
    }];
    if let Some(policy) = route.rate_limit {
        parts.push(format!(
            "Rate limit: policy `{policy:?}` (docs/security/rate_limiting.md)."
        ));
    }
    if let Some(feature) = route.feature {
        parts.push(format!("Off when `{}=false` (`404`).", feature.env_var()));
    }
    if route.idempotent {
        parts.push("Honours `Idempotency-Key`.".to_owned());
    }
    if route.api.if_match {
        parts.push("Honours `If-Match`.".to_owned());
    }
    parts.join(" ")
}

/// OpenAPI links from each create (a `POST` whose first success has a body naming what it
/// made) to the operations under the created resource's path, so clients and stateful testers can
/// follow create → read → change → delete.
fn add_links(routes: &[Route], paths: &mut Map<String, Value>) {
    for create in routes.iter().filter(|r| r.method == http::Method::POST) {
        let Some(Success {
            status,
            body: Some(_),
            ..
        }) = create.api.responses.first()
        else {
            continue;
        };
        let key = create.method.as_str().to_ascii_lowercase();
        let Some(schema) = paths[create.path][&key]["responses"][status.to_string()]["content"]
            ["application/json"]["schema"]["$ref"]
            .as_str()
            .map(str::to_owned)
        else {
            continue;
        };
        // A create named by a verb (`/internal/pr-intel/ingest`) creates under its parent.
        let base = create.path.strip_suffix("/ingest").unwrap_or(create.path);
        let mut links = Map::new();
        for target in routes {
            let Some(rest) = target.path.strip_prefix(base) else {
                continue;
            };
            let Some(param) = rest
                .strip_prefix("/{")
                .and_then(|r| r.split_once('}'))
                .map(|(param, _)| param)
            else {
                continue;
            };
            links.insert(
                target.function.to_owned(),
                json!({
                    "operationId": target.function,
                    "parameters": {param: format!("$response.body#/{}", id_field(&schema, param))},
                    "description": format!("{} {}", target.method, target.path),
                }),
            );
        }
        if !links.is_empty() {
            paths[create.path][&key]["responses"][status.to_string()]["links"] =
                Value::Object(links);
        }
    }
}

/// The field of a created resource's body that fills a path parameter: one named after it,
/// else `<resource>_id`, else `id`.
fn id_field(schema_ref: &str, param: &str) -> String {
    let name = schema_ref.rsplit('/').next().unwrap_or_default();
    match (name, param) {
        (_, "pr_number") => "pr_number".to_owned(),
        ("ExportStarted", _) => "export_id".to_owned(),
        ("Upload", _) => "media_id".to_owned(),
        _ => "id".to_owned(),
    }
}

/// Media types' `schema: true` ("any JSON", what schemars writes for a free-form value) as the
/// equivalent `{}`: JSON Schema allows both, but client generators such as
/// openapi-python-client read only objects there.
fn without_boolean_schemas(node: &mut Value) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "schema" && value.is_boolean() {
                    *value = if value == &Value::Bool(true) {
                        json!({})
                    } else {
                        json!({"not": {}})
                    };
                } else {
                    without_boolean_schemas(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_boolean_schemas),
        _ => {}
    }
}

fn operation(route: &Route, generator: &mut SchemaGenerator, problem: &Schema) -> Value {
    let spec = &route.api;
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| match spec.path.iter().find(|p| p.name == name) {
            Some(param) => json!({"name": name, "in": "path", "required": true,
                "description": param.description, "schema": (param.schema)(generator)}),
            None => json!({"name": name, "in": "path", "required": true,
                "schema": {"type": "string", "minLength": 1, "maxLength": 128}}),
        })
        .collect();
    if route.idempotent {
        parameters.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
    }
    if spec.if_match {
        parameters.push(json!({"$ref": "#/components/parameters/IfMatch"}));
    }
    let conditional_get =
        route.method == http::Method::GET && spec.responses.iter().any(|s| s.status == 200);
    if conditional_get {
        parameters.push(json!({"$ref": "#/components/parameters/IfNoneMatch"}));
    }
    for param in spec.query {
        parameters.push(json!({
            "name": param.name, "in": "query", "required": param.required,
            "description": param.description, "schema": (param.schema)(generator),
        }));
    }
    let mut responses = Map::new();
    for success in spec.responses {
        let mut response = json!({"description": route.summary});
        if let Some(body) = success.body {
            let schema = body(generator);
            response["content"] = success
                .media
                .iter()
                .map(|media| ((*media).to_owned(), json!({"schema": schema})))
                .collect::<Map<String, Value>>()
                .into();
        }
        let mut headers = limit_headers(route);
        if conditional_get && success.status == 200 {
            headers.insert("ETag".to_owned(), header_ref("ETag"));
        }
        if !headers.is_empty() {
            response["headers"] = Value::Object(headers);
        }
        responses.insert(success.status.to_string(), response);
    }
    if conditional_get {
        responses.insert(
            "304".to_owned(),
            json!({"description": "Not modified: the `If-None-Match` tag is current.",
                "headers": {"ETag": header_ref("ETag")}}),
        );
    }
    let problem_response = json!({
        "description": "A problem document (RFC 9457).",
        "content": {"application/problem+json": {"schema": problem}},
    });
    let mut client_error = problem_response.clone();
    let mut headers = limit_headers(route);
    if !headers.is_empty() {
        headers.insert("Retry-After".to_owned(), header_ref("Retry-After"));
        client_error["headers"] = Value::Object(headers);
    }
    responses.insert("4XX".to_owned(), client_error);
    responses.insert("5XX".to_owned(), problem_response);
    let mut op = json!({
        "operationId": route.function,
        "summary": route.summary,
        "description": description(route),
        "tags": [tag_of(route.path)],
        "security": security(route),
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = request_body(route, generator) {
        op["requestBody"] = body;
    }
    op
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// The rate-limit headers, on the answers of a route with a limit.
fn limit_headers(route: &Route) -> Map<String, Value> {
    if route.rate_limit.is_none() {
        return Map::new();
    }
    RATE_LIMIT_HEADERS
        .iter()
        .map(|(name, _)| ((*name).to_owned(), header_ref(name)))
        .collect()
}

fn request_body(route: &Route, generator: &mut SchemaGenerator) -> Option<Value> {
    let schema = route.api.request.map(|f| f(generator))?;
    let mut content = Map::new();
    content.insert("application/json".to_owned(), json!({"schema": schema}));
    if let BodyKind::JsonAlso(extra) = route.body {
        for media in extra {
            content.insert((*media).to_owned(), json!({"schema": schema}));
        }
    }
    for media in route.api.other_media {
        content.insert((*media).to_owned(), json!({"schema": {"type": "string"}}));
    }
    Some(json!({
        "required": !matches!(route.body, BodyKind::OptionalJson),
        "content": content,
    }))
}
