//! HTTPS clients for the public endpoints the functions call (the OAuth providers, Discord's
//! API and webhooks, the journey's and the release worker's probes).

/// A `reqwest` client builder that trusts the roots of Mozilla's root programme compiled into
/// the binary (`webpki-root-certs`), instead of reading the system store each time a client
/// is built. Reading the store (on Debian a bundle and a directory of ~150 files) costs about
/// 2.5 ms per client, which every cold start of a function with such a client paid; the
/// compiled-in roots take about 0.1 ms. The trust decision is the same list the system
/// bundle is made from; updates arrive with the crate, that is with a rebuild and redeploy.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_certs_only(public_roots())
}

fn public_roots() -> Vec<reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_include_the_authorities_of_the_endpoints_we_call() {
        let roots = public_roots();
        assert!(roots.len() > 100, "{} roots", roots.len());
        // Let's Encrypt (many OIDC issuers and Discord), DigiCert (GitHub), Google Trust
        // Services (Google), Sectigo.
        for name in [
            &b"ISRG Root X1"[..],
            b"DigiCert Global Root G2",
            b"GTS Root R1",
            b"USERTrust RSA Certification Authority",
        ] {
            assert!(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS
                    .iter()
                    .any(|der| der.as_ref().windows(name.len()).any(|w| w == name)),
                "{}",
                String::from_utf8_lossy(name)
            );
        }
        assert!(client_builder().build().is_ok());
    }
}
