//! Audit coverage: one journey through every security-relevant action, then the audit table is
//! read back. Each expected event is there with its actor (when the caller is known), target,
//! outcome, anonymised client and correlation id, and no record holds a secret or an address.

use std::collections::BTreeMap;

use http::Method;
use rampart_audit::{AuditLog, FieldCipher};
use rampart_auth::MailKind;
use rampart_auth::rotation::{Budget, Rotation};
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp, test_secrets};
use rampart_core::Clock;
use rampart_store::{Item, ItemExt, Table, Update, keys};
use serde_json::{Value, json};

use super::totp;

const NEW_PASSWORD: &str = "a different 8 passphrase entirely";

/// Adds the browser's current tokens to the secrets no record may hold.
fn remember(secrets: &mut Vec<String>, browser: &Browser) {
    for name in ["access_token", "refresh_token", "XSRF-TOKEN"] {
        secrets.extend(browser.cookie(name));
    }
}

/// Enrols `browser` in two-factor sign-in; returns the base32 secret.
async fn enable_two_factor(app: &TestApp, browser: &Browser, secrets: &mut Vec<String>) -> String {
    let setup: Value = browser
        .send(Method::POST, "/api/v1/auth/2fa/setup", None)
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    secrets.push(secret.clone());
    let code = totp::code(&secret, app.clock.now_secs());
    let enabled: Value = browser
        .send(
            Method::POST,
            "/api/v1/auth/2fa/enable",
            Some(json!({ "code": code })),
        )
        .await
        .json()
        .await
        .unwrap();
    for code in enabled["recovery_codes"].as_array().unwrap() {
        secrets.push(code.as_str().unwrap().to_owned());
    }
    app.clock.advance_secs(30);
    secrets.push(format!("{:?}", enabled["recovery_codes"]));
    secret
}

