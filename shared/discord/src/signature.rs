//! Verifying that a request comes from Discord: Ed25519 over `X-Signature-Timestamp` followed
//! by the raw body bytes, against the application's public key.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// How far a signed timestamp may be from now, either way.
pub const MAX_SKEW_SECS: i64 = 300;

/// Why a request's signature was refused. Every variant answers 401.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature or timestamp header missing")]
    Missing,
    #[error("signature is not 64 bytes of hex")]
    Malformed,
    #[error("timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("timestamp is more than five minutes from now")]
    Stale,
    #[error("signature does not verify")]
    Invalid,
}

/// The application's public key (`DISCORD_PUBLIC_KEY`, hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 32 bytes of hex.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes: [u8; 32] = hex::decode(text.trim())
            .map_err(|_| "DISCORD_PUBLIC_KEY is not hex".to_owned())?
            .try_into()
            .map_err(|_| "DISCORD_PUBLIC_KEY is not 32 bytes".to_owned())?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| "DISCORD_PUBLIC_KEY is not an Ed25519 public key".to_owned())
    }

    /// The key as hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Checks a request: the timestamp must be within five minutes of `now_secs` and the
    /// signature must cover exactly `timestamp || body` as received.
    pub fn verify(
        &self,
        signature_hex: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now_secs: i64,
    ) -> Result<(), SignatureError> {
        let (Some(signature_hex), Some(timestamp)) = (signature_hex, timestamp) else {
            return Err(SignatureError::Missing);
        };
        let sent_at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        // `abs_diff` cannot overflow, whatever the header claims.
        if now_secs.abs_diff(sent_at) > MAX_SKEW_SECS.unsigned_abs() {
            return Err(SignatureError::Stale);
        }
        let bytes: [u8; 64] = hex::decode(signature_hex.trim())
            .map_err(|_| SignatureError::Malformed)?
            .try_into()
            .map_err(|_| SignatureError::Malformed)?;
        let signature = Signature::from_bytes(&bytes);
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(body);
        self.0
            .verify_strict(&message, &signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

/// A key pair for local signing and tests: the local stack generates one when
/// `DISCORD_PUBLIC_KEY` is unset and prints the private half.
pub struct TestKeyPair(SigningKey);

impl TestKeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Result<Self, String> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| format!("no randomness: {e}"))?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    /// A key pair from a 32-byte hex seed (the printed private key).
    pub fn from_seed_hex(text: &str) -> Result<Self, String> {
        let seed: [u8; 32] = hex::decode(text.trim())
            .map_err(|_| "the private key is not hex".to_owned())?
            .try_into()
            .map_err(|_| "the private key is not 32 bytes".to_owned())?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The private seed as hex, for printing in local mode only.
    pub fn seed_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// Signs `timestamp || body` the way Discord does; returns the hex signature.
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        hex::encode(self.0.sign(&message).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_338_000;

    #[test]
    fn a_real_signature_verifies_and_every_alteration_fails() {
        let keys = TestKeyPair::generate().unwrap();
        let public = keys.public_key();
        let body = br#"{"type":1}"#;
        let ts = NOW.to_string();
        let sig = keys.sign(&ts, body);
        assert_eq!(public.verify(Some(&sig), Some(&ts), body, NOW), Ok(()));

        let other = TestKeyPair::generate().unwrap().public_key();
        let stale = (NOW - 301).to_string();
        let future = (NOW + 301).to_string();
        type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a [u8], SignatureError);
        let cases: Vec<Case> = vec![
            (None, Some(&ts), body, SignatureError::Missing),
            (Some(&sig), None, body, SignatureError::Missing),
            (Some("zz"), Some(&ts), body, SignatureError::Malformed),
            (Some(&sig[..64]), Some(&ts), body, SignatureError::Malformed),
            (Some(&sig), Some("noon"), body, SignatureError::BadTimestamp),
            (Some(&sig), Some(&stale), body, SignatureError::Stale),
            (Some(&sig), Some(&future), body, SignatureError::Stale),
            // Extremes cannot overflow the skew arithmetic.
            (
                Some(&sig),
                Some("-9223372036854775808"),
                body,
                SignatureError::Stale,
            ),
            (
                Some(&sig),
                Some("9223372036854775807"),
                body,
                SignatureError::Stale,
            ),
            (
                Some(&sig),
                Some(&ts),
                br#"{"type":2}"#,
                SignatureError::Invalid,
            ),
            (
                Some(&sig),
                Some(&ts),
                br#"{"type": 1}"#,
                SignatureError::Invalid,
            ),
        ];
        for (s, t, b, expected) in cases {
            assert_eq!(
                public.verify(s, t, b, NOW),
                Err(expected.clone()),
                "{expected:?}"
            );
        }
        assert_eq!(
            other.verify(Some(&sig), Some(&ts), body, NOW),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn signing_matches_rfc_8032_test_vector_1() {
        let keys = TestKeyPair::from_seed_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        assert_eq!(
            keys.public_key().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            keys.sign("", b""),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let keys = TestKeyPair::generate().unwrap();
        let again = TestKeyPair::from_seed_hex(&keys.seed_hex()).unwrap();
        assert_eq!(again.public_key(), keys.public_key());
        assert_eq!(
            PublicKey::from_hex(&keys.public_key().to_hex()).unwrap(),
            keys.public_key()
        );
        assert!(PublicKey::from_hex("abcd").is_err());
    }
}
