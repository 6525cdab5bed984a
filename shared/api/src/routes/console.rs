//! The web pages: the operator console (its pages and their assets) and the public status
//! page. Each answers HTML (or a built asset) with its own `Content-Security-Policy`.

use http::Method;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Entry, Route, TableAccess};
use crate::handlers::console;
use crate::openapi::{ApiSpec, QueryParam, file, html};

/// The console's home, its pages and assets, and the status page.
pub(super) const ROUTES: &[Entry] =
    entries![console_home, console_page, console_asset, status_page];

fn page_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let pages: Vec<&str> = rampart_console::PAGES.iter().map(|p| p.slug).collect();
    schemars::json_schema!({"type": "string", "enum": pages})
}

/// The names of this build's assets: each holds its content's hash, so the document changes
/// with every build of the console (`scripts/console.sh build` regenerates it).
fn asset_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = rampart_console::assets()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    schemars::json_schema!({"type": "string", "enum": names})
}

const PAGE_PARAM: [QueryParam; 1] = [QueryParam {
    name: "page",
    description: "The console page (docs/console/README.md lists them).",
    required: true,
    schema: page_name,
}];

const ASSET_PARAM: [QueryParam; 1] = [QueryParam {
    name: "file",
    description: "An asset's name, holding its content hash, as a page names it; other names \
        (an older build's included) are 404.",
    required: true,
    schema: asset_name,
}];

pub fn console_home() -> Route {
    Route {
        api: ApiSpec {
            responses: const { &[html(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/console",
            "console-home",
            "the operator console's overview page (HTML).",
            |_, c, r| console::home(c, r),
        )
    }
}

pub fn console_page() -> Route {
    Route {
        api: ApiSpec {
            path: &PAGE_PARAM,
            responses: const { &[html(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/console/{page}",
            "console-page",
            "a page of the operator console (HTML).",
            |_, c, r| console::page(c, r),
        )
    }
}

pub fn console_asset() -> Route {
    Route {
        api: ApiSpec {
            path: &ASSET_PARAM,
            responses: const { &[file(200, &["text/javascript", "text/css"])] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/console/assets/{file}",
            "console-asset",
            "the console's script or stylesheet, by its hashed name, cached for a year.",
            |_, c, r| console::asset(c, r),
        )
    }
}

pub fn status_page() -> Route {
    Route {
        rate_limit: Some(Policy::Standard),
        tables: &[
            TableAccess::Read(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Read(Table::Health),
        ],
        api: ApiSpec {
            responses: const { &[html(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::GET,
            "/status",
            "status-page",
            "the public status page: each service over 90 days and the incident history (HTML).",
            |s, c, r| console::status(s.store.clone(), &*s.clock, c, r),
        )
    }
}
