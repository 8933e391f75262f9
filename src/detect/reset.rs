//! Reset times as Claude Code prints them (`1am`, `Nov 29, 1:30am (Europe/Paris)`), read into
//! absolute times. A grammar of their own, used from two sides: a message line is only a limit
//! when what follows `resets` could be a time, and the decision turns the time it kept into a
//! timestamp against the clock. Kept apart from both, with its own tests.

use jiff::civil::{Date, Time};
use jiff::{Timestamp, Zoned};
use regex::Regex;
use std::sync::LazyLock;

use super::normalize;

/// Parse a reset time as Claude Code prints it (`1am`, `12:30am`, `Nov 29, 1:30am`,
/// `Jan 2, 2027, 1am`, `Jul 27 at 4:30am`, `Oct 24`, each optionally followed by ` (IANA zone)`)
/// into an absolute time: in the named zone, else `now`'s zone; without a date, the next
/// occurrence after `now`; a month and day without a year, the next occurrence of that day.
pub fn parse_reset(text: &str, now: &Zoned) -> Option<Timestamp> {
    let text = normalize(text);
    let c = reset_parts(text.trim())?;
    let tz = match c.tz {
        Some(name) => crate::zone::named(name)?,
        None => now.time_zone().clone(),
    };
    let here = now.with_time_zone(tz.clone());
    let time = if let Some(h) = c.hour {
        let h: i8 = h.parse().ok()?;
        let m: i8 = c.min.map_or(Some(0), |m| m.parse().ok())?;
        if !(1..=12).contains(&h) {
            return None;
        }
        let pm = c.ampm?.eq_ignore_ascii_case("p");
        Time::new(h % 12 + if pm { 12 } else { 0 }, m, 0, 0).ok()?
    } else if let Some(h) = c.h24 {
        let h: i8 = h.parse().ok()?;
        let m: i8 = c.m24?.parse().ok()?;
        Time::new(h, m, 0, 0).ok()?
    } else if c.mon.is_some() {
        Time::midnight()
    } else {
        return None;
    };
    let at = |date: Date| -> Option<Zoned> { date.to_datetime(time).to_zoned(tz.clone()).ok() };
    let zoned = match c.mon {
        Some(mon) => {
            let month = month_number(mon)?;
            let day: i8 = c.day?.parse().ok()?;
            match c.year {
                Some(y) => at(Date::new(y.parse().ok()?, month, day).ok()?)?,
                None => {
                    let year = here.year();
                    let this = Date::new(year, month, day).ok().and_then(at);
                    match this {
                        Some(z) if z.timestamp() > now.timestamp() => z,
                        _ => at(Date::new(year.checked_add(1)?, month, day).ok()?)?,
                    }
                }
            }
        }
        None => {
            let today = at(here.date())?;
            if today.timestamp() > now.timestamp() {
                today
            } else {
                at(here.date().tomorrow().ok()?)?
            }
        }
    };
    Some(zoned.timestamp())
}

/// The parts of a reset time, as `RESET_TIME` captures them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct ResetParts<'a> {
    mon: Option<&'a str>,
    day: Option<&'a str>,
    year: Option<&'a str>,
    hour: Option<&'a str>,
    min: Option<&'a str>,
    ampm: Option<&'a str>,
    h24: Option<&'a str>,
    m24: Option<&'a str>,
    tz: Option<&'a str>,
}

/// The grammar of a reset time: an optional date (`Nov 29`, `Jan 2, 2027`, `Jul 27 at`), an
/// optional time (`1am`, `12:30 p.m.`, `23:15`), an optional zone (`(Europe/Paris)`). ASCII
/// letters in any case (`-u`: no Unicode tables, which the binary is built without). One regex
/// rather than code because a new format is one more alternative here; compiled on first use,
/// so only by a process that reads a limit's reset time (docs/benchmark.md).
static RESET_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi-u)^
        (?:at\ )?
        (?:
            (?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\ (?P<day>\d{1,2})(?:st|nd|rd|th)?
            (?:,\ ?(?P<year>\d{4}))?
            (?:,?\ at\ |,\ |\ |$)
        )?
        (?:
            (?P<hour>\d{1,2})(?::(?P<min>\d{2}))?\ ?(?P<ampm>[ap])\.?m\.?
          | (?P<h24>\d{1,2}):(?P<m24>\d{2})
        )?
        (?:\ ?\((?P<tz>[A-Za-z][A-Za-z0-9_+\-/]{0,63})\))?
        \.?$",
    )
    .expect("valid regex")
});

