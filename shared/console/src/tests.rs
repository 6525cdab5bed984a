use super::*;

#[test]
fn every_page_has_one_address() {
    let mut slugs: Vec<&str> = PAGES.iter().map(|p| p.slug).collect();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(slugs.len(), PAGES.len());
    assert!(find(HOME).is_some());
    assert!(find("assets").is_none(), "assets is the assets' folder");
    for page in PAGES {
        assert!(
            page.slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}",
            page.slug
        );
    }
}

#[test]
fn assets_are_named_by_their_content() {
    for asset in assets() {
        let digest = Sha256::digest(asset.bytes);
        assert!(
            asset.name.contains(&hex::encode(&digest[..8])),
            "{}",
            asset.name
        );
        assert!(
            !asset.bytes.is_empty(),
            "{} is empty: run scripts/console.sh build",
            asset.name
        );
        assert_eq!(find_asset(&asset.name).map(|a| a.bytes), Some(asset.bytes));
    }
    assert!(
        find_asset("console.js").is_none(),
        "only the hashed name is served"
    );
}

#[test]
fn the_shell_names_its_page_and_holds_no_inline_code() {
    let page = find("sessions").unwrap();
    let html = shell(page);
    assert!(html.contains("data-page=\"sessions\""));
    assert!(html.contains("data-audience=\"signed-in\""));
    assert!(html.contains("<title>Sessions · Rampart console</title>"));
    assert!(html.contains(&format!(
        "<script type=\"module\" src=\"{}\"></script>",
        script_url()
    )));
    assert!(html.contains(&format!(
        "<link rel=\"stylesheet\" href=\"{}\">",
        stylesheet_url()
    )));
    assert!(!html.contains("style="), "no inline style");
    assert!(!html.contains("<style"), "no inline style");
    assert_eq!(
        html.matches("<script").count(),
        1,
        "one script, from a file"
    );
}

#[test]
fn the_policy_allows_our_origin_only() {
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(CONSOLE_CSP.contains(directive), "{directive}");
    }
    assert!(!CONSOLE_CSP.contains("unsafe"));
}

#[test]
fn escape_covers_what_html_gives_a_meaning() {
    assert_eq!(
        escape("<a href=\"x\">Tom & 'Jerry'</a>"),
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
    );
}
