use super::*;

const DAY: i64 = DAY_MS;
/// 2026-12-07T15:00:00Z.
const NOW: i64 = 1_796_655_600_000;

#[test]
fn dates_are_utc_calendar_days() {
    assert_eq!(date_of(0), "1970-01-01");
    assert_eq!(date_of(NOW), "2026-12-07");
    assert_eq!(date_of(951_782_400_000), "2000-02-29");
    assert_eq!(date_of(-1), "1969-12-31");
}

#[test]
fn a_day_shows_the_worst_status_in_force_during_it() {
    let today = NOW - NOW.rem_euclid(DAY);
    let events = [
        // Ten days ago: degraded, then operational again the same day.
        (today - 10 * DAY + 3_600_000, Level::Degraded),
        (today - 10 * DAY + 7_200_000, Level::Operational),
        // Three days ago a major outage starts, ending two days ago.
        (today - 3 * DAY + 1000, Level::MajorOutage),
        (today - 2 * DAY + 1000, Level::Operational),
    ];
    let days = days_from_events(&events, NOW);
    assert_eq!(days.len(), DAYS);
    assert_eq!(days[DAYS - 1].date, "2026-12-07");
    assert_eq!(days[DAYS - 1].level, Some(Level::Operational));
    // Before its first event a service has no data.
    assert_eq!(days[DAYS - 12].level, None);
    assert_eq!(days[DAYS - 11].level, Some(Level::Degraded));
    assert_eq!(days[DAYS - 10].level, Some(Level::Operational));
    assert_eq!(days[DAYS - 4].level, Some(Level::MajorOutage));
    // The outage was still in force when two days ago began.
    assert_eq!(days[DAYS - 3].level, Some(Level::MajorOutage));
    assert_eq!(days[DAYS - 2].level, Some(Level::Operational));
}

#[test]
fn the_api_bar_follows_each_days_error_rate() {
    let today = NOW - NOW.rem_euclid(DAY);
    let snapshots = [
        (today - DAY + 60_000, 0.2),
        (today - 2 * DAY + 60_000, 6.0),
        (today + 60_000, 1.5),
    ];
    let days = days_from_snapshots(&snapshots, NOW);
    assert_eq!(days[DAYS - 1].level, Some(Level::Degraded));
    assert_eq!(days[DAYS - 2].level, Some(Level::Operational));
    assert_eq!(days[DAYS - 3].level, Some(Level::PartialOutage));
    assert_eq!(days[DAYS - 4].level, None);
    assert_eq!(Level::of_error_rate(12.0), Level::MajorOutage);
}

#[test]
fn the_page_escapes_what_admins_wrote_and_draws_90_bars() {
    let view = StatusView {
        overall: Level::PartialOutage,
        updated_at: "2026-12-07T15:00:00Z".into(),
        services: vec![ServiceRow {
            name: "api".into(),
            level: Level::PartialOutage,
            since: Some("2026-12-07T14:00:00Z".into()),
            message: Some("<script>alert(1)</script>".into()),
            days: days_from_events(&[(NOW - 3_600_000, Level::PartialOutage)], NOW),
        }],
        incidents: vec![Incident {
            service: "api".into(),
            level: Level::PartialOutage,
            at: "2026-12-07T14:00:00Z".into(),
            message: "Errors <b>up</b>".into(),
        }],
    };
    let html = render(&view);
    assert!(html.contains("Some systems are down"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Errors &lt;b&gt;up&lt;/b&gt;"));
    assert_eq!(html.matches("<rect ").count(), DAYS);
    assert!(
        html.contains("0 of 1 day operational"),
        "today had an outage"
    );
    assert!(html.contains("<time datetime=\"2026-12-07T14:00:00Z\">2026-12-07 14:00 UTC</time>"));
    assert!(!html.contains("style="));
}

#[test]
fn times_read_as_people_write_them() {
    assert_eq!(readable("2026-12-07T14:05:09Z"), "2026-12-07 14:05 UTC");
    assert_eq!(readable("<not a time>"), "&lt;not a time&gt;");
}
