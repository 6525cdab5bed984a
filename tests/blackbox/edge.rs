//! The edge in front of the API: with `EDGE_ORIGIN_TOKEN` set, a request that went around the
//! edge (no `X-Origin-Verify`, or the wrong one) is refused before any route runs, and for a
//! request the edge forwarded, the client is the viewer the edge appended to
//! `X-Forwarded-For`, not the edge itself and not whatever the viewer wrote to the left of it.

use rampart_blackbox_tests::TestApp;
use rampart_core::config::EdgeToken;
use rampart_store::ItemExt;
use serde_json::Value;

const TOKEN: &str = "k3vQ9wXn2LbR7tYp4sZc8mHd6fJg1aUe5oWi0qNr";

async fn behind_edge() -> TestApp {
    TestApp::builder()
        .config(|c| {
            // Only the token makes the connecting address a proxy worth believing.
            c.trusted_proxies.clear();
            c.edge_origin_token = Some(EdgeToken::new(TOKEN));
        })
        .spawn()
        .await
}

async fn report(app: &TestApp, token: Option<&str>, forwarded_for: &str) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.at("/csp-report"))
        .header("content-type", "application/csp-report")
        .header("x-forwarded-for", forwarded_for)
        .body(r#"{"csp-report":{"document-uri":"https://app.example/"}}"#);
    if let Some(token) = token {
        request = request.header("x-origin-verify", token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_request_that_skips_the_edge_is_refused() {
    let app = behind_edge().await;
    let direct = app.client.get(app.at("/health")).send().await.unwrap();
    assert_eq!(direct.status(), 403);
    assert_eq!(direct.headers()["content-type"], "application/problem+json");
    assert!(direct.headers().contains_key("x-request-id"));
    let body: Value = direct.json().await.unwrap();
    assert_eq!(body["code"], "origin_not_allowed", "{body}");
    // A guessed token, a token with a byte more, and two tokens are no better.
    for value in [&TOKEN[1..], &format!("{TOKEN}x")[..], "x"] {
        let guessed = app
            .client
            .get(app.at("/api/v1/projects"))
            .header("x-origin-verify", value)
            .send()
            .await
            .unwrap();
        assert_eq!(guessed.status(), 403, "{value}");
    }
    let twice = app
        .client
        .get(app.at("/health"))
        .header("x-origin-verify", TOKEN)
        .header("x-origin-verify", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 403);
    // Through the edge, routes answer as ever; unknown paths still 404.
    let through = app
        .client
        .get(app.at("/health"))
        .header("x-origin-verify", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(through.status(), 200);
    let unknown = app
        .client
        .get(app.at("/nowhere"))
        .header("x-origin-verify", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn behind_the_edge_each_viewer_is_the_client() {
    let app = behind_edge().await;
    // One viewer claiming a new address on every request (left of what the edge appended)
    // gets one budget: 30 anonymous writes a minute.
    for n in 0..30 {
        let forwarded = format!("192.0.2.{n}, 198.51.100.20");
        assert_eq!(
            report(&app, Some(TOKEN), &forwarded).await.status(),
            204,
            "request {n}"
        );
    }
    assert_eq!(
        report(&app, Some(TOKEN), "192.0.2.200, 198.51.100.20")
            .await
            .status(),
        429
    );
    // API Gateway may append the edge's own address after the viewer's: the same viewer.
    assert_eq!(
        report(&app, Some(TOKEN), "198.51.100.20, 127.0.0.1")
            .await
            .status(),
        429
    );
    // Another viewer behind the same edge has a budget of its own.
    assert_eq!(
        report(&app, Some(TOKEN), "198.51.100.77").await.status(),
        204
    );
    // The violation is filed under the viewer's (anonymised) address, not the edge's.
    let audited = app.audited("ratelimit.violation").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].str_attr("ip"), Some("198.51.100.0"));
    app.stop().await;
}

#[tokio::test]
async fn without_the_edge_forwarded_addresses_are_believed_only_from_trusted_proxies() {
    // No token configured, no trusted proxy: every request is the connecting address, and
    // `X-Origin-Verify` means nothing.
    let app = TestApp::builder()
        .config(|c| c.trusted_proxies.clear())
        .spawn()
        .await;
    for n in 0..30 {
        let forwarded = format!("198.51.100.{n}");
        assert_eq!(report(&app, Some(TOKEN), &forwarded).await.status(), 204);
    }
    assert_eq!(
        report(&app, None, "198.51.100.99").await.status(),
        429,
        "all of them were 127.0.0.1"
    );
    app.stop().await;
}

/// The web ACL's rate rules are sized from the route table: the sign-in and code routes at
/// twice what the functions allow one address on them, everything at twice the functions'
/// pre-authentication limit; the managed rule groups and WAF logging are there, and the body
/// size rule only counts (the API takes bodies up to 1 MiB).
#[test]
fn the_web_acl_is_sized_from_the_route_table() {
    use rampart_ratelimit::Policy;

    let path = crate::template_file::root().join("infra/edge-waf.yaml");
    let waf: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let acl = &waf["Resources"]["WebAcl"]["Properties"];
    assert_eq!(acl["Scope"], "CLOUDFRONT");
    let rules = acl["Rules"].as_sequence().unwrap();
    let rule = |name: &str| {
        rules
            .iter()
            .find(|r| r["Name"] == name)
            .unwrap_or_else(|| panic!("no rule {name}"))
    };
    let per_five_minutes = |policy: Policy| {
        let limit = policy.limit(true, None);
        u64::from(limit.max) * 2 * 300 / u64::from(limit.window_secs)
    };
    let credential = &rule("credential-floods")["Statement"]["RateBasedStatement"];
    assert_eq!(
        credential["Limit"].as_u64(),
        Some(per_five_minutes(Policy::AuthPassword))
    );
    assert_eq!(credential["AggregateKeyType"], "IP");
    let scoped: std::collections::BTreeSet<String> =
        credential["ScopeDownStatement"]["OrStatement"]["Statements"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|s| {
                s["ByteMatchStatement"]["SearchString"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
    let expected: std::collections::BTreeSet<String> = rampart_api::routes::routes()
        .into_iter()
        .filter(|r| {
            matches!(
                r.rate_limit,
                Some(Policy::AuthCredentials | Policy::AuthPassword)
            )
        })
        .map(|r| r.path.to_owned())
        .collect();
    assert!(expected.contains("/api/v1/auth/login"), "{expected:?}");
    assert_eq!(scoped, expected);
    let client = &rule("client-floods")["Statement"]["RateBasedStatement"];
    let pre_auth = Policy::PreAuth.limit(false, None);
    assert_eq!(
        client["Limit"].as_u64(),
        Some(u64::from(pre_auth.max) * 2 * 300 / u64::from(pre_auth.window_secs))
    );
    for group in [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ] {
        assert_eq!(
            rule(group)["Statement"]["ManagedRuleGroupStatement"]["Name"],
            group
        );
    }
    let overrides = &rule("AWSManagedRulesCommonRuleSet")["Statement"]["ManagedRuleGroupStatement"]
        ["RuleActionOverrides"][0];
    assert_eq!(overrides["Name"], "SizeRestrictions_BODY");
    let logging = &waf["Resources"]["WafLogging"]["Properties"];
    let redacted = crate::template_file::text(&logging["RedactedFields"]);
    assert!(
        redacted.contains("authorization") && redacted.contains("cookie"),
        "{redacted}"
    );
    // The stage's stack takes the ACL and puts the distribution in front of the API.
    let root = crate::template_file::root_template();
    let distribution = &root["Resources"]["EdgeDistribution"];
    assert_eq!(distribution["Condition"], "EdgeEnabled");
    let config = crate::template_file::text(&distribution["Properties"]["DistributionConfig"]);
    assert!(
        config.contains("EdgeWebAclArn") && config.contains("X-Origin-Verify"),
        "{config}"
    );
    assert!(
        config.contains("ViewerProtocolPolicy: https-only"),
        "{config}"
    );
}
