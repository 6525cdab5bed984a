//! The journey's HTTP client: a browser's worth of cookies, the CSRF header on writes, each
//! request timed out after [`super::STEP_TIMEOUT`].

use super::*;

/// A browser's worth of HTTP: cookies by name, the CSRF header on writes.
pub(super) struct Client {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) cookies: BTreeMap<String, String>,
}

/// A step's request failed, and how.
pub(super) struct Failed {
    pub(super) status: u16,
    pub(super) error: String,
}

impl Client {
    pub(super) fn remember(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all(http::header::SET_COOKIE) {
            let Some(pair) = header.to_str().ok().and_then(|h| h.split(';').next()) else {
                continue;
            };
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.to_owned());
                }
            }
        }
    }

    /// Sends a request to the API; `Ok` with the status and JSON body when the status is
    /// `expected`.
    pub(super) async fn call(
        &mut self,
        method: http::Method,
        path: &str,
        body: Option<Value>,
        expected: &[u16],
    ) -> Result<(u16, Value), Failed> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("user-agent", "rampart-synthetic-journey");
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header(http::header::COOKIE, header.join("; "));
        }
        if method != http::Method::GET
            && let Some((_, csrf)) = self.cookies.iter().find(|(n, _)| n.ends_with("XSRF-TOKEN"))
        {
            request = request.header("x-csrf-token", csrf.clone());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| Failed {
            status: 0,
            error: format!("no answer: {e}"),
        })?;
        self.remember(&response);
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        if expected.contains(&status) {
            Ok((status, json))
        } else {
            let code = json["code"].as_str().unwrap_or("-");
            Err(Failed {
                status,
                error: format!("answered {status} ({code})"),
            })
        }
    }

    /// `PUT`s bytes to a signed upload URL (absolute, or relative to the API).
    pub(super) async fn upload(&self, url: &str, headers: &Value) -> Result<u16, Failed> {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let mut request = self.http.put(url).body(PIXEL_PNG.to_vec());
        for (name, value) in headers.as_object().into_iter().flatten() {
            if let Some(value) = value.as_str() {
                request = request.header(name.as_str(), value);
            }
        }
        let response = request.send().await.map_err(|e| Failed {
            status: 0,
            error: format!("no answer: {e}"),
        })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(Failed {
                status,
                error: format!("the signed upload answered {status}"),
            })
        }
    }
}
