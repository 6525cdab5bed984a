//! The smoke test of a deployed (or local) stack: `/health` answers, every route of the route
//! table answers an anonymous caller as its access rule predicts (a protected route `401`,
//! or `404 feature_disabled` where its feature is off; a public one anything but a 5xx), an
//! unknown path is a `404`, and, given a key holding `internal:write`, the synthetic journey
//! passes through the public URL. A public route answering `503` is reported as a warning, not
//! a failure: the webhooks answer so while their integration's secret is not configured, which
//! a stage may choose. `infra/deploy.sh` runs it after every deploy; the test
//! command runs it against the local stack.

use std::time::Duration;

use rampart_api::{Access, BodyKind, Route};
use serde_json::Value;

/// How long one check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// One check and what it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `GET /health`, `POST /api/v1/projects`, ...
    pub name: String,
    pub ok: bool,
    /// What was expected and what came back, when it failed.
    pub detail: String,
}

/// Every check of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
    /// Why the journey did not run, when it did not.
    pub journey_skipped: Option<String>,
    /// Public routes that answered `503` (an integration not configured, most likely).
    pub warnings: Vec<String>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// A path of `route` with every `{name}` filled with a value no real item has.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "0"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `status` (with the problem `code`) is what an anonymous caller should get.
fn expected(route: &Route, status: u16, code: Option<&str>) -> Result<(), String> {
    match route.access {
        Access::Permission(_) if status == 401 => Ok(()),
        Access::Permission(_) if status == 404 && code == Some("feature_disabled") => Ok(()),
        Access::Permission(permission) => Err(format!(
            "needs {permission}, so an anonymous caller gets 401; got {status}"
        )),
        Access::Public if status < 500 || status == 503 => Ok(()),
        Access::Public => Err(format!("a public route answered {status}")),
    }
}

/// Runs every check against `base` (`https://api.example.com`, no trailing `/`); the journey
/// only with `journey_key` (an API key holding `internal:write`).
pub async fn run(base: &str, routes: &[Route], journey_key: Option<&str>) -> Report {
    let mut report = Report::default();
    let client = match reqwest::Client::builder()
        .timeout(CHECK_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            report.checks.push(Check {
                name: "HTTP client".into(),
                ok: false,
                detail: error.to_string(),
            });
            return report;
        }
    };
    report.checks.push(health(&client, base).await);
    for route in routes {
        let (check, status) = anonymous(&client, base, route).await;
        if status == Some(503) && route.access == Access::Public {
            report.warnings.push(format!(
                "{}: 503 (its integration is not configured?)",
                check.name
            ));
        }
        report.checks.push(check);
    }
    report.checks.push(unknown_path(&client, base).await);
    match journey_key {
        Some(key) => report.checks.push(journey(&client, base, key).await),
        None => {
            report.journey_skipped =
                Some("no key with internal:write given (RAMPART_SMOKE_API_KEY)".into())
        }
    }
    report
}

fn check(name: String, outcome: Result<(), String>) -> Check {
    match outcome {
        Ok(()) => Check {
            name,
            ok: true,
            detail: String::new(),
        },
        Err(detail) => Check {
            name,
            ok: false,
            detail,
        },
    }
}

async fn health(client: &reqwest::Client, base: &str) -> Check {
    let outcome = async {
        let response = client
            .get(format!("{base}/health"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == 200 && body["status"] == "ok" {
            Ok(())
        } else {
            Err(format!("expected 200 and status ok; got {status} {body}"))
        }
    };
    check("GET /health".into(), outcome.await)
}

async fn anonymous(client: &reqwest::Client, base: &str, route: &Route) -> (Check, Option<u16>) {
    let name = format!("{} {}", route.method, route.path);
    let mut request = client.request(
        route.method.clone(),
        format!("{base}{}", concrete(route.path)),
    );
    // A well-formed JSON body, so the answer is about credentials, not the body's form.
    if route.body == BodyKind::Json {
        request = request
            .header("content-type", "application/json")
            .body("{}");
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (
                check(name, expected(route, status, body["code"].as_str())),
                Some(status),
            )
        }
        Err(error) => (check(name, Err(error.to_string())), None),
    }
}

async fn unknown_path(client: &reqwest::Client, base: &str) -> Check {
    let outcome = async {
        let response = client
            .get(format!("{base}/api/v1/no-such-route-smoke"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        match response.status().as_u16() {
            404 => Ok(()),
            other => Err(format!("expected 404; got {other}")),
        }
    };
    check("GET <unknown path>".into(), outcome.await)
}

async fn journey(client: &reqwest::Client, base: &str, key: &str) -> Check {
    let outcome = async {
        let response = client
            .post(format!("{base}/internal/journey/run"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == 200 && body["passed"] == true && body["cleaned_up"] == true {
            Ok(())
        } else {
            Err(format!(
                "expected a passed, cleaned-up journey; got {status} {body}"
            ))
        }
    };
    check("POST /internal/journey/run".into(), outcome.await)
}

#[cfg(test)]
mod tests {
    use super::concrete;

    #[test]
    fn path_parameters_are_filled_with_a_value_no_item_has() {
        assert_eq!(concrete("/api/v1/projects/{id}"), "/api/v1/projects/0");
        assert_eq!(
            concrete("/api/v1/admin/users/{id}/role"),
            "/api/v1/admin/users/0/role"
        );
        assert_eq!(concrete("/health"), "/health");
    }
}
