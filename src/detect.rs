//! Detection: is this pane capture showing a real usage limit, a server error, or neither?
//!
//! A pane capture is full of text that merely *looks* like a limit: the assistant quoting the
//! message, a tool printing it, a diff, the warnings shown before a limit, the retry spinner.
//! Swapping accounts on any of those would be wrong, so a limit counts only when it is one of
//! Claude Code's own message lines, recognised by where it sits:
//!
//! - a `⎿` result line (not the first output line of a tool call),
//! - a `●` line whose text *starts* with the message (the TUI's own status lines),
//! - the footer `⚠ Usage limit reached · limit resets …`,
//! - a print-mode line: the whole line is the message, from column 0.
//!
//! and only when the message is the newest state of the screen: walking up from the bottom, the
//! first line that says anything decides. A server error, a newer prompt, a newer reply or a
//! spinner found first means the limit above is old (or was never confirmed).
//!
//! Work is linear in the input: every line is parsed once with cheap character tests, regexes
//! (compiled once) only run on the few lines whose marker makes them candidates, and only on
//! their first `MAX_MESSAGE` bytes.

use std::borrow::Cow;
use std::sync::LazyLock;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
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

/// Classify a capture as of `now` (reset times without a date are the next occurrence after it).
pub fn detect_at(screen: &str, now: &Zoned) -> Detection {
    let clean = strip_ansi(screen);
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
    let c = RESET_TIME.captures(text.trim())?;
    let tz = match c.name("tz") {
        Some(name) => TimeZone::get(name.as_str()).ok()?,
        None => now.time_zone().clone(),
    };
    let here = now.with_time_zone(tz.clone());
    let time = if let Some(h) = c.name("hour") {
        let h: i8 = h.as_str().parse().ok()?;
        let m: i8 = c.name("min").map_or(Some(0), |m| m.as_str().parse().ok())?;
        if !(1..=12).contains(&h) {
            return None;
        }
        let pm = c.name("ampm")?.as_str().eq_ignore_ascii_case("p");
        Time::new(h % 12 + if pm { 12 } else { 0 }, m, 0, 0).ok()?
    } else if let Some(h) = c.name("h24") {
        let h: i8 = h.as_str().parse().ok()?;
        let m: i8 = c.name("m24")?.as_str().parse().ok()?;
        Time::new(h, m, 0, 0).ok()?
    } else if c.name("mon").is_some() {
        Time::midnight()
    } else {
        return None;
    };
    let at = |date: Date| -> Option<Zoned> { date.to_datetime(time).to_zoned(tz.clone()).ok() };
    let zoned = match c.name("mon") {
        Some(mon) => {
            let month = month_number(mon.as_str())?;
            let day: i8 = c.name("day")?.as_str().parse().ok()?;
            match c.name("year") {
                Some(y) => at(Date::new(y.as_str().parse().ok()?, month, day).ok()?)?,
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

fn month_number(name: &str) -> Option<i8> {
    let key = name.get(..3)?.to_ascii_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months.iter().position(|m| *m == key).map(|i| i as i8 + 1)
}

// ---------------------------------------------------------------------------------------------
// Lines

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
    let mark = match first {
        '❯' => Mark::Prompt,
        '>' if spaced && (indent == 0 || boxed) => Mark::Prompt,
        '●' | '⏺' if spaced => Mark::Bullet,
        '⎿' => Mark::Result,
        '⚠' => {
            let after = rest.trim_start_matches('\u{fe0f}').trim_start();
            return Line {
                mark: Mark::Warn,
                indent,
                boxed,
                msg: after,
            };
        }
        '✻' | '✽' | '✶' | '✳' | '✢' | '✦' | '∗' | '*' | '·' if spaced => {
            Mark::Spinner
        }
        c if !c.is_ascii() && !c.is_alphanumeric() && !"“‘«’”".contains(c) => Mark::Glyph,
        _ => {
            return Line {
                mark: Mark::Plain,
                indent,
                boxed,
                msg: body,
            }
        }
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
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("valid regex"));
    };
}

regex!(
    RESET_TIME,
    r"(?xi)^
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
    \.?$"
);

// Heads of every limit message, anchored at the start: the text must BEGIN the line.
regex!(
    Q_HIT,
    r"^You've (?:hit|reached) your (?P<what>[^·]{1,60}?)(?: ?· ?(?P<rest>.*))?$"
);
regex!(
    Q_WHAT,
    r"(?i)^(?:[a-z0-9$][\w'$.-]* ){0,5}(?:limit|budget)$"
);
regex!(
    Q_OUT,
    r"^You're out of (?P<what>usage credits|extra usage)\.?(?: ?· ?(?P<rest>.*))?$"
);
regex!(Q_ORG, r"^Your org is out of usage(?: ?· ?(?P<rest>.*))?$");
regex!(
    Q_SEAT,
    r"^(?:Your seat type doesn't include (?:usage credits|extra usage|usage)|Your usage allocation has been disabled by your admin|Your group's usage limit is set to \$0)(?:[ .,·].*)?$"
);
regex!(Q_SERVICE, r"^This service is disabled for your org\b.*$");
regex!(
    Q_MODEL,
    r"^(?:Fable|Haiku|Mythos|Opus|Sonnet)(?: [^·\n]{1,40})? requires usage credits\."
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
regex!(
    Q_OLD_NAMED,
    r"^(?P<name>5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|(?:Opus|Sonnet|Fable)(?: weekly)?) limit reached\.?(?: ?· ?(?P<rest>.*))?$"
);
// The TUI's own status lines: `● Usage limit reached · set to continue automatically at 1am`,
// footer `⚠ Usage limit reached · limit resets 1am`.
regex!(
    Q_STATUS,
    r"^Usage limit reached(?: again)?(?: ?· ?(?P<rest>.*))?$"
);

// Server errors (a veto: never a quota).
regex!(RETRYING, r"(?i)\bretrying in \d");
regex!(ATTEMPT, r"(?i)\battempt \d+ ?/ ?\d+");
regex!(
    SERVER,
    r"(?x)^(?:
        API\ Error:\ Repeated\ 529(?P<overloaded>)
      | API\ Error:?\ \(?(?P<code>\d{3})\b
      | API\ Error:\ Connection(?P<connection>)
      | API\ Error:\ (?:Request\ timed\ out|[^·]{0,40}timed\ out)(?P<timeout>)
      | API\ Error:\ (?:The\ response\ stopped\ arriving|Server\ error\ mid-response)(?P<stream>)
      | API\ Error:\ (?:Server\ is\ temporarily\ limiting\ requests|Request\ rejected\ \(429\))(?P<throttle>)
      | API\ Error:\ (?:Overloaded|[^·]{0,80}overloaded_error)(?P<overloaded2>)
      | API\ Error:\ (?:Internal\ server\ error|[^·]{0,80}\b(?:api_error|server_error)\b)(?P<server>)
      | Request\ timed\ out(?P<timeout2>)
      | Connection\ to\ the\ API\ was\ lost(?P<connection2>)
      | [A-Z][\w.-]*(?:\ [\w.-]+){0,3}\ is\ experiencing\ high\ load(?P<overloaded3>)
      | (?:529\ )?Overloaded\b(?P<overloaded4>)
      | (?P<code2>5\d\d)\ [A-Za-z]
      | If\ it\ persists,\ check\ (?P<server2>)
    )"
);
regex!(
    OTHER_ERROR,
    r"^(?:Invalid API key|Invalid auth token|Not logged in|Please run /login|OAuth token revoked|Login expired|Login reached its time limit|Credit balance is too low|Prompt is too long|API Error)"
);
regex!(RESET_DONE, r"^Your usage limit has reset\b");
regex!(
    KNOWN,
    r"^(?:Automatic continue cancelled|Continuing automatically|Press (?:enter|Enter|⏎)|What do you want to do|\d+\. |/[a-z]|Run /|Resend your message|Once fixed|Interrupted|Try ')"
);
// A line that could be the first line of a message hard-wrapped over several lines.
regex!(
    MESSAGE_START,
    r"^(?:You've |You're out|Your |This service|Claude |Fable|Haiku|Mythos|Opus|Sonnet|5-hour|[Ss]ession|[Ww]eekly|[Dd]aily|Usage limit|API Error|Request timed|Connection to|If it persists|\d{3} |[A-Z][\w.-]* is exp)"
);
// `● Bash(ls)`, `● Read(src/x.rs)`, `● mcp__github__get (MCP)(…)`: a tool call header.
regex!(TOOL_HEADER, r"^[A-Za-z][\w.:-]*(?: [\w.:-]+){0,3} ?\(");

fn classify(msg: &str) -> Option<Class> {
    let first = msg.as_bytes().first()?;
    if !(first.is_ascii_alphanumeric() || *first == b'/') {
        return None;
    }
    // The retry spinner (`… · retrying in 35s · attempt 7/10`) comes first: it also carries
    // `5-hour limit reached`, and it is never a confirmed limit.
    if RETRYING.is_match(msg) && ATTEMPT.is_match(msg) {
        return Some(Class::Server(server_kind_of(msg).unwrap_or("retry")));
    }
    if let Some(q) = classify_quota(msg) {
        return Some(q);
    }
    if let Some(kind) = server_kind_of(msg) {
        return Some(Class::Server(kind));
    }
    if RESET_DONE.is_match(msg) {
        return Some(Class::Reset);
    }
    if OTHER_ERROR.is_match(msg) {
        return Some(Class::Other);
    }
    if KNOWN.is_match(msg) {
        return Some(Class::Known);
    }
    None
}

fn server_kind_of(msg: &str) -> Option<&'static str> {
    let c = SERVER.captures(msg)?;
    let has = |n: &str| c.name(n).is_some();
    if let Some(code) = c.name("code").or_else(|| c.name("code2")) {
        return match code.as_str() {
            "529" => Some("overloaded"),
            "429" => Some("throttle"),
            s if s.starts_with('5') => Some("server"),
            _ => None,
        };
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

fn classify_quota(msg: &str) -> Option<Class> {
    let quota = |kind, reset| {
        Some(Class::Quota {
            kind,
            reset,
            status: false,
        })
    };
    if let Some(c) = Q_HIT.captures(msg) {
        let what = c.name("what")?.as_str();
        if !Q_WHAT.is_match(what) {
            return None;
        }
        let reset = reset_from_segments(c.name("rest").map(|m| m.as_str()))?;
        return quota(kind_of(what), reset);
    }
    if let Some(c) = Q_OUT.captures(msg) {
        let reset = reset_from_segments(c.name("rest").map(|m| m.as_str()))?;
        return quota("credits", reset);
    }
    if let Some(c) = Q_ORG.captures(msg) {
        let reset = reset_from_segments(c.name("rest").map(|m| m.as_str()))?;
        return quota("org", reset);
    }
    if Q_SEAT.is_match(msg) {
        return quota("seat", Reset::None);
    }
    if Q_SERVICE.is_match(msg) {
        return quota("org", Reset::None);
    }
    if Q_MODEL.is_match(msg) {
        return quota("credits", Reset::None);
    }
    if let Some(c) = Q_OLD_EPOCH.captures(msg) {
        let epoch = c.name("epoch")?.as_str().parse().ok()?;
        return quota("usage", Reset::Epoch(epoch));
    }
    if let Some(c) = Q_OLD_CLAUDE.captures(msg) {
        let reset = match c.name("t") {
            Some(t) if plausible_reset(t.as_str()) => Reset::Text(t.as_str().to_string()),
            Some(_) => return None,
            None => Reset::None,
        };
        return quota("usage", reset);
    }
    if let Some(c) = Q_OLD_NAMED.captures(msg) {
        let reset = reset_from_segments(c.name("rest").map(|m| m.as_str()))?;
        return quota(kind_of(c.name("name")?.as_str()), reset);
    }
    if let Some(c) = Q_STATUS.captures(msg) {
        let reset = reset_from_segments(c.name("rest").map(|m| m.as_str()))?;
        return Some(Class::Quota {
            kind: "usage",
            reset,
            status: true,
        });
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
    RESET_TIME.is_match(t)
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
    if !MESSAGE_START.is_match(&base) {
        return (class, base);
    }
    // Candidates: the line alone, then with 1, 2, … continuation lines (more indented, no
    // marker). Prefer the longest whose reset time parses; else the shortest that matches.
    let mut best = (class.clone(), base.clone());
    let parses = |c: &Option<Class>| match c {
        Some(Class::Quota {
            reset: Reset::Text(t),
            ..
        }) => RESET_TIME.is_match(t),
        Some(Class::Quota { reset, .. }) => *reset != Reset::None,
        _ => false,
    };
    let mut best_parses = parses(&class);
    let mut joined = base;
    for next in lines.iter().skip(i + 1).take(MAX_CONTINUATION) {
        if next.mark != Mark::Plain || next.indent <= line.indent || next.boxed != line.boxed {
            break;
        }
        if joined.len() + next.msg.len() + 1 > MAX_MESSAGE {
            break;
        }
        joined.push(' ');
        joined.push_str(&normalize(next.msg));
        let c = classify(&joined);
        let better = match (&c, &best.0) {
            (Some(Class::Quota { .. }), _) if parses(&c) => true,
            (Some(Class::Quota { .. }), Some(Class::Quota { .. })) => false,
            (Some(Class::Quota { .. }), _) => !best_parses,
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
        let l = lines[j];
        match l.mark {
            Mark::Blank => continue,
            Mark::Plain if l.indent > 0 => continue,
            Mark::Bullet => return TOOL_HEADER.is_match(l.msg),
            _ => return false,
        }
    }
    false
}

fn is_placeholder(msg: &str) -> bool {
    static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:Resend your message|Once fixed|Try "|\d+\. |Press up to edit)"#)
            .expect("valid regex")
    });
    msg.is_empty() || PLACEHOLDER.is_match(msg)
}

fn event(lines: &[Line], i: usize) -> Ev {
    let line = lines[i];
    let eligible = match line.mark {
        Mark::Blank | Mark::Rule | Mark::Glyph => return Ev::Neutral,
        Mark::Prompt if is_placeholder(line.msg) => return Ev::Neutral,
        Mark::Prompt => return Ev::Newer,
        Mark::Result => line.indent <= 4,
        Mark::Plain => line.indent == 0 && !line.boxed,
        Mark::Bullet | Mark::Warn | Mark::Spinner => true,
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
        // Assistant text and tool calls, or a spinner still working / done: newer activity.
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
