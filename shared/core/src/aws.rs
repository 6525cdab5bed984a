//! Building the AWS SDK configuration that every AWS adapter shares.
//!
//! The configuration is put together here from the process environment, without the SDK's
//! default provider chains (`aws-config`): on Lambda the function's credentials and region
//! are in the environment, and the chains would add profile-file, SSO, STS, container and IMDS
//! clients to every binary and read `~/.aws` at every cold start. Outside Lambda the same
//! variables apply (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION`, and `AWS_ENDPOINT_URL` for an emulator); `aws configure export-credentials
//! --format env` prints the credentials of a profile.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;

pub use aws_types::SdkConfig;

/// Where AWS adapters send their requests.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    /// An endpoint override (moto, a local emulator); `None` means `AWS_ENDPOINT_URL`, and
    /// without it the real AWS endpoints.
    pub endpoint_url: Option<String>,
    /// The region; `None` means `AWS_REGION` (or `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// Per-operation timeout.
    pub operation_timeout: Option<Duration>,
    /// Static test credentials for emulators, which accept any.
    pub emulator_credentials: bool,
    /// Maximum attempts including the first (the SDK's default is 3).
    pub max_attempts: Option<u32>,
}

impl AwsSettings {
    /// Settings for an emulator such as moto's server mode on `endpoint_url`.
    pub fn emulator(endpoint_url: impl Into<String>) -> Self {
        Self {
            endpoint_url: Some(endpoint_url.into()),
            region: Some("us-east-1".to_owned()),
            operation_timeout: Some(Duration::from_secs(10)),
            emulator_credentials: true,
            max_attempts: None,
        }
    }
}

/// Builds the shared SDK configuration once, at cold start. Nothing is read but the
/// environment; no request is made.
pub async fn load_sdk_config(settings: &AwsSettings) -> SdkConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let region = settings
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"));
    let credentials = if settings.emulator_credentials {
        SharedCredentialsProvider::new(Credentials::from_keys("testing", "testing", None))
    } else {
        SharedCredentialsProvider::new(EnvironmentCredentials)
    };
    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_millis(3_100));
    if let Some(timeout) = settings.operation_timeout {
        timeouts = timeouts
            .operation_timeout(timeout)
            .connect_timeout(Duration::from_millis(timeout.as_millis().min(3_000) as u64));
    }
    let retries = match settings.max_attempts {
        Some(attempts) => RetryConfig::standard().with_max_attempts(attempts),
        None => RetryConfig::standard(),
    };
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region.map(Region::new))
        .credentials_provider(credentials)
        .timeout_config(timeouts.build())
        .retry_config(retries)
        .sleep_impl(TokioSleep::new())
        .time_source(SystemTimeSource::new())
        .http_client(https_client());
    if let Some(endpoint) = settings
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL"))
    {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`,
/// read when the SDK asks for them (Lambda sets them for the function's role).
#[derive(Debug)]
struct EnvironmentCredentials;

impl EnvironmentCredentials {
    fn read() -> Result<Credentials, CredentialsError> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let key = var("AWS_ACCESS_KEY_ID")
            .ok_or_else(|| CredentialsError::not_loaded("AWS_ACCESS_KEY_ID is not set"))?;
        let secret = var("AWS_SECRET_ACCESS_KEY")
            .ok_or_else(|| CredentialsError::not_loaded("AWS_SECRET_ACCESS_KEY is not set"))?;
        Ok(Credentials::new(
            key,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        ))
    }
}

impl ProvideCredentials for EnvironmentCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Self::read())
    }
}

/// The common names of the roots that AWS service endpoints chain to: Amazon Trust Services'
/// four roots and the older Starfield root that cross-signs them, the five that Amazon Trust
/// Services recommends for a custom trust store.
const AWS_ROOTS: [&[u8]; 2] = [
    b"Amazon Root CA ",
    b"Starfield Services Root Certificate Authority - G2",
];

/// The roots of `webpki-root-certs` (Mozilla's list, compiled in) that AWS endpoints chain to.
fn aws_roots() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|certificate| certificate.as_ref())
        .filter(|der| {
            AWS_ROOTS
                .iter()
                .any(|name| der.windows(name.len()).any(|window| window == *name))
        })
}

/// The HTTPS client every AWS adapter shares. It trusts only the roots AWS endpoints chain to
/// ([`AWS_ROOTS`]), compiled into the binary, rather than the ~150 roots of the system store:
/// the store is never read (on Debian a bundle plus a directory of ~150 files, a third of a
/// function's init), five roots are parsed at cold start instead of all of Mozilla's, and a
/// certificate from any other authority is refused for an AWS endpoint. Root updates arrive
/// with the crate, that is with a rebuild and redeploy. It speaks plain HTTP too, for
/// emulators on loopback.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    use base64::Engine;
    let mut roots = TrustStore::empty();
    for der in aws_roots() {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        roots.add_pem_certificate(format!(
            "-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
        ));
    }
    let context = TlsContext::builder().with_trust_store(roots).build();
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::AwsLc,
    ));
    match context {
        Ok(context) => builder.tls_context(context).build_https(),
        // Only a provider that cannot take custom roots fails here; keep the default store.
        Err(_) => builder.build_https(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_trusts_the_five_roots_aws_endpoints_chain_to() {
        let roots: Vec<&[u8]> = aws_roots().collect();
        assert_eq!(roots.len(), 5);
        let names = [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ];
        for name in names {
            let holding = roots
                .iter()
                .filter(|der| der.windows(name.len()).any(|w| w == name.as_bytes()))
                .count();
            assert_eq!(holding, 1, "{name}");
        }
    }

    #[tokio::test]
    async fn the_settings_become_the_sdk_configuration() {
        let sdk = load_sdk_config(&AwsSettings {
            max_attempts: Some(2),
            ..AwsSettings::emulator("http://127.0.0.1:9")
        })
        .await;
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-1"));
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:9"));
        assert_eq!(sdk.retry_config().map(|r| r.max_attempts()), Some(2));
        let timeouts = sdk.timeout_config().expect("timeouts");
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(10)));
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_secs(3)));
        assert!(sdk.http_client().is_some() && sdk.sleep_impl().is_some());
        let credentials = sdk
            .credentials_provider()
            .expect("a provider")
            .provide_credentials()
            .await
            .expect("static credentials");
        assert_eq!(credentials.access_key_id(), "testing");
    }
}
