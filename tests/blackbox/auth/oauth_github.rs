//! Sign-in with GitHub against a local double of GitHub's token and user endpoints, which
//! checks what GitHub checks: the client's credentials, the code, the redirect URI and the
//! PKCE verifier against the challenge sent at the start.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use rampart_core::{Clock, Feature};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::code_of;

const CLIENT_ID: &str = "gh-client";
const CLIENT_SECRET: &str = "gh-secret-value";
const API_BASE: &str = "https://api.example.com";

/// A code GitHub issued after the user approved, with what it was issued for.
#[derive(Clone)]
struct Grant {
    challenge: String,
    redirect_uri: String,
    emails: Value,
}

#[derive(Default)]
struct GitHubState {
    grants: BTreeMap<String, Grant>,
    tokens: BTreeMap<String, Value>,
    token_requests: u32,
}

/// The double: `POST /login/oauth/access_token`, `GET /user`, `GET /user/emails`.
struct GitHubDouble {
    url: String,
    state: Arc<Mutex<GitHubState>>,
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn json_response(status: u16, body: Value) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn answer(
    state: Arc<Mutex<GitHubState>>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut s = state.lock().unwrap();
    let response = match (parts.method.as_str(), parts.uri.path()) {
        ("POST", "/login/oauth/access_token") => {
            s.token_requests += 1;
            let params = form(&body);
            let basic = format!(
                "Basic {}",
                STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
            );
            let client_ok = header("authorization") == basic
                || (params.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                    && params.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET));
            let grant = params.get("code").and_then(|c| s.grants.remove(c));
            match (client_ok, grant) {
                (false, _) => json_response(401, json!({"error": "invalid_client"})),
                (true, None) => json_response(400, json!({"error": "bad_verification_code"})),
                (true, Some(grant)) => {
                    let verifier = params.get("code_verifier").cloned().unwrap_or_default();
                    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                    if challenge != grant.challenge
                        || params.get("redirect_uri") != Some(&grant.redirect_uri)
                    {
                        json_response(400, json!({"error": "invalid_grant"}))
                    } else {
                        let token = format!("gho_{}", s.tokens.len() + 1);
                        s.tokens.insert(token.clone(), grant.emails);
                        json_response(
                            200,
                            json!({"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}),
                        )
                    }
                }
            }
        }
        ("GET", path @ ("/user" | "/user/emails")) => {
            let token = header("authorization")
                .trim_start_matches("Bearer ")
                .to_owned();
            match s.tokens.get(&token) {
                None => json_response(401, json!({"message": "Bad credentials"})),
                Some(emails) if path == "/user/emails" => json_response(200, emails.clone()),
                Some(_) => json_response(200, json!({"id": 4242, "login": "ada"})),
            }
        }
        _ => json_response(404, json!({"message": "Not Found"})),
    };
    Ok(response)
}

impl GitHubDouble {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(GitHubState::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(state.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, state }
    }

    /// The user approves at GitHub: a code for the authorization request at `url`.
    fn approve(&self, authorize_url: &str, emails: Value) -> (String, String) {
        let url = reqwest::Url::parse(authorize_url).unwrap();
        let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(q["scope"].contains("user:email"), "{q:?}");
        let code = format!(
            "code-{}",
            q["state"].len() + self.state.lock().unwrap().grants.len()
        );
        self.state.lock().unwrap().grants.insert(
            code.clone(),
            Grant {
                challenge: q["code_challenge"].clone(),
                redirect_uri: q["redirect_uri"].clone(),
                emails,
            },
        );
        (code, q["state"].clone())
    }
}

async fn app(github: &GitHubDouble) -> TestApp {
    let url = github.url.clone();
    let mut secrets = rampart_blackbox_tests::test_secrets();
    for (k, v) in [
        ("oauth_github_client_id", CLIENT_ID),
        ("oauth_github_client_secret", CLIENT_SECRET),
    ] {
        secrets.oauth.insert(k.into(), json!(v).into());
    }
    TestApp::builder()
        .secrets(secrets)
        .config(move |c| {
            c.public_base_url = Some(API_BASE.into());
            c.frontend_base_url = Some("https://app.example.com".into());
            c.oauth_endpoints.github_authorize = Some(format!("{url}/login/oauth/authorize"));
            c.oauth_endpoints.github_token = Some(format!("{url}/login/oauth/access_token"));
            c.oauth_endpoints.github_api = Some(url.clone());
        })
        .spawn()
        .await
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn start(app: &TestApp) -> String {
    let response = no_redirects()
        .get(app.at("/api/v1/auth/oauth/github/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    super::remember_binder(&response);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1"), "{location}");
    assert!(
        location.contains(&format!(
            "redirect_uri={}",
            form_urlencoded::byte_serialize(
                format!("{API_BASE}/api/v1/auth/oauth/github/callback").as_bytes()
            )
            .collect::<String>()
        )),
        "{location}"
    );
    location
}

/// The callback, from the browser that started the sign-in (it sends the binder cookie).
async fn callback(app: &TestApp, query: &str) -> reqwest::Response {
    let mut request =
        no_redirects().get(app.at(&format!("/api/v1/auth/oauth/github/callback?{query}")));
    if let Some(cookie) = super::binder_cookie(query) {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// A whole sign-in from one browser: start, approval at GitHub for a verified `email`, callback.
async fn sign_in_as(app: &TestApp, github: &GitHubDouble, email: &str) -> reqwest::Response {
    let location = start(app).await;
    let (code, state) = github.approve(&location, verified(email));
    callback(app, &format!("code={code}&state={state}")).await
}

fn verified(email: &str) -> Value {
    json!([
        {"email": "old@example.com", "primary": false, "verified": true},
        {"email": email, "primary": true, "verified": true},
    ])
}

#[tokio::test]
async fn a_new_github_user_gets_an_account_and_a_session() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let location = start(&app).await;
    let (code, state) = github.approve(&location, verified("Ada@Example.com"));
    let response = callback(&app, &format!("code={code}&state={state}")).await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "https://app.example.com/");
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|c| !c.starts_with("oauth_binder="))
        .collect();
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    let access = cookies
        .iter()
        .find_map(|c| c.strip_prefix("access_token="))
        .and_then(|c| c.split(';').next())
        .unwrap();
    let account: Value = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        account["user"]["email"], "Ada@Example.com",
        "as the provider gave it"
    );
    assert_eq!(account["user"]["email_verified"], true);

    // The state worked once.
    let again = callback(&app, &format!("code={code}&state={state}")).await;
    assert_eq!(code_of(again).await, (400, Some("invalid_state".into())));
}

#[tokio::test]
async fn a_verified_github_address_links_to_the_existing_account() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let (_, id) = app.signed_in("ada@example.com").await;
    let signed_in = sign_in_as(&app, &github, "ada@example.com").await;
    assert_eq!(signed_in.status(), 302);
    let user = app
        .app
        .state()
        .auth
        .users()
        .get(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 200, "the owner's password still works");
}

