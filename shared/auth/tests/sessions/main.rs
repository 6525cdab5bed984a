//! Sessions and refresh-token rotation against both store adapters: rotation, the grace
//! window, replay detection, concurrent refreshes, revocation and listing.

use std::sync::Arc;

use rampart_audit::FieldCipher;
use rampart_auth::keyring::Keyring;
use rampart_auth::sessions::{Origin, RefreshOutcome, Sessions};
use rampart_core::Masked;
use rampart_core::secrets::KeyEntry;
use rampart_store::testing::Fixture;

const GRACE: i64 = 10;

fn entry(kid: &str) -> KeyEntry {
    KeyEntry {
        kid: kid.into(),
        secret: Masked::new(format!("{kid}-test-key-material-0123456789abcdef")),
    }
}

fn sessions(f: &Fixture) -> Sessions {
    Sessions::new(
        f.store.clone(),
        Keyring::from_entries(&[entry("k1")]).unwrap(),
        FieldCipher::from_entries(&[entry("f1")]).unwrap(),
        GRACE,
    )
}

fn origin() -> Origin {
    Origin {
        user_agent: Some("test-agent/1.0".into()),
        ip: Some("192.0.2.10".into()),
    }
}

fn token(outcome: RefreshOutcome) -> String {
    match outcome {
        RefreshOutcome::Ok(issued) => issued.refresh_token.expose().clone(),
        other => panic!("expected a rotation, got {other:?}"),
    }
}

async fn every_refresh_rotates_the_token(f: Fixture) {
    let s = sessions(&f);
    let opened = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let first = opened.refresh_token.expose().clone();
    let second = token(s.refresh(&first, f.now_secs()).await.unwrap());
    assert_ne!(first, second);
    let third = token(s.refresh(&second, f.now_secs()).await.unwrap());
    assert_ne!(second, third);
    let session = s.get(&opened.session.id).await.unwrap().unwrap();
    assert_eq!(session.generation, 3);
}

async fn the_token_just_rotated_away_yields_the_current_one_within_the_grace_window(f: Fixture) {
    let s = sessions(&f);
    let first = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let first = first.refresh_token.expose().clone();
    let current = token(s.refresh(&first, f.now_secs()).await.unwrap());
    f.clock.advance_secs(GRACE);
    let again = token(s.refresh(&first, f.now_secs()).await.unwrap());
    assert_eq!(again, current, "the other tab gets the current pair");
    assert!(matches!(
        s.refresh(&current, f.now_secs()).await.unwrap(),
        RefreshOutcome::Ok(_)
    ));
}

async fn a_replay_after_the_grace_window_revokes_the_session(f: Fixture) {
    let s = sessions(&f);
    let opened = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let first = opened.refresh_token.expose().clone();
    let current = token(s.refresh(&first, f.now_secs()).await.unwrap());
    f.clock.advance_secs(GRACE + 1);
    match s.refresh(&first, f.now_secs()).await.unwrap() {
        RefreshOutcome::Reused {
            session_id,
            user_id,
        } => {
            assert_eq!(
                (session_id.as_str(), user_id.as_str()),
                (opened.session.id.as_str(), "u1")
            );
        }
        other => panic!("expected reuse, got {other:?}"),
    }
    assert!(
        matches!(
            s.refresh(&current, f.now_secs()).await.unwrap(),
            RefreshOutcome::Invalid
        ),
        "the whole family is gone"
    );
    assert_eq!(s.get(&opened.session.id).await.unwrap(), None);
}

async fn an_older_generation_is_a_replay_even_inside_the_grace_window(f: Fixture) {
    let s = sessions(&f);
    let first = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let first = first.refresh_token.expose().clone();
    let second = token(s.refresh(&first, f.now_secs()).await.unwrap());
    let _third = token(s.refresh(&second, f.now_secs()).await.unwrap());
    assert!(matches!(
        s.refresh(&first, f.now_secs()).await.unwrap(),
        RefreshOutcome::Reused { .. }
    ));
}

