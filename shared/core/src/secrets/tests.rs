#[test]
fn key_ids_that_would_break_tokens_or_sealed_fields_are_refused() {
    for (json, needle) in [
        (
            r#"{"jwt_signing_keys":[{"kid":"a.b","secret":"s"}]}"#,
            "jwt_signing_keys",
        ),
        (
            r#"{"field_encryption_keys":[{"kid":"a:b","secret":"s"}]}"#,
            "field_encryption_keys",
        ),
        (
            r#"{"jwt_signing_keys":[{"kid":"","secret":"s"}]}"#,
            "1 to 64",
        ),
        (
            r#"{"field_encryption_keys":[{"kid":"k","secret":"s"},{"kid":"k","secret":"t"}]}"#,
            "used twice",
        ),
    ] {
        let error = SecretBundle::from_json(json).unwrap_err().to_string();
        assert!(error.contains(needle), "{json}: {error}");
    }
    assert!(
        SecretBundle::from_json(r#"{"jwt_signing_keys":[{"kid":"k-1_a","secret":"s"}]}"#).is_ok()
    );
}

use super::*;

const ROOT: &str = "kq3Jd8sLrT0vXw2ZbN5cY7eHfA9gU4iPmRoQ1tSaVxCzBnMlKjHgFdSaPoIuYtRe";

#[test]
fn a_root_key_alone_yields_every_key_a_stage_needs() {
    let bundle = SecretBundle::from_json(&format!(r#"{{"root_key":"{ROOT}"}}"#)).unwrap();
    assert_eq!(bundle.jwt_signing_keys.len(), 1);
    assert_eq!(bundle.jwt_signing_keys[0].kid, ROOT_KEY_ID);
    assert_eq!(bundle.field_encryption_keys[0].kid, ROOT_KEY_ID);
    let jwt = bundle.jwt_signing_keys[0].secret.expose().clone();
    let field = bundle.field_encryption_keys[0].secret.expose().clone();
    let limit = bundle.rate_limit_key.as_ref().unwrap().expose().clone();
    // 32 bytes each, hex, distinct per purpose, none of them the root key.
    for key in [&jwt, &field, &limit] {
        assert_eq!(key.len(), 64);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!key.contains(ROOT));
    }
    assert!(jwt != field && field != limit && jwt != limit);
    // The same root key derives the same keys (every function of the stack agrees).
    let again = SecretBundle::from_json(&format!(r#"{{"root_key":"{ROOT}"}}"#)).unwrap();
    assert_eq!(again.jwt_signing_keys[0].secret.expose(), &jwt);
    // HMAC-SHA256(root, "rampart/v1/root/jwt-signing"), computed with Python's hmac.
    assert_eq!(
        jwt,
        "0ebef0fafa46f888c68fb54a220e72e6d5fedfc0d5643e7ef0778eb9fb26e15c"
    );
}

#[test]
fn listed_keys_are_newer_than_the_derived_ones_and_take_over() {
    let json = format!(
        r#"{{"root_key":"{ROOT}","jwt_signing_keys":[{{"kid":"k2","secret":"s"}}],
                "rate_limit_key":"explicit-explicit-explicit-explicit"}}"#
    );
    let bundle = SecretBundle::from_json(&json).unwrap();
    let kids: Vec<&str> = bundle
        .jwt_signing_keys
        .iter()
        .map(|k| k.kid.as_str())
        .collect();
    assert_eq!(kids, [ROOT_KEY_ID, "k2"], "the listed key is the newest");
    assert_eq!(
        bundle.rate_limit_key.unwrap().expose(),
        "explicit-explicit-explicit-explicit"
    );
    // A listed `root` key is not doubled.
    let json = format!(
        r#"{{"root_key":"{ROOT}","field_encryption_keys":[{{"kid":"root","secret":"mine"}}]}}"#
    );
    let bundle = SecretBundle::from_json(&json).unwrap();
    assert_eq!(bundle.field_encryption_keys.len(), 1);
    assert_eq!(bundle.field_encryption_keys[0].secret.expose(), "mine");
}

#[test]
fn a_short_root_key_is_refused_and_never_echoed() {
    let err = SecretBundle::from_json(r#"{"root_key":"short-root"}"#).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("root_key") && !text.contains("short-root"),
        "{text}"
    );
    let none = SecretBundle::from_json("{}").unwrap();
    assert!(none.jwt_signing_keys.is_empty() && none.rate_limit_key.is_none());
}

#[tokio::test]
async fn local_secrets_take_env_overrides() {
    let json = r#"{"jwt_signing_keys":[{"kid":"k1","secret":"s1"}],"alertmanager_token":"file"}"#;
    let secrets = LocalSecrets::from_parts(json, |name| {
        (name == "ALERTMANAGER_TOKEN").then(|| "env".to_owned())
    })
    .unwrap();
    let bundle = secrets.load().await.unwrap();
    assert_eq!(bundle.jwt_signing_keys[0].kid, "k1");
    assert_eq!(bundle.alertmanager_token.as_ref().unwrap().expose(), "env");
}

#[test]
fn malformed_secrets_never_echo_their_text() {
    let err = SecretBundle::from_json(r#"{"jwt_signing_keys": "supersecretvalue"}"#).unwrap_err();
    assert!(!err.to_string().contains("supersecretvalue"), "{err}");
}

#[test]
fn blank_secrets_count_as_absent() {
    let bundle = SecretBundle::from_json(
        r#"{"pr_intel_webhook_secret":"","alertmanager_token":"  ","discord_bot_token":"x"}"#,
    )
    .unwrap();
    assert!(bundle.pr_intel_webhook_secret.is_none());
    assert!(bundle.alertmanager_token.is_none());
    assert!(bundle.discord_bot_token.is_some());
}

#[test]
fn bundles_print_no_secret() {
    let bundle = SecretBundle::from_json(
        r#"{"discord_bot_token":"bot-abc","oauth_github_client_secret":"gh-xyz"}"#,
    )
    .unwrap();
    let printed = format!("{bundle:?}");
    assert!(
        !printed.contains("bot-abc") && !printed.contains("gh-xyz"),
        "{printed}"
    );
    assert!(bundle.oauth.contains_key("oauth_github_client_secret"));
}
