//! The web pages: the console's pages and assets (`/console`, `/console/{page}`,
//! `/console/assets/{file}`) and the public status page (`/status`). The pages are HTML with
//! their own `Content-Security-Policy`; the data the console shows comes from the API.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use rampart_console::status_page::{self, Incident, Level, ServiceRow, StatusView};
use rampart_content::{ServiceStatus, Status};
use rampart_core::clock::{parse_rfc3339, rfc3339};
use rampart_core::{ApiError, Clock};
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::state::HandlerFuture;

/// How far back the status page reads a service's events: enough pages for 90 days of any
/// service that posts a few events a day; older days then show what is known.
const MAX_EVENTS_PER_SERVICE: usize = 1000;
/// The incident history's length.
const MAX_INCIDENTS: usize = 50;
const EVENTS_PAGE: u32 = 100;

fn page_response(html: String, policy: &'static str, cache: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(html));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// A console page's shell: the same for everyone, so a shared cache may keep it briefly (the
/// assets it names change with every build).
const SHELL_CACHE: &str = "public, max-age=60";

/// The shell of the console's page `slug`; `404` for a page the console does not have.
fn shell_of(slug: Option<&str>) -> Result<Response<Bytes>, ApiError> {
    let page = slug
        .and_then(rampart_console::find)
        .ok_or(ApiError::NotFound)?;
    Ok(page_response(
        rampart_console::shell(page),
        rampart_console::CONSOLE_CSP,
        SHELL_CACHE,
    ))
}

/// `GET /console`: the overview's shell.
pub fn home<'a>(_ctx: &'a RequestContext, _req: Request<Bytes>) -> HandlerFuture<'a> {
    Box::pin(async move { shell_of(Some(rampart_console::HOME)) })
}

/// `GET /console/{page}`: the page's shell.
pub fn page<'a>(ctx: &'a RequestContext, _req: Request<Bytes>) -> HandlerFuture<'a> {
    Box::pin(async move { shell_of(ctx.param("page")) })
}

/// `GET /console/assets/{file}`: a built asset under its hashed name, cached for a year;
/// `404` for any other name (an old build's included).
pub fn asset<'a>(ctx: &'a RequestContext, _req: Request<Bytes>) -> HandlerFuture<'a> {
    Box::pin(async move {
        let asset = ctx
            .param("file")
            .and_then(rampart_console::find_asset)
            .ok_or(ApiError::NotFound)?;
        let mut response = Response::new(Bytes::from_static(asset.bytes));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(rampart_console::ASSET_CACHE),
        );
        Ok(response)
    })
}

fn level(status: ServiceStatus) -> Level {
    match status {
        ServiceStatus::Operational => Level::Operational,
        ServiceStatus::DegradedPerformance => Level::Degraded,
        ServiceStatus::PartialOutage => Level::PartialOutage,
        ServiceStatus::MajorOutage => Level::MajorOutage,
    }
}

/// `GET /status`: the public status page, drawn from the current statuses, each service's
/// events of the last 90 days and the daily health snapshots (read concurrently: one round
/// trip, then one per service at once).
pub fn status<'a>(
    store: SharedStore,
    clock: &'a dyn Clock,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let now = clock.now_ms();
        let window_start = now - status_page::DAYS as i64 * 86_400_000;
        let statuses = Status::new(store.clone());
        // The current statuses and the snapshots at once, then every service's events at once.
        let (current, snapshots) = futures_util::future::try_join(
            async { Ok::<_, ApiError>(statuses.page().await?) },
            async {
                rampart_discord::snapshot::between(&store, window_start, now + 1)
                    .await
                    .map_err(ApiError::from)
            },
        )
        .await?;
        let histories = futures_util::future::try_join_all(
            current
                .services
                .iter()
                .map(|state| recent_events(&statuses, &state.service, window_start)),
        )
        .await?;
        let mut services = Vec::new();
        let mut incidents = Vec::new();
        for (state, events) in current.services.iter().zip(histories) {
            let timeline: Vec<(i64, Level)> = events
                .iter()
                .filter_map(|e| Some((parse_rfc3339(&e.created_at)?, level(e.status))))
                .collect();
            incidents.extend(
                events
                    .iter()
                    .filter(|e| parse_rfc3339(&e.created_at).is_some_and(|at| at >= window_start))
                    .map(|e| Incident {
                        service: e.service.clone(),
                        level: level(e.status),
                        at: e.created_at.clone(),
                        message: e.message.clone(),
                    }),
            );
            services.push(ServiceRow {
                name: state.service.clone(),
                level: level(state.status),
                since: Some(state.since.clone()),
                message: Some(state.last_message.clone()).filter(|m| !m.is_empty()),
                days: status_page::days_from_events(&timeline, now),
            });
        }
        let mut overall = level(current.overall);
        if let Some(latest) = snapshots.last() {
            let figures: Vec<(i64, f64)> = snapshots
                .iter()
                .map(|s| (s.taken_at_ms, s.error_rate_pct))
                .collect();
            let api = Level::of_error_rate(latest.error_rate_pct);
            overall = overall.max(api);
            services.push(ServiceRow {
                name: "API (daily health snapshot)".into(),
                level: api,
                since: Some(rfc3339(latest.taken_at_ms)),
                message: Some(format!(
                    "{:.2} % of requests failed with a server error over the day before.",
                    latest.error_rate_pct
                )),
                days: status_page::days_from_snapshots(&figures, now),
            });
        }
        incidents.sort_by(|a, b| b.at.cmp(&a.at));
        incidents.truncate(MAX_INCIDENTS);
        let view = StatusView {
            overall,
            updated_at: rfc3339(now),
            services,
            incidents,
        };
        Ok(page_response(
            status_page::render(&view),
            status_page::STATUS_CSP,
            status_page::CACHE,
        ))
    })
}

/// A service's events, newest first, back to the first one before `since` (the status in
/// force when the window opens), at most [`MAX_EVENTS_PER_SERVICE`].
async fn recent_events(
    statuses: &Status,
    service: &str,
    since: i64,
) -> Result<Vec<rampart_content::StatusEvent>, ApiError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let (events, next) = statuses.events(Some(service), EVENTS_PAGE, cursor).await?;
        for event in events {
            let older = parse_rfc3339(&event.created_at).is_none_or(|at| at < since);
            out.push(event);
            if older || out.len() >= MAX_EVENTS_PER_SERVICE {
                return Ok(out);
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}