async fn forged_and_foreign_tokens_are_refused_without_revoking(f: Fixture) {
    let s = sessions(&f);
    let opened = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let id = &opened.session.id;
    for forged in [
        format!("{id}.0.nonce.k1.AAAA"),
        "garbage".to_owned(),
        String::new(),
    ] {
        assert!(matches!(
            s.refresh(&forged, f.now_secs()).await.unwrap(),
            RefreshOutcome::Invalid
        ));
    }
    let other_keys = Sessions::new(
        f.store.clone(),
        Keyring::from_entries(&[entry("k1-other")]).unwrap(),
        FieldCipher::from_entries(&[entry("f1")]).unwrap(),
        GRACE,
    );
    let foreign = other_keys
        .open("u2", &origin(), f.now_secs())
        .await
        .unwrap();
    assert!(matches!(
        s.refresh(foreign.refresh_token.expose(), f.now_secs())
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    ));
    assert!(s.get(id).await.unwrap().is_some(), "still alive");
}

async fn concurrent_refreshes_with_one_token_never_fork_the_family(f: Fixture) {
    let s = Arc::new(sessions(&f));
    let opened = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    let first = opened.refresh_token.expose().clone();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        let first = first.clone();
        let now = f.now_secs();
        tasks.push(tokio::spawn(async move { s.refresh(&first, now).await }));
    }
    let mut handed_out = std::collections::BTreeSet::new();
    for task in tasks {
        handed_out.insert(token(task.await.unwrap().unwrap()));
    }
    assert_eq!(
        handed_out.len(),
        1,
        "every caller got the one current token"
    );
    let session = s.get(&opened.session.id).await.unwrap().unwrap();
    assert_eq!(session.generation, 2, "exactly one rotation happened");
}

async fn sessions_expire_after_thirty_days_without_a_refresh(f: Fixture) {
    let s = sessions(&f);
    let opened = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    f.clock.advance_secs(30 * 24 * 3600 + 1);
    assert!(matches!(
        s.refresh(opened.refresh_token.expose(), f.now_secs())
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    ));
}

async fn sessions_are_listed_per_user_and_revoked_by_their_owner_only(f: Fixture) {
    let s = sessions(&f);
    let a = s.open("u1", &origin(), f.now_secs()).await.unwrap();
    f.clock.advance_secs(1);
    let b = s
        .open("u1", &Origin::default(), f.now_secs())
        .await
        .unwrap();
    let theirs = s.open("u2", &origin(), f.now_secs()).await.unwrap();
    let (listed, cursor) = s.list("u1", 10, None).await.unwrap();
    assert_eq!(cursor, None);
    let ids: Vec<&str> = listed.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, [a.session.id.as_str(), b.session.id.as_str()]);
    assert_eq!(listed[0].user_agent.as_deref(), Some("test-agent/1.0"));
    assert!(!s.revoke_owned(&theirs.session.id, "u1").await.unwrap());
    assert!(s.get(&theirs.session.id).await.unwrap().is_some());
    assert_eq!(
        s.revoke_all_except("u1", Some(&a.session.id))
            .await
            .unwrap(),
        1
    );
    let (left, _) = s.list("u1", 10, None).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(matches!(
        s.refresh(b.refresh_token.expose(), f.now_secs())
            .await
            .unwrap(),
        RefreshOutcome::Invalid
    ));
}

rampart_store::both_adapters!(
    every_refresh_rotates_the_token,
    the_token_just_rotated_away_yields_the_current_one_within_the_grace_window,
    a_replay_after_the_grace_window_revokes_the_session,
    an_older_generation_is_a_replay_even_inside_the_grace_window,
    forged_and_foreign_tokens_are_refused_without_revoking,
    concurrent_refreshes_with_one_token_never_fork_the_family,
    sessions_expire_after_thirty_days_without_a_refresh,
    sessions_are_listed_per_user_and_revoked_by_their_owner_only,
);
