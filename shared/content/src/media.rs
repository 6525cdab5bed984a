//! Media uploads: the API hands out a presigned `PUT` pinned to the declared type and length;
//! the client uploads straight to the bucket; `complete` checks the object (its size, its type
//! and its first bytes) before the media counts. Uploads wait under `uploads/<owner>/`, which
//! the bucket's lifecycle rule empties after a day, and move to `media/<owner>/` when complete;
//! a pending record expires with its upload.

use rampart_blob::BlobStore;
use rampart_core::{ApiError, FieldError, ProblemKind};
use rampart_store::{
    Cond, Item, ItemExt, Query, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys,
};
use serde::{Deserialize, Serialize};

/// The largest upload.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How long an upload URL works.
pub const UPLOAD_URL_SECS: u64 = 15 * 60;
/// How long a pending upload is kept.
pub const PENDING_SECS: i64 = 24 * 3_600;

/// The types taken, and the first bytes each must start with.
const TYPES: &[(&str, &[&[u8]])] = &[
    ("image/png", &[b"\x89PNG\r\n\x1a\n"]),
    ("image/jpeg", &[b"\xff\xd8\xff"]),
    ("image/gif", &[b"GIF87a", b"GIF89a"]),
    ("image/webp", &[b"RIFF"]),
    ("application/pdf", &[b"%PDF-"]),
];

/// `409 upload_incomplete`: the object is missing or not what was declared.
pub const UPLOAD_INCOMPLETE: ProblemKind = ProblemKind::new(
    409,
    "upload_incomplete",
    "Upload incomplete",
    "The object is missing or is not what was declared.",
);

/// A media object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Media {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// `pending` until `complete` checks the upload, then `complete`.
    pub state: String,
    pub created_at: String,
}

/// A file name's pattern: one line ([`rampart_core::text::SINGLE_LINE`]) without `/` or `\`.
pub const FILENAME: &str = concat!(
    r"^[^\x00-\x1F\x7F-\x9F/\\]*",
    r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000/\\]",
    r"[^\x00-\x1F\x7F-\x9F/\\]*$"
);

/// `POST /media`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMedia {
    /// 1 to 255 characters, not only spaces, without `/`, `\\` or control characters.
    #[schemars(length(min = 1, max = 255), pattern(FILENAME))]
    pub filename: String,
    /// `image/png`, `image/jpeg`, `image/webp`, `image/gif` or `application/pdf`.
    #[schemars(extend("enum" = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"]))]
    pub content_type: String,
    /// 1 byte to 10 MiB.
    #[schemars(range(min = 1, max = 10485760))]
    pub size: u64,
}

/// Where to upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Upload {
    pub media_id: String,
    pub upload_url: String,
    /// Headers the `PUT` must carry exactly (they are part of the signature).
    pub upload_headers: std::collections::BTreeMap<String, String>,
    pub expires_at: String,
}

/// Why a media operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("invalid media")]
    Validation(Vec<FieldError>),
    #[error("no such media")]
    NotFound,
    #[error("upload incomplete: {0}")]
    Incomplete(&'static str),
    #[error("blob store: {0}")]
    Blob(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<MediaError> for ApiError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Validation(errors) => Self::Validation(errors),
            MediaError::NotFound => Self::ResourceNotFound,
            MediaError::Incomplete(why) => Self::Feature {
                kind: &UPLOAD_INCOMPLETE,
                detail: why.to_owned(),
                errors: None,
            },
            MediaError::Blob(why) => Self::ServiceUnavailable(why),
            MediaError::Store(error) => error.into(),
        }
    }
}

fn blob(e: rampart_blob::BlobError) -> MediaError {
    MediaError::Blob(e.to_string())
}

impl NewMedia {
    pub fn validate(&self) -> Result<(), MediaError> {
        let mut errors = Vec::new();
        if self.filename.trim().is_empty()
            || self.filename.chars().count() > 255
            || self
                .filename
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            errors.push(FieldError::new(
                "filename",
                "must be 1 to 255 characters, without / \\ or control characters",
            ));
        }
        if !TYPES.iter().any(|(t, _)| *t == self.content_type) {
            errors.push(FieldError::new(
                "content_type",
                "must be image/png, image/jpeg, image/webp, image/gif or application/pdf",
            ));
        }
        if self.size == 0 || self.size > MAX_BYTES {
            errors.push(FieldError::new(
                "size",
                format!("must be 1 to {MAX_BYTES} bytes"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(MediaError::Validation(errors))
        }
    }
}

/// Whether `first` (the object's first bytes) starts as `content_type` must.
fn magic_matches(content_type: &str, first: &[u8]) -> bool {
    let starts = TYPES
        .iter()
        .find(|(t, _)| *t == content_type)
        .is_some_and(|(_, magics)| magics.iter().any(|m| first.starts_with(m)));
    // WebP is `RIFF <size> WEBP`.
    starts && (content_type != "image/webp" || first.get(8..12) == Some(b"WEBP"))
}

fn upload_key(owner: &str, id: &str) -> String {
    format!("uploads/{owner}/{id}")
}

fn media_key(owner: &str, id: &str) -> String {
    format!("media/{owner}/{id}")
}

fn media_of(item: &Item) -> Result<Media, StoreError> {
    item.str_attr("media")
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| StoreError::Internal("a stored media record is unreadable".into()))
}

fn record(owner: &str, media: &Media, expires_at: Option<i64>) -> Result<Item, StoreError> {
    let mut item = keys::content::media(owner, &media.id).to_item();
    let json = serde_json::to_string(media).map_err(|e| StoreError::Internal(e.to_string()))?;
    item.insert("media".into(), json.into());
    item.insert("state".into(), media.state.clone().into());
    item.insert("content_type".into(), media.content_type.clone().into());
    if let Some(at) = expires_at {
        item.insert(TTL_ATTRIBUTE.into(), at.into());
    }
    Ok(item)
}

/// Every account's media.
#[derive(Clone)]
pub struct MediaLibrary {
    store: SharedStore,
}

impl MediaLibrary {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    /// Records a pending upload and signs its URL.
    pub async fn create(
        &self,
        blobs: &dyn BlobStore,
        owner: &str,
        new: NewMedia,
        now_secs: i64,
        now: &str,
    ) -> Result<Upload, MediaError> {
        new.validate()?;
        let media = Media {
            id: rampart_core::ids::new_id(),
            filename: new.filename,
            content_type: new.content_type,
            size: new.size,
            state: "pending".into(),
            created_at: now.to_owned(),
        };
        self.store
            .put(
                Table::Content,
                record(owner, &media, Some(now_secs + PENDING_SECS))?,
                Some(Cond::not_exists("pk")),
            )
            .await?;
        let presigned = blobs
            .presign_put(
                &upload_key(owner, &media.id),
                &media.content_type,
                media.size,
                UPLOAD_URL_SECS,
            )
            .await
            .map_err(blob)?;
        Ok(Upload {
            media_id: media.id,
            upload_url: presigned.url,
            upload_headers: presigned.headers,
            expires_at: rampart_core::clock::rfc3339((now_secs + UPLOAD_URL_SECS as i64) * 1000),
        })
    }

