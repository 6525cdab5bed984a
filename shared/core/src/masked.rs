//! `Masked<T>`: how secrets, tokens and passwords travel. It never prints its value.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A value that prints as `***` in `Debug` and `Display`. Reach the value with [`Masked::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Masked<T>(T);

impl<T> Masked<T> {
    /// Wraps a sensitive value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value; call sites that do this are the places to review.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Masked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Masked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Masked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Masked)
    }
}

impl<T> From<T> for Masked<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Masked;

    #[test]
    fn masked_values_never_print() {
        let secret = Masked::new("hunter2-hunter2".to_owned());
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
        assert_eq!(secret.expose(), "hunter2-hunter2");
    }
}
