//! The REST adapter against a local HTTP double that records requests and can answer 429.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rampart_core::{ManualClock, Masked};
use rampart_discord::rest::{DiscordApi, RestClient, RestError, Sleeper};
use serde_json::json;

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    user_agent: String,
    body: String,
}

/// Scripted answers: (status, headers, body); 204 once the script runs out.
type Script = VecDeque<(u16, Vec<(&'static str, String)>, String)>;

struct Double {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn double(script: Script) -> Double {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (record, script) = (record.clone(), script.clone());
            let service = service_fn(move |req: Request<Incoming>| {
                let (record, script) = (record.clone(), script.clone());
                async move {
                    let header = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
                    let (authorization, user_agent) = (
                        header("authorization"),
                        header("user-agent").unwrap_or_default(),
                    );
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    record.lock().unwrap().push(Seen {
                        method,
                        path,
                        authorization,
                        user_agent,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let (status, headers, body) =
                        script
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or((204, vec![], String::new()));
                    let mut response = Response::builder().status(status);
                    for (name, value) in headers {
                        response = response.header(name, value);
                    }
                    Ok::<_, Infallible>(response.body(Full::new(Bytes::from(body))).unwrap())
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Double { url, seen }
}

/// Records waits and moves the clock instead of sleeping.
struct RecordingSleeper {
    clock: Arc<ManualClock>,
    waits: Mutex<Vec<Duration>>,
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.waits.lock().unwrap().push(duration);
        self.clock.advance_ms(duration.as_millis() as i64);
    }
}

fn client(url: &str) -> (RestClient, Arc<RecordingSleeper>) {
    let clock = Arc::new(ManualClock::at_ms(rampart_store::testing::START_MS));
    let sleeper = Arc::new(RecordingSleeper {
        clock: clock.clone(),
        waits: Mutex::new(Vec::new()),
    });
    let client = RestClient::new(
        url,
        Some(Masked::new("bot-secret".to_owned())),
        sleeper.clone(),
        clock,
    )
    .unwrap();
    (client, sleeper)
}

#[tokio::test]
async fn calls_use_discords_paths_auth_and_user_agent() {
    let d = double(Script::new()).await;
    let (api, _) = client(&d.url);
    let body = json!({"content": "done"});
    api.edit_original("app1", "tok1", &body).await.unwrap();
    api.follow_up("app1", "tok1", &body).await.unwrap();
    api.post_message("chan1", &body).await.unwrap();
    api.put_commands("app1", Some("guild1"), &json!([]))
        .await
        .unwrap();
    api.put_commands("app1", None, &json!([])).await.unwrap();
    let seen = d.seen.lock().unwrap().clone();
    let routes: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.method.clone(), s.path.clone()))
        .collect();
    assert_eq!(
        routes,
        [
            (
                "PATCH".into(),
                "/webhooks/app1/tok1/messages/@original".into()
            ),
            ("POST".into(), "/webhooks/app1/tok1".into()),
            ("POST".into(), "/channels/chan1/messages".into()),
            (
                "PUT".into(),
                "/applications/app1/guilds/guild1/commands".into()
            ),
            ("PUT".into(), "/applications/app1/commands".into()),
        ]
    );
    assert_eq!(
        seen[0].authorization, None,
        "interaction webhooks need no bot token"
    );
    assert_eq!(seen[2].authorization.as_deref(), Some("Bot bot-secret"));
    assert!(
        seen.iter()
            .all(|s| s.user_agent.starts_with("DiscordBot ("))
    );
    assert_eq!(seen[0].body, r#"{"content":"done"}"#);
}

#[tokio::test]
async fn registration_puts_the_whole_registry() {
    let d = double(Script::new()).await;
    let (api, _) = client(&d.url);
    let count = rampart_discord::registry::register(&api, "app1", Some("guild1"))
        .await
        .unwrap();
    assert_eq!(count, rampart_discord::registry::commands().len());
    let seen = d.seen.lock().unwrap().clone();
    assert_eq!(seen[0].path, "/applications/app1/guilds/guild1/commands");
    let sent: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        sent,
        rampart_discord::registry::registration_body(&rampart_discord::registry::commands())
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_retried() {
    let script = Script::from([
        (
            429,
            vec![("content-type", "application/json".to_owned())],
            r#"{"message":"You are being rate limited.","retry_after":1.5,"global":false}"#
                .to_owned(),
        ),
        (429, vec![("retry-after", "2".to_owned())], String::new()),
        (200, vec![], "{}".to_owned()),
    ]);
    let d = double(script).await;
    let (api, sleeper) = client(&d.url);
    api.post_message("chan1", &json!({"content": "hi"}))
        .await
        .unwrap();
    assert_eq!(
        *sleeper.waits.lock().unwrap(),
        [Duration::from_millis(1500), Duration::from_secs(2)]
    );
    assert_eq!(d.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_empty_bucket_delays_the_next_call_on_that_route() {
    let script = Script::from([(
        200,
        vec![
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset-after", "0.75".to_owned()),
        ],
        "{}".to_owned(),
    )]);
    let d = double(script).await;
    let (api, sleeper) = client(&d.url);
    api.post_message("chan1", &json!({})).await.unwrap();
    assert!(sleeper.waits.lock().unwrap().is_empty());
    api.post_message("chan1", &json!({})).await.unwrap();
    assert_eq!(*sleeper.waits.lock().unwrap(), [Duration::from_millis(750)]);
    api.post_message("chan2", &json!({})).await.unwrap();
    assert_eq!(
        sleeper.waits.lock().unwrap().len(),
        1,
        "other routes are not held back"
    );
}

#[tokio::test]
async fn persistent_429s_and_errors_fail_without_leaking_the_token() {
    let many: Script = (0..5)
        .map(|_| (429, vec![("retry-after", "0.1".to_owned())], String::new()))
        .collect();
    let d = double(many).await;
    let (api, _) = client(&d.url);
    assert!(matches!(
        api.post_message("c", &json!({})).await,
        Err(RestError::RateLimited)
    ));

    let d = double(Script::from([(
        403,
        vec![],
        r#"{"message":"Missing Access"}"#.to_owned(),
    )]))
    .await;
    let (api, _) = client(&d.url);
    let err = api.post_message("c", &json!({})).await.unwrap_err();
    assert!(matches!(err, RestError::Status { status: 403, .. }));
    assert!(!err.to_string().contains("bot-secret"));

    let d = double(Script::from([(
        429,
        vec![("retry-after", "3600".to_owned())],
        String::new(),
    )]))
    .await;
    let (api, _) = client(&d.url);
    assert!(matches!(
        api.post_message("c", &json!({})).await,
        Err(RestError::WaitTooLong(_))
    ));
}

#[tokio::test]
async fn absurd_waits_are_refused_not_a_panic_or_a_long_sleep() {
    // A retry_after no Duration can hold.
    let d = double(Script::from([(
        429,
        vec![],
        r#"{"retry_after": 1e300}"#.to_owned(),
    )]))
    .await;
    let (api, sleeper) = client(&d.url);
    assert!(matches!(
        api.post_message("c", &json!({})).await,
        Err(RestError::WaitTooLong(_))
    ));
    assert!(sleeper.waits.lock().unwrap().is_empty());
    // An empty bucket said to reset in a year: the next call on the route is refused
    // rather than sleeping past the function's timeout.
    let d = double(Script::from([(
        200,
        vec![
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset-after", "31536000".to_owned()),
        ],
        "{}".to_owned(),
    )]))
    .await;
    let (api, sleeper) = client(&d.url);
    api.post_message("chan1", &json!({})).await.unwrap();
    assert!(matches!(
        api.post_message("chan1", &json!({})).await,
        Err(RestError::WaitTooLong(_))
    ));
    assert!(sleeper.waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn each_interaction_token_has_its_own_webhook_bucket() {
    let script = Script::from([(
        200,
        vec![
            ("x-ratelimit-remaining", "0".to_owned()),
            ("x-ratelimit-reset-after", "0.5".to_owned()),
        ],
        "{}".to_owned(),
    )]);
    let d = double(script).await;
    let (api, sleeper) = client(&d.url);
    api.edit_original("app", "token-one", &json!({}))
        .await
        .unwrap();
    // Another interaction's edit is not held back by the first one's empty bucket ...
    api.edit_original("app", "token-two", &json!({}))
        .await
        .unwrap();
    assert!(sleeper.waits.lock().unwrap().is_empty());
    // ... while the same interaction's next edit waits.
    api.edit_original("app", "token-one", &json!({}))
        .await
        .unwrap();
    assert_eq!(*sleeper.waits.lock().unwrap(), [Duration::from_millis(500)]);
}
