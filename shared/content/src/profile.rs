//! Each account's profile and settings: one item each in the content table, replaced whole by
//! `PUT`, read as defaults until first written. Writes are conditioned on the version read, so
//! an `If-Match` checked against the current document cannot be raced.

use std::str::FromStr;

use rampart_core::FieldError;
use rampart_store::{Cond, Item, ItemExt, Key, SharedStore, StoreError, Table, keys};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 50;
/// The longest bio, in characters.
pub const MAX_BIO_CHARS: usize = 500;

/// `GET /profile`, and the body of `PUT /profile`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// 1 to 50 characters: letters, digits, spaces and `.` `-` `_` `'`; `null` for none.
    #[schemars(length(min = 1, max = 50))]
    pub display_name: Option<String>,
    /// Up to 500 characters.
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub bio: String,
    /// A completed image upload of the account's own (`POST /media`), or `null`.
    #[serde(default)]
    pub avatar_media_id: Option<String>,
}

/// The interface's colours.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

/// `GET /settings`, and the body of `PUT /settings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "yes")]
    pub email_notifications: bool,
    #[serde(default)]
    pub theme: Theme,
    /// An IANA time zone name, such as `Europe/Paris` (default `UTC`).
    #[serde(default = "utc")]
    pub timezone: String,
}

fn yes() -> bool {
    true
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            email_notifications: true,
            theme: Theme::System,
            timezone: utc(),
        }
    }
}

/// Why a profile or settings change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("invalid document")]
    Validation(Vec<FieldError>),
    /// `If-Match` names another version.
    #[error("the document has changed")]
    Stale,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProfileError> for rampart_core::ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::Validation(errors) => Self::Validation(errors),
            ProfileError::Stale => Self::PreconditionFailed,
            ProfileError::Store(error) => error.into(),
        }
    }
}

fn display_name_ok(name: &str) -> bool {
    let chars = name.chars().count();
    (1..=MAX_DISPLAY_NAME_CHARS).contains(&chars)
        && !name.trim().is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '\''))
}

impl Profile {
    /// Field errors, all at once (the avatar's ownership is checked against the store by
    /// [`Profiles::put_profile`]).
    pub fn validate(&self) -> Result<(), ProfileError> {
        let mut errors = Vec::new();
        if let Some(name) = &self.display_name
            && !display_name_ok(name)
        {
            errors.push(FieldError::new(
                "display_name",
                format!(
                    "must be 1 to {MAX_DISPLAY_NAME_CHARS} letters, digits, spaces, or . - _ '"
                ),
            ));
        }
        if self.bio.chars().count() > MAX_BIO_CHARS {
            errors.push(FieldError::new(
                "bio",
                format!("must be at most {MAX_BIO_CHARS} characters"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::Validation(errors))
        }
    }
}

impl Settings {
    /// Field errors: the time zone must be one the IANA database names.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if chrono_tz::Tz::from_str(&self.timezone).is_err() {
            return Err(ProfileError::Validation(vec![FieldError::new(
                "timezone",
                "must be an IANA time zone name, such as Europe/Paris or UTC",
            )]));
        }
        Ok(())
    }
}

/// Profiles and settings.
#[derive(Clone)]
pub struct Profiles {
    store: SharedStore,
}

impl Profiles {
    pub fn new(store: SharedStore) -> Self {
        Self { store }
    }

    async fn read<T: DeserializeOwned + Default>(
        &self,
        key: &Key,
    ) -> Result<(T, Option<i64>), ProfileError> {
        match self.store.get(Table::Content, key).await? {
            Some(item) => {
                let document = item
                    .str_attr("document")
                    .and_then(|json| serde_json::from_str(json).ok())
                    .ok_or_else(|| StoreError::Internal("a stored profile is unreadable".into()))?;
                Ok((document, item.i64_attr("version")))
            }
            None => Ok((T::default(), None)),
        }
    }

