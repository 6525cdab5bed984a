//! Building the AWS SDK configuration that every AWS adapter shares.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// Where AWS adapters send their requests.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    /// An endpoint override (moto, a local emulator); `None` means the real AWS endpoints.
    pub endpoint_url: Option<String>,
    /// The region; `None` means the SDK's default chain (`AWS_REGION` in Lambda).
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

/// Loads the shared SDK configuration once, at cold start.
pub async fn load_sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if settings.emulator_credentials {
        loader = loader.credentials_provider(Credentials::from_keys("testing", "testing", None));
    } else if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        // Lambda hands the function's credentials and region over in the environment; the
        // default chains would also build profile, SSO, container and IMDS providers at every
        // cold start, to be asked only if the environment said nothing.
        loader = loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
        if settings.region.is_none()
            && let Some(region) = std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty())
        {
            loader = loader.region(Region::new(region));
        }
    }
    if let Some(timeout) = settings.operation_timeout {
        loader = loader.timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(timeout)
                .connect_timeout(Duration::from_millis(timeout.as_millis().min(3_000) as u64))
                .build(),
        );
    }
    if settings.endpoint_url.is_none() {
        loader = https_client(loader);
    }
    if let Some(attempts) = settings.max_attempts {
        loader = loader
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(attempts));
    }
    loader.load().await
}

/// The HTTPS client every AWS adapter shares, trusting Mozilla's root certificates as compiled
/// into the binary (`webpki-root-certs`) instead of reading the system store at every cold
/// start: on Debian that is a bundle plus a directory of ~150 files, a third of the init time
/// of a function. Root updates arrive with the crate, that is with a rebuild and redeploy.
fn https_client(loader: aws_config::ConfigLoader) -> aws_config::ConfigLoader {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    use base64::Engine;
    let mut roots = TrustStore::empty();
    for certificate in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let body = base64::engine::general_purpose::STANDARD.encode(certificate.as_ref());
        roots.add_pem_certificate(format!(
            "-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
        ));
    }
    let context = TlsContext::builder().with_trust_store(roots).build();
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::AwsLc,
    ));
    match context {
        Ok(context) => loader.http_client(builder.tls_context(context).build_https()),
        // Only a provider that cannot take custom roots fails here; keep the default store.
        Err(_) => loader.http_client(builder.build_https()),
    }
}
