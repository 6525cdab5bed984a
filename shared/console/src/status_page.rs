//! The public status page at `/status`: the overall status, each service's with a bar per day
//! over the last 90 days, and the incident history. Plain HTML and one stylesheet, readable
//! without JavaScript and on a phone; the bars are inline SVG whose colours come from classes.

use std::fmt::Write as _;

use crate::escape;

/// The status page's policy: our stylesheet and nothing else.
pub const STATUS_CSP: &str = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'none'";

/// How long a browser or a shared cache may reuse the page.
pub const CACHE: &str = "public, max-age=30";

/// How many days the bars show.
pub const DAYS: usize = 90;

const DAY_MS: i64 = 86_400_000;

/// A service's status, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
}

impl Level {
    /// The contract's name of a status (`degraded_performance`, ...).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "operational" => Self::Operational,
            "degraded_performance" => Self::Degraded,
            "partial_outage" => Self::PartialOutage,
            "major_outage" => Self::MajorOutage,
            _ => return None,
        })
    }

    /// In words.
    pub const fn words(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::Degraded => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }

    const fn class(self) -> &'static str {
        match self {
            Self::Operational => "ok",
            Self::Degraded => "degraded",
            Self::PartialOutage => "partial",
            Self::MajorOutage => "major",
        }
    }

    /// The status a day's server-error rate (in percent) stands for on the API's bar.
    pub fn of_error_rate(pct: f64) -> Self {
        if pct >= 10.0 {
            Self::MajorOutage
        } else if pct >= 5.0 {
            Self::PartialOutage
        } else if pct >= 1.0 {
            Self::Degraded
        } else {
            Self::Operational
        }
    }
}

/// One day of a service's bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The worst status in force during the day; `None` before anything was known.
    pub level: Option<Level>,
}

/// A service's row.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    pub level: Level,
    /// Since when (RFC 3339).
    pub since: Option<String>,
    pub message: Option<String>,
    /// The last [`DAYS`] days, oldest first.
    pub days: Vec<Day>,
}

/// An event of the incident history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub service: String,
    pub level: Level,
    /// RFC 3339.
    pub at: String,
    pub message: String,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusView {
    pub overall: Level,
    /// When the page was drawn (RFC 3339).
    pub updated_at: String,
    pub services: Vec<ServiceRow>,
    /// Newest first.
    pub incidents: Vec<Incident>,
}

/// `YYYY-MM-DD` of the UTC day holding `epoch_ms`.
pub fn date_of(epoch_ms: i64) -> String {
    // Days to civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let days = epoch_ms.div_euclid(DAY_MS) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The midnight (UTC, in epoch milliseconds) starting each of the last [`DAYS`] days up to the
/// one holding `now_ms`, oldest first.
fn day_starts(now_ms: i64) -> impl Iterator<Item = i64> {
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    (0..DAYS as i64)
        .rev()
        .map(move |back| today - back * DAY_MS)
}

/// A service's days from its status events (`(epoch_ms, level)`, any order): each day shows
/// the worst status in force at any moment of it (the one carried over from the day before and
/// every one posted during it); days before the service's first event show nothing.
pub fn days_from_events(events: &[(i64, Level)], now_ms: i64) -> Vec<Day> {
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|(at, _)| *at);
    day_starts(now_ms)
        .map(|start| {
            let end = start + DAY_MS;
            let carried = sorted
                .iter()
                .rev()
                .find(|(at, _)| *at < start)
                .map(|(_, l)| *l);
            let during = sorted
                .iter()
                .filter(|(at, _)| (start..end).contains(at))
                .map(|(_, l)| *l);
            Day {
                date: date_of(start),
                level: carried.into_iter().chain(during).max(),
            }
        })
        .collect()
}

/// The API's days from the daily health snapshots (`(taken_at_ms, server-error rate in
/// percent)`): a day with a snapshot shows the status its rate stands for, a day without one
/// shows nothing.
pub fn days_from_snapshots(snapshots: &[(i64, f64)], now_ms: i64) -> Vec<Day> {
    day_starts(now_ms)
        .map(|start| Day {
            date: date_of(start),
            level: snapshots
                .iter()
                .filter(|(at, _)| (start..start + DAY_MS).contains(at))
                .map(|(_, pct)| Level::of_error_rate(*pct))
                .max(),
        })
        .collect()
}

