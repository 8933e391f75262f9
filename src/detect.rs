//! Detection: is this pane capture showing a real usage limit, a server error, or neither?
//!
//! A pane capture is full of text that merely *looks* like a limit: the assistant quoting the
//! message, a tool printing it, a diff, the warnings shown before a limit, the retry spinner.
//! Swapping accounts on any of those would be wrong, so a limit counts only when it is one of
//! Claude Code's own message lines, recognised by where it sits:
//!
//! - a `⎿` result line (not the first output line of a tool call),
//! - a `●` line at column 0 whose text *starts* with the message (the TUI's own status lines),
//! - the footer `⚠ Usage limit reached · limit resets …`,
//! - a print-mode line: the whole line is the message, from column 0.
//!
//! and only when the message is the newest state of the screen: walking up from the bottom, the
//! first line that says anything decides. A server error, a newer prompt, a newer reply or a
//! spinner found first means the limit above is old (or was never confirmed).
//!
//! Work is bounded: only the last `MAX_LINES` lines are read, each parsed with cheap character
//! tests; regexes (compiled once) run only on lines whose marker makes them candidates, behind
//! one cheap prefilter, and never on more than `MAX_MESSAGE` bytes.

use std::borrow::Cow;
use std::sync::LazyLock;

use jiff::civil::{Date, Time};
use jiff::{Timestamp, Zoned};
use regex::Regex;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Quota,
    ServerError,
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    pub verdict: Verdict,
    /// The deciding message, trimmed (marker removed, hard-wrapped lines joined), or null.
    pub line: Option<String>,
    /// Quota: `session`, `weekly`, `opus`, `sonnet`, `fable`, `credits`, `spend`, `org`, `seat`,
    /// `usage`. Server error: `overloaded`, `server`, `connection`, `timeout`, `stream`,
    /// `throttle`, `retry`.
    pub kind: Option<String>,
    pub resets_at: Option<Timestamp>,
}

impl Detection {
    pub fn none() -> Detection {
        Detection {
            verdict: Verdict::None,
            line: None,
            kind: None,
            resets_at: None,
        }
    }

    pub fn is_quota(&self) -> bool {
        self.verdict == Verdict::Quota
    }
}

/// Classify a capture (`capture-pane -p -J` text) as of now.
pub fn detect(screen: &str) -> Detection {
    detect_at(screen, &Zoned::now())
}

/// Words that every limit or server-error message this module knows holds at least one of.
/// A screen without any of them is `none` without compiling a single pattern: the common case
/// on every poll, where compiling the patterns would be most of the cost.
const MATTERS: [&str; 16] = [
    "limit",
    "Limit",
    "usage",
    "Usage",
    "hit your",
    "reached your",
    "credits",
    "disabled for your org",
    "rror",
    "verloaded",
    "high load",
    "timed out",
    "onnection",
    "stopped arriving",
    "etrying",
    "429",
];

/// Could this screen be anything but `none`? (Cheap: a few substring searches.)
pub fn may_matter(screen: &str) -> bool {
    MATTERS.iter().any(|w| screen.contains(w))
}

/// Classify a capture as of `now` (reset times without a date are the next occurrence after it).
pub fn detect_at(screen: &str, now: &Zoned) -> Detection {
    let clean = strip_ansi(last_lines(screen, MAX_LINES));
    let lines: Vec<Line> = clean.split('\n').map(parse_line).collect();
    let (conv_end, footer_start) = find_prompt_box(&lines);
    let conv = scan_conversation(&lines, conv_end);
    let foot = scan_footer(&lines, footer_start);
    decide(conv, foot, now)
}

/// The quota kind for a transcript's `rateLimitType` (facts §1: the representative claim).
pub fn kind_for_rate_limit_type(rate_limit_type: &str) -> Option<&'static str> {
    Some(match rate_limit_type {
        "five_hour" => "session",
        "seven_day" => "weekly",
        "seven_day_opus" => "opus",
        "seven_day_sonnet" => "sonnet",
        "seven_day_overage_included" => "fable",
        "overage" => "credits",
        _ => return None,
    })
}

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

/// The parts of a reset time, as the pattern `parse_reset` used to match with gave them:
/// ```text
/// (?xi)^ (?:at\ )?
/// (?: (?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\ (?P<day>\d{1,2})
///     (?:st|nd|rd|th)? (?:,\ ?(?P<year>\d{4}))? (?:,?\ at\ |,\ |\ |$) )?
/// (?: (?P<hour>\d{1,2})(?::(?P<min>\d{2}))?\ ?(?P<ampm>[ap])\.?m\.? | (?P<h24>\d{1,2}):(?P<m24>\d{2}) )?
/// (?:\ ?\((?P<tz>[A-Za-z][A-Za-z0-9_+\-/]{0,63})\))? \.?$
/// ```
/// Compiling that (case-insensitive, so Unicode-aware) pattern took over a millisecond, on every
/// tick that saw a limit. Each step below lists its choices in the order the pattern tried them
/// (greedy first), and the first complete parse wins, so the parts are the pattern's captures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ResetParts<'a> {
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

fn reset_parts(text: &str) -> Option<ResetParts<'_>> {
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
fn optional(s: &str, c: char) -> impl Iterator<Item = &str> {
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
        for c in s[n..].chars().take(6).take_while(|&c| is_ci_letter(c)) {
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
        if !chars.next().is_some_and(is_ci_letter) {
            continue;
        }
        // `[A-Za-z0-9_+\-/]{0,63}`, longest first.
        let mut ends = vec![r.len() - chars.as_str().len()];
        let zone = |c: char| is_ci_letter(c) || c.is_ascii_digit() || "_+-/".contains(c);
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

// ---------------------------------------------------------------------------------------------
// Lines

// Units of work (lines visited, bytes given to a regex), counted in tests to show the cost stays
// linear in the input without relying on the clock.
#[cfg(test)]
thread_local! {
    static WORK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[inline]
fn work(_units: usize) {
    #[cfg(test)]
    WORK.with(|w| w.set(w.get() + _units));
}

/// Lines read, from the bottom. The newest state is at the bottom: a screen is 24–200 rows, and
/// even a capture with scrollback has a prompt, a reply or the limit itself within its last few
/// hundred lines. Everything above is never looked at, so a huge capture costs no more.
const MAX_LINES: usize = 2000;
/// Longest message (after joining hard-wrapped continuation lines) we consider; real ones are
/// under 300 bytes, so anything longer is prose or output, and the cap keeps the regexes cheap.
const MAX_MESSAGE: usize = 1024;
/// Hard-wrapped continuation lines joined to a message line (a 40-column pane needs about four).
const MAX_CONTINUATION: usize = 6;
/// How far up we look for the block a `⎿` line belongs to.
const MAX_WALK_UP: usize = 64;
/// How far up we gather the other lines of the same limit (the `⎿` message above its status).
const MAX_GATHER: usize = 200;
/// The prompt box sits within this many lines of the bottom (its footer is 2–6 lines).
const BOX_NEAR_BOTTOM: usize = 14;
/// The tallest prompt box we expect (a long multi-line prompt being typed).
const BOX_MAX_HEIGHT: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Blank,
    /// A horizontal rule (`────`): the prompt box's top and bottom.
    Rule,
    /// `❯ text` (or the older `> text`): a submitted prompt, the input box, or a menu cursor.
    Prompt,
    /// `● text` / `⏺ text`: assistant text, tool calls, and the TUI's status lines.
    Bullet,
    /// `⎿ text`: a result under a prompt or a tool call.
    Result,
    /// `⚠ text`: warnings and the limit footer.
    Warn,
    /// `✻ text` and the other spinner glyphs.
    Spinner,
    /// Any other line starting with a symbol (logo, `▎` notices, `⏵⏵` mode line, bullets).
    Glyph,
    /// Text without a marker.
    Plain,
}

#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    mark: Mark,
    /// Leading whitespace, in characters (inside the box border for `boxed` lines).
    indent: usize,
    /// The line was inside `│ … │` borders.
    boxed: bool,
    /// The text after the marker (the whole trimmed text for `Plain`).
    msg: &'a str,
}

const BLANK: Line<'static> = Line {
    mark: Mark::Blank,
    indent: 0,
    boxed: false,
    msg: "",
};

fn parse_line(raw: &str) -> Line<'_> {
    work(1);
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    // A bare CR returns the cursor: what follows overwrote what came before.
    let raw = match raw.rfind('\r') {
        Some(i) => &raw[i + 1..],
        None => raw,
    };
    let trimmed = raw.trim_end();
    let mut body = trimmed.trim_start();
    if body.is_empty() {
        return BLANK;
    }
    let mut indent = trimmed[..trimmed.len() - body.len()].chars().count();
    if is_rule(body) {
        return Line {
            mark: Mark::Rule,
            indent,
            boxed: false,
            msg: body,
        };
    }
    let mut boxed = false;
    if let Some(inner) = body.strip_prefix(['│', '┃']) {
        let inner = inner.trim_end_matches(['│', '┃']).trim_end();
        let content = inner.trim_start();
        if content.is_empty() {
            return BLANK;
        }
        indent = inner[..inner.len() - content.len()].chars().count();
        body = content;
        boxed = true;
    }
    let mut chars = body.chars();
    let first = chars.next().unwrap_or(' ');
    let rest = chars.as_str();
    let after = rest.trim_start();
    let spaced = rest.is_empty() || rest.starts_with(char::is_whitespace);
    let plain = |mark| Line {
        mark,
        indent,
        boxed,
        msg: body,
    };
    let mark = match first {
        '❯' => Mark::Prompt,
        '>' if spaced && (indent == 0 || boxed) => Mark::Prompt,
        // Claude Code's own bullets start the row; an indented one is text (a pasted prompt).
        '●' | '⏺' if spaced && indent == 0 => Mark::Bullet,
        '●' | '⏺' => return plain(Mark::Plain),
        '⎿' => Mark::Result,
        '⚠' => {
            return Line {
                mark: Mark::Warn,
                indent,
                boxed,
                msg: rest.trim_start_matches('\u{fe0f}').trim_start(),
            };
        }
        // The spinner sits at column 0; indented, these glyphs are wrapped text (`· resets …`).
        '✻' | '✽' | '✶' | '✳' | '✢' | '✦' | '∗' | '*' | '·' if spaced && indent == 0 && !boxed => {
            Mark::Spinner
        }
        '·' | '∙' | '—' | '–' | '…' => return plain(Mark::Plain),
        // Logo, notices, mode line: neutral, but kept whole (they may be wrapped text too).
        c if !c.is_ascii() && !c.is_alphanumeric() && !"“‘«’”".contains(c) => {
            return plain(Mark::Glyph)
        }
        _ => return plain(Mark::Plain),
    };
    Line {
        mark,
        indent,
        boxed,
        msg: after,
    }
}

fn is_rule(body: &str) -> bool {
    let mut dashes = 0usize;
    for c in body.chars() {
        match c {
            '─' | '━' | '═' | '╌' | '┄' => dashes += 1,
            '╭' | '╮' | '╰' | '╯' | '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' =>
                {}
            _ => return false,
        }
    }
    dashes >= 8
}

/// The last `n` lines of `s`.
fn last_lines(s: &str, n: usize) -> &str {
    let mut end = s.len();
    for _ in 0..n {
        match s[..end].rfind('\n') {
            Some(i) => end = i,
            None => return s,
        }
    }
    work(n);
    &s[end + 1..]
}

/// Remove terminal escape sequences (a capture taken with `-e`, or text piped from a terminal).
fn strip_ansi(s: &str) -> Cow<'_, str> {
    static ANSI: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|\u{9b}[0-?]*[ -/]*[@-~]",
        )
        .expect("valid regex")
    });
    if s.contains(['\x1b', '\u{9b}']) {
        ANSI.replace_all(s, "")
    } else {
        Cow::Borrowed(s)
    }
}

/// One spelling for the characters Claude Code and terminals vary: no-break and narrow spaces
/// (`❯\u00a0`, `1\u202fam`), typographic apostrophes, the older `∙` separator; runs of
/// whitespace become one space so the patterns below can use plain spaces.
fn normalize(s: &str) -> Cow<'_, str> {
    let simple = s.is_ascii() && !s.contains("  ") && !s.contains(['\t', '\u{b}', '\u{c}']);
    if simple {
        return Cow::Borrowed(s.trim());
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        let c = match c {
            '’' | '‘' => '\'',
            '∙' => '·',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------------
// Messages

#[derive(Clone, Debug, PartialEq)]
enum Reset {
    None,
    Text(String),
    Epoch(i64),
}

#[derive(Clone, Debug, PartialEq)]
enum Class {
    /// A usage-limit message; `status` for the TUI's own `Usage limit reached` lines.
    Quota {
        kind: &'static str,
        reset: Reset,
        status: bool,
    },
    Server(&'static str),
    /// Another error (login, prompt too long, 4xx): a newer state, not a limit.
    Other,
    /// `Your usage limit has reset`.
    Reset,
    /// TUI text that belongs with a limit or an error and says nothing new.
    Known,
}

macro_rules! regex {
    ($name:ident, $re:expr) => {
        static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(&ascii_classes($re)).expect("valid regex"));
    };
}

/// Rewrite `\d`, `\w`, `\s` and `\b` as their ASCII forms. Claude Code's messages are ASCII
/// where these classes apply (the screen's no-break spaces are normalised first), and the
/// Unicode tables behind them made compiling the patterns the largest cost of a tick: every
/// tick is a new process, so every tick compiled them again.
fn ascii_classes(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 64);
    let mut in_class = false;
    let mut chars = re.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push(c);
                    break;
                };
                let (inside, outside) = match e {
                    'd' => ("0-9", "[0-9]"),
                    'w' => ("0-9A-Za-z_", "[0-9A-Za-z_]"),
                    's' => ("\\t\\n\\x0B\\x0C\\r ", "[\\t\\n\\x0B\\x0C\\r ]"),
                    'b' if !in_class => ("", "(?-u:\\b)"),
                    _ => {
                        out.push(c);
                        out.push(e);
                        continue;
                    }
                };
                out.push_str(if in_class { inside } else { outside });
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // `[]` and `[^]` at the start hold a literal `]`.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().expect("peeked"));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().expect("peeked"));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

// Heads of every limit message, anchored at the start: the text must BEGIN the line.
regex!(
    Q_SEAT,
    r"^(?:Your seat type doesn't include (?:usage credits|extra usage|usage)|Your usage allocation has been disabled by your admin|Your group's usage limit is set to \$0)(?:[ .,·].*)?$"
);
regex!(Q_SERVICE, r"^This service is disabled for your org\b.*$");
regex!(
    Q_MODEL,
    r"^(?:Fable|Haiku|Mythos|Opus|Sonnet)(?: [^·\n]+?)? requires usage credits\."
);
// Older releases (see tests/fixtures/older-versions/SOURCES.md).
regex!(
    Q_OLD_CLAUDE,
    r"^Claude(?: Max| Pro| AI)? usage limit reached[.!]?(?: Your limit will reset at (?P<t>.+?))?\.?$"
);
regex!(
    Q_OLD_EPOCH,
    r"^Claude AI usage limit reached\|(?P<epoch>\d{9,13})$"
);
// The TUI's own status lines: `● Usage limit reached · set to continue automatically at 1am`,
// footer `⚠ Usage limit reached · limit resets 1am`.

// Server errors (a veto: never a quota): `server_kind` below.
// ---------------------------------------------------------------------------------------------
// Hand-written recognisers
//
// Every tick is a new process, so a pattern compiled with `regex` is compiled again on every
// tick; the line-shape tests below run on most lines of a screen and were most of a tick's cost
// as regexes. Each function accepts exactly the language of the pattern quoted in its doc
// comment (`\d`, `\w`, `\s`, `\b` in their ASCII forms, as `ascii_classes` compiled them);
// tests run the old patterns against these functions over every fixture line and thousands of
// mutations of them.

/// `\w` in its ASCII form.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `\s` in its ASCII form (`u8::is_ascii_whitespace` lacks the vertical tab).
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// An ASCII word boundary (`(?-u:\b)`) at byte `i`: bytes that are not ASCII are not word bytes.
fn word_boundary(b: &[u8], i: usize) -> bool {
    let before = i > 0 && b.get(i - 1).copied().is_some_and(is_word_byte);
    let after = b.get(i).copied().is_some_and(is_word_byte);
    before != after
}

/// How many leading bytes of `b` satisfy `f`.
fn run(b: &[u8], f: impl Fn(u8) -> bool) -> usize {
    b.iter().take_while(|&&c| f(c)).count()
}

fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
}

