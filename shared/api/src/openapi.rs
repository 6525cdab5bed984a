//! The OpenAPI 3.1 document, built from the route table: each route declares its request and
//! response bodies as Rust types ([`ApiSpec`]), whose JSON Schemas `schemars` derives; paths,
//! parameters, security and the problem responses follow from the rest of the route.
//! `cargo run -p rampart-codegen` writes it to docs/api/openapi.json.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::routes::{Access, BodyKind, Route};

/// Derives the schema of a type, registering its definitions.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T` (a `$ref` into the document's components).
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A query parameter of a route.
#[derive(Clone, Copy, Debug)]
pub struct QueryParam {
    pub name: &'static str,
    pub description: &'static str,
    /// The parameter's schema (as it reads in the query string: strings or integers).
    pub schema: SchemaFn,
}

/// A response a route gives when it succeeds.
#[derive(Clone, Copy, Debug)]
pub struct Success {
    pub status: u16,
    /// The JSON body's schema; `None` for a response without a body.
    pub body: Option<SchemaFn>,
}

/// What a route accepts and answers, for the OpenAPI document.
#[derive(Clone, Copy, Debug)]
pub struct ApiSpec {
    /// The request body's schema, for routes that take a JSON body.
    pub request: Option<SchemaFn>,
    /// Other media types the request body may arrive as, beyond JSON (schema: a string).
    pub other_media: &'static [&'static str],
    pub query: &'static [QueryParam],
    /// The success responses; errors are problem documents, declared for every route.
    pub responses: &'static [Success],
}

impl ApiSpec {
    /// Nothing declared yet; a test refuses a route left like this.
    pub const UNDECLARED: ApiSpec = ApiSpec {
        request: None,
        other_media: &[],
        query: &[],
        responses: &[],
    };
}

/// A success with a JSON body of type `T`.
pub const fn ok<T: JsonSchema>(status: u16) -> Success {
    Success {
        status,
        body: Some(schema::<T>),
    }
}

/// A success without a body.
pub const fn empty(status: u16) -> Success {
    Success { status, body: None }
}

fn page_number(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "integer", "minimum": 1})
}

fn page_size(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "integer", "minimum": 1, "maximum": crate::extract::MAX_PAGE_SIZE})
}

fn cursor(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "minLength": 1})
}

/// `?page=&page_size=`: lists paged by number.
pub const PAGE_NUMBERS: [QueryParam; 2] = [
    QueryParam {
        name: "page",
        description: "The page, from 1.",
        schema: page_number,
    },
    QueryParam {
        name: "page_size",
        description: "Items per page, 1 to 100 (default 20).",
        schema: page_size,
    },
];

/// `?page=&page_size=&cursor=`: lists paged by number or by cursor.
pub const PAGINATION: [QueryParam; 3] = [
    PAGE_NUMBERS[0],
    PAGE_NUMBERS[1],
    QueryParam {
        name: "cursor",
        description: "Where the previous page stopped (its `next_cursor`); not with `page`.",
        schema: cursor,
    },
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
    let schemas = generator.take_definitions(true);
    let mut paths = Value::Object(paths);
    without_boolean_schemas(&mut paths);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rampart API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Generated from the route table by `cargo run -p rampart-codegen`. \
                Errors are RFC 9457 problem documents (application/problem+json); see \
                docs/api/conventions.md.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                    "description": "An access token (JWT) or an API key (rk_...)."},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "access_token",
                    "description": "The session cookie; writes also need X-CSRF-Token."},
            },
        },
    })
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
        .map(|name| {
            json!({"name": name, "in": "path", "required": true,
                "schema": {"type": "string", "minLength": 1, "maxLength": 128}})
        })
        .collect();
    for param in spec.query {
        parameters.push(json!({
            "name": param.name, "in": "query", "required": false,
            "description": param.description, "schema": (param.schema)(generator),
        }));
    }
    let mut responses = Map::new();
    for success in spec.responses {
        let mut response = json!({"description": route.summary});
        if let Some(body) = success.body {
            response["content"] = json!({"application/json": {"schema": body(generator)}});
        }
        responses.insert(success.status.to_string(), response);
    }
    let problem_response = json!({
        "description": "A problem document (RFC 9457).",
        "content": {"application/problem+json": {"schema": problem}},
    });
    responses.insert("4XX".to_owned(), problem_response.clone());
    responses.insert("5XX".to_owned(), problem_response);
    let mut op = json!({
        "operationId": route.function,
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = request_body(route, generator) {
        op["requestBody"] = body;
    }
    if let Access::Permission(permission) = route.access {
        op["security"] = json!([{"bearer": []}, {"cookie": []}]);
        op["description"] = json!(format!("Needs the permission `{permission}`."));
    }
    op
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // The Discord webhook takes any JSON: `{}`, not `true`.
        let discord = &document["paths"]["/discord/interactions"]["post"];
        assert_eq!(
            discord["requestBody"]["content"]["application/json"]["schema"],
            json!({})
        );
    }
}
