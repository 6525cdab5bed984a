//! The web pages Rampart serves from the API's own origin: the operator console under
//! `/console/` and the public status page at `/status`.
//!
//! The console is one TypeScript bundle and one stylesheet (`web/`, built by
//! `scripts/console.sh build` into `dist/`, which is committed so that building the functions
//! needs no Node). Every console address answers the same small HTML shell naming its page;
//! the bundle draws the page from the API's JSON. The assets are served under names holding
//! their content hash, so they can be cached for a year and a new build is never mixed with an
//! old one. Nothing is inline: the pages' `Content-Security-Policy` allows scripts and styles
//! from our origin only.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

pub mod status_page;

/// Who a console page is for. The shell is the same for everyone (it holds no data); the
/// bundle shows a refusal to a signed-in account whose role does not reach the page, and the
/// API refuses its reads whatever the page does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: the pages that sign in or consume a mailed link.
    Anyone,
    /// Any signed-in account.
    SignedIn,
    /// Reviewers and admins.
    Reviewer,
    /// Admins.
    Admin,
}

impl Audience {
    /// Its name in the shell's `data-audience`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::SignedIn => "signed-in",
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }
}

/// One page of the console, at `/console/<slug>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub slug: &'static str,
    /// Its title, in the tab and the heading.
    pub title: &'static str,
    pub audience: Audience,
}

const fn page(slug: &'static str, title: &'static str, audience: Audience) -> Page {
    Page {
        slug,
        title,
        audience,
    }
}

/// The page `/console` itself shows.
pub const HOME: &str = "overview";

/// Every page of the console, in the order of its navigation.
pub const PAGES: &[Page] = &[
    page("sign-in", "Sign in", Audience::Anyone),
    page("forgot-password", "Forgotten password", Audience::Anyone),
    page("reset-password", "Choose a new password", Audience::Anyone),
    page(
        "verify-email",
        "Verify your email address",
        Audience::Anyone,
    ),
    page(HOME, "Overview", Audience::SignedIn),
    page("sessions", "Sessions", Audience::SignedIn),
    page("password", "Change password", Audience::SignedIn),
    page(
        "two-factor",
        "Two-factor authentication",
        Audience::SignedIn,
    ),
    page("delete-account", "Delete account", Audience::SignedIn),
    page("security", "Security summary", Audience::Admin),
    page("users", "Users, roles and grants", Audience::Admin),
    page("rate-limits", "Rate limits", Audience::Admin),
    page("audit", "Audit timeline", Audience::Admin),
    page("alerts", "Alerts", Audience::Admin),
    page("releases", "Releases", Audience::Admin),
    page("status-events", "Status events", Audience::Admin),
    page("knowledge", "Knowledge base", Audience::Reviewer),
    page("api-keys", "API keys", Audience::Admin),
];

/// The page at `/console/<slug>`.
pub fn find(slug: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.slug == slug)
}

/// The policy of every console page: scripts, styles, images and requests from our origin
/// only (inline code of any kind refused, no `eval`), never framed, forms posting nowhere else.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// How long a browser or a cache may keep an asset: its name changes with its content.
pub const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

/// One built asset.
#[derive(Debug)]
pub struct Asset {
    /// `console.<hash>.js`: the name it is served under.
    pub name: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

fn asset(stem: &str, extension: &str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
    let digest = Sha256::digest(bytes);
    Asset {
        name: format!("{stem}.{}.{extension}", hex::encode(&digest[..8])),
        content_type,
        bytes,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        asset(
            "console",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../dist/console.js"),
        ),
        asset(
            "console",
            "css",
            "text/css; charset=utf-8",
            include_bytes!("../dist/console.css"),
        ),
    ]
});

/// Every asset.
pub fn assets() -> &'static [Asset] {
    ASSETS.as_slice()
}

/// The asset served as `/console/assets/<name>`.
pub fn find_asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The address of the script.
pub fn script_url() -> String {
    format!("/console/assets/{}", ASSETS[0].name)
}

/// The address of the stylesheet (the status page shares it).
pub fn stylesheet_url() -> String {
    format!("/console/assets/{}", ASSETS[1].name)
}

/// The HTML of a console page: its title, the stylesheet and the script, and a note for a
/// browser without JavaScript.
pub fn shell(page: &Page) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\" data-page=\"{slug}\" data-audience=\"{audience}\">\n\
         <head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{title} · Rampart console</title>\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n\
         <script type=\"module\" src=\"{js}\"></script>\n</head>\n\
         <body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n\
         <div id=\"app\"><main id=\"main\" tabindex=\"-1\"><h1>{title}</h1>\n\
         <noscript><p>The console needs JavaScript. The <a href=\"/status\">status page</a> \
         does not.</p></noscript>\n</main></div>\n</body>\n</html>\n",
        slug = page.slug,
        audience = page.audience.name(),
        title = escape(page.title),
        css = stylesheet_url(),
        js = script_url(),
    )
}

/// `text` with the characters HTML gives a meaning escaped, for element content and quoted
/// attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
