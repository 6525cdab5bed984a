//! Declared blob access, and a blob store that enforces it.
//!
//! Each route that uses the bucket declares what it does with objects; its IAM policy grants
//! exactly the matching S3 actions, and [`ScopedBlobs`] refuses anything else in the local
//! stack and the tests, so an undeclared use fails a test rather than a request on AWS.

use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;

use crate::{BlobError, BlobMeta, BlobStore, PresignedPut};

/// One kind of use of the bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlobAccess {
    /// Reading objects, their metadata or a URL that reads one (`s3:GetObject`).
    Read,
    /// Writing objects or a URL that writes one (`s3:PutObject`).
    Write,
    /// Removing objects (`s3:DeleteObject`).
    Delete,
    /// Listing keys under a prefix (`s3:ListBucket`, on the bucket itself).
    List,
}

impl BlobAccess {
    /// The S3 action the access needs.
    pub fn action(self) -> &'static str {
        match self {
            Self::Read => "s3:GetObject",
            Self::Write => "s3:PutObject",
            Self::Delete => "s3:DeleteObject",
            Self::List => "s3:ListBucket",
        }
    }
}

/// A blob store limited to declared accesses.
pub struct ScopedBlobs {
    inner: Arc<dyn BlobStore>,
    allowed: Vec<BlobAccess>,
}

impl ScopedBlobs {
    /// `inner`, limited to `allowed`.
    pub fn new(inner: Arc<dyn BlobStore>, allowed: &[BlobAccess]) -> Self {
        Self {
            inner,
            allowed: allowed.to_vec(),
        }
    }

    fn check(&self, needs: &[BlobAccess], operation: &'static str) -> Result<(), BlobError> {
        match needs.iter().find(|need| !self.allowed.contains(need)) {
            None => Ok(()),
            Some(need) => Err(BlobError::AccessDenied {
                operation,
                action: need.action(),
            }),
        }
    }
}

#[async_trait]
impl BlobStore for ScopedBlobs {
    async fn put(&self, key: &str, body: Bytes, content_type: &str) -> Result<(), BlobError> {
        self.check(&[BlobAccess::Write], "put")?;
        self.inner.put(key, body, content_type).await
    }

    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError> {
        self.check(&[BlobAccess::Read], "head")?;
        self.inner.head(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.check(&[BlobAccess::Delete], "delete")?;
        self.inner.delete(key).await
    }

    async fn presign_get(&self, key: &str, expires_secs: u64) -> Result<String, BlobError> {
        self.check(&[BlobAccess::Read], "presign_get")?;
        self.inner.presign_get(key, expires_secs).await
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_secs: u64,
    ) -> Result<PresignedPut, BlobError> {
        self.check(&[BlobAccess::Write], "presign_put")?;
        self.inner
            .presign_put(key, content_type, size, expires_secs)
            .await
    }

    async fn first_bytes(&self, key: &str, n: usize) -> Result<Option<Bytes>, BlobError> {
        self.check(&[BlobAccess::Read], "first_bytes")?;
        self.inner.first_bytes(key, n).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        self.check(&[BlobAccess::Read, BlobAccess::Write], "copy")?;
        self.inner.copy(from, to).await
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<usize, BlobError> {
        self.check(&[BlobAccess::List, BlobAccess::Delete], "delete_prefix")?;
        self.inner.delete_prefix(prefix).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalBlobs;

    #[tokio::test]
    async fn only_declared_uses_reach_the_bucket() {
        let dir = std::env::temp_dir().join(format!("rampart-scoped-{}", std::process::id()));
        let clock = Arc::new(rampart_core::ManualClock::at_ms(0));
        let inner: Arc<dyn BlobStore> = Arc::new(LocalBlobs::new(&dir, [7; 32], clock));
        let writer = ScopedBlobs::new(inner.clone(), &[BlobAccess::Write]);
        writer
            .put(
                "exports/a.json",
                Bytes::from_static(b"{}"),
                "application/json",
            )
            .await
            .unwrap();
        let denied = writer.head("exports/a.json").await.unwrap_err();
        assert!(denied.to_string().contains("s3:GetObject"), "{denied}");
        assert!(writer.copy("exports/a.json", "media/a").await.is_err());
        let cleaner = ScopedBlobs::new(inner, &[BlobAccess::Delete]);
        let denied = cleaner.delete_prefix("exports/").await.unwrap_err();
        assert!(denied.to_string().contains("s3:ListBucket"), "{denied}");
        cleaner.delete("exports/a.json").await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
