//! Reset times as Claude Code prints them (`1am`, `Nov 29, 1:30am (Europe/Paris)`), read into
//! absolute times. A grammar of their own, used from two sides: a message line is only a limit
//! when what follows `resets` could be a time, and the decision turns the time it kept into a
//! timestamp against the clock. Kept apart from both, with its own tests.

use jiff::civil::{Date, Time};
use jiff::{Timestamp, Zoned};
use regex::Regex;
use std::sync::LazyLock;

use super::message::ci_prefix;
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

/// The parts of a reset time. The grammar, in regex notation (ASCII letters in any case):
/// ```text
/// ^ (?:at\ )?
/// (?: (?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\ (?P<day>\d{1,2})
///     (?:st|nd|rd|th)? (?:,\ ?(?P<year>\d{4}))? (?:,?\ at\ |,\ |\ |$) )?
/// (?: (?P<hour>\d{1,2})(?::(?P<min>\d{2}))?\ ?(?P<ampm>[ap])\.?m\.? | (?P<h24>\d{1,2}):(?P<m24>\d{2}) )?
/// (?:\ ?\((?P<tz>[A-Za-z][A-Za-z0-9_+\-/]{0,63})\))? \.?$
/// ```
/// Code, not a regex: compiling this one took over a millisecond on every tick that saw a limit
/// (docs/benchmark.md). Each step below lists its choices longest first, and the first complete
/// parse wins, as a regex's greedy match would.
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

/// The grammar of a reset time, ASCII letters in any case.
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

pub(super) fn reset_parts_re(text: &str) -> Option<ResetParts<'_>> {
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

pub(super) fn reset_parts(text: &str) -> Option<ResetParts<'_>> {
    let with_at = ci_prefix(text, "at ").map(|n| &text[n..]);
    for s in with_at.into_iter().chain([text]) {
        for (date, s) in date_choices(s) {
            for (time, s) in time_choices(s) {
                for (tz, s) in tz_choices(s) {
                    if s.is_empty() || s == "." {
                        return Some(ResetParts {
                            mon: date.mon,
                            day: date.day,
                            year: date.year,
                            tz,
                            ..time
                        });
                    }
                }
            }
        }
    }
    None
}

/// `s` with an optional leading `c` taken (greedy: taken first), then without.
pub(super) fn optional(s: &str, c: char) -> impl Iterator<Item = &str> {
    s.strip_prefix(c).into_iter().chain([s])
}

/// `\d{n}` at the start of `s`: the digits and the rest.
fn digits(s: &str, n: usize) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    (b.len() >= n && b[..n].iter().all(u8::is_ascii_digit)).then(|| s.split_at(n))
}

/// `\d{1,2}`: two digits, then one.
fn one_or_two_digits(s: &str) -> impl Iterator<Item = (&str, &str)> {
    [digits(s, 2), digits(s, 1)].into_iter().flatten()
}

/// The optional date: `Nov 29, `, `Jan 2, 2027, `, `Jul 27 at `, `Oct 24` (mon, day, year).
fn date_choices(s: &str) -> Vec<(ResetParts<'_>, &str)> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut out = Vec::new();
    if let Some(n) = MONTHS.iter().find_map(|m| ci_prefix(s, m)) {
        // `[a-z]{0,6}`: the rest of the month's name, longest first.
        let mut ends = vec![n];
        for c in s[n..]
            .chars()
            .take(6)
            .take_while(|&c| c.is_ascii_alphabetic())
        {
            ends.push(ends[ends.len() - 1] + c.len_utf8());
        }
        for &end in ends.iter().rev() {
            for r in optional(&s[end..], '.') {
                let Some(r) = r.strip_prefix(' ') else {
                    continue;
                };
                for (day, r) in one_or_two_digits(r) {
                    let ordinal = ["st", "nd", "rd", "th"]
                        .iter()
                        .find_map(|o| ci_prefix(r, o).map(|k| &r[k..]));
                    for r in ordinal.into_iter().chain([r]) {
                        let year = r
                            .strip_prefix(',')
                            .and_then(|r| optional(r, ' ').find_map(|r| digits(r, 4)));
                        let years = year.map(|(y, r)| (Some(y), r)).into_iter();
                        for (year, r) in years.chain([(None, r)]) {
                            let date = ResetParts {
                                mon: Some(&s[..n]),
                                day: Some(day),
                                year,
                                ..ResetParts::default()
                            };
                            for r in date_separators(r) {
                                out.push((date, r));
                            }
                        }
                    }
                }
            }
        }
    }
    out.push((ResetParts::default(), s));
    out
}

