//! Account export: a JSON file of everything the account holds, behind a presigned URL that
//! works for 15 minutes; the owner's only; gone with the account.

use http::Method;
use rampart_blackbox_tests::{GOOD_PASSWORD, TestApp};
use serde_json::{Value, json};

use super::code_of;

#[tokio::test]
async fn an_export_is_a_downloadable_file_of_the_account() {
    let app = TestApp::spawn().await;
    let (browser, id) = app.signed_in("ada@example.com").await;
    let created = browser
        .send(Method::POST, "/api/v1/account/export", None)
        .await;
    assert_eq!(created.status(), 202);
    let created: Value = created.json().await.unwrap();
    let export_id = created["export_id"].as_str().unwrap();
    let status: Value = browser
        .send(
            Method::GET,
            &format!("/api/v1/account/export/{export_id}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "ready");
    let url = status["download_url"].as_str().unwrap();
    assert!(url.starts_with(&app.url), "{url}");

    // The URL needs no credentials, and the file holds the account.
    let file = reqwest::get(url).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/json");
    // A download is never cached on the way and never rendered inline.
    assert_eq!(file.headers()["cache-control"], "no-store");
    let disposition = file.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    let file: Value = file.json().await.unwrap();
    assert_eq!(file["user"]["id"], id.as_str());
    assert_eq!(file["user"]["email"], "ada@example.com");
    assert_eq!(file["sessions"].as_array().unwrap().len(), 1);
    assert!(
        file["audit_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "auth.login")
    );
    let text = file.to_string();
    assert!(!text.contains(&browser.cookie("refresh_token").unwrap()));

    // A tampered URL is refused, and the URL stops working after 15 minutes.
    let tampered = url.replace("signature=", "signature=0");
    assert_eq!(reqwest::get(&tampered).await.unwrap().status(), 403);
    app.clock.advance_secs(901);
    assert_eq!(reqwest::get(url).await.unwrap().status(), 403);
}

#[tokio::test]
async fn exports_are_private_limited_and_deleted_with_the_account() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (bob, _) = app.signed_in("bob@example.com").await;
    let created: Value = ada
        .send(Method::POST, "/api/v1/account/export", None)
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/account/export/{}",
        created["export_id"].as_str().unwrap()
    );
    assert_eq!(
        code_of(bob.send(Method::GET, &path, None).await).await,
        (404, Some("not_found".into()))
    );
    for _ in 0..4 {
        assert_eq!(
            ada.status(Method::POST, "/api/v1/account/export").await,
            202
        );
    }
    let limited = ada.send(Method::POST, "/api/v1/account/export", None).await;
    assert_eq!(limited.status(), 429, "5 exports a minute");

    let files = || {
        walk(&app.blobs_dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .count()
    };
    assert_eq!(files(), 5);
    let deleted = ada
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(files(), 0, "the export files went with the account");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn an_account_whose_export_files_cannot_be_deleted_is_not_deleted() {
    let dir = std::env::temp_dir().join(format!(
        "rampart-undeletable-{}",
        rampart_core::ids::new_id()
    ));
    let fixture = rampart_store::testing::embedded().await;
    let local = std::sync::Arc::new(rampart_blob::LocalBlobs::new(
        &dir,
        [7u8; 32],
        fixture.clock.clone(),
    ));
    let app = TestApp::builder()
        .fixture(fixture)
        // Local blobs whose files cannot be deleted (a bucket policy refusing `DeleteObject`).
        .blobs(std::sync::Arc::new(rampart_blackbox_tests::HookedBlobs {
            refuse_deletes: true,
            ..rampart_blackbox_tests::HookedBlobs::over(local)
        }))
        .spawn()
        .await;
    let (browser, _) = app.signed_in("ada@example.com").await;
    assert_eq!(
        browser.status(Method::POST, "/api/v1/account/export").await,
        202
    );
    let response = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(response.status(), 503);
    // Nothing was deleted: the account, its session and its export are all still there.
    assert_eq!(browser.status(Method::GET, "/api/v1/account").await, 200);
}