pub(super) fn reset_parts(text: &str) -> Option<ResetParts<'_>> {
    let c = RESET_TIME.captures(text)?;
    let part = |name| c.name(name).map(|m| m.as_str());
    Some(ResetParts {
        mon: part("mon"),
        day: part("day"),
        year: part("year"),
        hour: part("hour"),
        min: part("min"),
        ampm: part("ampm"),
        h24: part("h24"),
        m24: part("m24"),
        tz: part("tz"),
    })
}

fn month_number(name: &str) -> Option<i8> {
    let key = name.get(..3)?.to_ascii_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months.iter().position(|m| *m == key).map(|i| i as i8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::test_support::{at, now};

    #[test]
    fn reset_times_in_every_format() {
        let n = now(); // 2025-11-28 22:00 in Paris (21:00 UTC)
        let cases: &[(&str, Option<&str>)] = &[
            ("1am", Some("2025-11-29T00:00:00Z")),
            ("12:30am", Some("2025-11-28T23:30:00Z")),
            ("11:30pm", Some("2025-11-28T22:30:00Z")),
            ("9pm", Some("2025-11-29T20:00:00Z")), // already past today: tomorrow
            ("10pm", Some("2025-11-29T21:00:00Z")), // exactly now: the next one
            ("12pm", Some("2025-11-29T11:00:00Z")),
            ("12am", Some("2025-11-28T23:00:00Z")),
            ("1\u{202f}am", Some("2025-11-29T00:00:00Z")),
            ("1 AM", Some("2025-11-29T00:00:00Z")),
            ("11:30 PM", Some("2025-11-28T22:30:00Z")),
            ("1am (Europe/Paris)", Some("2025-11-29T00:00:00Z")),
            ("1am (UTC)", Some("2025-11-29T01:00:00Z")),
            ("1am (America/New_York)", Some("2025-11-29T06:00:00Z")),
            ("5pm (America/New_York)", Some("2025-11-28T22:00:00Z")),
            ("1pm (Etc/GMT+5)", Some("2025-11-29T18:00:00Z")),
            ("Nov 29, 1:30am", Some("2025-11-29T00:30:00Z")),
            ("Nov 29, 1:30am (Asia/Tokyo)", Some("2026-11-28T16:30:00Z")), // already past in Tokyo
            ("Nov 29, 11:30pm (Asia/Tokyo)", Some("2025-11-29T14:30:00Z")),
            ("Nov 27, 1am", Some("2026-11-27T00:00:00Z")), // passed this year: next year
            ("Jan 2, 2027, 1am", Some("2027-01-02T00:00:00Z")),
            (
                "Jan 2, 2027, 1am (America/Los_Angeles)",
                Some("2027-01-02T09:00:00Z"),
            ),
            ("Jan 3, 1am", Some("2026-01-03T00:00:00Z")),
            ("Dec 2, 7pm (Europe/Moscow)", Some("2025-12-02T16:00:00Z")),
            (
                "Jul 27 at 4:30am (Asia/Calcutta)",
                Some("2026-07-26T23:00:00Z"),
            ),
            ("Oct 31, 9am", Some("2026-10-31T08:00:00Z")),
            ("Oct 24", Some("2026-10-23T22:00:00Z")),
            ("Dec 1", Some("2025-11-30T23:00:00Z")),
            ("at 3pm (Europe/Paris)", Some("2025-11-29T14:00:00Z")),
            ("3pm (Europe/Paris).", Some("2025-11-29T14:00:00Z")),
            ("23:15", Some("2025-11-28T22:15:00Z")),
            // Spring forward: 2:30 does not exist in Paris that night; jiff moves it ahead.
            (
                "Mar 29, 2026, 2:30am (Europe/Paris)",
                Some("2026-03-29T01:30:00Z"),
            ),
            ("Feb 30, 1am", None),
            ("13pm", None),
            ("0am", None),
            ("1:75am", None),
            ("1am (Not/A_Zone)", None),
            ("soon", None),
            ("in 3 hours", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_reset(text, &n), want.and_then(at), "{text:?}");
        }
        // The local zone is `now`'s zone.
        let la: Zoned = "2025-11-28T10:00:00-08:00[America/Los_Angeles]"
            .parse()
            .unwrap();
        assert_eq!(parse_reset("1am", &la), at("2025-11-29T09:00:00Z"));
        assert_eq!(parse_reset("11am", &la), at("2025-11-28T19:00:00Z"));
    }
}