    /// Checks the uploaded object and, if it is what was declared, completes the media.
    /// Completing a complete media answers it again.
    pub async fn complete(
        &self,
        blobs: &dyn BlobStore,
        owner: &str,
        id: &str,
    ) -> Result<Media, MediaError> {
        let media = self.stored(owner, id).await?;
        if media.state == "complete" {
            return Ok(media);
        }
        match self.promote(blobs, owner, id, media).await {
            Ok(media) => Ok(media),
            // A concurrent `complete` may have finished first (and removed the upload): what
            // it stored is the answer.
            Err(error) => match self.stored(owner, id).await? {
                done if done.state == "complete" => Ok(done),
                _ => Err(error),
            },
        }
    }

    /// The media record, as stored.
    async fn stored(&self, owner: &str, id: &str) -> Result<Media, MediaError> {
        let item = self
            .store
            .get(Table::Content, &keys::content::media(owner, id))
            .await?
            .ok_or(MediaError::NotFound)?;
        Ok(media_of(&item)?)
    }

    /// Copies the upload to its final key and checks the copy: its size, its content type and
    /// its first bytes. The upload URL stays valid for a while, so the upload itself can change
    /// under a check; the copy, which no client can write, cannot. A copy that fails a check
    /// is removed.
    async fn promote(
        &self,
        blobs: &dyn BlobStore,
        owner: &str,
        id: &str,
        mut media: Media,
    ) -> Result<Media, MediaError> {
        let upload = upload_key(owner, id);
        let stored = media_key(owner, id);
        blobs
            .head(&upload)
            .await
            .map_err(blob)?
            .ok_or(MediaError::Incomplete(
                "nothing was uploaded for this media",
            ))?;
        blobs.copy(&upload, &stored).await.map_err(blob)?;
        if let Err(problem) = self.check_copy(blobs, &stored, &media).await {
            blobs.delete(&stored).await.map_err(blob)?;
            return Err(problem);
        }
        media.state = "complete".into();
        self.store
            .put(
                Table::Content,
                record(owner, &media, None)?,
                Some(Cond::eq("state", "pending")),
            )
            .await?;
        blobs.delete(&upload).await.map_err(blob)?;
        Ok(media)
    }

    async fn check_copy(
        &self,
        blobs: &dyn BlobStore,
        stored: &str,
        media: &Media,
    ) -> Result<(), MediaError> {
        let meta = blobs
            .head(stored)
            .await
            .map_err(blob)?
            .ok_or(MediaError::Incomplete(
                "nothing was uploaded for this media",
            ))?;
        if meta.size != media.size {
            return Err(MediaError::Incomplete(
                "the object is not the size declared",
            ));
        }
        if meta.content_type.as_deref() != Some(media.content_type.as_str()) {
            return Err(MediaError::Incomplete(
                "the object is not the content type declared",
            ));
        }
        let first = blobs
            .first_bytes(stored, 16)
            .await
            .map_err(blob)?
            .unwrap_or_default();
        if !magic_matches(&media.content_type, &first) {
            return Err(MediaError::Incomplete(
                "the object's bytes are not the content type declared",
            ));
        }
        Ok(())
    }

    /// Every media record of `owner` (export).
    pub async fn all(&self, owner: &str) -> Result<Vec<Media>, MediaError> {
        let query = Query::partition(Table::Content, keys::content::media_of(owner));
        let items = rampart_store::query_all(&*self.store, query).await?;
        Ok(items.iter().map(media_of).collect::<Result<_, _>>()?)
    }

    /// Deletes `owner`'s objects (by prefix) first, then the records (account deletion).
    pub async fn delete_all(&self, blobs: &dyn BlobStore, owner: &str) -> Result<(), MediaError> {
        blobs
            .delete_prefix(&format!("media/{owner}/"))
            .await
            .map_err(blob)?;
        blobs
            .delete_prefix(&format!("uploads/{owner}/"))
            .await
            .map_err(blob)?;
        for media in self.all(owner).await? {
            self.store
                .delete(
                    Table::Content,
                    &keys::content::media(owner, &media.id),
                    None,
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
