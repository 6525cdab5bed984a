//! Renders the route table as Markdown for docs/api/routes.md (written by
//! `cargo run -p rampart-codegen`; a test keeps the file current).

use crate::routes::{Access, BodyKind, Route};

/// The route table as a Markdown document.
pub fn routes_markdown(routes: &[Route]) -> String {
    let mut out = String::from(
        "# Routes\n\nGenerated from the route table in `shared/api/src/routes/` by \
         `cargo run -p rampart-codegen`; a test fails when this file and the table disagree.\n\n\
         | method | path | what it does | function | access | verified email | rate limit | feature flag | body | tables | ports |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for route in routes {
        let access = match route.access {
            Access::Public => "public".to_owned(),
            Access::Permission(p) => format!("`{p}`"),
        };
        let limit = route
            .rate_limit
            .map(|p| format!("{p:?}"))
            .unwrap_or_else(|| "none".to_owned());
        let feature = route
            .feature
            .map(|f| format!("`{}`", f.env_var()))
            .unwrap_or_else(|| "-".to_owned());
        let body = match route.body {
            BodyKind::None => "-".to_owned(),
            BodyKind::Json => "JSON".to_owned(),
            BodyKind::JsonAlso(extra) => format!("JSON, {}", extra.join(", ")),
            BodyKind::OptionalJson => "JSON or none".to_owned(),
        };
        let tables: Vec<String> = route
            .table_access()
            .into_iter()
            .map(|a| match a {
                rampart_store::TableAccess::Index(table, index) => {
                    format!("{}.{} (query)", table.concern(), index.name())
                }
                rampart_store::TableAccess::Item(table, pk) => {
                    format!("{} (item `{pk}`)", table.concern())
                }
                other => format!("{} ({})", other.table().concern(), other.kind()),
            })
            .collect();
        let ports = if route.uses.is_empty() {
            "-".to_owned()
        } else {
            let names: Vec<String> = route.uses.iter().map(|p| format!("{p:?}")).collect();
            names.join(", ")
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            route.method,
            route.path,
            route.summary,
            route.function,
            access,
            if route.verified { "yes" } else { "no" },
            limit,
            feature,
            body,
            tables.join(", "),
            ports
        ));
    }
    out
}
