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
//! tests; the wordings (`message`) are read only on lines whose marker makes them candidates,
//! and never on more than `MAX_MESSAGE` bytes.

pub mod input;
mod message;
mod reset;
#[cfg(test)]
mod test_support;

use std::borrow::Cow;
use std::sync::LazyLock;

use jiff::{Timestamp, Zoned};
use regex::Regex;
use serde::Serialize;

use message::{
    classify, is_message_start, is_placeholder, is_tool_header, is_turn_done, Class, Reset,
};
pub use reset::parse_reset;
use reset::reset_parts;

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
    // Not `Zoned::now()`: jiff would read `TZ` itself, FIFO or `/dev/zero` included.
    detect_at(
        screen,
        &jiff::Timestamp::now().to_zoned(crate::zone::local()),
    )
}

/// Words that every limit or server-error message this module knows holds at least one of.
/// The poll skips a screen without any of them (the common case) without reading it line by
/// line; a test over every fixture checks that this hides no verdict.
const MATTERS: [&str; 17] = [
    "limit",
    "cap reached",
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

/// The quota kind for a transcript's `rateLimitType` (Claude Code copies it from the 429's
/// `anthropic-ratelimit-unified-representative-claim` header; docs/real-claude-findings.md, c).
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

// ---------------------------------------------------------------------------------------------
// Lines

// Units of work (lines visited, bytes of messages read), counted in tests to show the cost stays
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
/// under 300 bytes, so anything longer is prose or output, and the cap bounds the work a line.
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
/// whitespace become one space so the recognisers can look for plain spaces.
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
    /// A newer prompt, reply, other error or reset: the state moved on.
    Newer,
    /// A spinner still working on the turn.
    Working,
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
        None if line.mark == Mark::Spinner => Ev::Working,
        // Assistant text and tool calls: newer activity.
        None if line.mark == Mark::Bullet => Ev::Newer,
        None => Ev::Neutral,
    }
}

enum Conv {
    Quota(Vec<Hit>),
    Server(Hit),
    None,
}

