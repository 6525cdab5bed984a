//! Renders the route table as Markdown for docs/api/routes.md (a test keeps the file current).

use crate::routes::{Access, BodyKind, Route, TableAccess};

/// The route table as a Markdown document.
pub fn routes_markdown(routes: &[Route]) -> String {
    let mut out = String::from(
        "# Routes\n\nGenerated from the route table in `shared/api/src/routes.rs`; a test fails \
         when this file and the table disagree (regenerate with \
         `RAMPART_BLESS=1 cargo test -p rampart-blackbox-tests routes_doc`).\n\n\
         | method | path | function | access | verified email | rate limit | feature flag | body | tables |\n\
         |---|---|---|---|---|---|---|---|---|\n",
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
                TableAccess::Read(t) => format!("{} (read)", t.concern()),
                TableAccess::Write(t) => format!("{} (write)", t.concern()),
            })
            .collect();
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} |\n",
            route.method,
            route.path,
            route.function,
            access,
            if route.verified { "yes" } else { "no" },
            limit,
            feature,
            body,
            tables.join(", ")
        ));
    }
    out
}