/// Does `c` equal the ASCII lowercase letter `l` under `(?i)`? Unicode simple case folding
/// adds exactly two non-ASCII letters to ASCII ones: KELVIN SIGN to `k` and LONG S to `s`
/// (checked by a test over every char), so lowercasing ASCII alone would not be the same.
fn folds_to(c: char, l: char) -> bool {
    c.to_ascii_lowercase() == l || (l == 'k' && c == '\u{212a}') || (l == 's' && c == '\u{17f}')
}

/// `[a-z]` under `(?i)`: an ASCII letter or one of the two letters that fold to one.
fn is_ci_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '\u{212a}' || c == '\u{17f}'
}

/// The length in bytes of the case-insensitive (`(?i)`) match of the lowercase ASCII literal
/// `lit` at the start of `s`.
fn ci_prefix(s: &str, lit: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    for l in lit.chars() {
        match chars.next() {
            Some((_, c)) if folds_to(c, l) => {}
            _ => return None,
        }
    }
    Some(chars.next().map_or(s.len(), |(i, _)| i))
}

/// `\d{3} `: a status code and a space (`529 Overloaded`).
fn starts_with_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' '
}

/// `\d\. `: a menu item (`1. Stop and wait`); the text after it.
fn after_menu_number(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_digit() && b[1] == b'.' && b[2] == b' ').then(|| &s[3..])
}

/// `[A-Z][\w.-]*(?: [\w.-]+){0,more} <tail>`: a capitalised name of up to `1 + more` words
/// (`Opus`, `Fable 5`, `claude-opus-4.5`), then `tail` (` is experiencing`).
fn name_then(s: &str, more: usize, tail: &str) -> bool {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let name = |c: u8| is_word_byte(c) || c == b'.' || c == b'-';
    words_then(b, 1 + run(&b[1..], name), name, more, &[tail])
}

/// From byte `i` (after a first word of `b`), up to `more` words of `class` bytes each after
/// one space, then one of `tails`. Every word is a maximal run (a space or a tail must follow
/// it), so trying the tails before each further word finds every way the pattern can match.
fn words_then(
    b: &[u8],
    mut i: usize,
    class: impl Fn(u8) -> bool,
    more: usize,
    tails: &[&str],
) -> bool {
    for words in 0..=more {
        let rest = &b[i..];
        if tails.iter().any(|t| rest.starts_with(t.as_bytes())) {
            return true;
        }
        if words == more || rest.first() != Some(&b' ') {
            return false;
        }
        let n = run(&rest[1..], &class);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    false
}

/// Could `msg` be any message at all? It starts like one of them:
/// `^(?:You|This service|Claude |Fable|Haiku|Mythos|Opus|Sonnet|5-hour|[Ss]ession|[Ww]eekly|
/// [Dd]aily|Usage limit|API Error|Request timed|Connection to|If it persists|(?:529 )?Overloaded|
/// \d{3} |[A-Z][\w.-]*(?: [\w.-]+){0,3} is experiencing|Invalid |Not logged|Please run|OAuth|
/// Login |Credit balance|Prompt is too long|Automatic continue|Continuing automatically|Press |
/// What do you want|\d\. |/|Run /|Resend|Once fixed|Interrupted)`. One cheap test lets the
/// common line (prose, output, code) skip every other recogniser.
fn is_candidate(msg: &str) -> bool {
    const STARTS: [&str; 38] = [
        "You",
        "This service",
        "Claude ",
        "Fable",
        "Haiku",
        "Mythos",
        "Opus",
        "Sonnet",
        "5-hour",
        "Session",
        "session",
        "Weekly",
        "weekly",
        "Daily",
        "daily",
        "Usage limit",
        "API Error",
        "Request timed",
        "Connection to",
        "If it persists",
        "Overloaded",
        "Invalid ",
        "Not logged",
        "Please run",
        "OAuth",
        "Login ",
        "Credit balance",
        "Prompt is too long",
        "Automatic continue",
        "Continuing automatically",
        "Press ",
        "What do you want",
        "/",
        "Run /",
        "Resend",
        "Once fixed",
        "Interrupted",
        "529 Overloaded",
    ];
    starts_with_any(msg, &STARTS)
        || starts_with_code(msg)
        || after_menu_number(msg).is_some()
        || name_then(msg, 3, " is experiencing")
}

/// Could `msg` be the first line of a message hard-wrapped over several lines?
/// `^(?:You've |You're out|Your |This service|Claude |Fable|Haiku|Mythos|Opus|Sonnet|5-hour|
/// [Ss]ession|[Ww]eekly|[Dd]aily|Usage limit|API Error|Request timed|Connection to|
/// If it persists|\d{3} |[A-Z][\w.-]* is exp)`
fn is_message_start(msg: &str) -> bool {
    const STARTS: [&str; 22] = [
        "You've ",
        "You're out",
        "Your ",
        "This service",
        "Claude ",
        "Fable",
        "Haiku",
        "Mythos",
        "Opus",
        "Sonnet",
        "5-hour",
        "Session",
        "session",
        "Weekly",
        "weekly",
        "Daily",
        "daily",
        "Usage limit",
        "API Error",
        "Request timed",
        "Connection to",
        "If it persists",
    ];
    starts_with_any(msg, &STARTS) || starts_with_code(msg) || name_then(msg, 0, " is exp")
}

/// A tool call header: `● Bash(ls)`, `● Read(src/x.rs)`, `● mcp__github__get (MCP)(…)`:
/// `^[A-Za-z][\w.:-]*(?: [\w.:-]+){0,3} ?\(`.
fn is_tool_header(msg: &str) -> bool {
    let b = msg.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let name = |c: u8| is_word_byte(c) || matches!(c, b'.' | b':' | b'-');
    words_then(b, 1 + run(&b[1..], name), name, 3, &["(", " ("])
}

/// The summary of a finished turn (`Brewed for 0s`, `Worked for 12.5s`):
/// `^[A-Z][a-z]+ for \d+(?:\.\d+)?\s?[smh]\b`.
fn is_turn_done(msg: &str) -> bool {
    let b = msg.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let verb = run(&b[1..], |c| c.is_ascii_lowercase());
    let Some(rest) = b[1 + verb..].strip_prefix(b" for ").filter(|_| verb > 0) else {
        return false;
    };
    let mut i = run(rest, |c| c.is_ascii_digit());
    if i == 0 {
        return false;
    }
    if rest.get(i) == Some(&b'.') && rest.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1 + run(&rest[i + 1..], |c| c.is_ascii_digit());
    }
    if rest.get(i).copied().is_some_and(is_space_byte) {
        i += 1;
    }
    matches!(rest.get(i), Some(b's' | b'm' | b'h')) && word_boundary(rest, i + 1)
}

/// TUI lines that go with a limit or an error (auto-continue, the limit dialog, upsells) and say
/// nothing newer: a `●` line with them is not a new reply.
/// `^(?:Automatic continue cancelled|Continuing automatically|Press (?:enter|Enter|⏎)|
/// What do you want to do|\d\. (?:Stop and wait|Wait here|Upgrade your plan)|/[a-z]|Run /|
/// Resend your message|Once fixed|Interrupted)`
fn is_known(msg: &str) -> bool {
    const STARTS: [&str; 10] = [
        "Automatic continue cancelled",
        "Continuing automatically",
        "Press enter",
        "Press Enter",
        "Press \u{23ce}",
        "What do you want to do",
        "Run /",
        "Resend your message",
        "Once fixed",
        "Interrupted",
    ];
    const MENU: [&str; 3] = ["Stop and wait", "Wait here", "Upgrade your plan"];
    starts_with_any(msg, &STARTS)
        || after_menu_number(msg).is_some_and(|item| starts_with_any(item, &MENU))
        || msg
            .strip_prefix('/')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_lowercase()))
}

/// `^Your usage limit has reset\b`
fn is_reset_done(msg: &str) -> bool {
    const HEAD: &str = "Your usage limit has reset";
    msg.starts_with(HEAD) && word_boundary(msg.as_bytes(), HEAD.len())
}

/// Another error (login, prompt too long, 4xx): `^(?:Invalid API key|Invalid auth token|
/// Not logged in|Please run /login|OAuth token revoked|Login expired|
/// Login reached its time limit|Credit balance is too low|Prompt is too long|API Error)`
fn is_other_error(msg: &str) -> bool {
    const STARTS: [&str; 10] = [
        "Invalid API key",
        "Invalid auth token",
        "Not logged in",
        "Please run /login",
        "OAuth token revoked",
        "Login expired",
        "Login reached its time limit",
        "Credit balance is too low",
        "Prompt is too long",
        "API Error",
    ];
    starts_with_any(msg, &STARTS)
}

/// Byte offsets in `msg` where the case-insensitive word `lit` starts (`\b` before it).
fn ci_words<'a>(msg: &'a str, lit: &'a str) -> impl Iterator<Item = usize> + 'a {
    msg.char_indices().filter_map(move |(i, _)| {
        let n = ci_prefix(&msg[i..], lit)?;
        word_boundary(msg.as_bytes(), i).then_some(i + n)
    })
}

/// The retry spinner's `retrying in 35s`: `(?i)\bretrying in \d`.
fn has_retrying(msg: &str) -> bool {
    ci_words(msg, "retrying in ").any(|end| msg.as_bytes().get(end).is_some_and(u8::is_ascii_digit))
}

/// The retry spinner's `attempt 7/10`: `(?i)\battempt \d+ ?/ ?\d+`.
fn has_attempt(msg: &str) -> bool {
    ci_words(msg, "attempt ").any(|end| {
        let b = &msg.as_bytes()[end..];
        let mut i = run(b, |c| c.is_ascii_digit());
        if i == 0 {
            return false;
        }
        i += usize::from(b.get(i) == Some(&b' '));
        if b.get(i) != Some(&b'/') {
            return false;
        }
        i += 1;
        i += usize::from(b.get(i) == Some(&b' '));
        b.get(i).is_some_and(u8::is_ascii_digit)
    })
}

/// The name of a limit in `You've hit your … limit`: up to five words, then `limit` or `budget`:
/// `(?i)^(?:[a-z0-9$][\w'$.-]* ){0,5}(?:limit|budget)$` (`5-hour limit`, `org's monthly spend
/// limit`, `team's pooled group budget`).
fn is_limit_name(what: &str) -> bool {
    let (words, last) = match what.rsplit_once(' ') {
        Some((words, last)) => (Some(words), last),
        None => (None, what),
    };
    let is_end =
        |w: &str| ci_prefix(w, "limit") == Some(w.len()) || ci_prefix(w, "budget") == Some(w.len());
    let first_ok = |c: char| is_ci_letter(c) || c.is_ascii_digit() || c == '$';
    let rest_ok = |c: char| first_ok(c) || matches!(c, '_' | '\'' | '.' | '-');
    let is_word = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(first_ok) && chars.all(rest_ok)
    };
    is_end(last) && words.is_none_or(|ws| ws.split(' ').count() <= 5 && ws.split(' ').all(is_word))
}

/// `(?: ?· ?(?P<rest>.*))?$` at the end of a message head: nothing more (`Some(None)`), or a
/// `·` and the rest of the line after it (`Some(Some(rest))`); `None` when neither.
fn dot_tail(r: &str) -> Option<Option<&str>> {
    if r.is_empty() {
        return Some(None);
    }
    let after = r.strip_prefix(' ').unwrap_or(r).strip_prefix('\u{b7}')?;
    let rest = after.strip_prefix(' ').unwrap_or(after);
    // `.` stops at a newline, and `$` is the end of the text.
    (!rest.contains('\n')).then_some(Some(rest))
}

/// `You've hit your 5-hour limit · resets 1am`: the limit's name and the rest after the `·`:
/// `^You've (?:hit|reached) your (?P<what>[^·]+?)(?: ?· ?(?P<rest>.*))?$`.
fn hit_parts(msg: &str) -> Option<(&str, Option<&str>)> {
    let s = msg
        .strip_prefix("You've hit your ")
        .or_else(|| msg.strip_prefix("You've reached your "))?;
    let stop = s.find('\u{b7}').unwrap_or(s.len());
    if stop == 0 {
        return None;
    }
    // `[^·]+?` is lazy: the shortest name (at least one char, no `·`) that the tail completes.
    let ends = s[..stop].char_indices().skip(1).map(|(p, _)| p);
    ends.chain([stop])
        .find_map(|p| dot_tail(&s[p..]).map(|rest| (&s[..p], rest)))
}