#[tokio::test]
async fn every_security_event_of_a_journey_is_audited_completely_and_without_secrets() {
    let app = TestApp::spawn().await;
    let mut secrets: Vec<String> = vec![GOOD_PASSWORD.into(), NEW_PASSWORD.into()];
    let (admin, admin_id) = app.signed_in("root@example.com").await;
    app.promote_to_admin(&admin_id).await;
    remember(&mut secrets, &admin);
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    remember(&mut secrets, &ada);

    // Sign-in failure, refresh, refresh reuse.
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": "not the right one"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    secrets.push("not the right one".into());
    let first = ada.cookie("refresh_token").unwrap();
    assert_eq!(ada.status(Method::POST, "/api/v1/auth/refresh").await, 200);
    remember(&mut secrets, &ada);
    app.clock.advance_secs(60);
    let replay = app
        .post_json("/api/v1/auth/refresh", &json!({ "refresh_token": first }))
        .await;
    assert_eq!(replay.status(), 401);

    // Logout, then sessions: one revoked by id, the rest as "every other".
    let ada = app.new_session("ada@example.com").await;
    assert_eq!(ada.status(Method::POST, "/api/v1/auth/logout").await, 204);
    let other = app.new_session("ada@example.com").await;
    remember(&mut secrets, &other);
    let ada = app.new_session("ada@example.com").await;
    remember(&mut secrets, &ada);
    let sessions: Value = ada
        .send(Method::GET, "/api/v1/auth/sessions", None)
        .await
        .json()
        .await
        .unwrap();
    let not_current = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] != json!(true))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoke = format!("/api/v1/auth/sessions/{not_current}/revoke");
    assert_eq!(ada.status(Method::POST, &revoke).await, 204);
    assert_eq!(
        ada.status(Method::POST, "/api/v1/auth/sessions/revoke-others")
            .await,
        200
    );

    // Password change, then a reset by mail.
    let change = ada
        .send(
            Method::POST,
            "/api/v1/auth/password/change",
            Some(json!({"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(change.status(), 204);
    let forgot = app
        .post_json(
            "/api/v1/auth/password/forgot",
            &json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(forgot.status(), 202);
    let token = app
        .mail(MailKind::PasswordReset, "ada@example.com")
        .await
        .and_then(|m| m.token.map(|t| t.expose().clone()))
        .unwrap();
    secrets.push(token.clone());
    let reset = app
        .post_json(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(reset.status(), 204);

    // Two-factor sign-in on and off.
    let ada = app.new_session("ada@example.com").await;
    remember(&mut secrets, &ada);
    let secret = enable_two_factor(&app, &ada, &mut secrets).await;
    let disable = ada
        .send(
            Method::POST,
            "/api/v1/auth/2fa/disable",
            Some(json!({
                "password": GOOD_PASSWORD,
                "code": totp::code(&secret, app.clock.now_secs()),
            })),
        )
        .await;
    assert_eq!(disable.status(), 204);

    // Roles and grants; a denial; the grant lets the next request through.
    let role = admin
        .send(
            Method::PUT,
            &format!("/api/v1/admin/users/{ada_id}/role"),
            Some(json!({"role": "reviewer"})),
        )
        .await;
    assert_eq!(role.status(), 200);
    assert_eq!(
        ada.status(Method::GET, "/api/v1/admin/audit?event=auth.login")
            .await,
        403
    );
    let grants = format!("/api/v1/admin/users/{ada_id}/grants");
    let grant = admin
        .send(
            Method::POST,
            &grants,
            Some(json!({"permission": "audit:read"})),
        )
        .await;
    assert_eq!(grant.status(), 200);
    assert_eq!(
        ada.status(Method::GET, "/api/v1/admin/audit?event=auth.login")
            .await,
        200
    );
    let ungrant = admin
        .send(
            Method::DELETE,
            &grants,
            Some(json!({"permission": "audit:read"})),
        )
        .await;
    assert_eq!(ungrant.status(), 200);

    // An API key: created, used where it may not go, revoked, presented again.
    let created: Value = admin
        .send(
            Method::POST,
            "/api/v1/admin/api-keys",
            Some(json!({"name": "ci", "permissions": ["internal:*"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    secrets.push(key.clone());
    let key_id = created["id"].as_str().unwrap().to_owned();
    let with_key = |path: &str| app.client.get(app.at(path)).bearer_auth(&key).send();
    assert_eq!(
        with_key("/api/v1/admin/audit?event=x")
            .await
            .unwrap()
            .status(),
        403
    );
    let revoke = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(revoke.status(), 204);
    assert_eq!(
        with_key("/api/v1/admin/audit?event=x")
            .await
            .unwrap()
            .status(),
        401
    );

    // Admin queries of the audit trail (of one user) and of the export.
    let by_actor = format!("/api/v1/admin/audit?actor={ada_id}");
    assert_eq!(admin.status(Method::GET, &by_actor).await, 200);
    assert_eq!(admin.status(Method::GET, "/api/v1/admin/export").await, 200);

    // A rate-limit violation: the sixth reset request for one address within the hour.
    let mut refused = 0;
    for _ in 0..7 {
        let response = app
            .post_json(
                "/api/v1/auth/password/forgot",
                &json!({"email": "nobody@example.com"}),
            )
            .await;
        refused += u32::from(response.status() == 429);
    }
    assert!(refused >= 1);

    // Key rotation, then a sealed field that no longer opens.
    let cipher = FieldCipher::from_entries(&test_secrets().field_encryption_keys).unwrap();
    let job = Rotation::new(
        app.store.clone(),
        cipher,
        AuditLog::new(app.store.clone(), app.clock.clone(), 30),
        app.clock.clone(),
    );
    assert!(job.run(Budget::default(), |_| {}).await.unwrap().done);
    let secret = enable_two_factor(&app, &ada, &mut secrets).await;
    app.store
        .update(
            Table::Users,
            &keys::users::totp(&ada_id),
            &Update::new().set("sealed", "retired-key:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            None,
            rampart_store::ReturnValues::None,
        )
        .await
        .unwrap();
    let step: Value = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let challenge = step["challenge_token"].as_str().unwrap().to_owned();
    secrets.push(challenge.clone());
    let verify = app
        .post_json(
            "/api/v1/auth/2fa/verify",
            &json!({"challenge_token": challenge, "code": totp::code(&secret, app.clock.now_secs())}),
        )
        .await;
    assert_eq!(verify.status(), 500);
    let problem: Value = verify.json().await.unwrap();
    assert!(!problem.to_string().contains("retired-key"), "{problem}");
    app.deliver_mail().await;

    // Read it all back.
    let records = rampart_store::testing::scan_all(&*app.store, Table::Audit).await;
    let mut by_event: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
    for record in &records {
        by_event
            .entry(record.str_attr("event").unwrap().to_owned())
            .or_default()
            .push(record);
    }
    // (event, who the actor must be: a user id, "system:…", or None for anonymous callers)
    let admin_actor = Some(admin_id.as_str());
    let ada_actor = Some(ada_id.as_str());
    let expected: [(&str, Option<&str>); 25] = [
        ("auth.login", ada_actor),
        ("auth.login_failed", None),
        ("auth.refresh", ada_actor),
        ("auth.refresh_reused", ada_actor),
        ("auth.logout", ada_actor),
        ("auth.session_revoked", ada_actor),
        ("auth.sessions_revoked", ada_actor),
        ("auth.password_changed", ada_actor),
        ("auth.password_reset_requested", ada_actor),
        ("auth.password_reset", ada_actor),
        ("auth.two_factor_enabled", ada_actor),
        ("auth.two_factor_disabled", ada_actor),
        ("admin.role_changed", admin_actor),
        ("admin.grant_added", admin_actor),
        ("admin.grant_removed", admin_actor),
        ("auth.api_key_created", admin_actor),
        ("auth.api_key_revoked", admin_actor),
        ("auth.api_key_denied", Some(key_id.as_str())),
        ("admin.audit_queried", admin_actor),
        ("admin.exported", admin_actor),
        ("http.forbidden", ada_actor),
        ("ratelimit.violation", None),
        ("keys.field_rotation_started", Some("system:key-rotation")),
        ("keys.field_rotation_completed", Some("system:key-rotation")),
        ("crypto.decrypt_failed", None),
    ];
    for (name, actor) in expected {
        let found = by_event
            .get(name)
            .unwrap_or_else(|| panic!("no {name} record; recorded: {:?}", by_event.keys()));
        let record = found
            .iter()
            .find(|r| actor.is_none() || r.str_attr("actor") == actor)
            .unwrap_or_else(|| panic!("no {name} record by {actor:?}: {found:?}"));
        assert!(record.str_attr("target").is_some(), "{name} has no target");
        assert!(
            ["success", "failure", "denied"].contains(&record.str_attr("outcome").unwrap()),
            "{name}"
        );
        assert!(
            !record
                .str_attr("correlation_id")
                .unwrap_or_default()
                .is_empty(),
            "{name} has no correlation id"
        );
        if !name.starts_with("keys.") && name != "auth.password_reset_requested" {
            assert_eq!(
                record.str_attr("ip"),
                Some("127.0.0.0"),
                "{name}: the client, anonymised"
            );
        }
    }
    let decrypt = by_event["crypto.decrypt_failed"][0];
    assert_eq!(
        decrypt.str_attr("target"),
        Some(format!("users/user#{ada_id}").as_str())
    );
    let revoked_denial = by_event["auth.api_key_denied"]
        .iter()
        .any(|r| r.str_attr("actor").is_none());
    assert!(revoked_denial, "the revoked key's refusal is recorded too");

    // No record holds a secret, a raw address or an email address.
    for record in &records {
        let text = format!("{record:?}");
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
        for pii in [
            "127.0.0.1",
            "ada@example.com",
            "root@example.com",
            "nobody@example.com",
        ] {
            assert!(!text.contains(pii), "{pii} in {text}");
        }
    }
    app.stop().await;
}
