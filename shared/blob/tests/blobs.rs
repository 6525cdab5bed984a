//! Both blob adapters: the local folder with its HMAC-signed URLs, and S3 on moto with real
//! presigned URLs fetched over HTTP.

use std::sync::Arc;

use bytes::Bytes;
use rampart_blob::{BlobMeta, BlobStore, LocalBlobs, S3Blobs};
use rampart_core::ManualClock;
use rampart_core::aws::{AwsSettings, load_sdk_config};

#[tokio::test]
async fn local_blobs_round_trip_behind_signed_expiring_urls() {
    let dir = std::env::temp_dir().join(format!("rampart-blobs-{}", rampart_core::ids::new_id()));
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let blobs = LocalBlobs::new(&dir, [7u8; 32], clock.clone());
    blobs.set_base_url("http://127.0.0.1:3000/");
    blobs
        .put(
            "exports/u1/e1.json",
            Bytes::from_static(b"{\"a\":1}"),
            "application/json",
        )
        .await
        .unwrap();
    assert_eq!(
        blobs.head("exports/u1/e1.json").await.unwrap(),
        Some(BlobMeta {
            size: 7,
            content_type: Some("application/json".into())
        })
    );
    assert_eq!(blobs.head("exports/u1/none.json").await.unwrap(), None);
    let url = blobs.presign_get("exports/u1/e1.json", 900).await.unwrap();
    let path = url.strip_prefix("http://127.0.0.1:3000").unwrap();
    let (body, content_type) = blobs.open_signed(path).await.unwrap();
    assert_eq!(
        (body.as_ref(), content_type.as_str()),
        (&b"{\"a\":1}"[..], "application/json")
    );
    let tampered = path.replace("e1.json", "e2.json");
    assert!(blobs.open_signed(&tampered).await.is_none());
    let forged = format!("{}0", &path[..path.len() - 1]);
    assert!(blobs.open_signed(&forged).await.is_none());
    clock.advance_secs(901);
    assert!(blobs.open_signed(path).await.is_none(), "expired");
    blobs.delete("exports/u1/e1.json").await.unwrap();
    assert_eq!(blobs.head("exports/u1/e1.json").await.unwrap(), None);
    assert!(
        blobs
            .put("../escape", Bytes::new(), "text/plain")
            .await
            .is_err()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn s3_blobs_on_moto_serve_presigned_urls() {
    let endpoint = std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_AWS_ENDPOINT is not set; run the tests with scripts/test.sh")
    });
    let sdk = load_sdk_config(&AwsSettings::emulator(&endpoint)).await;
    let bucket = format!("t{}", rampart_core::ids::new_id().to_lowercase());
    let blobs = S3Blobs::new(&sdk, &bucket, true);
    blobs.create_bucket().await.unwrap();
    blobs
        .put(
            "exports/u1/e1.json",
            Bytes::from_static(b"{\"a\":1}"),
            "application/json",
        )
        .await
        .unwrap();
    let meta = blobs.head("exports/u1/e1.json").await.unwrap().unwrap();
    assert_eq!(meta.size, 7);
    assert_eq!(meta.content_type.as_deref(), Some("application/json"));
    assert_eq!(blobs.head("exports/u1/none.json").await.unwrap(), None);
    let url = blobs.presign_get("exports/u1/e1.json", 900).await.unwrap();
    assert!(
        url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=900"),
        "{url}"
    );
    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"{\"a\":1}");
    blobs.delete("exports/u1/e1.json").await.unwrap();
    assert_eq!(blobs.head("exports/u1/e1.json").await.unwrap(), None);
}