/// `You're out of usage credits · resets 1am`: the rest after the `·`:
/// `^You're out of (?:usage credits|extra usage)\.?(?: ?· ?(?P<rest>.*))?$`.
fn out_parts(msg: &str) -> Option<Option<&str>> {
    let s = msg.strip_prefix("You're out of ")?;
    let r = s
        .strip_prefix("usage credits")
        .or_else(|| s.strip_prefix("extra usage"))?;
    optional(r, '.').find_map(dot_tail)
}

/// `^Your org is out of usage(?: ?· ?(?P<rest>.*))?$`: the rest after the `·`.
fn org_parts(msg: &str) -> Option<Option<&str>> {
    msg.strip_prefix("Your org is out of usage")
        .and_then(dot_tail)
}

/// The TUI's own status lines (`● Usage limit reached · set to continue automatically at 1am`,
/// footer `⚠ Usage limit reached · limit resets 1am`), the rest after the `·`:
/// `^Usage limit reached(?: again)?(?: ?· ?(?P<rest>.*))?$`.
fn status_parts(msg: &str) -> Option<Option<&str>> {
    let r = msg.strip_prefix("Usage limit reached")?;
    r.strip_prefix(" again")
        .into_iter()
        .chain([r])
        .find_map(dot_tail)
}

/// Older releases' `Weekly limit reached · resets …`: the name and the rest after the `·`:
/// `^(?P<name>5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|(?:Opus|Sonnet|Fable)(?: weekly)?)
/// limit reached\.?(?: ?· ?(?P<rest>.*))?$`.
fn old_named_parts(msg: &str) -> Option<(&str, Option<&str>)> {
    const NAMES: [&str; 13] = [
        "5-hour",
        "Session",
        "session",
        "Weekly",
        "weekly",
        "Daily",
        "daily",
        "Opus weekly",
        "Opus",
        "Sonnet weekly",
        "Sonnet",
        "Fable weekly",
        "Fable",
    ];
    NAMES.iter().find_map(|name| {
        let r = msg.strip_prefix(name)?.strip_prefix(" limit reached")?;
        let rest = optional(r, '.').find_map(dot_tail)?;
        Some((&msg[..name.len()], rest))
    })
}

fn classify(msg: &str) -> Option<Class> {
    work(1 + msg.len());
    let first = msg.as_bytes().first()?;
    if !(first.is_ascii_alphanumeric() || *first == b'/') {
        return None;
    }
    // The retry spinner (`… · retrying in 35s · attempt 7/10`) comes first: it also carries
    // `5-hour limit reached`, and it is never a confirmed limit.
    if msg.contains("etrying") && has_retrying(msg) && has_attempt(msg) {
        return Some(Class::Server(server_kind_of(msg).unwrap_or("retry")));
    }
    if !is_candidate(msg) {
        return None;
    }
    if let Some(q) = classify_quota(msg) {
        return Some(q);
    }
    if let Some(kind) = server_kind_of(msg) {
        return Some(Class::Server(kind));
    }
    if is_reset_done(msg) {
        return Some(Class::Reset);
    }
    if is_other_error(msg) {
        return Some(Class::Other);
    }
    if is_known(msg) {
        return Some(Class::Known);
    }
    None
}

/// Could `SERVER` match? Its alternatives start with these; checking them first means the
/// pattern is only compiled (every poll is a new process) for a line that may be an error.
fn may_be_server_error(msg: &str) -> bool {
    const STARTS: [&str; 7] = [
        "API Error",
        "Request timed out",
        "Connection to the API",
        "Overloaded",
        "529 ",
        "If it persists",
        "5",
    ];
    STARTS.iter().any(|p| msg.starts_with(p)) || msg.contains("high load")
}

fn server_kind_of(msg: &str) -> Option<&'static str> {
    if !may_be_server_error(msg) {
        return None;
    }
    server_kind(msg)
}

/// The kind of server error `msg` states. The first of these (in order) that matches decides,
/// as the alternatives of the pattern it replaces did:
/// `^(?:API Error: Repeated 529 | API Error:? \(?(\d{3})\b | API Error: Connection |
/// API Error: (?:Request timed out|[^·]*?timed out) | API Error: (?:The response stopped arriving|
/// Server error mid-response) | API Error: (?:Server is temporarily limiting requests|
/// Request rejected \(429\)) | API Error: (?:Overloaded|[^·]*?overloaded_error) |
/// API Error: (?:Internal server error|[^·]*?\b(?:api_error|server_error)\b) | Request timed out |
/// Connection to the API was lost | [A-Z][\w.-]*(?: [\w.-]+){0,3} is experiencing high load |
/// (?:529 )?Overloaded\b | (5\d\d) [A-Za-z] | If it persists, check )` (spaces around `|` for
/// reading only). A status code decides alone: a 4xx other than 429 is no server error.
fn server_kind(msg: &str) -> Option<&'static str> {
    if let Some(kind) = msg.strip_prefix("API Error").and_then(api_error_kind) {
        return kind;
    }
    let b = msg.as_bytes();
    if msg.starts_with("Request timed out") {
        Some("timeout")
    } else if msg.starts_with("Connection to the API was lost") {
        Some("connection")
    } else if name_then(msg, 3, " is experiencing high load")
        || ["529 Overloaded", "Overloaded"]
            .iter()
            .any(|p| msg.starts_with(p) && word_boundary(b, p.len()))
    {
        Some("overloaded")
    } else if b.len() >= 5
        && b[0] == b'5'
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b' '
        && b[4].is_ascii_alphabetic()
    {
        status_kind(&msg[..3])
    } else if msg.starts_with("If it persists, check ") {
        Some("server")
    } else {
        None
    }
}

/// After `API Error`: `Some(kind)` when one of its alternatives matches (a status code that is
/// no server error gives `Some(None)`), `None` to try the others.
fn api_error_kind(rest: &str) -> Option<Option<&'static str>> {
    if rest.starts_with(": Repeated 529") {
        return Some(Some("overloaded"));
    }
    if let Some(code) = status_code(rest) {
        return Some(status_kind(code));
    }
    let text = rest.strip_prefix(": ")?;
    // `[^·]*?x`: `x` before the first `·` (none of the words holds a `·`).
    let segment = text.split('\u{b7}').next().unwrap_or(text);
    let kind = if text.starts_with("Connection") {
        "connection"
    } else if segment.contains("timed out") {
        "timeout"
    } else if starts_with_any(
        text,
        &["The response stopped arriving", "Server error mid-response"],
    ) {
        "stream"
    } else if starts_with_any(
        text,
        &[
            "Server is temporarily limiting requests",
            "Request rejected (429)",
        ],
    ) {
        "throttle"
    } else if text.starts_with("Overloaded") || segment.contains("overloaded_error") {
        "overloaded"
    } else if text.starts_with("Internal server error")
        || has_word(segment, "api_error")
        || has_word(segment, "server_error")
    {
        "server"
    } else {
        return None;
    };
    Some(Some(kind))
}

/// `:? \(?(\d{3})\b` at the start of `s`: the status code.
fn status_code(s: &str) -> Option<&str> {
    let s = s.strip_prefix(':').unwrap_or(s);
    let s = s.strip_prefix(' ')?;
    let s = s.strip_prefix('(').unwrap_or(s);
    let b = s.as_bytes();
    let code = b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit);
    (code && word_boundary(b, 3)).then(|| &s[..3])
}

fn status_kind(code: &str) -> Option<&'static str> {
    match code {
        "529" => Some("overloaded"),
        "429" => Some("throttle"),
        s if s.starts_with('5') => Some("server"),
        _ => None,
    }
}

/// `\bword\b` somewhere in `s` (ASCII boundaries; `s` follows a space, so its start is one).
fn has_word(s: &str, word: &str) -> bool {
    let b = s.as_bytes();
    s.match_indices(word)
        .any(|(i, _)| (i == 0 || !is_word_byte(b[i - 1])) && word_boundary(b, i + word.len()))
}

fn classify_quota(msg: &str) -> Option<Class> {
    let quota = |kind, reset| {
        Some(Class::Quota {
            kind,
            reset,
            status: false,
        })
    };
    // Each pattern is tried only on a line that starts like it: an unused pattern is never
    // compiled, and every poll is a new process.
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| msg.starts_with(p));
    if starts(&["You've hit your", "You've reached your"]) {
        if let Some((what, rest)) = hit_parts(msg) {
            if !is_limit_name(what) {
                return None;
            }
            let reset = reset_from_segments(rest)?;
            return quota(kind_of(what), reset);
        }
    }
    if starts(&["You're out of"]) {
        if let Some(rest) = out_parts(msg) {
            let reset = reset_from_segments(rest)?;
            return quota("credits", reset);
        }
    }
    if starts(&["Your org is out of usage"]) {
        if let Some(rest) = org_parts(msg) {
            let reset = reset_from_segments(rest)?;
            return quota("org", reset);
        }
    }
    if starts(&["Your seat type", "Your usage allocation", "Your group's"]) && Q_SEAT.is_match(msg)
    {
        return quota("seat", Reset::None);
    }
    if starts(&["This service"]) && Q_SERVICE.is_match(msg) {
        return quota("org", Reset::None);
    }
    const MODELS: [&str; 5] = ["Fable", "Haiku", "Mythos", "Opus", "Sonnet"];
    if starts(&MODELS) && Q_MODEL.is_match(msg) {
        return quota("credits", Reset::None);
    }
    if starts(&["Claude AI usage limit reached|"]) {
        if let Some(c) = Q_OLD_EPOCH.captures(msg) {
            let epoch = c.name("epoch")?.as_str().parse().ok()?;
            return quota("usage", Reset::Epoch(epoch));
        }
    }
    if starts(&["Claude"]) {
        if let Some(c) = Q_OLD_CLAUDE.captures(msg) {
            let reset = match c.name("t") {
                Some(t) if plausible_reset(t.as_str()) => Reset::Text(t.as_str().to_string()),
                Some(_) => return None,
                None => Reset::None,
            };
            return quota("usage", reset);
        }
    }
    const NAMED: [&str; 10] = [
        "5-hour", "Session", "session", "Weekly", "weekly", "Daily", "daily", "Opus", "Sonnet",
        "Fable",
    ];
    if starts(&NAMED) {
        if let Some((name, rest)) = old_named_parts(msg) {
            let reset = reset_from_segments(rest)?;
            return quota(kind_of(name), reset);
        }
    }
    if starts(&["Usage limit reached"]) {
        if let Some(rest) = status_parts(msg) {
            let reset = reset_from_segments(rest)?;
            return Some(Class::Quota {
                kind: "usage",
                reset,
                status: true,
            });
        }
    }
    None
}

/// The reset time among the ` · `-separated parts after a message; `None` when a part that
/// claims to be a reset time is not one (then the whole line is prose, not the message).
fn reset_from_segments(rest: Option<&str>) -> Option<Reset> {
    let Some(rest) = rest else {
        return Some(Reset::None);
    };
    let mut reset = Reset::None;
    for seg in rest.split('·').map(str::trim) {
        if seg.len() > 160 {
            return None;
        }
        let time = ["resets ", "limit resets ", "set to continue automatically "]
            .iter()
            .find_map(|p| seg.strip_prefix(p));
        if let Some(t) = time {
            if t == "shortly" {
                continue;
            }
            if !plausible_reset(t) {
                return None;
            }
            if reset == Reset::None {
                reset = Reset::Text(t.to_string());
            }
        }
    }
    Some(reset)
}

/// A reset time we can parse, or a short phrase without sentence punctuation (`in 2 hours`):
/// unparseable times still make a limit, but prose after `resets` does not.
fn plausible_reset(t: &str) -> bool {
    reset_parts(t).is_some()
        || (t.len() <= 40
            && t.split_whitespace().count() <= 5
            && !t.contains([',', '.', '!', '?', '"', ';']))
}

fn kind_of(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    let has = |s: &str| n.contains(s);
    if has("spend") || has("budget") {
        "spend"
    } else if has("5-hour") || has("5 hour") || has("five-hour") || has("session") {
        "session"
    } else if has("opus") {
        "opus"
    } else if has("sonnet") {
        "sonnet"
    } else if has("fable") {
        "fable"
    } else if has("weekly") || has("7-day") {
        "weekly"
    } else if has("credit") || has("extra usage") {
        "credits"
    } else {
        "usage"
    }
}

// ---------------------------------------------------------------------------------------------
// The screen

#[derive(Clone, Debug)]
struct Hit {
    text: String,
    kind: &'static str,
    reset: Reset,
    /// 0: the message itself; 1: a TUI status line; 2: the footer.
    tier: u8,
}

enum Ev {
    Quota(Hit),
    Server(Hit),
    /// A newer prompt, reply, spinner, other error or reset: the state moved on.
    Newer,
    Neutral,
}

/// Where the prompt box is: `(end of the conversation, start of the footer)`. The box is the
/// last two rules near the bottom with a prompt line between them; without one, the whole
/// capture is conversation (print mode, a shell, a dialog).
fn find_prompt_box(lines: &[Line]) -> (usize, usize) {
    let n = lines.len();
    let mut last = n;
    while last > 0 && lines[last - 1].mark == Mark::Blank {
        last -= 1;
    }
    let near = last.saturating_sub(BOX_NEAR_BOTTOM);
    let Some(bottom) = (near..last).rev().find(|&i| lines[i].mark == Mark::Rule) else {
        return (n, n);
    };
    let top_limit = bottom.saturating_sub(BOX_MAX_HEIGHT);
    let Some(top) = (top_limit..bottom)
        .rev()
        .find(|&i| lines[i].mark == Mark::Rule)
    else {
        return (n, n);
    };
    if lines[top + 1..bottom]
        .iter()
        .any(|l| l.mark == Mark::Prompt)
    {
        (top, bottom + 1)
    } else {
        (n, n)
    }
}