#[tokio::test]
async fn an_unverified_account_goes_to_the_addresss_verified_owner_without_its_password_or_sessions()
 {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    // Someone registers ada's address (never verifying it) and keeps a session open.
    let registered: Value = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let squatter = Browser::new(&app);
    let login = squatter
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "ada@example.com", "password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(login.status(), 200);
    // Ada signs in with GitHub, which has verified the address as hers.
    let signed_in = sign_in_as(&app, &github, "ada@example.com").await;
    assert_eq!(signed_in.status(), 302);
    let user = app
        .app
        .state()
        .auth
        .users()
        .get(registered["user"]["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified, "the provider verified the address");
    assert!(
        user.password_hash.is_none(),
        "the squatter's password is gone"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(
        login.status(),
        401,
        "the squatter's password no longer signs in"
    );
    assert_eq!(
        squatter.status(Method::GET, "/api/v1/account").await,
        401,
        "the squatter's session ended"
    );
    assert_eq!(
        squatter.status(Method::POST, "/api/v1/auth/refresh").await,
        401
    );
    // A session from before the claim that no revocation reached (DynamoDB's index can lag
    // behind a moment-old write) is refused all the same.
    let now_ms = app.clock.now_ms();
    app.clock.set_ms(now_ms - 30_000);
    let missed = app
        .app
        .state()
        .auth
        .sign_in(
            user.clone(),
            &rampart_auth::Origin {
                user_agent: None,
                ip: None,
            },
        )
        .await
        .unwrap();
    app.clock.set_ms(now_ms);
    let by_access = app
        .client
        .get(app.at("/api/v1/account"))
        .bearer_auth(missed.tokens.access_token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(by_access.status(), 401);
    let by_refresh = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": missed.tokens.refresh_token.expose() }),
        )
        .await;
    assert_eq!(by_refresh.status(), 401);

    // The claim is a proof of the address: the account and its address claim no longer expire.
    // Eight days on (past the 7 days an unproved account lives) ada's account is still hers,
    // and the address cannot be registered by anyone else.
    app.clock.advance_secs(8 * 24 * 3600);
    let id = registered["user"]["id"].as_str().unwrap();
    let kept = app.app.state().auth.users().get(id).await.unwrap();
    assert!(
        kept.is_some(),
        "the claimed account outlives the squatter's expiry"
    );
    let by_address = app
        .app
        .state()
        .auth
        .users()
        .find_by_email(&rampart_auth::email::Email::parse("ada@example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(by_address.map(|u| u.id).as_deref(), Some(id));
    let again = sign_in_as(&app, &github, "ada@example.com").await;
    assert_eq!(again.status(), 302);
    assert_eq!(
        app.app
            .state()
            .auth
            .users()
            .get(id)
            .await
            .unwrap()
            .map(|u| u.email_verified),
        Some(true)
    );
}

#[tokio::test]
async fn bad_states_unverified_addresses_and_refusals_never_sign_in() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let response = callback(&app, "code=x&state=made-up").await;
    assert_eq!(code_of(response).await, (400, Some("invalid_state".into())));
    let response = callback(&app, "code=x").await;
    assert_eq!(code_of(response).await, (400, Some("invalid_state".into())));

    let location = start(&app).await;
    let unverified = json!([{"email": "eve@example.com", "primary": true, "verified": false}]);
    let (code, state) = github.approve(&location, unverified);
    let response = callback(&app, &format!("code={code}&state={state}")).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://app.example.com/?oauth_error=email_not_verified"
    );
    super::assert_no_session_cookie(&response);

    let location = start(&app).await;
    let (_, state) = github.approve(&location, verified("ada@example.com"));
    let refused = callback(&app, &format!("error=access_denied&state={state}")).await;
    assert_eq!(
        refused.headers()["location"],
        "https://app.example.com/?oauth_error=access_denied"
    );
    let before = github.state.lock().unwrap().token_requests;
    let late = callback(&app, &format!("code=anything&state={state}")).await;
    assert_eq!(
        code_of(late).await,
        (400, Some("invalid_state".into())),
        "state spent"
    );
    assert_eq!(github.state.lock().unwrap().token_requests, before);

    // A state expires after 10 minutes.
    let location = start(&app).await;
    let (code, state) = github.approve(&location, verified("ada@example.com"));
    app.clock.advance_secs(601);
    let response = callback(&app, &format!("code={code}&state={state}")).await;
    assert_eq!(code_of(response).await, (400, Some("invalid_state".into())));
}

#[tokio::test]
async fn unconfigured_and_unknown_providers_are_404() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let google = no_redirects()
        .get(app.at("/api/v1/auth/oauth/google/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(google).await,
        (404, Some("feature_disabled".into()))
    );
    let gitlab = no_redirects()
        .get(app.at("/api/v1/auth/oauth/gitlab/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(gitlab).await, (404, Some("not_found".into())));
    let plain = TestApp::builder()
        .config(|c| c.set_enabled(Feature::TwoFactor, true))
        .spawn()
        .await;
    let response = no_redirects()
        .get(plain.at("/api/v1/auth/oauth/github/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(response).await,
        (404, Some("feature_disabled".into()))
    );
}

#[tokio::test]
async fn a_callback_opened_in_another_browser_signs_no_one_in() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let response = no_redirects()
        .get(app.at("/api/v1/auth/oauth/github/start"))
        .send()
        .await
        .unwrap();
    let binder = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("oauth_binder="))
        .unwrap();
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/api/v1/auth/oauth",
        "Max-Age=600",
    ] {
        assert!(binder.contains(attribute), "{binder}");
    }
    // Someone approves with their own GitHub account and plants the callback link on a
    // victim, whose browser never started this sign-in.
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (code, state) = github.approve(&location, verified("mallory@example.com"));
    let planted = no_redirects()
        .get(app.at(&format!(
            "/api/v1/auth/oauth/github/callback?code={code}&state={state}"
        )))
        .header("cookie", "oauth_binder=not-the-one")
        .send()
        .await
        .unwrap();
    assert!(
        planted
            .headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().starts_with("access_token"))
    );
    assert_eq!(code_of(planted).await, (400, Some("invalid_state".into())));
    let bare = no_redirects()
        .get(app.at(&format!(
            "/api/v1/auth/oauth/github/callback?code={code}&state={state}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(bare).await,
        (400, Some("invalid_state".into())),
        "spent"
    );
    // The browser that did start a sign-in gets its cookie cleared with the answer.
    let location = start(&app).await;
    let (code, state) = github.approve(&location, verified("ada@example.com"));
    let done = callback(&app, &format!("code={code}&state={state}")).await;
    assert_eq!(done.status(), 302);
    assert!(
        done.headers().get_all("set-cookie").iter().any(|c| c
            .to_str()
            .unwrap()
            .starts_with("oauth_binder=; Path=/api/v1/auth/oauth; Max-Age=0")),
        "{:?}",
        done.headers()
    );
}

#[tokio::test]
async fn an_account_without_a_password_confirms_deletion_with_a_fresh_sign_in() {
    let github = GitHubDouble::start().await;
    let app = app(&github).await;
    let sign_in = || async {
        let response = sign_in_as(&app, &github, "nopass@example.com").await;
        assert_eq!(response.status(), 302);
        super::cookie_value(&response, "access_token").unwrap()
    };
    let delete = |token: String| {
        let app = &app;
        async move {
            app.client
                .delete(app.at("/api/v1/account"))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
        }
    };
    // Six minutes after signing in, the session no longer proves much: sign in again.
    let stale = sign_in().await;
    app.clock.advance_secs(6 * 60);
    assert_eq!(
        code_of(delete(stale).await).await,
        (401, Some("invalid_credentials".into()))
    );
    let fresh = sign_in().await;
    assert_eq!(delete(fresh).await.status(), 204);
}
