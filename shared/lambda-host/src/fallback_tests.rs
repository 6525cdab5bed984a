use super::*;

async fn answer(method: &str, path: &str) -> http::Response<Bytes> {
    let table = rampart_api::routes()
        .into_iter()
        .map(|r| (r.method, r.path));
    let app = fallback_app(Config::local(), table).unwrap();
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .body(Bytes::new())
        .unwrap();
    app.handle(req).await
}

#[tokio::test]
async fn unmatched_requests_get_the_contracts_problem_documents() {
    let missing = answer("GET", "/no/such/route").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    assert!(missing.headers().contains_key("x-request-id"));
    assert!(missing.headers().contains_key("strict-transport-security"));
    let body: serde_json::Value = serde_json::from_slice(missing.body()).unwrap();
    assert_eq!(body["code"], "not_found");

    let wrong_method = answer("DELETE", "/health").await;
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers()["allow"], "GET");
    // A path and method the table does serve is still not served by the fallback.
    assert_eq!(answer("GET", "/api/v1/account").await.status(), 404);
}