/// The message starting at line `i`, with hard-wrapped continuation lines joined when that
/// completes it, and its class.
fn classify_at(lines: &[Line], i: usize) -> (Option<Class>, String) {
    let line = lines[i];
    if line.msg.len() > MAX_MESSAGE {
        return (None, String::new());
    }
    let base = normalize(line.msg).into_owned();
    let class = classify(&base);
    if !is_message_start(&base) {
        return (class, base);
    }
    // Candidates: the line alone, then with 1, 2, … continuation lines (more indented, no
    // marker). Prefer the longest whose reset time parses; else the shortest that matches.
    let mut best = (class.clone(), base.clone());
    let parses = |c: &Option<Class>| match c {
        Some(Class::Quota {
            reset: Reset::Text(t),
            ..
        }) => reset_parts(t).is_some(),
        Some(Class::Quota { reset, .. }) => *reset != Reset::None,
        _ => false,
    };
    let mut best_parses = parses(&class);
    let mut joined = base;
    for next in lines.iter().skip(i + 1).take(MAX_CONTINUATION) {
        let text = matches!(next.mark, Mark::Plain | Mark::Glyph);
        if !text || next.indent <= line.indent || next.boxed != line.boxed {
            break;
        }
        if joined.len() + next.msg.len() + 1 > MAX_MESSAGE {
            break;
        }
        joined.push(' ');
        joined.push_str(&normalize(next.msg));
        let c = classify(&joined);
        let better = match (&c, &best.0) {
            // A longer quota is better when its reset time parses (`(Europe/Paris)` on the next
            // row), or when neither does (the rest of a URL, `in 3` + `hours`); not when the
            // next row (an upsell line) would spoil a time that parsed.
            (Some(Class::Quota { .. }), Some(Class::Quota { .. })) => parses(&c) || !best_parses,
            (Some(Class::Quota { .. }), _) => true,
            (Some(Class::Server(_)), Some(Class::Server(_)) | None) => true,
            _ => false,
        };
        if better {
            best_parses = parses(&c);
            best = (c, joined.clone());
        }
    }
    best
}

/// Is the `⎿` line at `i` the first output line of a tool call (`● Bash(…)` right above it)?
/// Then its text is the tool's output, whatever it says.
fn is_tool_output(lines: &[Line], i: usize) -> bool {
    let mut j = i;
    for _ in 0..MAX_WALK_UP {
        if j == 0 {
            return false;
        }
        j -= 1;
        work(1);
        let l = lines[j];
        match l.mark {
            Mark::Blank => continue,
            Mark::Plain if l.indent > 0 => continue,
            Mark::Bullet => return is_tool_header(l.msg),
            _ => return false,
        }
    }
    false
}

/// A prompt line that is not a new prompt: the hint in an empty box, a menu item, the dialog
/// older releases (2.1.197) open by themselves:
/// `^(?:Resend your message|Once fixed|Try "|\d+\. |Press up to edit|/rate-limit-options\b)`
/// with Unicode `\d` and `\b`. Prompt lines are on every screen, so the pattern is compiled only
/// for a line where non-ASCII text decides (a digit or a letter from another script).
fn is_placeholder(msg: &str) -> bool {
    const STARTS: [&str; 4] = [
        "Resend your message",
        "Once fixed",
        "Try \"",
        "Press up to edit",
    ];
    if msg.is_empty() || starts_with_any(msg, &STARTS) {
        return true;
    }
    if let Some(rest) = msg.strip_prefix("/rate-limit-options") {
        // `\b`: no word character follows; only a non-ASCII one needs the Unicode tables.
        return match rest.chars().next() {
            None => true,
            Some(c) if c.is_ascii() => !is_word_byte(c as u8),
            Some(_) => placeholder_regex(msg),
        };
    }
    let b = msg.as_bytes();
    let digits = run(b, |c| c.is_ascii_digit());
    if digits > 0 && b[digits..].starts_with(b". ") {
        return true;
    }
    // A non-ASCII digit may start or continue the number (`\d` is Unicode here).
    let next = msg[digits..].chars().next();
    next.is_some_and(|c| !c.is_ascii() && c.is_numeric()) && placeholder_regex(msg)
}

/// The parts of `is_placeholder`'s pattern that non-ASCII text can change.
fn placeholder_regex(msg: &str) -> bool {
    static UNICODE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:\d+\. |/rate-limit-options\b)").expect("valid regex"));
    UNICODE.is_match(msg)
}

fn event(lines: &[Line], i: usize) -> Ev {
    work(1);
    let line = lines[i];
    let eligible = match line.mark {
        Mark::Blank | Mark::Rule | Mark::Glyph => return Ev::Neutral,
        Mark::Prompt if is_placeholder(line.msg) => return Ev::Neutral,
        Mark::Prompt => return Ev::Newer,
        Mark::Result => line.indent <= 4,
        Mark::Plain => line.indent == 0 && !line.boxed,
        Mark::Warn => line.indent <= 2,
        Mark::Bullet | Mark::Spinner => true,
    };
    if !eligible {
        return Ev::Neutral;
    }
    let (class, text) = classify_at(lines, i);
    let hit = |kind, reset, tier| Hit {
        text: text.clone(),
        kind,
        reset,
        tier,
    };
    match class {
        Some(Class::Quota { .. } | Class::Server(_))
            if line.mark == Mark::Result && is_tool_output(lines, i) =>
        {
            Ev::Neutral
        }
        // A spinner is never a confirmed limit, whatever it says.
        Some(Class::Quota { .. }) if line.mark == Mark::Spinner => Ev::Newer,
        Some(Class::Quota {
            kind,
            reset,
            status,
        }) => {
            let tier = match (line.mark, status) {
                (Mark::Warn, _) => 2,
                (_, true) => 1,
                _ => 0,
            };
            Ev::Quota(hit(kind, reset, tier))
        }
        Some(Class::Server(kind)) => Ev::Server(hit(kind, Reset::None, 0)),
        Some(Class::Other | Class::Reset) => Ev::Newer,
        Some(Class::Known) => Ev::Neutral,
        // The summary of the turn that just ended (`✻ Brewed for 0s`, `✻ Worked for 4s · done
        // 11:02 PM`) belongs to the turn above it, limit or not.
        None if line.mark == Mark::Spinner && is_turn_done(line.msg) => Ev::Neutral,
        // Assistant text and tool calls, or a spinner still working: newer activity.
        None if matches!(line.mark, Mark::Bullet | Mark::Spinner) => Ev::Newer,
        None => Ev::Neutral,
    }
}

enum Conv {
    Quota(Vec<Hit>),
    Server(Hit),
    None,
}

fn scan_conversation(lines: &[Line], end: usize) -> Conv {
    let mut i = end;
    while i > 0 {
        i -= 1;
        match event(lines, i) {
            Ev::Neutral => {}
            // `⎿ If it persists, check …` sits under the error (or spinner) it explains:
            // report that line when it is right above.
            Ev::Server(hint) if hint.text.starts_with("If it persists") => {
                let above = (i.saturating_sub(MAX_WALK_UP)..i)
                    .rev()
                    .map(|j| event(lines, j))
                    .find(|ev| !matches!(ev, Ev::Neutral));
                return match above {
                    Some(Ev::Server(hit)) => Conv::Server(hit),
                    _ => Conv::Server(hint),
                };
            }
            Ev::Server(hit) => return Conv::Server(hit),
            Ev::Newer => return Conv::None,
            Ev::Quota(hit) => {
                // The same limit usually shows twice (the `⎿` message, then the TUI's status
                // line below it): gather the turn's other limit lines for the best one.
                let mut hits = vec![hit];
                let mut j = i;
                for _ in 0..MAX_GATHER {
                    if j == 0 {
                        break;
                    }
                    j -= 1;
                    match event(lines, j) {
                        Ev::Neutral => {}
                        Ev::Quota(h) => hits.push(h),
                        _ => break,
                    }
                }
                return Conv::Quota(hits);
            }
        }
    }
    Conv::None
}

#[derive(Default)]
struct Footer {
    quota: Vec<Hit>,
    server: Option<Hit>,
    reset: bool,
}

fn scan_footer(lines: &[Line], start: usize) -> Footer {
    let mut foot = Footer::default();
    for i in start..lines.len() {
        let line = lines[i];
        if !matches!(
            line.mark,
            Mark::Warn | Mark::Bullet | Mark::Plain | Mark::Spinner
        ) {
            continue;
        }
        let (class, text) = classify_at(lines, i);
        match class {
            // Only the footer's own marked lines state a limit.
            Some(Class::Quota { kind, reset, .. }) if line.mark == Mark::Warn => {
                foot.quota.push(Hit {
                    text,
                    kind,
                    reset,
                    tier: 2,
                })
            }
            Some(Class::Server(kind)) if foot.server.is_none() => {
                foot.server = Some(Hit {
                    text,
                    kind,
                    reset: Reset::None,
                    tier: 2,
                })
            }
            Some(Class::Reset) => foot.reset = true,
            _ => {}
        }
    }
    foot
}

fn decide(conv: Conv, foot: Footer, now: &Zoned) -> Detection {
    let server = |hit: Hit| Detection {
        verdict: Verdict::ServerError,
        line: Some(hit.text),
        kind: Some(hit.kind.to_string()),
        resets_at: None,
    };
    if let Conv::Server(hit) = conv {
        return server(hit);
    }
    if let Some(hit) = foot.server {
        return server(hit);
    }
    if foot.reset {
        return Detection::none();
    }
    let mut hits = match conv {
        Conv::Quota(hits) => hits,
        _ => Vec::new(),
    };
    hits.extend(foot.quota);
    // Stable: among equal tiers the newest (first found, bottom-up) wins.
    let Some(best) = hits.iter().min_by_key(|h| h.tier) else {
        return Detection::none();
    };
    let resets_at = std::iter::once(best)
        .chain(hits.iter())
        .find_map(|h| resolve(&h.reset, now));
    Detection {
        verdict: Verdict::Quota,
        line: Some(best.text.clone()),
        kind: Some(best.kind.to_string()),
        resets_at,
    }
}

