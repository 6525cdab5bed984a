//! The local adapter: files under a folder, and URLs signed with HMAC-SHA256 over the key and
//! the expiry, which the local stack serves under [`LOCAL_PREFIX`] after checking them.

use std::path::PathBuf;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use rampart_core::SharedClock;
use sha2::Sha256;

use crate::{BlobError, BlobMeta, BlobStore, PresignedPut, valid_key};

/// The path under which the local stack serves signed blob URLs.
pub const LOCAL_PREFIX: &str = "/_local/blobs/";

/// Objects in a local folder.
pub struct LocalBlobs {
    root: PathBuf,
    /// The local stack's origin, known once it listens; URLs are relative until then.
    base_url: std::sync::OnceLock<String>,
    key: [u8; 32],
    clock: SharedClock,
}

impl std::fmt::Debug for LocalBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBlobs")
            .field("root", &self.root)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl LocalBlobs {
    /// A store in `root` whose URLs are signed with `key`.
    pub fn new(root: impl Into<PathBuf>, key: [u8; 32], clock: SharedClock) -> Self {
        Self {
            root: root.into(),
            base_url: std::sync::OnceLock::new(),
            key,
            clock,
        }
    }

    /// Sets the origin URLs start with (the local stack calls this once it listens).
    pub fn set_base_url(&self, base_url: &str) {
        let _ = self.base_url.set(base_url.trim_end_matches('/').to_owned());
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !valid_key(key) || key.ends_with(".content-type") || key.ends_with(".partial") {
            return Err(BlobError::InvalidKey);
        }
        Ok(self.root.join(key))
    }

    fn signature(&self, key: &str, expires: i64) -> String {
        self.sign(&format!("{key}\n{expires}"))
    }

    fn sign(&self, text: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The signature of an upload URL: the method, key, expiry, content type and length.
    fn upload_signature(&self, key: &str, expires: i64, content_type: &str, size: u64) -> String {
        self.sign(&format!("PUT\n{key}\n{expires}\n{content_type}\n{size}"))
    }

    /// Stores a `PUT` to a signed upload URL, as S3 would: the signature must be right and
    /// unexpired, and the request's `Content-Type` and body length those signed. `Err` says
    /// why not (for a 403).
    pub async fn accept_signed_put(
        &self,
        path_and_query: &str,
        content_type: Option<&str>,
        body: Bytes,
    ) -> Result<(), &'static str> {
        let rest = path_and_query
            .strip_prefix(LOCAL_PREFIX)
            .ok_or("not an upload URL")?;
        let (key, query) = rest.split_once('?').ok_or("not an upload URL")?;
        let mut expires = None;
        let mut signature = None;
        let mut size = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => expires = v.parse::<i64>().ok(),
                Some(("signature", v)) => signature = Some(v),
                Some(("size", v)) => size = v.parse::<u64>().ok(),
                _ => {}
            }
        }
        let (expires, signature, size) = (
            expires.ok_or("unsigned")?,
            signature.ok_or("unsigned")?,
            size.ok_or("unsigned")?,
        );
        let content_type = content_type.ok_or("Content-Type is not the one signed")?;
        let expected = self.upload_signature(key, expires, content_type, size);
        let genuine: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), signature.as_bytes()).into();
        if !genuine {
            return Err("the signature does not match the URL, Content-Type and length");
        }
        if self.clock.now_secs() > expires {
            return Err("the URL has expired");
        }
        if body.len() as u64 != size {
            return Err("the body is not the length signed");
        }
        self.put(key, body, content_type)
            .await
            .map_err(|_| "the object could not be stored")
    }

    /// The object a signed URL names, if the signature is right and the URL has not expired:
    /// its bytes and content type. `path_and_query` is what follows the origin.
    pub async fn open_signed(&self, path_and_query: &str) -> Option<(Bytes, String)> {
        let rest = path_and_query.strip_prefix(LOCAL_PREFIX)?;
        let (key, query) = rest.split_once('?')?;
        let mut expires = None;
        let mut signature = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => expires = v.parse::<i64>().ok(),
                Some(("signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let (expires, signature) = (expires?, signature?);
        let expected = self.signature(key, expires);
        let genuine: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), signature.as_bytes()).into();
        if !genuine || self.clock.now_secs() > expires {
            return None;
        }
        let path = self.path(key).ok()?;
        let body = tokio::fs::read(&path).await.ok()?;
        let content_type = tokio::fs::read_to_string(sidecar(&path, "content-type"))
            .await
            .unwrap_or_else(|_| "application/octet-stream".to_owned());
        Some((Bytes::from(body), content_type))
    }
}

