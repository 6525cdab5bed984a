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
    /// Writing objects, or URLs that write them, under `uploads/` only (`s3:PutObject` on
    /// `uploads/*`): what a function handing clients upload URLs needs, and no more.
    WriteUploads,
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
            Self::Write | Self::WriteUploads => "s3:PutObject",
            Self::Delete => "s3:DeleteObject",
            Self::List => "s3:ListBucket",
        }
    }
}

impl BlobAccess {
    /// The object keys the access covers, as an IAM resource suffix of the bucket's ARN
    /// (`*`, or `uploads/*`); `None` for listing, which is granted on the bucket itself.
    pub fn objects(self) -> Option<&'static str> {
        match self {
            Self::Read | Self::Write | Self::Delete => Some("*"),
            Self::WriteUploads => Some("uploads/*"),
            Self::List => None,
        }
    }

    /// Whether the access covers `key` for the operation it grants.
    fn covers(self, key: &str) -> bool {
        match self {
            Self::WriteUploads => key.starts_with("uploads/"),
            _ => true,
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

    /// A write of `key`: a declared `Write`, or a `WriteUploads` that covers the key.
    fn check_write(&self, key: &str, operation: &'static str) -> Result<(), BlobError> {
        let allowed = self
            .allowed
            .iter()
            .any(|a| matches!(a, BlobAccess::Write | BlobAccess::WriteUploads) && a.covers(key));
        if allowed {
            Ok(())
        } else {
            Err(BlobError::AccessDenied {
                operation,
                action: BlobAccess::Write.action(),
            })
        }
    }
}

#[async_trait]
impl BlobStore for ScopedBlobs {
    async fn put(&self, key: &str, body: Bytes, content_type: &str) -> Result<(), BlobError> {
        self.check_write(key, "put")?;
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
        self.check_write(key, "presign_put")?;
        self.inner
            .presign_put(key, content_type, size, expires_secs)
            .await
    }

    async fn first_bytes(&self, key: &str, n: usize) -> Result<Option<Bytes>, BlobError> {
        self.check(&[BlobAccess::Read], "first_bytes")?;
        self.inner.first_bytes(key, n).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        self.check(&[BlobAccess::Read], "copy")?;
        self.check_write(to, "copy")?;
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
        // Handing out upload URLs writes under `uploads/` and nowhere else.
        let uploader = ScopedBlobs::new(inner.clone(), &[BlobAccess::WriteUploads]);
        assert!(
            uploader
                .presign_put("uploads/u1/m1", "image/png", 10, 900)
                .await
                .is_ok()
        );
        let denied = uploader
            .presign_put("exports/u1/e1.json", "application/json", 10, 900)
            .await
            .unwrap_err();
        assert!(denied.to_string().contains("s3:PutObject"), "{denied}");
        let cleaner = ScopedBlobs::new(inner, &[BlobAccess::Delete]);
        let denied = cleaner.delete_prefix("exports/").await.unwrap_err();
        assert!(denied.to_string().contains("s3:ListBucket"), "{denied}");
        cleaner.delete("exports/a.json").await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