fn resolve(reset: &Reset, now: &Zoned) -> Option<Timestamp> {
    match reset {
        Reset::None => None,
        Reset::Text(t) => parse_reset(t, now),
        Reset::Epoch(n) if *n > 100_000_000_000 => Timestamp::from_millisecond(*n).ok(),
        Reset::Epoch(n) => Timestamp::from_second(*n).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\n \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259c}\u{258c}   Claude Code v2.1.332\n\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{259b}\u{2598}  Sonnet 5.5 \u{b7} Claude API\n  \u{2598}\u{2598} \u{259d}\u{259d}    /home/me/work\n\n";

    fn now() -> Zoned {
        "2025-11-28T22:00:00+01:00[Europe/Paris]".parse().unwrap()
    }

    fn at(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    fn d(screen: &str) -> Detection {
        detect_at(screen, &now())
    }

    /// A 2.1.332 screen `width` columns wide: header, the conversation, blank rows, the prompt
    /// box (holding `input`), then the footer.
    fn screen(width: usize, conversation: &[&str], input: &str, footer: &[&str]) -> String {
        let rule = "\u{2500}".repeat(width);
        let mut s = String::from(HEADER);
        for l in conversation {
            s.push_str(l);
            s.push('\n');
        }
        for _ in 0..(30usize.saturating_sub(conversation.len())) {
            s.push('\n');
        }
        s.push_str(&format!("{rule}\n\u{276f}\u{a0}{input}\n{rule}\n"));
        for l in footer {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    fn tui(conversation: &[&str]) -> String {
        screen(
            200,
            conversation,
            "",
            &["  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)"],
        )
    }

    fn result(msg: &str) -> String {
        format!("  \u{23bf} \u{a0}{msg}")
    }

    fn quota(det: &Detection, kind: &str, resets: Option<&str>) {
        assert_eq!(det.verdict, Verdict::Quota, "{det:?}");
        assert_eq!(det.kind.as_deref(), Some(kind), "{det:?}");
        assert_eq!(det.resets_at, resets.and_then(at), "{det:?}");
        assert!(det.line.is_some());
    }

    fn server(det: &Detection, kind: &str) {
        assert_eq!(det.verdict, Verdict::ServerError, "{det:?}");
        assert_eq!(det.kind.as_deref(), Some(kind), "{det:?}");
        assert_eq!(det.resets_at, None);
    }

    fn none(det: &Detection) {
        assert_eq!(det, &Detection::none());
    }

    /// Every 2.1.332 limit wording: (message, kind, reset as of `now()`).
    const WORDINGS: &[(&str, &str, Option<&str>)] = &[
        ("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)", "session", Some("2025-11-29T00:00:00Z")),
        ("You've hit your weekly limit \u{b7} resets Dec 2, 7pm (Europe/Moscow)", "weekly", Some("2025-12-02T16:00:00Z")),
        ("You've hit your Opus limit \u{b7} resets Jan 2, 2027, 1am (Asia/Tokyo)", "opus", Some("2027-01-01T16:00:00Z")),
        ("You've hit your Sonnet limit \u{b7} resets Nov 29, 1:30am (Europe/Paris)", "sonnet", Some("2025-11-29T00:30:00Z")),
        ("You've hit your Fable limit \u{b7} resets 11:30pm (UTC)", "fable", Some("2025-11-28T23:30:00Z")),
        ("You've hit your usage credit limit \u{b7} resets Dec 1, 12am (America/New_York)", "credits", Some("2025-12-01T05:00:00Z")),
        ("You've hit your usage limit \u{b7} resets 3pm (America/New_York)", "usage", Some("2025-11-29T20:00:00Z")),
        ("You've hit your limit \u{b7} resets 12:30am (Europe/Paris)", "usage", Some("2025-11-28T23:30:00Z")),
        ("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris) \u{b7} out of usage credits", "session", Some("2025-11-29T00:00:00Z")),
        ("You've hit your weekly limit \u{b7} resets Dec 2, 7pm (Europe/Moscow) \u{b7} progress saved", "weekly", Some("2025-12-02T16:00:00Z")),
        ("You're out of usage credits \u{b7} resets 1am (Europe/Paris)", "credits", Some("2025-11-29T00:00:00Z")),
        ("You've hit your monthly spend limit \u{b7} raise it at https://claude.ai/settings/usage", "spend", None),
        ("You've hit your monthly spend limit \u{b7} ask your admin to raise it at https://claude.ai/admin", "spend", None),
        ("You've hit your org's monthly spend limit \u{b7} ask your admin to raise it at https://claude.ai/admin", "spend", None),
        ("You've hit your team's pooled group budget \u{b7} ask your admin to raise it at https://claude.ai/admin", "spend", None),
        ("You've hit your channel's monthly spend limit \u{b7} raise it at https://claude.ai/settings/usage", "spend", None),
        ("Your org is out of usage \u{b7} add funds to continue", "org", None),
        ("Your org is out of usage \u{b7} contact your admin", "org", None),
        ("This service is disabled for your org", "org", None),
        ("Your seat type doesn't include usage credits", "seat", None),
        ("Your seat type doesn't include extra usage", "seat", None),
        ("Your seat type doesn't include usage", "seat", None),
        ("Your usage allocation has been disabled by your admin", "seat", None),
        ("Your group's usage limit is set to $0. Ask your admin to raise it.", "seat", None),
        ("Opus 5 requires usage credits. Run /usage-credits to turn them on.", "credits", None),
        ("Fable 5 requires usage credits.", "credits", None),
        ("Haiku requires usage credits. Turn them on with /usage-credits.", "credits", None),
        ("Mythos Preview requires usage credits.", "credits", None),
        ("You've reached your usage limit \u{b7} resets 1am", "usage", Some("2025-11-29T00:00:00Z")),
        ("You've reached your weekly limit", "weekly", None),
        ("You're out of extra usage \u{b7} resets 1am (Europe/Paris)", "credits", Some("2025-11-29T00:00:00Z")),
        ("You've hit your session limit \u{b7} resets 8:30pm (Asia/Tokyo)", "session", Some("2025-11-29T11:30:00Z")),
        ("You've hit your limit \u{b7} resets in 3 hours", "usage", None),
    ];

    #[test]
    fn every_wording_as_a_result_line_under_the_prompt() {
        for (msg, kind, reset) in WORDINGS {
            let r = result(msg);
            let det = d(&tui(&["\u{276f} hi", &r]));
            quota(&det, kind, *reset);
            assert_eq!(det.line.as_deref(), Some(*msg));
        }
    }

    #[test]
    fn every_wording_as_a_bullet_line_and_in_print_mode() {
        for (msg, kind, reset) in WORDINGS {
            let b = format!("\u{25cf} {msg}");
            quota(&d(&tui(&["\u{276f} hi", "", &b])), kind, *reset);
            quota(&d(&format!("{msg}\n")), kind, *reset);
            // Print mode in a shell: the command above, the prompt below.
            quota(&d(&format!("$ claude -p hi\n{msg}\n$ \n")), kind, *reset);
        }
    }

    #[test]
    fn the_real_limit_screen_gives_the_message_not_the_status_line() {
        let s = screen(
            200,
            &[
                "\u{276f} hi",
                "  \u{23bf} \u{a0}You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)",
                "",
                "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am",
            ],
            "",
            &[
                "  \u{26a0} Usage limit reached \u{b7} limit resets 1am",
                "    Continuing automatically at 1am \u{b7} Esc to cancel",
                "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)",
            ],
        );
        let det = d(&s);
        quota(&det, "session", Some("2025-11-29T00:00:00Z"));
        assert_eq!(
            det.line.as_deref(),
            Some("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)")
        );
    }

    #[test]
    fn tui_status_lines_alone_are_a_limit() {
        let auto = "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am";
        quota(
            &d(&tui(&["\u{276f} hi", auto])),
            "usage",
            Some("2025-11-29T00:00:00Z"),
        );
        let again =
            "\u{25cf} Usage limit reached again \u{b7} set to continue automatically shortly";
        quota(&d(&tui(&["\u{276f} hi", again])), "usage", None);
        // Only the footer is left on screen (the conversation scrolled away).
        let s = screen(
            80,
            &[],
            "",
            &["  \u{26a0} Usage limit reached \u{b7} limit resets 1am"],
        );
        quota(&d(&s), "usage", Some("2025-11-29T00:00:00Z"));
        // The footer's reset (no zone) completes a message that has none.
        let s = screen(
            80,
            &["\u{276f} hi", &result("You've hit your weekly limit")],
            "",
            &["  \u{26a0} Usage limit reached \u{b7} limit resets 9am"],
        );
        quota(&d(&s), "weekly", Some("2025-11-29T08:00:00Z"));
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

    #[test]
    fn unparseable_reset_is_still_a_limit() {
        let r = result("You've hit your 5-hour limit \u{b7} resets 1am (Mars/Olympus_Mons)");
        quota(&d(&tui(&["\u{276f} hi", &r])), "session", None);
        quota(
            &d("You've hit your weekly limit \u{b7} resets tomorrow\n"),
            "weekly",
            None,
        );
    }

    #[test]
    fn assistant_prose_quotes_and_user_text_are_not_a_limit() {
        let negatives: &[&[&str]] = &[
            &["\u{25cf} Sure, \"You've hit your 5-hour limit\" is what Claude Code prints when the window is used up."],
            &["\u{25cf} The message You've hit your 5-hour limit \u{b7} resets 1am means you must wait."],
            &["\u{25cf} \"You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\""],
            &["\u{25cf} You've hit your limit? Then wait until it resets, or switch accounts."],
            &["\u{25cf} You've hit your 5-hour limit \u{b7} resets 1am, so let's pick this up tomorrow."],
            &["\u{25cf} Here is the text:", "", "  You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"],
            &["\u{25cf} Example output:", "  ```", "  You've hit your weekly limit \u{b7} resets Dec 2, 7pm", "  ```"],
            &["\u{25cf} > You've hit your 5-hour limit \u{b7} resets 1am"],
            &["\u{276f} You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris) \u{2014} what does it mean?"],
        ];
        for conv in negatives {
            let mut lines = vec!["\u{276f} hi"];
            lines.extend_from_slice(conv);
            none(&d(&tui(&lines)));
        }
        // Pasted into a sent prompt (its rows indented under `❯`), Claude already answering.
        let pasted = [
            "\u{276f} I saw this:",
            "  \u{25cf} You've hit your 5-hour limit \u{b7} resets 1am",
            "    \u{23bf}  You've hit your weekly limit",
            "",
            "\u{273b} Thinking\u{2026}",
        ];
        none(&d(&tui(&pasted)));
        none(&d(&tui(&pasted[..2])));
        // Typed in the prompt box, not sent.
        let s = screen(
            200,
            &["\u{276f} hi", "\u{25cf} Hello."],
            "You've hit your 5-hour limit \u{b7} resets 1am",
            &[],
        );
        none(&d(&s));
        // Quoted in print mode.
        none(&d(
            "\"You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\"\n",
        ));
        none(&d(
            "> You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n",
        ));
        none(&d(
            "Claude said: You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n",
        ));
    }

    #[test]
    fn tool_output_diffs_and_code_are_not_a_limit() {
        let r = result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)");
        let cases: Vec<Vec<String>> = vec![
            // A tool whose (first) output line is the message.
            vec!["\u{25cf} Bash(claude -p hi)".into(), r.clone()],
            vec![
                "\u{25cf} Bash(for i in 1 2 3; do claude -p \"summarise part $i of the very long"
                    .into(),
                "       report\"; done)".into(),
                r.clone(),
            ],
            vec![
                "\u{25cf} Read(notes/limits.md)".into(),
                r.clone(),
                "     You've hit your weekly limit \u{b7} resets Dec 2, 7pm".into(),
            ],
            // Later output lines of a tool.
            vec![
                "\u{25cf} Bash(cat log.txt)".into(),
                result("line one"),
                "     You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into(),
            ],
            // A diff.
            vec![
                "\u{25cf} Update(src/msg.rs)".into(),
                result("Updated src/msg.rs with 1 addition and 1 removal"),
                "       12 -  \"You've hit your limit\"".into(),
                "       12 +  You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into(),
            ],
            // A nested result (subagent) deeper than a top-level result.
            vec![
                "\u{25cf} Task(check limits)".into(),
                result("Bash(claude -p hi)"),
                "       \u{23bf}  You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"
                    .into(),
            ],
        ];
        for conv in cases {
            let mut lines: Vec<&str> = vec!["\u{276f} hi"];
            lines.extend(conv.iter().map(String::as_str));
            none(&d(&tui(&lines)));
        }
        // Column-0 diff and code lines in plain output.
        none(&d(
            "+You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n",
        ));
        none(&d(
            "-You've hit your 5-hour limit \u{b7} resets 1am\n+You've hit your weekly limit\n",
        ));
        none(&d("    You've hit your 5-hour limit \u{b7} resets 1am\n"));
        none(&d(
            "msg = \"You've hit your 5-hour limit \u{b7} resets 1am\"\n",
        ));
    }

    #[test]
    fn a_result_after_a_tool_result_is_a_limit() {
        // Older releases showed the limit as a second `⎿` under the tool that ran last.
        let s = tui(&[
            "\u{276f} fix it",
            "\u{25cf} Read(templates/index.html)",
            &result("Read 40 lines (ctrl+r to expand)"),
            &result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"),
        ]);
        quota(&d(&s), "session", Some("2025-11-29T00:00:00Z"));
    }

    #[test]
    fn warnings_before_a_limit_are_not_a_limit() {
        let warnings = [
            "You've used 90% of your 5-hour limit \u{b7} resets 1am (Europe/Paris)",
            "You've used 75% of your weekly limit \u{b7} resets Dec 2, 7pm",
            "Over 90% of your weekly limit used",
            "Approaching 5-hour limit",
            "Approaching Opus limit \u{b7} resets Dec 2, 7pm",
            "Approaching usage limit \u{b7} resets at 9pm",
            "You're close to your Opus limit",
            "You're now using usage credits \u{b7} Your 5-hour limit resets 1am",
            "Now using credits",
            "Now using extra usage",
        ];
        for w in warnings {
            none(&d(&tui(&["\u{276f} hi", &result(w)])));
            none(&d(&tui(&["\u{276f} hi", "\u{25cf} Done.", ""])).clone());
            let s = screen(
                80,
                &["\u{276f} hi", "\u{25cf} Done."],
                "",
                &[&format!("  \u{26a0} {w}")],
            );
            none(&d(&s));
            none(&d(&format!("{w}\n")));
        }
    }

    #[test]
    fn server_errors_are_a_veto() {
        let cases: &[(&str, &str)] = &[
            ("API Error: 529 Overloaded. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check https://status.claude.com.", "overloaded"),
            ("API Error: 500 Internal server error. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check your inference gateway (llm.example.com).", "server"),
            ("API Error: 503 Service Unavailable. This is a server-side issue, usually temporary.", "server"),
            ("API Error: Repeated 529 Overloaded errors. The API is at capacity \u{2014} this is usually temporary. Try again in a moment.", "overloaded"),
            ("API Error: Connection to the API was lost (ECONNRESET). This is usually temporary \u{2014} try again.", "connection"),
            ("API Error: The response stopped arriving. Try again.", "stream"),
            ("API Error: Server error mid-response. The response above may be incomplete.", "stream"),
            ("API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} Rate limited", "throttle"),
            ("API Error: Request rejected (429) \u{b7} This request would exceed your account's rate limit.", "throttle"),
            ("API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed your account's rate limit.\"}}", "throttle"),
            ("API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", "overloaded"),
            ("API Error (529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}) \u{b7} Retrying in 18 seconds\u{2026} (attempt 6/10)", "overloaded"),
            ("Request timed out. Set API_TIMEOUT_MS to wait longer.", "timeout"),
            ("API Error: Request timed out.", "timeout"),
            ("Opus is experiencing high load, please use /model to switch to Sonnet", "overloaded"),
            ("Fable 5 is experiencing high load, please use /model to switch to Sonnet", "overloaded"),
        ];
        for (msg, kind) in cases {
            server(&d(&tui(&["\u{276f} hi", &format!("\u{25cf} {msg}")])), kind);
            server(&d(&tui(&["\u{276f} hi", &result(msg)])), kind);
            server(&d(&format!("{msg}\n")), kind);
        }
    }

    #[test]
    fn the_retry_spinner_is_never_a_limit() {
        let spinners = [
            ("\u{273b} 500 Internal server error \u{b7} retrying in 35s \u{b7} attempt 7/10", "server"),
            ("\u{273d} 529 Overloaded \u{b7} retrying in 2s \u{b7} attempt 3/10", "overloaded"),
            ("\u{2736} API error \u{b7} retrying in 1s \u{b7} attempt 1/10", "retry"),
            ("\u{273b} 5-hour limit reached \u{b7} retrying in 35s (1am) \u{b7} attempt 3/10", "retry"),
            ("\u{2733} Weekly limit reached \u{b7} retrying in 4m (Dec 2, 7pm) \u{b7} attempt 9/10", "retry"),
        ];
        for (line, kind) in spinners {
            let det = d(&tui(&[
                "\u{276f} hi",
                "",
                line,
                &result("If it persists, check https://status.claude.com"),
            ]));
            server(&det, kind);
        }
        // Below an older limit message of the same turn: the newest state is a retry.
        let s = tui(&[
            "\u{276f} hi",
            &result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"),
            "",
            "\u{273b} 5-hour limit reached \u{b7} retrying in 35s (1am) \u{b7} attempt 3/10",
        ]);
        server(&d(&s), "retry");
    }

    #[test]
    fn the_quick_filter_never_hides_a_verdict() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut stack = vec![root];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "txt") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let full = detect_at(&text, &now());
                    if full.verdict != Verdict::None {
                        seen += 1;
                        assert!(may_matter(&text), "{} hides {full:?}", path.display());
                    }
                }
            }
        }
        assert!(seen > 20, "only {seen} fixtures with a verdict");
    }

    // -----------------------------------------------------------------------------------------
    // The hand-written recognisers against the patterns they replaced: same answers on every
    // fixture line and on thousands of mutations of them.

    /// The replaced patterns, as they were (compiled through `ascii_classes`, like before).
    mod was {
        pub const CANDIDATE: &str = r"^(?:You|Your |This service|Claude |Fable|Haiku|Mythos|Opus|Sonnet|5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|Usage limit|API Error|Request timed|Connection to|If it persists|(?:529 )?Overloaded|\d{3} |[A-Z][\w.-]*(?: [\w.-]+){0,3} is experiencing|Invalid |Not logged|Please run|OAuth|Login |Credit balance|Prompt is too long|Automatic continue|Continuing automatically|Press |What do you want|\d\. |/|Run /|Resend|Once fixed|Interrupted)";
        pub const MESSAGE_START: &str = r"^(?:You've |You're out|Your |This service|Claude |Fable|Haiku|Mythos|Opus|Sonnet|5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|Usage limit|API Error|Request timed|Connection to|If it persists|\d{3} |[A-Z][\w.-]* is exp)";
        pub const TOOL_HEADER: &str = r"^[A-Za-z][\w.:-]*(?: [\w.:-]+){0,3} ?\(";
        pub const TURN_DONE: &str = r"^[A-Z][a-z]+ for \d+(?:\.\d+)?\s?[smh]\b";
        pub const KNOWN: &str = r"^(?:Automatic continue cancelled|Continuing automatically|Press (?:enter|Enter|⏎)|What do you want to do|\d\. (?:Stop and wait|Wait here|Upgrade your plan)|/[a-z]|Run /|Resend your message|Once fixed|Interrupted)";
        pub const RESET_DONE: &str = r"^Your usage limit has reset\b";
        pub const OTHER_ERROR: &str = r"^(?:Invalid API key|Invalid auth token|Not logged in|Please run /login|OAuth token revoked|Login expired|Login reached its time limit|Credit balance is too low|Prompt is too long|API Error)";
        pub const RETRYING: &str = r"(?i)\bretrying in \d";
        pub const ATTEMPT: &str = r"(?i)\battempt \d+ ?/ ?\d+";
        pub const Q_WHAT: &str = r"(?i)^(?:[a-z0-9$][\w'$.-]* ){0,5}(?:limit|budget)$";
        pub const SERVER: &str = r"(?x)^(?:
        API\ Error:\ Repeated\ 529(?P<overloaded>)
      | API\ Error:?\ \(?(?P<code>\d{3})\b
      | API\ Error:\ Connection(?P<connection>)
      | API\ Error:\ (?:Request\ timed\ out|[^·]*?timed\ out)(?P<timeout>)
      | API\ Error:\ (?:The\ response\ stopped\ arriving|Server\ error\ mid-response)(?P<stream>)
      | API\ Error:\ (?:Server\ is\ temporarily\ limiting\ requests|Request\ rejected\ \(429\))(?P<throttle>)
      | API\ Error:\ (?:Overloaded|[^·]*?overloaded_error)(?P<overloaded2>)
      | API\ Error:\ (?:Internal\ server\ error|[^·]*?\b(?:api_error|server_error)\b)(?P<server>)
      | Request\ timed\ out(?P<timeout2>)
      | Connection\ to\ the\ API\ was\ lost(?P<connection2>)
      | [A-Z][\w.-]*(?:\ [\w.-]+){0,3}\ is\ experiencing\ high\ load(?P<overloaded3>)
      | (?:529\ )?Overloaded\b(?P<overloaded4>)
      | (?P<code2>5\d\d)\ [A-Za-z]
      | If\ it\ persists,\ check\ (?P<server2>)
    )";
        pub const RESET_TIME: &str = r"(?xi)^
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
    \.?$";
        pub const Q_HIT: &str =
            r"^You've (?:hit|reached) your (?P<what>[^·]+?)(?: ?· ?(?P<rest>.*))?$";
        pub const Q_OUT: &str =
            r"^You're out of (?P<what>usage credits|extra usage)\.?(?: ?· ?(?P<rest>.*))?$";
        pub const Q_ORG: &str = r"^Your org is out of usage(?: ?· ?(?P<rest>.*))?$";
        pub const Q_OLD_NAMED: &str = r"^(?P<name>5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|(?:Opus|Sonnet|Fable)(?: weekly)?) limit reached\.?(?: ?· ?(?P<rest>.*))?$";
        pub const Q_STATUS: &str = r"^Usage limit reached(?: again)?(?: ?· ?(?P<rest>.*))?$";
        /// Compiled as is (Unicode `\d` and `\b`), unlike the others.
        pub const PLACEHOLDER: &str = r#"^(?:Resend your message|Once fixed|Try "|\d+\. |Press up to edit|/rate-limit-options\b)"#;
    }

    fn was(pattern: &str) -> Regex {
        Regex::new(&ascii_classes(pattern)).unwrap()
    }

    /// Lines the recognisers are tried on, and the shapes each one looks for.
    const SEEDS: &[&str] = &[
        "Opus 4.5 is experiencing high load, please use /model",
        "Claude-opus-4.5 x y is experiencing high load",
        "A b c d e is experiencing",
        "A b.c d-e f_1 is experiencing",
        "Opus is exp",
        "Bash(ls)",
        "mcp__github__get (MCP)(owner: x)",
        "Read (src/x.rs)",
        "a b c d (x",
        "Brewed for 0s",
        "Worked for 12.5s \u{b7} done 11:02 PM",
        "Cooked for 1m 30s",
        "Baked for 3 h",
        "Baked for 3\u{b}h",
        "Baked for 3.s",
        "1. Stop and wait for limit to reset",
        "2. Upgrade your plan",
        "3. Wait here",
        "12. Wait here",
        "/rate-limit-options",
        "/rate-limit-options now",
        "/rate-limit-options_x",
        "/rate-limit-options\u{e9}",
        "/rate-limit-options\u{301}",
        "\u{663}. item",
        "1\u{663}. item",
        "Try \"fix the bug\"",
        "Press up to edit queued messages",
        "Press \u{23ce} to continue",
        "Your usage limit has reset",
        "Your usage limit has reset_",
        "Your usage limit has resets",
        "529 Overloaded \u{b7} retrying in 2s \u{b7} attempt 3/10",
        "API error \u{b7} RETRYING IN 1s \u{b7} Attempt 1 / 10",
        "xretrying in 3 attempt 1/1",
        "_attempt 1/2 retrying in 1",
        "\u{e9}retrying in 1 \u{e9}attempt 1/2",
        "5-hour limit",
        "org's monthly spend limit",
        "team's pooled group budget",
        "a b c d e limit",
        "a b c d e f limit",
        "$5 limit",
        "_x limit",
        "wee\u{212a} limit",
        "\u{17f}ession LIMIT",
        "usage  limit",
        " limit",
        "limit",
        "Budget",
        "l\u{131}mit",
    ];

    /// Every line of every fixture file (as captured, its message after the marker,
    /// normalized), the tails after each space and `·` in it, the seeds, and mutations of all of
    /// these: truncations, case changes, digit changes, inserted spaces, dots, `·`, letters that
    /// fold to ASCII ones.
    fn equivalence_corpus() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut stack = vec![root];
        let mut lines: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
        lines.extend(line_pool());
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    lines.extend(text.lines().map(String::from));
                }
            }
        }
        let mut out = Vec::new();
        for l in &lines {
            let msg = parse_line(l).msg;
            let norm = normalize(msg).into_owned();
            for (i, c) in norm.char_indices() {
                if c == ' ' || c == '\u{b7}' {
                    out.push(norm[i + c.len_utf8()..].to_string());
                }
            }
            out.extend([l.clone(), msg.to_string(), norm]);
        }
        out.sort();
        out.dedup();
        let seeds: Vec<&str> = out.iter().map(String::as_str).collect();
        let more = mutations(&seeds, 6000);
        out.extend(more);
        out
    }

    /// `n` mutations of `seeds`: truncations, case changes, digit changes, deletions, letters
    /// that fold to ASCII ones, inserted spaces, dots, `·`, digits, brackets.
    fn mutations(seeds: &[&str], n: usize) -> Vec<String> {
        let mut out = Vec::new();
        let inserts = [
            " ", ".", "\u{b7}", " \u{b7} ", ":", "/", "(", ")", "0", "5", "12", "\n", "\u{212a}",
            "\u{17f}", "-", "'", "$", "_", "\t", "\u{e9}", "\u{663}", "am", "pm", ",", "  ",
        ];
        let mut rng = Rng(0x5eed ^ n as u64);
        for _ in 0..n {
            let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(chars.len() + 1);
                match rng.below(7) {
                    0 => chars.truncate(at),
                    1 if at < chars.len() => {
                        let c = chars[at];
                        chars[at] = if c.is_ascii_lowercase() {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        };
                    }
                    2 => {
                        if let Some(d) = chars.iter_mut().skip(at).find(|c| c.is_ascii_digit()) {
                            *d = char::from(b'0' + rng.below(10) as u8);
                        }
                    }
                    3 if at < chars.len() => {
                        chars.remove(at);
                    }
                    4 => {
                        for c in chars.iter_mut().skip(at) {
                            match *c {
                                'k' | 'K' => *c = '\u{212a}',
                                's' | 'S' => *c = '\u{17f}',
                                _ => continue,
                            }
                            break;
                        }
                    }
                    _ => {
                        let ins = inserts[rng.below(inserts.len())];
                        chars.splice(at..at, ins.chars());
                    }
                }
            }
            out.push(chars.into_iter().collect());
        }
        out
    }

    fn agree(name: &str, pattern: &Regex, new: impl Fn(&str) -> bool, corpus: &[String]) {
        let mut matched = 0;
        for s in corpus {
            let want = pattern.is_match(s);
            assert_eq!(new(s), want, "{name} on {s:?}");
            matched += usize::from(want);
        }
        // The corpus must exercise both answers, or the comparison proves little.
        assert!(
            matched > 0 && matched < corpus.len(),
            "{name}: {matched} matches"
        );
    }

    #[test]
    fn line_shapes_agree_with_the_patterns_they_replace() {
        let corpus = equivalence_corpus();
        agree("CANDIDATE", &was(was::CANDIDATE), is_candidate, &corpus);
        agree(
            "MESSAGE_START",
            &was(was::MESSAGE_START),
            is_message_start,
            &corpus,
        );
        agree(
            "TOOL_HEADER",
            &was(was::TOOL_HEADER),
            is_tool_header,
            &corpus,
        );
        agree("TURN_DONE", &was(was::TURN_DONE), is_turn_done, &corpus);
        agree("KNOWN", &was(was::KNOWN), is_known, &corpus);
        agree("RESET_DONE", &was(was::RESET_DONE), is_reset_done, &corpus);
        agree(
            "OTHER_ERROR",
            &was(was::OTHER_ERROR),
            is_other_error,
            &corpus,
        );
        agree("RETRYING", &was(was::RETRYING), has_retrying, &corpus);
        agree("ATTEMPT", &was(was::ATTEMPT), has_attempt, &corpus);
        agree("Q_WHAT", &was(was::Q_WHAT), is_limit_name, &corpus);
        let placeholder = Regex::new(was::PLACEHOLDER).unwrap();
        // The empty prompt is a placeholder too, checked before the pattern.
        let non_empty = |s: &str| !s.is_empty() && is_placeholder(s);
        agree("PLACEHOLDER", &placeholder, non_empty, &corpus);
        assert!(is_placeholder(""));
    }

    /// The kind the replaced `SERVER` pattern gave `msg`.
    fn was_server_kind(server: &Regex, msg: &str) -> Option<&'static str> {
        let c = server.captures(msg)?;
        let has = |n: &str| c.name(n).is_some();
        if let Some(code) = c.name("code").or_else(|| c.name("code2")) {
            return status_kind(code.as_str());
        }
        Some(
            if has("overloaded") || has("overloaded2") || has("overloaded3") || has("overloaded4") {
                "overloaded"
            } else if has("connection") || has("connection2") {
                "connection"
            } else if has("timeout") || has("timeout2") {
                "timeout"
            } else if has("stream") {
                "stream"
            } else if has("throttle") {
                "throttle"
            } else {
                "server"
            },
        )
    }

    const SERVER_SEEDS: &[&str] = &[
        "API Error: Repeated 529 Overloaded errors.",
        "API Error (529 {\"type\":\"error\"}) \u{b7} Retrying",
        "API Error:(529)",
        "API Error: 404 Not found, overloaded_error",
        "API Error 500x",
        "API Error: 5000",
        "API Error: Connection timed out",
        "API Error: something timed out \u{b7} x",
        "API Error: something \u{b7} timed out",
        "API Error: {\"type\":\"api_error\"}",
        "API Error: xapi_error",
        "API Error: api_errors",
        "API Error: server_error \u{b7} x",
        "API Error: \u{b7} server_error",
        "API Error: Request rejected (429) \u{b7} x",
        "API Error: Server is temporarily limiting requests",
        "API Error: The response stopped arriving.",
        "API Error: Server error mid-response.",
        "API Error: Internal server error",
        "API Error: Overloaded",
        "Request timed out.",
        "Connection to the API was lost",
        "Opus 4.5 is experiencing high load",
        "A b c d e is experiencing high load",
        "Overloaded",
        "Overloaded_x",
        "529 Overloaded",
        "529 Overloadedx",
        "503 Service Unavailable",
        "503 \u{e9}",
        "If it persists, check https://status.claude.com",
    ];

    #[test]
    fn server_kinds_agree_with_the_pattern_they_replace() {
        let server = was(was::SERVER);
        let mut corpus = equivalence_corpus();
        corpus.extend(mutations(SERVER_SEEDS, 4000));
        let mut kinds = std::collections::BTreeSet::new();
        for s in &corpus {
            let want = was_server_kind(&server, s);
            assert_eq!(server_kind(s), want, "on {s:?}");
            kinds.insert(want);
        }
        assert!(kinds.len() == 7, "{kinds:?}");
    }

    const RESET_SEEDS: &[&str] = &[
        "1am",
        "12:30am",
        "11:30 PM",
        "1 AM",
        "1am (Europe/Paris)",
        "1pm (Etc/GMT+5)",
        "Nov 29, 1:30am",
        "Jan 2, 2027, 1am (America/Los_Angeles)",
        "Jan 2,2027, 1am",
        "Jul 27 at 4:30am (Asia/Calcutta)",
        "Oct 24",
        "Oct 24.",
        "Dec 1",
        "at 3pm (Europe/Paris).",
        "3pm (Europe/Paris).",
        "23:15",
        "23:15 (UTC)",
        "13pm",
        "1:75am",
        "in 3 hours",
        "",
        "September 3rd, 2026 at 10:30 a.m. (UTC)",
        "Sept. 3, 12:30",
        "sep 3rd 1 p.m.",
        "\u{17f}ep 3, 1am",
        "1am (\u{212a}iev)",
        "Dec 2,7pm",
        "Dec 2 ,7pm",
        "Dec 2, at 7pm",
        "May 12",
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
    ];

    #[test]
    fn reset_times_agree_with_the_pattern_they_replace() {
        let reset = was(was::RESET_TIME);
        let mut corpus = equivalence_corpus();
        corpus.extend(RESET_SEEDS.iter().map(|s| s.to_string()));
        corpus.extend(mutations(RESET_SEEDS, 8000));
        let mut matched = 0;
        for s in &corpus {
            let want = reset.captures(s).map(|c| {
                let g = |n: &str| c.name(n).map(|m| m.as_str());
                ResetParts {
                    mon: g("mon"),
                    day: g("day"),
                    year: g("year"),
                    hour: g("hour"),
                    min: g("min"),
                    ampm: g("ampm"),
                    h24: g("h24"),
                    m24: g("m24"),
                    tz: g("tz"),
                }
            });
            matched += usize::from(want.is_some());
            assert_eq!(reset_parts(s), want, "on {s:?}");
        }
        assert!(matched > 1000 && matched < corpus.len(), "{matched}");
    }

    fn captured<'a>(c: &regex::Captures<'a>, name: &str) -> Option<&'a str> {
        c.name(name).map(|m| m.as_str())
    }

    #[test]
    fn message_heads_agree_with_the_patterns_they_replace() {
        let mut corpus = equivalence_corpus();
        let seeds = [
            "You've hit your 5-hour limit \u{b7} resets 1am",
            "You've hit your  \u{b7}x",
            "You've hit your x \u{b7}\n",
            "You've reached your limit\n",
            "You're out of usage credits. \u{b7} resets 1am",
            "You're out of extra usage.",
            "Your org is out of usage \u{b7}",
            "Usage limit reached again \u{b7} set to continue automatically shortly",
            "Usage limit reached again",
            "Opus weekly limit reached. \u{b7} resets Oct 24",
            "Sonnet limit reached",
            "daily limit reached\u{b7} x",
        ];
        corpus.extend(mutations(&seeds, 4000));
        let (hit, out, org) = (was(was::Q_HIT), was(was::Q_OUT), was(was::Q_ORG));
        let (named, status) = (was(was::Q_OLD_NAMED), was(was::Q_STATUS));
        let mut matched = 0;
        for s in &corpus {
            let want = hit.captures(s);
            let want = want.map(|c| (captured(&c, "what").unwrap(), captured(&c, "rest")));
            assert_eq!(hit_parts(s), want, "Q_HIT on {s:?}");
            let want = out.captures(s).map(|c| captured(&c, "rest"));
            assert_eq!(out_parts(s), want, "Q_OUT on {s:?}");
            let want = org.captures(s).map(|c| captured(&c, "rest"));
            assert_eq!(org_parts(s), want, "Q_ORG on {s:?}");
            let want = status.captures(s).map(|c| captured(&c, "rest"));
            assert_eq!(status_parts(s), want, "Q_STATUS on {s:?}");
            let want = named.captures(s);
            let want = want.map(|c| (captured(&c, "name").unwrap(), captured(&c, "rest")));
            assert_eq!(old_named_parts(s), want, "Q_OLD_NAMED on {s:?}");
            matched += usize::from(want.is_some());
        }
        assert!(matched > 100, "{matched}");
    }

    #[test]
    fn only_kelvin_and_long_s_fold_to_ascii_letters() {
        // `folds_to` and `is_ci_letter` rely on this: scan every non-ASCII char once.
        let all: String = ('\u{80}'..=char::MAX).collect();
        let found: Vec<(char, String)> = ('a'..='z')
            .flat_map(|l| {
                let re = Regex::new(&format!("(?i){l}")).unwrap();
                re.find_iter(&all)
                    .map(|m| (l, m.as_str().to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            found,
            [('k', "\u{212a}".to_string()), ('s', "\u{17f}".to_string())]
        );
        for l in 'a'..='z' {
            for c in ['\u{212a}', '\u{17f}', l, l.to_ascii_uppercase()] {
                let re = Regex::new(&format!("(?i)^{l}$")).unwrap();
                assert_eq!(folds_to(c, l), re.is_match(&c.to_string()), "{l} {c}");
            }
        }
    }

    /// Cost on first use (every tick is a new process, so it pays this again): compiling each
    /// replaced pattern, against the first call of the code that replaced it; and compiling the
    /// patterns still in use. Run: `cargo test --release --bin claude-failover
    /// compile_cost_probe -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn compile_cost_probe() {
        let line = "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)";
        let replaced: &[(&str, &str, &dyn Fn() -> bool)] = &[
            ("CANDIDATE", was::CANDIDATE, &|| is_candidate(line)),
            ("MESSAGE_START", was::MESSAGE_START, &|| {
                is_message_start(line)
            }),
            ("RESET_TIME", was::RESET_TIME, &|| {
                reset_parts("1am (Europe/Paris)").is_some()
            }),
            ("Q_HIT", was::Q_HIT, &|| hit_parts(line).is_some()),
            ("Q_WHAT", was::Q_WHAT, &|| is_limit_name("5-hour limit")),
            ("Q_OUT", was::Q_OUT, &|| out_parts(line).is_some()),
            ("Q_ORG", was::Q_ORG, &|| org_parts(line).is_some()),
            ("Q_OLD_NAMED", was::Q_OLD_NAMED, &|| {
                old_named_parts(line).is_some()
            }),
            ("Q_STATUS", was::Q_STATUS, &|| status_parts(line).is_some()),
            ("RETRYING", was::RETRYING, &|| has_retrying(line)),
            ("ATTEMPT", was::ATTEMPT, &|| has_attempt(line)),
            ("SERVER", was::SERVER, &|| {
                server_kind("API Error: 529 Overloaded.").is_some()
            }),
            ("OTHER_ERROR", was::OTHER_ERROR, &|| is_other_error(line)),
            ("RESET_DONE", was::RESET_DONE, &|| is_reset_done(line)),
            ("TURN_DONE", was::TURN_DONE, &|| {
                is_turn_done("Brewed for 0s")
            }),
            ("KNOWN", was::KNOWN, &|| is_known(line)),
            ("TOOL_HEADER", was::TOOL_HEADER, &|| {
                is_tool_header("Bash(ls)")
            }),
        ];
        eprintln!("{:>14} {:>12} {:>12}", "pattern", "compiled", "code");
        for (name, pattern, code) in replaced {
            let started = std::time::Instant::now();
            let re = was(pattern);
            let compiled = started.elapsed();
            let started = std::time::Instant::now();
            std::hint::black_box(code());
            let first = started.elapsed();
            drop(re);
            eprintln!("{name:>14} {compiled:>12?} {first:>12?}");
        }
        let started = std::time::Instant::now();
        std::hint::black_box(is_placeholder("hi"));
        eprintln!(
            "{:>14} {:>12} {:>12?}",
            "PLACEHOLDER",
            "",
            started.elapsed()
        );
        macro_rules! t { ($($n:ident),*) => { $( let s = std::time::Instant::now(); LazyLock::force(&$n); eprintln!("{:>14} {:>12?} (still a regex)", stringify!($n), s.elapsed()); )* } }
        t!(Q_SEAT, Q_SERVICE, Q_MODEL, Q_OLD_CLAUDE, Q_OLD_EPOCH);
    }

    #[test]
    fn ascii_classes_rewrites_only_escapes() {
        assert_eq!(ascii_classes(r"\d+ \w"), "[0-9]+ [0-9A-Za-z_]");
        assert_eq!(ascii_classes(r"[\w.-]\b"), "[0-9A-Za-z_.-](?-u:\\b)");
        assert_eq!(ascii_classes(r"[^\d\n]\.\("), "[^0-9\\n]\\.\\(");
        assert_eq!(ascii_classes(r"[]\d]"), "[]0-9]");
        assert!(Regex::new(&ascii_classes(r"(?i)^\s?\w+\b")).is_ok());
    }

    #[test]
    fn older_release_limit_screens() {
        // 2.1.197: the turn summary after the limit, then the dialog it opens by itself.
        let limit = result("You've hit your session limit \u{b7} resets 2am (Europe/Paris)");
        let s = tui(&["\u{276f} hi", &limit, "", "\u{273b} Brewed for 0s"]);
        quota(&d(&s), "session", Some("2025-11-29T01:00:00Z"));
        let s = tui(&[
            "\u{276f} hi",
            &limit,
            "     /upgrade to increase your usage limit.",
            "",
            "\u{273b} Brewed for 0s",
            "",
            "\u{276f} /rate-limit-options",
            "  What do you want to do?",
            "",
            "  \u{276f} 1. Stop and wait for limit to reset",
            "    2. Upgrade your plan",
            "",
            "  Enter to confirm \u{b7} Esc to cancel",
        ]);
        quota(&d(&s), "session", Some("2025-11-29T01:00:00Z"));
        // A finished turn after the limit is not newer activity, but a new prompt is.
        let s = tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{276f} next",
            "\u{273b} Worked for 2s",
        ]);
        none(&d(&s));
        // A spinner still working is.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{273b} Thinking\u{2026} (esc to interrupt)",
        ])));
    }

    #[test]
    fn the_newest_state_decides() {
        let limit = result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)");
        let status = "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am";
        let e529 =
            "\u{25cf} API Error: 529 Overloaded. This is a server-side issue, usually temporary.";
        // Server error below (newer than) the limit.
        server(
            &d(&tui(&[
                "\u{276f} hi",
                &limit,
                "",
                status,
                "",
                "\u{276f} hi",
                "",
                e529,
            ])),
            "overloaded",
        );
        server(&d(&tui(&["\u{276f} hi", &limit, "", e529])), "overloaded");
        // Limit below an older server error.
        quota(
            &d(&tui(&["\u{276f} hi", "", e529, "", "\u{276f} hi", &limit])),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        // An old limit above a newer normal turn.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            status,
            "",
            "\u{276f} hello again",
            "",
            "\u{25cf} Hello! How can I help?",
            "",
            "\u{273b} Cooked for 1s \u{b7} done 10:47 PM",
        ])));
        // A newer prompt whose answer is still coming.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            status,
            "",
            "\u{276f} continue",
            "",
            "\u{273b} Thinking\u{2026} (esc to interrupt)",
        ])));
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            status,
            "",
            "\u{276f} continue",
        ])));
        // A newer reply in the same turn (continued automatically), even one that opens a list.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{25cf} 1. First, re-run the tests.",
        ])));
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{25cf} Picking up where I left off.",
        ])));
        // Another kind of error after the limit.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{25cf} API Error: 401 Invalid authentication credentials \u{b7} Please run /login",
        ])));
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{25cf} Not logged in \u{b7} Please run /login",
        ])));
        // The limit has reset.
        let s = screen(
            80,
            &["\u{276f} hi", &limit, "", status],
            "",
            &["  Your usage limit has reset \u{b7} Press enter to continue"],
        );
        none(&d(&s));
        // Auto-continue cancelled (the resume redraw of facts §8): still the newest state.
        let cancelled = "\u{25cf} Automatic continue cancelled \u{b7} Claude Code exited during the wait, resume with /continue";
        quota(
            &d(&tui(&["\u{276f} hi", &limit, "", status, "", cancelled])),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        // The limit dialog's menu cursor is not a new prompt.
        let s = tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "  What do you want to do?",
            "",
            "\u{276f} 1. Stop and wait for limit to reset",
            "  2. Wait here, then continue automatically at 1am",
            "  3. Upgrade your plan",
        ]);
        quota(&d(&s), "session", Some("2025-11-29T00:00:00Z"));
        // Upsell lines under the limit say nothing new.
        quota(
            &d(&tui(&[
                "\u{276f} hi",
                &limit,
                "",
                "\u{25cf} /upgrade to keep using Claude Code",
            ])),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        // A footer notice of high load vetoes.
        let s = screen(
            80,
            &["\u{276f} hi", &limit],
            "",
            &["  Opus is experiencing high load, please use /model to switch to Sonnet"],
        );
        server(&d(&s), "overloaded");
    }

    fn wrap(first: &str, cont: &str, text: &str, width: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = first.to_string();
        let mut cur_len = first.chars().count();
        let mut fresh = true;
        for word in text.split(' ') {
            let w = word.chars().count();
            if !fresh && cur_len + 1 + w > width {
                out.push(std::mem::replace(&mut cur, cont.to_string()));
                cur_len = cont.chars().count();
                fresh = true;
            }
            if !fresh {
                cur.push(' ');
                cur_len += 1;
            }
            cur.push_str(word);
            cur_len += w;
            fresh = false;
        }
        out.push(cur);
        out
    }

    #[test]
    fn hard_wrapped_lines_in_narrow_panes() {
        for width in [80, 60, 40, 32] {
            for (msg, kind, reset) in WORDINGS {
                let mut conv = vec!["\u{276f} hi".to_string()];
                conv.extend(wrap("  \u{23bf} \u{a0}", "     ", msg, width));
                conv.push(String::new());
                conv.extend(wrap(
                    "\u{25cf} ",
                    "  ",
                    "Usage limit reached \u{b7} set to continue automatically at 1am",
                    width,
                ));
                let conv: Vec<&str> = conv.iter().map(String::as_str).collect();
                let footer = wrap(
                    "  \u{26a0} ",
                    "    ",
                    "Usage limit reached \u{b7} limit resets 1am",
                    width,
                );
                let footer: Vec<&str> = footer.iter().map(String::as_str).collect();
                let det = d(&screen(width, &conv, "", &footer));
                // Without a time of its own, the status line's `at 1am` gives it.
                assert_eq!(det.kind.as_deref(), Some(*kind), "width {width}: {msg}");
                quota(&det, kind, reset.or(Some("2025-11-29T00:00:00Z")));
                assert_eq!(det.line.as_deref(), Some(*msg), "width {width}");
            }
        }
        // The status line alone, wrapped.
        let conv = wrap(
            "\u{25cf} ",
            "  ",
            "Usage limit reached \u{b7} set to continue automatically at 1am",
            30,
        );
        let mut lines = vec!["\u{276f} hi"];
        lines.extend(conv.iter().map(String::as_str));
        quota(
            &d(&screen(30, &lines, "", &[])),
            "usage",
            Some("2025-11-29T00:00:00Z"),
        );
        // A wrapped limit followed by an indented upsell line keeps its reset time.
        let s = tui(&[
            "\u{276f} hi",
            &result("You've hit your 5-hour limit \u{b7} resets 1am"),
            "     /upgrade to keep using Claude Code",
        ]);
        quota(&d(&s), "session", Some("2025-11-29T00:00:00Z"));
        // Wrapped prose stays prose.
        let prose = wrap(
            "\u{25cf} ",
            "  ",
            "Sure, You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris) is the message",
            40,
        );
        let mut lines = vec!["\u{276f} hi"];
        lines.extend(prose.iter().map(String::as_str));
        none(&d(&screen(40, &lines, "", &[])));
    }

    #[test]
    fn soft_wrapped_lines_joined_by_capture_j() {
        // `-J` gives one long line, padded with the spaces of the last row.
        let msg = "You've hit your weekly limit \u{b7} resets Dec 2, 7pm (Europe/Moscow)";
        let line = format!("{}{}", result(msg), " ".repeat(23));
        quota(
            &d(&screen(60, &["\u{276f} hi", &line], "", &[])),
            "weekly",
            Some("2025-12-02T16:00:00Z"),
        );
    }

    #[test]
    fn terminal_noise_does_not_matter() {
        let msg = "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)";
        // ANSI colours around the marker and inside the text.
        let ansi = "\x1b[2m\u{276f}\x1b[0m hi\n  \x1b[38;5;246m\u{23bf}\x1b[39m \u{a0}\x1b[31mYou've hit your 5-hour limit\x1b[0m \u{b7} resets 1am (Europe/Paris)\x1b[K\n\x1b]0;title\x07\n";
        quota(&d(ansi), "session", Some("2025-11-29T00:00:00Z"));
        // CRLF line ends and trailing spaces.
        let crlf = tui(&["\u{276f} hi    ", &format!("{}   ", result(msg))]).replace('\n', "\r\n");
        quota(&d(&crlf), "session", Some("2025-11-29T00:00:00Z"));
        // Two plain spaces after `⎿` (older releases), tabs, typographic apostrophe, `∙`.
        quota(
            &d(&format!("\u{276f} hi\n  \u{23bf}  {msg}\n")),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        quota(
            &d(&format!("\u{276f} hi\n\t\u{23bf}\t{msg}\n")),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        quota(&d("\u{276f} hi\n  \u{23bf}  You\u{2019}ve hit your 5-hour limit \u{2219} resets 1am\n"), "session", Some("2025-11-29T00:00:00Z"));
        // Older box-drawn prompt and `⏺` bullets.
        let old = "\u{256d}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{256e}\n\u{2502} \u{273b} Welcome to Claude Code! \u{2502}\n\u{2570}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{256f}\n\n> hi\n  \u{23bf}  Claude usage limit reached. Your limit will reset at 3pm (Europe/Paris).\n\n\u{256d}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{256e}\n\u{2502} >        \u{2502}\n\u{2570}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{2500}\u{256f}\n  ? for shortcuts\n";
        quota(&d(old), "usage", Some("2025-11-29T14:00:00Z"));
        let old_typed = old.replace("\u{2502} >        \u{2502}", "\u{2502} > hello  \u{2502}");
        quota(&d(&old_typed), "usage", Some("2025-11-29T14:00:00Z"));
        quota(
            &d(&format!("> hi\n\u{23fa} {msg}\n")),
            "session",
            Some("2025-11-29T00:00:00Z"),
        );
        // A box-drawn quote of the message is not the message.
        none(&d(&format!("\u{2502} {msg} \u{2502}\n")));
    }

    #[test]
    fn older_wordings() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("Claude usage limit reached. Your limit will reset at 3pm (Europe/Paris).", "usage", Some("2025-11-29T14:00:00Z")),
            ("Claude usage limit reached. Your limit will reset at 9am (America/Chicago).", "usage", Some("2025-11-29T15:00:00Z")),
            ("Claude usage limit reached. Your limit will reset at 12am.", "usage", Some("2025-11-28T23:00:00Z")),
            ("Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).", "usage", Some("2025-11-29T18:00:00Z")),
            ("Claude usage limit reached.", "usage", None),
            ("Claude Max usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).", "usage", Some("2025-11-29T16:00:00Z")),
            ("Daily limit reached \u{b7} resets 1am", "usage", Some("2025-11-29T00:00:00Z")),
            ("Sonnet weekly limit reached \u{2219} resets Dec 2, 7pm", "sonnet", Some("2025-12-02T18:00:00Z")),
            ("Claude AI usage limit reached|1764374400", "usage", Some("2025-11-29T00:00:00Z")),
            ("5-hour limit reached \u{2219} resets 3pm", "session", Some("2025-11-29T14:00:00Z")),
            ("5-hour limit reached \u{b7} resets 2pm (Pacific/Auckland) \u{b7} /upgrade to Max 20x or turn on /extra-usage", "session", Some("2025-11-29T01:00:00Z")),
            ("Session limit reached \u{2219} resets 8pm", "session", Some("2025-11-29T19:00:00Z")),
            ("Weekly limit reached \u{b7} resets Dec 2, 7pm (Europe/Moscow)", "weekly", Some("2025-12-02T16:00:00Z")),
            ("Opus weekly limit reached \u{2219} resets Oct 31, 9am", "opus", Some("2026-10-31T08:00:00Z")),
            ("Opus weekly limit reached \u{2219} resets Oct 24", "opus", Some("2026-10-23T22:00:00Z")),
            ("You've hit your weekly limit \u{b7} resets Jul 27 at 4:30am (Asia/Calcutta)", "weekly", Some("2026-07-26T23:00:00Z")),
        ];
        for (msg, kind, reset) in cases {
            quota(&d(&tui(&["\u{276f} hi", &result(msg)])), kind, *reset);
            quota(&d(&format!("{msg}\n")), kind, *reset);
        }
        // Hard-wrapped by the older TUI.
        let s = "> hi\n  \u{23bf}  Claude usage limit reached. Your limit will reset\n     at 3pm (America/Santiago).\n\n    \u{2022} /upgrade to increase your usage limit.\n";
        quota(&d(s), "usage", Some("2025-11-29T18:00:00Z"));
        // Older warnings and prose.
        none(&d(&tui(&[
            "\u{276f} hi",
            &result("Approaching usage limit \u{b7} resets at 9pm"),
        ])));
        none(&d(&tui(&[
            "\u{276f} hi",
            &result("Approaching Opus usage limit"),
        ])));
        none(&d("my Claude usage limit reached 90% today\n"));
        none(&d("Claude AI usage limit reached|soon\n"));
    }

    #[test]
    fn plain_screens_are_none() {
        none(&d(""));
        none(&d("\n\n\n"));
        none(&d("$ ls\nfoo bar\n$ \n"));
        none(&d(&tui(&[
            "\u{276f} hi",
            "",
            "\u{25cf} Hello from the local mock server. Everything is fine.",
        ])));
        none(&d(
            "Resume this session with:\nclaude --resume cc2f0417-2ae8-48a3-a00a-f75185159949\n",
        ));
    }

    #[test]
    fn kinds_for_rate_limit_types() {
        let pairs = [
            ("five_hour", "session"),
            ("seven_day", "weekly"),
            ("seven_day_opus", "opus"),
            ("seven_day_sonnet", "sonnet"),
            ("seven_day_overage_included", "fable"),
            ("overage", "credits"),
        ];
        for (t, k) in pairs {
            assert_eq!(kind_for_rate_limit_type(t), Some(k));
        }
        assert_eq!(kind_for_rate_limit_type("nonsense"), None);
    }

    #[test]
    fn serializes_like_the_spec() {
        let det = d("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n");
        let json = serde_json::to_string(&det).unwrap();
        assert_eq!(
            json,
            "{\"verdict\":\"quota\",\"line\":\"You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\",\"kind\":\"session\",\"resets_at\":\"2025-11-29T00:00:00Z\"}"
        );
        let json = serde_json::to_string(&Detection::none()).unwrap();
        assert_eq!(
            json,
            "{\"verdict\":\"none\",\"line\":null,\"kind\":null,\"resets_at\":null}"
        );
        let det = d("API Error: 529 Overloaded.\n");
        assert!(serde_json::to_string(&det)
            .unwrap()
            .starts_with("{\"verdict\":\"server-error\","));
    }

    // -----------------------------------------------------------------------------------------
    // Property tests: a small PRNG (no extra crates), arbitrary and mixed inputs.

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
            &items[self.below(items.len())]
        }
    }

    const REAL: &[&str] = &[
        include_str!("../tests/fixtures/real-claude/429-usage-limit-5h-interactive.txt"),
        include_str!("../tests/fixtures/real-claude/429-server-throttle-final-interactive.txt"),
        include_str!("../tests/fixtures/real-claude/500-retrying-interactive.txt"),
        include_str!("../tests/fixtures/real-claude/529-overloaded-interactive.txt"),
        include_str!("../tests/fixtures/real-claude/ok-interactive.txt"),
        include_str!("../tests/fixtures/real-claude/exit-resume-hint.txt"),
        include_str!("../tests/fixtures/real-claude/print-429-usage-limit-5h.txt"),
        include_str!("../tests/fixtures/real-claude/print-529-overloaded.txt"),
    ];

    /// Real lines, every wording in every marker, prose, tool output, diff lines, spinners.
    fn line_pool() -> Vec<String> {
        let mut pool: Vec<String> = REAL
            .iter()
            .flat_map(|f| f.lines())
            .map(String::from)
            .collect();
        for (msg, _, _) in WORDINGS {
            pool.push(result(msg));
            pool.push(format!("\u{25cf} {msg}"));
            pool.push(msg.to_string());
            pool.push(format!("     {msg}"));
            pool.push(format!("+{msg}"));
            pool.push(format!("\u{25cf} Sure, \"{msg}\" is the text."));
        }
        for l in [
            "\u{276f} hi",
            "\u{276f} continue",
            "\u{25cf} Bash(claude -p hi)",
            "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am",
            "  \u{26a0} Usage limit reached \u{b7} limit resets 1am",
            "\u{273b} 5-hour limit reached \u{b7} retrying in 35s (1am) \u{b7} attempt 3/10",
            "\u{273b} Thinking\u{2026}",
            "  \u{23bf}  If it persists, check https://status.claude.com",
            "  Your usage limit has reset",
            "\u{25cf} Automatic continue cancelled \u{b7} Claude Code exited during the wait",
            "  \u{23bf} \u{a0}You've used 90% of your 5-hour limit \u{b7} resets 1am",
            "\x1b[31m\u{25cf}\x1b[0m API Error: 529 Overloaded.",
            "\u{2502} > \u{2502}",
            "\r",
            "",
        ] {
            pool.push(l.to_string());
        }
        pool
    }

    fn consistent(det: &Detection) {
        match det.verdict {
            Verdict::None => assert_eq!(det, &Detection::none()),
            Verdict::Quota => assert!(det.line.is_some() && det.kind.is_some(), "{det:?}"),
            Verdict::ServerError => {
                assert!(det.line.is_some() && det.kind.is_some() && det.resets_at.is_none())
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let specials: &[&[u8]] = &[
            b"\n",
            b"\r",
            b"\r\n",
            b"\x1b[",
            b"\x1b]",
            b"\x07",
            b" ",
            b"\t",
            "\u{a0}".as_bytes(),
            "\u{23bf}".as_bytes(),
            "\u{25cf}".as_bytes(),
            "\u{276f}".as_bytes(),
            "\u{26a0}".as_bytes(),
            "\u{273b}".as_bytes(),
            "\u{b7}".as_bytes(),
            "\u{2500}".repeat(10).as_bytes().to_vec().leak(),
            "\u{2502}".as_bytes(),
            b"You've hit your ",
            b"limit",
            b" \xc2\xb7 resets ",
            b"1am",
            b"(",
            b")",
            b"Europe/Paris",
            b"API Error: 5",
            b"retrying in 3s attempt 1/10",
            b"|1764374400",
            b"\xff\xfe",
        ];
        for _ in 0..3000 {
            let mut bytes = Vec::new();
            for _ in 0..rng.below(200) {
                if rng.below(3) == 0 {
                    bytes.push(rng.next() as u8);
                } else {
                    bytes.extend_from_slice(specials[rng.below(specials.len())]);
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            consistent(&d(&text));
        }
    }

    #[test]
    fn random_mixes_of_real_lines() {
        let pool = line_pool();
        let mut rng = Rng(42);
        for round in 0..400 {
            let n = rng.below(60);
            let mut text = String::new();
            for _ in 0..n {
                text.push_str(rng.pick(&pool));
                text.push('\n');
            }
            let det = d(&text);
            assert!(
                det.verdict == Verdict::None || may_matter(&text),
                "the quick filter would hide {det:?}:\n{text}"
            );
            consistent(&det);
            assert_eq!(det, d(&text), "deterministic");
            // Whatever came before, a newer normal turn at the bottom means no limit.
            let newer = format!(
                "{text}\u{276f} next\n\u{25cf} All good.\n{}",
                "  done\n".repeat(16)
            );
            assert_eq!(d(&newer), Detection::none(), "round {round}:\n{newer}");
            // Whatever sits above a real screen's header does not change its verdict.
            for real in &REAL[..5] {
                assert_eq!(d(&format!("{text}{real}")), d(real), "round {round}");
            }
        }
    }

    fn work_for(text: &str) -> usize {
        WORK.with(|w| w.set(0));
        let det = d(text);
        consistent(&det);
        WORK.with(|w| w.get())
    }

    #[test]
    fn huge_inputs_stay_linear() {
        let pool = line_pool();
        let mut rng = Rng(7);
        let mut mixed = String::new();
        while mixed.len() < 512 * 1024 {
            mixed.push_str(rng.pick(&pool));
            mixed.push('\n');
        }
        // Worst cases for this design: lines that are all candidates and all neutral (tool
        // output that looks like a limit, long wrapped limit text), one endless line, rules.
        let tool = format!(
            "\u{25cf} Bash(x)\n{}\n     You've hit your 5-hour limit \u{b7} resets\n     1am (Europe/Paris)\n",
            result("You've hit your 5-hour limit \u{b7} resets 1am")
        );
        let wrapped = format!(
            "{}\n{}",
            result(&"You've hit your ".repeat(60)),
            "     limit \u{b7} resets 1am\n".repeat(8)
        );
        let inputs: Vec<(&str, String)> = vec![
            ("mixed", mixed),
            ("tool", tool.repeat(512 * 1024 / tool.len())),
            ("wrapped", wrapped.repeat(512 * 1024 / wrapped.len())),
            ("one line", "You've hit your ".repeat(512 * 1024 / 16)),
            (
                "rules",
                format!("{}\n\u{276f} x\n", "\u{2500}".repeat(20)).repeat(512 * 1024 / 70),
            ),
            (
                "ansi",
                "\x1b[31m\u{25cf}\x1b[0m x\n".repeat(512 * 1024 / 16),
            ),
            ("blank", "\n".repeat(512 * 1024)),
            ("short", "x\n".repeat(256 * 1024)),
            (
                "results",
                "  \u{23bf}  You've hit\n".repeat(512 * 1024 / 24),
            ),
        ];
        for (name, half) in &inputs {
            let full = half.repeat(2);
            let (w1, w2) = (work_for(half), work_for(&full));
            // Linear: twice the input costs about twice the work, and a bounded amount per byte.
            assert!(
                w2 <= 2 * w1 + 2 * MAX_GATHER * MAX_MESSAGE,
                "{name}: {w1} then {w2}"
            );
            assert!(
                w2 <= 16 * full.len() + 1000,
                "{name}: {w2} units for {} bytes",
                full.len()
            );
            let started = std::time::Instant::now();
            let det = d(&full);
            consistent(&det);
            eprintln!(
                "{name}: {} bytes, {w2} units ({:.2}/byte), {:?}",
                full.len(),
                w2 as f64 / full.len() as f64,
                started.elapsed()
            );
            // Generous (debug build, shared machine): the point is "not quadratic".
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{name}"
            );
        }
    }
}