    async fn write<T: Serialize + DeserializeOwned + Default>(
        &self,
        key: Key,
        next: &T,
        precondition: impl Fn(&T) -> bool,
    ) -> Result<(), ProfileError> {
        for _ in 0..3 {
            let (current, version) = self.read::<T>(&key).await?;
            if !precondition(&current) {
                return Err(ProfileError::Stale);
            }
            let mut item: Item = key.to_item();
            let json =
                serde_json::to_string(next).map_err(|e| StoreError::Internal(e.to_string()))?;
            item.insert("document".into(), json.into());
            item.insert("version".into(), (version.unwrap_or(0) + 1).into());
            let guard = match version {
                Some(v) => Cond::eq("version", v),
                None => Cond::not_exists("pk"),
            };
            match self.store.put(Table::Content, item, Some(guard)).await {
                Ok(()) => return Ok(()),
                Err(error) if error.is_condition_failed() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ProfileError::Store(StoreError::Unavailable(
            "the document keeps changing; try again".into(),
        )))
    }

    /// The account's profile (empty until first written).
    pub async fn profile(&self, user_id: &str) -> Result<Profile, ProfileError> {
        Ok(self.read(&keys::content::profile(user_id)).await?.0)
    }

    /// Replaces the profile if `precondition` holds for the current one. An avatar must be a
    /// completed image upload of the account's own.
    pub async fn put_profile(
        &self,
        user_id: &str,
        profile: Profile,
        precondition: impl Fn(&Profile) -> bool,
    ) -> Result<Profile, ProfileError> {
        profile.validate()?;
        if let Some(media_id) = &profile.avatar_media_id
            && !self.is_completed_image(user_id, media_id).await?
        {
            return Err(ProfileError::Validation(vec![FieldError::new(
                "avatar_media_id",
                "must name a completed image upload of your own",
            )]));
        }
        self.write(keys::content::profile(user_id), &profile, precondition)
            .await?;
        Ok(profile)
    }

    async fn is_completed_image(
        &self,
        owner_id: &str,
        media_id: &str,
    ) -> Result<bool, ProfileError> {
        if media_id.is_empty() || media_id.len() > 64 {
            return Ok(false);
        }
        let Some(item) = self
            .store
            .get(Table::Content, &keys::content::media(owner_id, media_id))
            .await?
        else {
            return Ok(false);
        };
        Ok(item.str_attr("state") == Some("complete")
            && item
                .str_attr("content_type")
                .is_some_and(|t| t.starts_with("image/")))
    }

    /// The account's settings (the defaults until first written).
    pub async fn settings(&self, user_id: &str) -> Result<Settings, ProfileError> {
        Ok(self.read(&keys::content::settings(user_id)).await?.0)
    }

    /// Replaces the settings if `precondition` holds for the current ones.
    pub async fn put_settings(
        &self,
        user_id: &str,
        settings: Settings,
        precondition: impl Fn(&Settings) -> bool,
    ) -> Result<Settings, ProfileError> {
        settings.validate()?;
        self.write(keys::content::settings(user_id), &settings, precondition)
            .await?;
        Ok(settings)
    }

    /// Deletes both (account deletion).
    pub async fn delete(&self, user_id: &str) -> Result<(), ProfileError> {
        self.store
            .delete(Table::Content, &keys::content::profile(user_id), None)
            .await?;
        self.store
            .delete(Table::Content, &keys::content::settings(user_id), None)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn names_zones_and_bios_are_checked() {
        for ok in [
            "Ada",
            "Ada Lovelace",
            "O'Brien",
            "José-María",
            "d.e_f",
            "李雷",
        ] {
            assert!(display_name_ok(ok), "{ok}");
        }
        for bad in ["", "  ", "<script>", "tab\tname", &"n".repeat(51)] {
            assert!(!display_name_ok(bad), "{bad:?}");
        }
        let zone = |z: &str| {
            Settings {
                timezone: z.into(),
                ..Settings::default()
            }
            .validate()
            .is_ok()
        };
        assert!(zone("Europe/Paris") && zone("UTC") && zone("America/Argentina/Buenos_Aires"));
        assert!(!zone("Mars/Olympus") && !zone("") && !zone("europe/paris "));
        let long_bio = Profile {
            bio: "b".repeat(MAX_BIO_CHARS + 1),
            ..Profile::default()
        };
        assert!(long_bio.validate().is_err());
    }

    #[tokio::test]
    async fn defaults_until_written_and_an_avatar_must_be_an_own_completed_image() {
        let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
        let store: SharedStore = Arc::new(rampart_store::EmbeddedStore::memory(clock));
        let profiles = Profiles::new(store.clone());
        assert_eq!(profiles.settings("ada").await.unwrap(), Settings::default());
        let with_avatar = Profile {
            avatar_media_id: Some("m1".into()),
            ..Profile::default()
        };
        assert!(matches!(
            profiles
                .put_profile("ada", with_avatar.clone(), |_| true)
                .await,
            Err(ProfileError::Validation(_))
        ));
        let mut media = keys::content::media("ada", "m1").to_item();
        media.insert("state".into(), "complete".into());
        media.insert("content_type".into(), "image/png".into());
        store.put(Table::Content, media, None).await.unwrap();
        profiles
            .put_profile("ada", with_avatar.clone(), |_| true)
            .await
            .unwrap();
        assert!(
            profiles
                .put_profile("bob", with_avatar, |_| true)
                .await
                .is_err(),
            "not bob's"
        );
    }
}
