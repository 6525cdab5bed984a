//! Tests of the accounts repository.
use rampart_store::testing;

use super::*;

fn user(id: &str, email: &str) -> User {
    User {
        id: id.into(),
        email: Email::parse(email).unwrap(),
        password_hash: Some("$argon2id$x".into()),
        role: Role::Viewer,
        grants: vec![Permission::parse("internal:read").unwrap()],
        email_verified: false,
        two_factor_enabled: false,
        created_ms: 1_795_338_000_000,
        sessions_not_before: None,
    }
}

#[tokio::test]
async fn an_address_has_one_account_and_accounts_round_trip() {
    let f = testing::embedded().await;
    let users = Users::new(f.store.clone());
    let ada = user("u1", "ada@example.com");
    users.create(&ada).await.unwrap();
    assert!(matches!(
        users.create(&user("u2", "ADA@example.com")).await,
        Err(CreateError::EmailTaken)
    ));
    assert_eq!(users.get("u2").await.unwrap(), None, "nothing half-written");
    let found = users
        .find_by_email(&Email::parse("Ada@Example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&ada));
    let verified = users.mark_verified("u1").await.unwrap().unwrap();
    assert!(verified.email_verified);
    assert_eq!(verified.view().created_at, "2026-11-22T09:00:00Z");
    assert_eq!(users.mark_verified("nobody").await.unwrap(), None);
    users.delete(&ada, Vec::new()).await.unwrap();
    users.create(&user("u3", "ada@example.com")).await.unwrap();
}
