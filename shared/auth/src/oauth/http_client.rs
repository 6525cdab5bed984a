//! The HTTP client the OAuth flows use: reqwest (rustls) with redirects off, as the OAuth 2.0
//! security advice asks (a token endpoint that redirects must not be followed with the code).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

/// A client for provider endpoints.
#[derive(Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
}

/// Why a provider call failed.
#[derive(Debug, thiserror::Error)]
#[error("provider request failed: {0}")]
pub struct ProviderHttpError(String);

impl ProviderHttp {
    /// A client with a 10 s timeout and no redirects.
    pub fn new() -> Result<Self, ProviderHttpError> {
        rampart_core::web::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(|client| Self { client })
            .map_err(|e| ProviderHttpError(e.to_string()))
    }

    /// The underlying client, for plain API calls.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| ProviderHttpError(e.without_url().to_string()))?;
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ProviderHttpError(e.without_url().to_string()))?;
        builder
            .body(bytes.to_vec())
            .map_err(|e| ProviderHttpError(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