/// Uploads through a presigned PUT, reads the first bytes back, copies, and deletes by prefix.
async fn upload_copy_and_clear(
    blobs: &dyn BlobStore,
    put: impl AsyncFn(&rampart_blob::PresignedPut, &'static [u8]) -> u16,
) {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0123456789";
    let presigned = blobs
        .presign_put("uploads/u1/m1", "image/png", PNG.len() as u64, 900)
        .await
        .unwrap();
    assert_eq!(presigned.headers["content-type"], "image/png");
    assert_eq!(put(&presigned, PNG).await, 200);
    let meta = blobs.head("uploads/u1/m1").await.unwrap().unwrap();
    assert_eq!(
        (meta.size, meta.content_type.as_deref()),
        (PNG.len() as u64, Some("image/png"))
    );
    let first = blobs
        .first_bytes("uploads/u1/m1", 8)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.as_ref(), &PNG[..8]);
    assert_eq!(blobs.first_bytes("uploads/u1/none", 8).await.unwrap(), None);
    blobs.copy("uploads/u1/m1", "media/u1/m1").await.unwrap();
    assert_eq!(
        blobs.head("media/u1/m1").await.unwrap().unwrap().size,
        PNG.len() as u64
    );
    blobs
        .put("media/u1/m2", Bytes::from_static(b"x"), "image/gif")
        .await
        .unwrap();
    blobs
        .put("media/u2/m3", Bytes::from_static(b"y"), "image/gif")
        .await
        .unwrap();
    assert_eq!(blobs.delete_prefix("media/u1/").await.unwrap(), 2);
    assert_eq!(blobs.head("media/u1/m1").await.unwrap(), None);
    assert!(
        blobs.head("media/u2/m3").await.unwrap().is_some(),
        "another prefix stays"
    );
}

#[tokio::test]
async fn local_blobs_take_signed_uploads() {
    let dir = std::env::temp_dir().join(format!("rampart-blobs-{}", rampart_core::ids::new_id()));
    let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
    let blobs = LocalBlobs::new(&dir, [7u8; 32], clock.clone());
    blobs.set_base_url("http://127.0.0.1:3000/");
    let local = &blobs;
    upload_copy_and_clear(&blobs, async |presigned, body| {
        let path = presigned.url.strip_prefix("http://127.0.0.1:3000").unwrap();
        match local
            .accept_signed_put(
                path,
                Some(&presigned.headers["content-type"]),
                Bytes::from_static(body),
            )
            .await
        {
            Ok(()) => 200,
            Err(_) => 403,
        }
    })
    .await;
    // The signature pins the type and the length, and expires.
    let presigned = blobs
        .presign_put("uploads/u1/m9", "image/png", 3, 900)
        .await
        .unwrap();
    let path = presigned
        .url
        .strip_prefix("http://127.0.0.1:3000")
        .unwrap()
        .to_owned();
    assert!(
        blobs
            .accept_signed_put(&path, Some("image/gif"), Bytes::from_static(b"abc"))
            .await
            .is_err()
    );
    assert!(
        blobs
            .accept_signed_put(&path, Some("image/png"), Bytes::from_static(b"abcd"))
            .await
            .is_err()
    );
    clock.advance_secs(901);
    assert!(
        blobs
            .accept_signed_put(&path, Some("image/png"), Bytes::from_static(b"abc"))
            .await
            .is_err()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn s3_blobs_on_moto_take_presigned_uploads() {
    let endpoint = std::env::var("RAMPART_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_AWS_ENDPOINT is not set; run the tests with scripts/test.sh")
    });
    let sdk = load_sdk_config(&AwsSettings::emulator(&endpoint)).await;
    let bucket = format!("t{}", rampart_core::ids::new_id().to_lowercase());
    let blobs = S3Blobs::new(&sdk, &bucket, true);
    blobs.create_bucket().await.unwrap();
    let client = reqwest::Client::new();
    upload_copy_and_clear(&blobs, async |presigned, body| {
        let mut request = client.put(&presigned.url).body(body);
        for (name, value) in &presigned.headers {
            request = request.header(name, value);
        }
        request.send().await.unwrap().status().as_u16()
    })
    .await;
}
