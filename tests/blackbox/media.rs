//! Media uploads over HTTP: a real upload to the signed URL (the local stack's, and moto's S3),
//! then complete; a missing object, a wrong size or wrong bytes answer 409; an over-size
//! request 400; a completed image becomes the avatar; the account takes its objects along.

use std::sync::Arc;

use http::Method;
use rampart_blackbox_tests::{Browser, TestApp};
use rampart_blob::BlobStore;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-a-tiny-test-image";

async fn sign(browser: &Browser, content_type: &str, size: usize) -> (u16, Value) {
    let response = browser
        .send(
            Method::POST,
            "/api/v1/media",
            Some(json!({"filename": "me.png", "content_type": content_type, "size": size})),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn upload(upload: &Value, body: &'static [u8]) -> u16 {
    let mut request = reqwest::Client::new()
        .put(upload["upload_url"].as_str().unwrap())
        .body(body);
    for (name, value) in upload["upload_headers"].as_object().unwrap() {
        request = request.header(name, value.as_str().unwrap());
    }
    request.send().await.unwrap().status().as_u16()
}

async fn complete(browser: &Browser, upload: &Value) -> (u16, Value) {
    let path = format!(
        "/api/v1/media/{}/complete",
        upload["media_id"].as_str().unwrap()
    );
    let response = browser.send(Method::POST, &path, None).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_upload_to_the_local_stack_completes_and_becomes_the_avatar() {
    let app = TestApp::spawn().await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    let (status, signed) = sign(&ada, "image/png", PNG.len()).await;
    assert_eq!(status, 201, "{signed}");
    assert_eq!(signed["upload_headers"]["content-type"], "image/png");
    // Not yet uploaded.
    let (status, problem) = complete(&ada, &signed).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("upload_incomplete"))
    );
    assert_eq!(upload(&signed, PNG).await, 200);
    let (status, media) = complete(&ada, &signed).await;
    assert_eq!((status, media["state"].as_str()), (200, Some("complete")));
    let avatar = ada
        .send(
            Method::PUT,
            "/api/v1/profile",
            Some(json!({"display_name": "Ada", "avatar_media_id": signed["media_id"]})),
        )
        .await;
    assert_eq!(avatar.status(), 200);

    // Wrong bytes under the declared type, and a wrong size, are refused.
    let (_, gif) = sign(&ada, "image/png", 10).await;
    assert_eq!(upload(&gif, b"GIF89a1234").await, 200);
    let (status, problem) = complete(&ada, &gif).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("upload_incomplete"))
    );
    let (_, short) = sign(&ada, "image/png", 40).await;
    let key = format!("uploads/{ada_id}/{}", short["media_id"].as_str().unwrap());
    app.stack
        .blobs
        .put(&key, bytes::Bytes::from_static(PNG), "image/png")
        .await
        .unwrap();
    assert_eq!(complete(&ada, &short).await.0, 409);
    // The signature pins the length: a body of another length is refused by the store.
    let (_, pinned) = sign(&ada, "image/png", 4).await;
    let other_length = reqwest::Client::new()
        .put(pinned["upload_url"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(PNG)
        .send()
        .await
        .unwrap();
    assert_eq!(other_length.status(), 403);

    let (status, problem) = sign(&ada, "image/png", 10 * 1024 * 1024 + 1).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("size"))
    );
    let (status, _) = sign(&ada, "image/svg+xml", 10).await;
    assert_eq!(status, 400);

    let media_key = format!("media/{ada_id}/{}", signed["media_id"].as_str().unwrap());
    assert!(app.stack.blobs.head(&media_key).await.unwrap().is_some());
    let deleted = ada
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({ "password": rampart_blackbox_tests::GOOD_PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert!(
        app.stack.blobs.head(&media_key).await.unwrap().is_none(),
        "objects go with the account"
    );
}

#[tokio::test]
async fn an_upload_to_s3_on_moto_completes() {
    let endpoint = rampart_store::testing::aws_endpoint();
    let sdk =
        rampart_core::aws::load_sdk_config(&rampart_core::aws::AwsSettings::emulator(endpoint))
            .await;
    let bucket = format!("t{}", rampart_core::ids::new_id().to_lowercase());
    let s3 = rampart_blob::S3Blobs::new(&sdk, &bucket, true);
    s3.create_bucket().await.unwrap();
    let app = TestApp::builder().blobs(Arc::new(s3)).spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let (status, signed) = sign(&ada, "image/png", PNG.len()).await;
    assert_eq!(status, 201);
    assert!(
        signed["upload_url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Signature=")
    );
    assert_eq!(upload(&signed, PNG).await, 200);
    let (status, media) = complete(&ada, &signed).await;
    assert_eq!(
        (status, media["state"].as_str()),
        (200, Some("complete")),
        "{media}"
    );
    let (_, wrong) = sign(&ada, "application/pdf", PNG.len()).await;
    assert_eq!(upload(&wrong, PNG).await, 200);
    assert_eq!(
        complete(&ada, &wrong).await.0,
        409,
        "PNG bytes declared as PDF"
    );
}

/// A stack whose blobs run `hook` before each copy; returns it with a signed-in viewer.
async fn hooked(
    hook: rampart_blackbox_tests::BlobHook,
) -> (TestApp, Browser, String, Arc<dyn BlobStore>) {
    let dir = std::env::temp_dir().join(format!("rampart-hooked-{}", rampart_core::ids::new_id()));
    let fixture = rampart_store::testing::embedded().await;
    let inner: Arc<dyn BlobStore> = Arc::new(rampart_blob::LocalBlobs::new(
        &dir,
        [7u8; 32],
        fixture.clock.clone(),
    ));
    let blobs = Arc::new(rampart_blackbox_tests::HookedBlobs {
        before_copy: hook,
        ..rampart_blackbox_tests::HookedBlobs::over(inner.clone())
    });
    let app = TestApp::builder()
        .fixture(fixture)
        .blobs(blobs)
        .spawn()
        .await;
    let (ada, ada_id) = app.signed_in("ada@example.com").await;
    (app, ada, ada_id, inner)
}

/// Signs a PNG upload and puts the PNG where the signed URL would (straight into the store the
/// stack's blobs wrap); returns the signed upload.
async fn uploaded(ada: &Browser, ada_id: &str, inner: &dyn BlobStore) -> Value {
    let (_, signed) = sign(ada, "image/png", PNG.len()).await;
    let id = signed["media_id"].as_str().unwrap();
    inner
        .put(
            &format!("uploads/{ada_id}/{id}"),
            bytes::Bytes::from_static(PNG),
            "image/png",
        )
        .await
        .unwrap();
    signed
}

#[tokio::test]
async fn bytes_swapped_after_the_checks_never_become_the_media() {
    // Another PUT through the still-valid upload URL, landing between the checks and the copy:
    // same size, same declared type, other bytes.
    let swapped = Arc::new(std::sync::Mutex::new(None::<Arc<dyn BlobStore>>));
    let target = swapped.clone();
    let hook: rampart_blackbox_tests::BlobHook = Box::new(move |from| {
        let blobs = target.lock().unwrap().clone();
        Box::pin(async move {
            if let Some(blobs) = blobs {
                let other = bytes::Bytes::from(format!("GIF89a{}", "x".repeat(PNG.len() - 6)));
                blobs.put(&from, other, "image/png").await.unwrap();
            }
        })
    });
    let (_app, ada, ada_id, inner) = hooked(hook).await;
    *swapped.lock().unwrap() = Some(inner.clone());
    let signed = uploaded(&ada, &ada_id, &*inner).await;
    let id = signed["media_id"].as_str().unwrap();
    let (status, problem) = complete(&ada, &signed).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("upload_incomplete")),
        "{problem}"
    );
    assert!(
        inner
            .head(&format!("media/{ada_id}/{id}"))
            .await
            .unwrap()
            .is_none(),
        "the checked copy that failed is removed"
    );
}

#[tokio::test]
async fn two_completes_at_once_both_answer_the_completed_media() {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let hook: rampart_blackbox_tests::BlobHook = Box::new(move |_| {
        let barrier = barrier.clone();
        Box::pin(async move {
            barrier.wait().await;
        })
    });
    let (_app, ada, ada_id, inner) = hooked(hook).await;
    let signed = uploaded(&ada, &ada_id, &*inner).await;
    let (first, second) = tokio::join!(complete(&ada, &signed), complete(&ada, &signed));
    assert_eq!(
        (first.0, first.1["state"].as_str()),
        (200, Some("complete"))
    );
    assert_eq!(
        (second.0, second.1["state"].as_str()),
        (200, Some("complete"))
    );
}

#[tokio::test]
async fn a_size_written_with_a_decimal_point_is_an_integer() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_in("ada@example.com").await;
    let response = ada
        .send(
            Method::POST,
            "/api/v1/media",
            Some(json!({"filename": "me.png", "content_type": "image/png", "size": 264.0})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let half = ada
        .send(
            Method::POST,
            "/api/v1/media",
            Some(json!({"filename": "me.png", "content_type": "image/png", "size": 264.5})),
        )
        .await;
    assert_eq!(half.status(), 400);
    app.stop().await;
}
