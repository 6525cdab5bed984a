//! The S3 adapter.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;

use crate::{BlobError, BlobMeta, BlobStore, PresignedPut, valid_key};

/// Objects in one S3 bucket.
#[derive(Clone, Debug)]
pub struct S3Blobs {
    client: aws_sdk_s3::Client,
    bucket: String,
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> BlobError {
    BlobError::Unavailable(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
}

impl S3Blobs {
    /// The adapter for `bucket`; `path_style` for emulators such as moto.
    pub fn new(
        sdk: &rampart_core::aws::SdkConfig,
        bucket: impl Into<String>,
        path_style: bool,
    ) -> Self {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(path_style)
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
            bucket: bucket.into(),
        }
    }

    /// Creates the bucket (tests and the local stack against an emulator).
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()
                }) =>
            {
                Ok(())
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, body: Bytes, content_type: &str) -> Result<(), BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(BlobMeta {
                size: out
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                content_type: out.content_type().map(str::to_owned),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn presign_get(&self, key: &str, expires_secs: u64) -> Result<String, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        let config = PresigningConfig::expires_in(Duration::from_secs(expires_secs))
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        let name = key.rsplit('/').next().unwrap_or("download");
        self.client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            // S3 answers with these headers: never cached on the way, never rendered inline.
            .response_cache_control("no-store")
            .response_content_disposition(crate::attachment(name))
            .presigned(config)
            .await
            .map(|req| req.uri().to_owned())
            .map_err(unavailable)
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_secs: u64,
    ) -> Result<PresignedPut, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        let config = PresigningConfig::expires_in(Duration::from_secs(expires_secs))
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .presigned(config)
            .await
            .map_err(unavailable)?;
        let headers = request
            .headers()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect();
        Ok(PresignedPut {
            url: request.uri().to_owned(),
            headers,
        })
    }

    async fn first_bytes(&self, key: &str, n: usize) -> Result<Option<Bytes>, BlobError> {
        if !valid_key(key) || n == 0 {
            return Err(BlobError::InvalidKey);
        }
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", n - 1))
            .send()
            .await
        {
            Ok(out) => {
                let body = out.body.collect().await.map_err(unavailable)?.into_bytes();
                Ok(Some(body.slice(..body.len().min(n))))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        if !valid_key(from) || !valid_key(to) {
            return Err(BlobError::InvalidKey);
        }
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<usize, BlobError> {
        if !prefix.ends_with('/') || !valid_key(prefix.trim_end_matches('/')) {
            return Err(BlobError::InvalidKey);
        }
        let mut deleted = 0;
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(unavailable)?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    self.delete(key).await?;
                    deleted += 1;
                }
            }
            match page.next_continuation_token() {
                Some(next) => token = Some(next.to_owned()),
                None => return Ok(deleted),
            }
        }
    }
}
