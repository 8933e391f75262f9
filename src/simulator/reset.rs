//! Reset times written the way Claude Code 2.1.332 writes them (its `JN(epochSeconds, showTz)`).

use jiff::tz::TimeZone;
use jiff::Timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `1am`, `12:30am`, `11:30pm` when the reset is at most 24 h away; `Nov 29, 1:30am` further
/// out, `Jan 2, 2027, 1am` when the year differs; ` (Zone/Name)` appended when `with_zone`.
pub fn format_reset(reset: Timestamp, now: Timestamp, tz: &TimeZone, with_zone: bool) -> String {
    let z = reset.to_zoned(tz.clone());
    let hour12 = match z.hour() % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if z.hour() < 12 { "am" } else { "pm" };
    // The CLI leaves the minutes out on the hour (`minute: m == 0 ? undefined : "2-digit"`).
    let time = if z.minute() == 0 {
        format!("{hour12}{ampm}")
    } else {
        format!("{hour12}:{:02}{ampm}", z.minute())
    };
    let far = reset.as_second().saturating_sub(now.as_second()) > 24 * 3600;
    let text = if !far {
        time
    } else {
        let month = MONTHS
            .get(usize::try_from(z.month() - 1).unwrap_or(0))
            .copied()
            .unwrap_or("Jan");
        if z.year() != now.to_zoned(tz.clone()).year() {
            format!("{month} {}, {}, {time}", z.day(), z.year())
        } else {
            format!("{month} {}, {time}", z.day())
        }
    };
    if with_zone {
        format!("{text} ({})", zone_name(tz))
    } else {
        text
    }
}

/// The zone name JavaScript's `Intl` reports: the IANA name, with the UTC aliases folded into
/// `UTC` as V8 does, and `UTC` when the zone has no name (a POSIX `TZ` string, a fixed offset).
pub fn zone_name(tz: &TimeZone) -> String {
    match tz.iana_name() {
        Some(
            "Etc/UTC" | "Etc/GMT" | "GMT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu"
            | "Etc/UCT" | "UCT" | "Etc/Greenwich" | "Greenwich" | "Etc/GMT0" | "GMT0" | "Etc/GMT+0"
            | "Etc/GMT-0" | "GMT+0" | "GMT-0",
        )
        | None => "UTC".to_string(),
        Some(name) => name.to_string(),
    }
}

/// The reset the simulator announces when none is configured: the next full hour plus two
/// hours, so it is always in the future and always shown as a bare time (`3am`).
pub fn default_reset(now: Timestamp) -> Timestamp {
    let s = now.as_second();
    let next_hour = s - s.rem_euclid(3600) + 3600;
    Timestamp::from_second(next_hour + 2 * 3600).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    #[test]
    fn within_a_day_only_the_time_is_shown() {
        let now = ts("2026-11-25T22:16:00Z");
        // 00:00Z is 1am in Paris (UTC+1 in November).
        let r = ts("2026-11-26T00:00:00Z");
        assert_eq!(format_reset(r, now, &paris(), true), "1am (Europe/Paris)");
        assert_eq!(format_reset(r, now, &paris(), false), "1am");
        let r = ts("2026-11-25T23:30:00Z");
        assert_eq!(format_reset(r, now, &paris(), false), "12:30am");
        let r = ts("2026-11-25T22:30:00Z");
        assert_eq!(format_reset(r, now, &paris(), false), "11:30pm");
        let r = ts("2026-11-26T11:05:00Z");
        assert_eq!(format_reset(r, now, &paris(), false), "12:05pm");
        let r = ts("2026-11-26T12:00:00Z");
        assert_eq!(format_reset(r, now, &TimeZone::UTC, true), "12pm (UTC)");
    }

    #[test]
    fn further_out_the_date_is_shown_and_the_year_when_it_differs() {
        let now = ts("2026-11-25T22:16:00Z");
        let r = ts("2026-11-29T00:30:00Z");
        assert_eq!(format_reset(r, now, &paris(), false), "Nov 29, 1:30am");
        assert_eq!(
            format_reset(r, now, &paris(), true),
            "Nov 29, 1:30am (Europe/Paris)"
        );
        let r = ts("2027-01-02T00:00:00Z");
        assert_eq!(format_reset(r, now, &paris(), false), "Jan 2, 2027, 1am");
        let ny = TimeZone::get("America/New_York").unwrap();
        let r = ts("2026-12-01T18:00:00Z");
        assert_eq!(
            format_reset(r, now, &ny, true),
            "Dec 1, 1pm (America/New_York)"
        );
    }

    #[test]
    fn exactly_a_day_away_is_still_a_bare_time_and_past_resets_too() {
        let now = ts("2026-11-25T00:00:00Z");
        assert_eq!(
            format_reset(ts("2026-11-26T00:00:00Z"), now, &TimeZone::UTC, false),
            "12am"
        );
        assert_eq!(
            format_reset(ts("2026-11-26T00:00:01Z"), now, &TimeZone::UTC, false),
            "Nov 26, 12am"
        );
        assert_eq!(
            format_reset(ts("2026-11-24T03:00:00Z"), now, &TimeZone::UTC, false),
            "3am"
        );
    }

    #[test]
    fn unnamed_and_alias_zones_read_utc() {
        assert_eq!(zone_name(&TimeZone::UTC), "UTC");
        assert_eq!(zone_name(&TimeZone::get("Etc/UTC").unwrap()), "UTC");
        assert_eq!(zone_name(&TimeZone::fixed(jiff::tz::offset(2))), "UTC");
        assert_eq!(
            zone_name(&TimeZone::get("Asia/Tokyo").unwrap()),
            "Asia/Tokyo"
        );
    }

    #[test]
    fn default_reset_is_two_hours_after_the_next_full_hour() {
        assert_eq!(
            default_reset(ts("2026-11-25T22:16:40Z")),
            ts("2026-11-26T01:00:00Z")
        );
        assert_eq!(
            default_reset(ts("2026-11-25T22:00:00Z")),
            ts("2026-11-26T01:00:00Z")
        );
    }
}
