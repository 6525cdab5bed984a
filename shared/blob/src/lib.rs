//! The `BlobStore` port: objects by key, and presigned URLs that let a browser fetch one
//! without credentials for a while.
//!
//! - [`S3Blobs`]: Amazon S3 (and moto in tests), presigned with SigV4.
//! - [`LocalBlobs`]: a folder, with URLs signed by HMAC that the local stack serves under
//!   `/_local/blobs/`, checked exactly like presigned URLs (key, expiry, signature).

mod local;
mod s3;
mod scoped;

use async_trait::async_trait;
use bytes::Bytes;

pub use local::{LOCAL_PREFIX, LocalBlobs};
pub use s3::S3Blobs;
pub use scoped::{BlobAccess, ScopedBlobs};

/// `attachment; filename="<name>"`, with anything but `[A-Za-z0-9._-]` in the name replaced
/// by `_` (so no header injection and no path).
pub fn attachment(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// What a stored object is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobMeta {
    pub size: u64,
    pub content_type: Option<String>,
}

/// A URL that uploads one object with a plain `PUT`, and the headers that request must carry
/// exactly (the content type and length are part of the signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedPut {
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid object key")]
    InvalidKey,
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    /// The function did not declare this use of the bucket (its IAM policy lacks `action`).
    #[error("{operation} needs {action}, which the function does not declare")]
    AccessDenied {
        operation: &'static str,
        action: &'static str,
    },
}

/// Objects by key.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `body` under `key`, replacing what was there.
    async fn put(&self, key: &str, body: Bytes, content_type: &str) -> Result<(), BlobError>;

    /// What is stored under `key`, if anything.
    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError>;

    /// Removes `key` (no error when it is absent).
    async fn delete(&self, key: &str) -> Result<(), BlobError>;

    /// A URL that fetches `key` with a plain GET until `expires_secs` from now.
    async fn presign_get(&self, key: &str, expires_secs: u64) -> Result<String, BlobError>;

    /// A URL that stores `key` with a plain PUT of exactly `size` bytes of `content_type`
    /// until `expires_secs` from now.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_secs: u64,
    ) -> Result<PresignedPut, BlobError>;

    /// The first `n` bytes of `key` (fewer if it is shorter), if it exists.
    async fn first_bytes(&self, key: &str, n: usize) -> Result<Option<Bytes>, BlobError>;

    /// Copies `from` to `to` within the store (replacing `to`).
    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError>;

    /// Removes every object whose key starts with `prefix` (a folder, ending in `/`); returns
    /// how many went.
    async fn delete_prefix(&self, prefix: &str) -> Result<usize, BlobError>;
}

/// Keys are paths of `[A-Za-z0-9._-]` segments joined by `/`, 1..512 bytes, never `..`.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_plain_relative_paths() {
        for ok in ["exports/u1/e1.json", "a", "media/01J/x-y_z.png"] {
            assert!(super::valid_key(ok), "{ok}");
        }
        for bad in ["", "/abs", "a//b", "../x", "a/../b", "a b", "a/", "ü"] {
            assert!(!super::valid_key(bad), "{bad}");
        }
    }
}