/// The first line above line `i` (within `MAX_WALK_UP`) that says anything.
fn event_above(lines: &[Line], i: usize) -> Option<Ev> {
    (i.saturating_sub(MAX_WALK_UP)..i)
        .rev()
        .map(|j| event(lines, j))
        .find(|ev| !matches!(ev, Ev::Neutral))
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
                return match event_above(lines, i) {
                    Some(Ev::Server(hit)) => Conv::Server(hit),
                    _ => Conv::Server(hint),
                };
            }
            Ev::Server(hit) => return Conv::Server(hit),
            Ev::Newer => return Conv::None,
            // Claude is still at work on the turn. Its spinner may sit below the line that says
            // why (1.0.58 and 2.1.150 draw `⎿ API Error (529 …) · Retrying in 3 seconds…`, then
            // the spinner): a server error right above it is the state; anything else is not a
            // confirmed limit.
            Ev::Working => {
                return match event_above(lines, i) {
                    Some(Ev::Server(hit)) => Conv::Server(hit),
                    _ => Conv::None,
                };
            }
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
    use super::test_support::{at, line_pool, now, result, Rng, REAL, WORDINGS};
    use super::*;

    const HEADER: &str = "\n \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259c}\u{258c}   Claude Code v2.1.332\n\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{259b}\u{2598}  Sonnet 5.5 \u{b7} Claude API\n  \u{2598}\u{2598} \u{259d}\u{259d}    /home/me/work\n\n";

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
        // Auto-continue cancelled (what `--resume` redraws; docs/real-claude-findings.md, b): still
        // the newest state.
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
    fn extra_usage_rejected_wordings() {
        // 1.0.128-2.0.0 and 2.0.55 when the 429 also rejects extra usage: no `·` before `resets`,
        // or a `·` with nothing after it.
        let cases: &[(&str, Option<&str>)] = &[
            ("Spending cap reached resets 8am", Some("2025-11-29T07:00:00Z")),
            ("Spending cap reached \u{2219} resets 8am", Some("2025-11-29T07:00:00Z")),
            ("Limit reached resets 8am (Europe/Paris) \u{b7} ", Some("2025-11-29T07:00:00Z")),
            ("Limit reached resets 8am (Asia/Tokyo) \u{b7} /upgrade to Max 20x or turn on /extra-usage", Some("2025-11-28T23:00:00Z")),
            ("Limit reached \u{b7} resets 8am (Europe/Paris) \u{b7} turn on /extra-usage", Some("2025-11-29T07:00:00Z")),
            ("Limit reached \u{2013} contact an admin to keep working", None),
            ("Spending cap reached", None),
        ];
        for (msg, reset) in cases {
            quota(&d(&tui(&["\u{276f} hi", &result(msg)])), "usage", *reset);
            quota(&d(&format!("{msg}\n")), "usage", *reset);
        }
        // The same words in prose, or with something else than a time after `resets`.
        none(&d(&tui(&[
            "\u{276f} hi",
            &result("Limit reached for today, try tomorrow"),
        ])));
        none(&d("Spending cap reached resets whenever, friend.\n"));
        none(&d(&tui(&[
            "\u{276f} hi",
            "\u{25cf} The Spending cap reached resets 8am line means wait.",
        ])));
        none(&d("Approaching spending cap\n"));
    }

    #[test]
    fn a_429_without_reset_time_is_a_throttle() {
        // Up to 2.0.0 every 429 of a subscription reads `Claude AI usage limit reached|<reset>`;
        // `|0` is one without the usage-limit headers.
        server(&d("Claude AI usage limit reached|0\n"), "throttle");
        server(&d("API Error: Rate limit reached\n"), "throttle");
        quota(
            &d("Claude AI usage limit reached|1764374400\n"),
            "usage",
            Some("2025-11-29T00:00:00Z"),
        );
    }

    #[test]
    fn turn_summaries_in_any_script_belong_to_the_turn_above() {
        let limit = result("You've hit your session limit \u{b7} resets 2am (Europe/Paris)");
        for summary in [
            "\u{273b} Saut\u{e9}ed for 0s",
            "\u{273b} Brewed for 0s",
            "\u{2733} \u{c9}lucubrated for 12.5s",
            "\u{273d} \u{417}\u{430}\u{432}\u{430}\u{440}\u{438}\u{43b} for 1m",
        ] {
            let s = tui(&["\u{276f} hi", &limit, "", summary]);
            quota(&d(&s), "session", Some("2025-11-29T01:00:00Z"));
            // The dialog 2.1.150+ open under it.
            let s = tui(&[
                "\u{276f} hi",
                &limit,
                "",
                summary,
                "",
                "  What do you want to do?",
                "",
                "  \u{276f} 1. Stop and wait for limit to reset",
                "    2. Upgrade your plan",
            ]);
            quota(&d(&s), "session", Some("2025-11-29T01:00:00Z"));
        }
        // Still working, whatever the script: not a confirmed limit.
        none(&d(&tui(&[
            "\u{276f} hi",
            &limit,
            "",
            "\u{273b} Saut\u{e9}ing\u{2026} (3s \u{b7} esc to interrupt)",
        ])));
    }

    #[test]
    fn a_spinner_below_a_retrying_error_is_a_server_error() {
        // 1.0.58 and 2.1.150: the retry line, then the spinner of the turn still at work.
        let retry = result("API Error (529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}) \u{b7} Retrying in 3 seconds\u{2026} (attempt 1/1)");
        let spinner =
            "\u{273b} Combobulating\u{2026} (0s \u{b7} \u{2191} 0 tokens \u{b7} esc to interrupt)";
        server(&d(&tui(&["\u{276f} hi", &retry, spinner])), "overloaded");
        server(
            &d(&tui(&["\u{276f} hi", &retry, "", spinner, ""])),
            "overloaded",
        );
        // A spinner under a limit, or under a newer prompt, is still work in progress.
        let limit = result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)");
        none(&d(&tui(&["\u{276f} hi", &limit, spinner])));
        none(&d(&tui(&["\u{276f} hi", &retry, "\u{276f} next", spinner])));
        none(&d(&tui(&[
            "\u{276f} hi",
            &retry,
            "\u{25cf} Here is the answer.",
            spinner,
        ])));
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