/// An RFC 3339 time as people read it: `2026-12-07 14:05 UTC` (escaped).
pub fn readable(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    let shaped = b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && rfc3339.ends_with('Z');
    if shaped {
        format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
    } else {
        escape(rfc3339)
    }
}

/// The page.
pub fn render(view: &StatusView) -> String {
    let mut services = String::new();
    for service in &view.services {
        services.push_str(&service_html(service));
    }
    if view.services.is_empty() {
        services.push_str("<p>No service has reported a status yet.</p>\n");
    }
    let mut incidents = String::new();
    for incident in &view.incidents {
        let _ = writeln!(
            incidents,
            "<li><time datetime=\"{at}\">{when}</time> <strong>{service}</strong>: \
             <span class=\"level {class}\">{words}</span>. {message}</li>",
            at = escape(&incident.at),
            when = readable(&incident.at),
            service = escape(&incident.service),
            class = incident.level.class(),
            words = incident.level.words(),
            message = escape(&incident.message),
        );
    }
    let history = if incidents.is_empty() {
        "<p>Nothing to report over the last 90 days.</p>\n".to_owned()
    } else {
        format!("<ol class=\"incidents\">\n{incidents}</ol>\n")
    };
    let headline = match view.overall {
        Level::Operational => "All systems operational",
        Level::Degraded => "Some systems are slower than usual",
        Level::PartialOutage => "Some systems are down",
        Level::MajorOutage => "A major outage is under way",
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>Rampart status</title>\n<link rel=\"stylesheet\" href=\"{css}\">\n</head>\n\
         <body class=\"status-page\">\n<main id=\"main\">\n<h1>Rampart status</h1>\n\
         <p class=\"overall {class}\" role=\"status\">{headline}</p>\n\
         <p class=\"updated\">Updated <time datetime=\"{updated}\">{when}</time>.</p>\n\
         <section aria-labelledby=\"services\">\n<h2 id=\"services\">Services</h2>\n\
         {services}</section>\n\
         <section aria-labelledby=\"history\">\n<h2 id=\"history\">Incident history</h2>\n\
         {history}</section>\n</main>\n</body>\n</html>\n",
        css = crate::stylesheet_url(),
        class = view.overall.class(),
        updated = escape(&view.updated_at),
        when = readable(&view.updated_at),
    )
}

fn service_html(service: &ServiceRow) -> String {
    let name = escape(&service.name);
    let known: Vec<&Level> = service
        .days
        .iter()
        .filter_map(|d| d.level.as_ref())
        .collect();
    let good = known.iter().filter(|l| ***l == Level::Operational).count();
    let summary = if known.is_empty() {
        "no data yet".to_owned()
    } else {
        let days = known.len();
        format!(
            "{good} of {days} day{} operational",
            if days == 1 { "" } else { "s" }
        )
    };
    let mut bars = String::new();
    for (i, day) in service.days.iter().enumerate() {
        let (class, words) = match day.level {
            Some(level) => (level.class(), level.words()),
            None => ("none", "No data"),
        };
        let _ = write!(
            bars,
            "<rect x=\"{x}\" y=\"0\" width=\"4\" height=\"30\" rx=\"1\" class=\"{class}\">\
             <title>{date}: {words}</title></rect>",
            x = i * 6,
            date = day.date,
        );
    }
    let since = service
        .since
        .as_deref()
        .map(|s| {
            format!(
                " since <time datetime=\"{}\">{}</time>",
                escape(s),
                readable(s)
            )
        })
        .unwrap_or_default();
    let message = service
        .message
        .as_deref()
        .map(|m| format!("<p class=\"message\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<article class=\"service\">\n<h3>{name} <span class=\"level {class}\">{words}</span></h3>\n\
         <p class=\"since\">{words}{since}</p>{message}\n\
         <svg class=\"bars\" viewBox=\"0 0 {width} 30\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"{name} over the last {DAYS} days: {summary}\">{bars}</svg>\n\
         <p class=\"range\"><span>{DAYS} days ago</span><span>{summary}</span><span>Today</span></p>\n\
         </article>\n",
        class = service.level.class(),
        words = service.level.words(),
        width = DAYS * 6 - 2,
    )
}

#[cfg(test)]
mod tests;