/// `(?:,?\ at\ |,\ |\ |$)`: what may follow a date.
fn date_separators(r: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for r in optional(r, ',') {
        if let Some(r) = r.strip_prefix(' ') {
            out.extend(ci_prefix(r, "at ").map(|k| &r[k..]));
        }
    }
    out.extend(r.strip_prefix(", "));
    out.extend(r.strip_prefix(' '));
    if r.is_empty() {
        out.push(r);
    }
    out
}

/// The optional time: `1am`, `12:30 p.m.` (hour, min, ampm), `23:15` (h24, m24).
fn time_choices(s: &str) -> Vec<(ResetParts<'_>, &str)> {
    let mut out = Vec::new();
    for (hour, r) in one_or_two_digits(s) {
        let min = r.strip_prefix(':').and_then(|r| digits(r, 2));
        let mins = min.map(|(m, r)| (Some(m), r)).into_iter();
        for (min, r) in mins.chain([(None, r)]) {
            for r in optional(r, ' ') {
                // `[ap]`: no other letter folds to these.
                let Some(ampm) = r
                    .get(..1)
                    .filter(|a| a.eq_ignore_ascii_case("a") || a.eq_ignore_ascii_case("p"))
                else {
                    continue;
                };
                for r in optional(&r[1..], '.') {
                    let Some(r) = ci_prefix(r, "m").map(|k| &r[k..]) else {
                        continue;
                    };
                    for r in optional(r, '.') {
                        let time = ResetParts {
                            hour: Some(hour),
                            min,
                            ampm: Some(ampm),
                            ..ResetParts::default()
                        };
                        out.push((time, r));
                    }
                }
            }
        }
    }
    for (h24, r) in one_or_two_digits(s) {
        if let Some((m24, r)) = r.strip_prefix(':').and_then(|r| digits(r, 2)) {
            let time = ResetParts {
                h24: Some(h24),
                m24: Some(m24),
                ..ResetParts::default()
            };
            out.push((time, r));
        }
    }
    out.push((ResetParts::default(), s));
    out
}

/// The optional zone: ` (Europe/Paris)`.
fn tz_choices(s: &str) -> Vec<(Option<&str>, &str)> {
    let mut out = Vec::new();
    for r in optional(s, ' ') {
        let Some(r) = r.strip_prefix('(') else {
            continue;
        };
        let mut chars = r.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        // `[A-Za-z0-9_+\-/]{0,63}`, longest first.
        let mut ends = vec![r.len() - chars.as_str().len()];
        let zone = |c: char| c.is_ascii_alphabetic() || c.is_ascii_digit() || "_+-/".contains(c);
        for c in chars.take(63).take_while(|&c| zone(c)) {
            ends.push(ends[ends.len() - 1] + c.len_utf8());
        }
        for &end in ends.iter().rev() {
            if let Some(rest) = r[end..].strip_prefix(')') {
                out.push((Some(&r[..end]), rest));
            }
        }
    }
    out.push((None, s));
    out
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
    use crate::detect::test_support::{at, line_corpus, mutations, now};

    #[test]
    fn reset_regex_agrees_with_the_code() {
        let mut corpus = line_corpus();
        for s in [
            "1am",
            "12:30am",
            "11:30 PM",
            "1 AM",
            "1am (Europe/Paris)",
            "Nov 29, 1:30am",
            "Jan 2, 2027, 1am (America/Los_Angeles)",
            "Jan 2,2027, 1am",
            "Jul 27 at 4:30am (Asia/Calcutta)",
            "Oct 24",
            "Oct 24.",
            "at 3pm (Europe/Paris).",
            "23:15",
            "23:15 (UTC)",
            "13pm",
            "September 3rd, 2026 at 10:30 a.m. (UTC)",
            "Sept. 3, 12:30",
            "sep 3rd 1 p.m.",
            "Dec 2,7pm",
            "Dec 2 ,7pm",
            "Dec 2, at 7pm",
            "May 123",
            "1230am",
            "12:305",
            "1am..",
            "1a.m..",
            "at at 1am",
            "(UTC)",
            " (UTC)",
            "1am  (UTC)",
            "1am (A234567890123456789012345678901234567890123456789012345678901234)",
            "1am (A2345678901234567890123456789012345678901234567890123456789012345)",
            "\u{17f}ep 3, 1am",
            "1am (\u{212a}iev)",
            "AT 1AM",
            "DEC 2, 7PM",
        ] {
            corpus.push(s.to_string());
        }
        let seeds: Vec<String> = corpus[corpus.len() - 36..].to_vec();
        let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
        corpus.extend(mutations(&seeds, 20000));
        let mut matched = 0;
        for s in &corpus {
            let want = reset_parts(s);
            matched += usize::from(want.is_some());
            assert_eq!(reset_parts_re(s), want, "on {s:?}");
        }
        assert!(matched > 100, "{matched}");
    }

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