/// A file beside an object's (`<object>.<suffix>`); object keys never end in one.
fn sidecar(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn io(e: std::io::Error) -> BlobError {
    BlobError::Unavailable(e.to_string())
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, body: Bytes, content_type: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        // Write then rename, so a reader never sees half an object; each write has a partial
        // file of its own, so concurrent writes of one key end with one of them, as on S3.
        let partial = sidecar(&path, &format!("{}.partial", rampart_core::ids::new_id()));
        tokio::fs::write(&partial, &body).await.map_err(io)?;
        tokio::fs::write(sidecar(&path, "content-type"), content_type)
            .await
            .map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)
    }

    async fn head(&self, key: &str) -> Result<Option<BlobMeta>, BlobError> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(Some(BlobMeta {
                size: meta.len(),
                content_type: tokio::fs::read_to_string(sidecar(&path, "content-type"))
                    .await
                    .ok(),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        for file in [path.clone(), sidecar(&path, "content-type")] {
            match tokio::fs::remove_file(&file).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(())
    }

    async fn presign_get(&self, key: &str, expires_secs: u64) -> Result<String, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::InvalidKey);
        }
        let expires = self.clock.now_secs() + i64::try_from(expires_secs).unwrap_or(i64::MAX / 2);
        Ok(format!(
            "{}{LOCAL_PREFIX}{key}?expires={expires}&signature={}",
            self.base_url.get().map_or("", String::as_str),
            self.signature(key, expires)
        ))
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
        let expires = self.clock.now_secs() + i64::try_from(expires_secs).unwrap_or(i64::MAX / 2);
        let url = format!(
            "{}{LOCAL_PREFIX}{key}?expires={expires}&size={size}&signature={}",
            self.base_url.get().map_or("", String::as_str),
            self.upload_signature(key, expires, content_type, size)
        );
        let headers = [
            ("content-type".to_owned(), content_type.to_owned()),
            ("content-length".to_owned(), size.to_string()),
        ]
        .into_iter()
        .collect();
        Ok(PresignedPut { url, headers })
    }

    async fn first_bytes(&self, key: &str, n: usize) -> Result<Option<Bytes>, BlobError> {
        use tokio::io::AsyncReadExt;
        let path = self.path(key)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let mut buffer = Vec::with_capacity(n);
        file.take(n as u64)
            .read_to_end(&mut buffer)
            .await
            .map_err(io)?;
        Ok(Some(Bytes::from(buffer)))
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        let source = self.path(from)?;
        let body = tokio::fs::read(&source).await.map_err(io)?;
        let content_type = tokio::fs::read_to_string(sidecar(&source, "content-type"))
            .await
            .unwrap_or_else(|_| "application/octet-stream".to_owned());
        self.put(to, Bytes::from(body), &content_type).await
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<usize, BlobError> {
        let folder = prefix.strip_suffix('/').ok_or(BlobError::InvalidKey)?;
        let dir = self.path(folder)?;
        let mut deleted = 0;
        let mut pending = vec![dir];
        while let Some(dir) = pending.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(e)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(io)? {
                let path = entry.path();
                if entry.file_type().await.map_err(io)?.is_dir() {
                    pending.push(path);
                } else {
                    let name = path.to_string_lossy();
                    if !name.ends_with(".content-type") && !name.ends_with(".partial") {
                        deleted += 1;
                    }
                    tokio::fs::remove_file(&path).await.map_err(io)?;
                }
            }
        }
        Ok(deleted)
    }
}
