//! One message line, read alone: is it a usage limit (which kind, what reset time), a server
//! error, another error, the limit's reset, or TUI text that goes with them? Where the line sits
//! on the screen, and so whether it counts, is the parent module's business; this one reads only
//! the words, so they can be tested line by line without a screen around them.
//!
//! Every wording is a small hand-written recogniser: the literal text Claude Code prints, taken
//! off the front of the line with `strip_prefix`, then what may follow it. They are plain code
//! rather than regexes because every tick is a new process that would compile the patterns
//! again (most of a tick's cost when they were regexes; docs/benchmark.md), and because a list
//! of the words Claude prints is what the next release's wording is added to. `classify` tries
//! them in order; docs/detection.md, "How to add a new wording", says where each kind goes.

use super::reset::reset_parts;
use super::work;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Reset {
    None,
    Text(String),
    Epoch(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Class {
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

// ---------------------------------------------------------------------------------------------
// Character classes shared by the recognisers. Claude Code's messages are ASCII where these
// apply (the screen's no-break spaces are normalised before), so they are ASCII-only.

/// A word byte: an ASCII letter, digit or `_`.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// ASCII white space, the vertical tab included (`u8::is_ascii_whitespace` lacks it).
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// `s` with an optional leading `c` taken (taken first), then without.
fn optional(s: &str, c: char) -> impl Iterator<Item = &str> {
    s.strip_prefix(c).into_iter().chain([s])
}

/// A word boundary at byte `i`: a word byte on one side only (bytes that are not ASCII are not
/// word bytes).
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

/// The length in bytes of the ASCII literal `lit` at the start of `s`, in any case.
fn ci_prefix(s: &str, lit: &str) -> Option<usize> {
    let head = s.as_bytes().get(..lit.len())?;
    head.eq_ignore_ascii_case(lit.as_bytes())
        .then_some(lit.len())
}

/// Three digits and a space: a status code (`529 Overloaded`).
fn starts_with_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' '
}

/// A menu item's number (`1. Stop and wait`): the text after it.
fn after_menu_number(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_digit() && b[1] == b'.' && b[2] == b' ').then(|| &s[3..])
}

/// A capitalised name of up to `1 + more` words of word bytes, `.` and `-` (`Opus`, `Fable 5`,
/// `Claude-opus-4.5`), then `tail` (` is experiencing`).
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
/// it), so trying the tails before each further word finds every way the words can end.
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

/// Could `msg` be the first line of a message hard-wrapped over several lines? Only then are
/// the indented lines under it joined to it (prose that wraps stays apart). A new wording whose
/// head is not here is still recognised on one line, but not when a narrow pane wraps it.
pub(super) fn is_message_start(msg: &str) -> bool {
    const HEADS: [&str; 14] = [
        "You've ",
        "You're out",
        "Your ",
        "This service",
        "Claude ",
        "Spending cap ",
        "Limit reached",
        "Haiku",
        "Mythos",
        "Usage limit",
        "API Error",
        "Request timed",
        "Connection to",
        "If it persists",
    ];
    starts_with_any(msg, &HEADS)
        || starts_with_any(msg, &LIMIT_NAMES)
        || starts_with_code(msg)
        || name_then(msg, 0, " is exp")
}

/// A tool call header: `● Bash(ls)`, `● Read(src/x.rs)`, `● mcp__github__get (MCP)(…)`: a
/// name of up to four words (word bytes, `.`, `:`, `-`) starting with a letter, then `(`.
pub(super) fn is_tool_header(msg: &str) -> bool {
    let b = msg.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let name = |c: u8| is_word_byte(c) || matches!(c, b'.' | b':' | b'-');
    words_then(b, 1 + run(&b[1..], name), name, 3, &["(", " ("])
}

/// The summary of a finished turn (`Brewed for 0s`, `Worked for 12.5s`, `Sautéed for 0s`): one
/// capitalised word in any script (the verb is picked at random, and not always ASCII), then its
/// duration (`for 3s`, `for 1.5 m`, `for 2h`).
pub(super) fn is_turn_done(msg: &str) -> bool {
    let mut chars = msg.char_indices();
    if !chars.next().is_some_and(|(_, c)| c.is_uppercase()) {
        return false;
    }
    let verb_end = chars
        .find(|&(_, c)| !c.is_lowercase())
        .map_or(msg.len(), |(i, _)| i);
    let verb_len = msg[..verb_end].chars().count();
    let b = &msg.as_bytes()[verb_end..];
    let Some(rest) = b.strip_prefix(b" for ").filter(|_| verb_len > 1) else {
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

/// A prompt line that is not a new prompt: the hint in an empty box, a menu item, the dialog
/// older releases (2.1.197) open by themselves (`/rate-limit-options`). Claude numbers its
/// menus with ASCII digits.
pub(super) fn is_placeholder(msg: &str) -> bool {
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
        // The whole word: no word character follows.
        return !rest.bytes().next().is_some_and(is_word_byte);
    }
    let b = msg.as_bytes();
    let digits = run(b, |c| c.is_ascii_digit());
    digits > 0 && b[digits..].starts_with(b". ")
}

/// TUI lines that go with a limit or an error (auto-continue, the limit dialog, upsells) and say
/// nothing newer: a `●` line with them is not a new reply. Also any `/command`.
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

/// `Your usage limit has reset`: the limit is over, whatever was above.
fn is_reset_done(msg: &str) -> bool {
    const HEAD: &str = "Your usage limit has reset";
    msg.starts_with(HEAD) && word_boundary(msg.as_bytes(), HEAD.len())
}

/// Another error (login, prompt too long, an `API Error` that is no server error): a newer
/// state than a limit above it, and no reason to swap.
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

/// Byte offsets in `msg` where the word `lit`, in any case, ends (a word boundary before it).
fn ci_words<'a>(msg: &'a str, lit: &'a str) -> impl Iterator<Item = usize> + 'a {
    msg.char_indices().filter_map(move |(i, _)| {
        let n = ci_prefix(&msg[i..], lit)?;
        word_boundary(msg.as_bytes(), i).then_some(i + n)
    })
}

/// The retry spinner's `retrying in 35s` (any case).
fn has_retrying(msg: &str) -> bool {
    ci_words(msg, "retrying in ").any(|end| msg.as_bytes().get(end).is_some_and(u8::is_ascii_digit))
}

/// The retry spinner's `attempt 7/10`, also `attempt 7 / 10` (any case).
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

/// The name of a limit in `You've hit your … limit`: up to five words (a letter, digit or `$`,
/// then word bytes, `'`, `$`, `.`, `-`), then `limit` or `budget`, in any case (`5-hour limit`,
/// `org's monthly spend limit`, `team's pooled group budget`).
fn is_limit_name(what: &str) -> bool {
    let (words, last) = match what.rsplit_once(' ') {
        Some((words, last)) => (Some(words), last),
        None => (None, what),
    };
    let is_end =
        |w: &str| ci_prefix(w, "limit") == Some(w.len()) || ci_prefix(w, "budget") == Some(w.len());
    let first_ok = |c: char| c.is_ascii_alphabetic() || c.is_ascii_digit() || c == '$';
    let rest_ok = |c: char| first_ok(c) || matches!(c, '_' | '\'' | '.' | '-');
    let is_word = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(first_ok) && chars.all(rest_ok)
    };
    is_end(last) && words.is_none_or(|ws| ws.split(' ').count() <= 5 && ws.split(' ').all(is_word))
}

/// What may follow a message head: nothing (`Some(None)`), or a `·` and the rest of the line
/// after it (`Some(Some(rest))`); `None` when neither.
fn dot_tail(r: &str) -> Option<Option<&str>> {
    if r.is_empty() {
        return Some(None);
    }
    let after = r.strip_prefix(' ').unwrap_or(r).strip_prefix('\u{b7}')?;
    Some(Some(after.strip_prefix(' ').unwrap_or(after)))
}

/// `You've hit your 5-hour limit · resets 1am`: the limit's name (up to the first `·`) and the
/// rest after the `·`.
fn hit_parts(msg: &str) -> Option<(&str, Option<&str>)> {
    let s = msg
        .strip_prefix("You've hit your ")
        .or_else(|| msg.strip_prefix("You've reached your "))?;
    let (name, rest) = match s.split_once('\u{b7}') {
        Some((name, rest)) => (name.strip_suffix(' ').unwrap_or(name), Some(rest)),
        None => (s, None),
    };
    let rest = rest.map(|r| r.strip_prefix(' ').unwrap_or(r));
    (!name.is_empty()).then_some((name, rest))
}

/// `You're out of usage credits · resets 1am`, `You're out of extra usage.`: the rest after the
/// `·`.
fn out_parts(msg: &str) -> Option<Option<&str>> {
    let s = msg.strip_prefix("You're out of ")?;
    let r = s
        .strip_prefix("usage credits")
        .or_else(|| s.strip_prefix("extra usage"))?;
    optional(r, '.').find_map(dot_tail)
}

/// `Your org is out of usage · add funds to continue`: the rest after the `·`.
fn org_parts(msg: &str) -> Option<Option<&str>> {
    msg.strip_prefix("Your org is out of usage")
        .and_then(dot_tail)
}

/// The TUI's own status lines (`● Usage limit reached · set to continue automatically at 1am`,
/// footer `⚠ Usage limit reached · limit resets 1am`, also `Usage limit reached again`): the
/// rest after the `·`.
fn status_parts(msg: &str) -> Option<Option<&str>> {
    let r = msg.strip_prefix("Usage limit reached")?;
    r.strip_prefix(" again")
        .into_iter()
        .chain([r])
        .find_map(dot_tail)
}

/// The limits older releases name in `<name> limit reached`, longest first where one starts
/// another.
const LIMIT_NAMES: [&str; 13] = [
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

/// Older releases' `Weekly limit reached · resets …`, `Opus weekly limit reached.`: the name
/// and the rest after the `·`.
fn old_named_parts(msg: &str) -> Option<(&str, Option<&str>)> {
    LIMIT_NAMES.iter().find_map(|name| {
        let r = msg.strip_prefix(name)?.strip_prefix(" limit reached")?;
        let rest = optional(r, '.').find_map(dot_tail)?;
        Some((&msg[..name.len()], rest))
    })
}

/// Releases up to 2.0.0 when the 429 also rejects extra usage (`anthropic-ratelimit-unified-
/// overage-status: rejected`): `Spending cap reached resets 8am` (no `·` before `resets`),
/// `Spending cap reached ∙ resets 8am`, `Limit reached resets 8am (Europe/Paris) · ` (2.0.55, the
/// hint after the last `·` empty or `/upgrade …`), `Limit reached – contact an admin to keep
/// working`. The reset time, after `resets` or in a `·` part.
fn cap_parts(msg: &str) -> Option<Reset> {
    let r = msg
        .strip_prefix("Spending cap reached")
        .or_else(|| msg.strip_prefix("Limit reached"))?;
    let r = r
        .strip_prefix(" \u{2013} contact an admin to keep working")
        .unwrap_or(r);
    let (bare, r) = match r.strip_prefix(" resets ") {
        Some(t) => {
            let stop = t.find('\u{b7}').unwrap_or(t.len());
            (Some(t[..stop].trim_end()), &t[stop..])
        }
        None => (None, r),
    };
    let rest = dot_tail(r)?;
    let reset = reset_from_segments(rest)?;
    match bare {
        Some(t) if !plausible_reset(t) => None,
        Some(t) => Some(Reset::Text(t.to_string())),
        None => Some(reset),
    }
}

/// `Your seat type doesn't include usage credits` (or `extra usage`, `usage`), `Your usage
/// allocation has been disabled by your admin`, `Your group's usage limit is set to $0`: the
/// whole line, or a clause after it (`. Ask your admin to raise it.`).
fn is_seat(msg: &str) -> bool {
    const HEADS: [&str; 4] = [
        // Also `… include usage credits`: a clause after `usage`.
        "Your seat type doesn't include usage",
        "Your seat type doesn't include extra usage",
        "Your usage allocation has been disabled by your admin",
        "Your group's usage limit is set to $0",
    ];
    HEADS.iter().any(|h| {
        msg.strip_prefix(h)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '.', ',', '\u{b7}']))
    })
}

/// `This service is disabled for your org`, as a whole word, then anything.
fn is_service_disabled(msg: &str) -> bool {
    msg.strip_prefix("This service is disabled for your org")
        .is_some_and(|r| !r.bytes().next().is_some_and(is_word_byte))
}

/// `Opus 5 requires usage credits.`, `Mythos Preview requires usage credits.`: a model family,
/// maybe its version or name (no `·`), then the sentence.
fn is_model_needs_credits(msg: &str) -> bool {
    const MODELS: [&str; 5] = ["Fable", "Haiku", "Mythos", "Opus", "Sonnet"];
    const TAIL: &str = " requires usage credits.";
    MODELS.iter().any(|m| {
        let Some(r) = msg.strip_prefix(m) else {
            return false;
        };
        r.match_indices(TAIL).any(|(p, _)| {
            let name = &r[..p];
            p == 0 || (p >= 2 && name.starts_with(' ') && !name.contains('\u{b7}'))
        })
    })
}

/// Releases up to 2.0.0 in print mode: `Claude AI usage limit reached|1760004000`, the reset
/// time in seconds (or milliseconds) since the epoch.
fn old_epoch(msg: &str) -> Option<&str> {
    let n = msg.strip_prefix("Claude AI usage limit reached|")?;
    ((9..=13).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)
}

/// Releases up to 1.0.x: `Claude usage limit reached. Your limit will reset at 3pm
/// (Europe/Paris).` (also `Claude Max`, `Claude Pro`, `Claude AI`); `Some(None)` without the
/// reset sentence, `Some(Some(time))` with it (its final `.` left out).
fn old_claude_parts(msg: &str) -> Option<Option<&str>> {
    let r = msg.strip_prefix("Claude")?;
    let plan = [" Max", " Pro", " AI"]
        .iter()
        .find_map(|p| r.strip_prefix(p));
    let r = plan.unwrap_or(r).strip_prefix(" usage limit reached")?;
    let marks = r.strip_prefix(['.', '!']).into_iter().chain([r]);
    marks.into_iter().find_map(|r| {
        if let Some(t) = r.strip_prefix(" Your limit will reset at ") {
            let t = match t.strip_suffix('.') {
                Some(short) if !short.is_empty() => short,
                _ => t,
            };
            if !t.is_empty() {
                return Some(Some(t));
            }
        }
        (r.is_empty() || r == ".").then_some(None)
    })
}

pub(super) fn classify(msg: &str) -> Option<Class> {
    work(1 + msg.len());
    let first = msg.as_bytes().first()?;
    if !(first.is_ascii_alphanumeric() || *first == b'/') {
        return None;
    }
    // The retry spinner (`… · retrying in 35s · attempt 7/10`) comes first: it also carries
    // `5-hour limit reached`, and it is never a confirmed limit.
    if msg.contains("etrying") && has_retrying(msg) && has_attempt(msg) {
        return Some(Class::Server(server_kind(msg).unwrap_or("retry")));
    }
    // Releases up to 2.0.0 write every 429 of a subscription as `Claude AI usage limit
    // reached|<reset>`; with no reset (`|0`) the 429 had no usage-limit header: a throttle.
    if msg == "Claude AI usage limit reached|0" {
        return Some(Class::Server("throttle"));
    }
    if let Some(q) = classify_quota(msg) {
        return Some(q);
    }
    if let Some(kind) = server_kind(msg) {
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

/// The kind of server error `msg` states (`API Error: 529 …`, `Request timed out`, `Opus is
/// experiencing high load`, `503 Service Unavailable`, the `If it persists, check …` hint under
/// one); the first test that matches decides. A status code decides alone: a 4xx other than 429
/// is no server error.
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

/// After `API Error`: `Some(kind)` when it names a kind (a status code that is no server error
/// gives `Some(None)`), `None` to try the other server errors.
fn api_error_kind(rest: &str) -> Option<Option<&'static str>> {
    if rest.starts_with(": Repeated 529") {
        return Some(Some("overloaded"));
    }
    if let Some(code) = status_code(rest) {
        return Some(status_kind(code));
    }
    let text = rest.strip_prefix(": ")?;
    // Some words count only before the first `·` (what follows is a hint, not the error).
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
            // 2.0.x: a 429 without the usage-limit headers.
            "Rate limit reached",
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

/// The status code at the start of `s`: `: 529 `, ` 529`, ` (529 `.
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

/// `word` as a whole word somewhere in `s` (`s` follows a space, so its start is a boundary).
fn has_word(s: &str, word: &str) -> bool {
    let b = s.as_bytes();
    s.match_indices(word)
        .any(|(i, _)| (i == 0 || !is_word_byte(b[i - 1])) && word_boundary(b, i + word.len()))
}

/// The limit wordings, newest releases first. Each recogniser takes its literal head off the
/// line and says what follows it; `None` from the `?`s means the words are there but what follows
/// is prose, not a reset time: the line is no limit.
fn classify_quota(msg: &str) -> Option<Class> {
    let quota = |kind, reset| {
        Some(Class::Quota {
            kind,
            reset,
            status: false,
        })
    };
    if let Some((what, rest)) = hit_parts(msg) {
        if !is_limit_name(what) {
            return None;
        }
        return quota(kind_of(what), reset_from_segments(rest)?);
    }
    if let Some(rest) = out_parts(msg) {
        return quota("credits", reset_from_segments(rest)?);
    }
    if let Some(rest) = org_parts(msg) {
        return quota("org", reset_from_segments(rest)?);
    }
    if is_seat(msg) {
        return quota("seat", Reset::None);
    }
    if is_service_disabled(msg) {
        return quota("org", Reset::None);
    }
    if is_model_needs_credits(msg) {
        return quota("credits", Reset::None);
    }
    if let Some(reset) = cap_parts(msg) {
        return quota("usage", reset);
    }
    if let Some(epoch) = old_epoch(msg) {
        return quota("usage", Reset::Epoch(epoch.parse().ok()?));
    }
    if let Some(t) = old_claude_parts(msg) {
        let reset = match t {
            Some(t) if plausible_reset(t) => Reset::Text(t.to_string()),
            Some(_) => return None,
            None => Reset::None,
        };
        return quota("usage", reset);
    }
    if let Some((name, rest)) = old_named_parts(msg) {
        return quota(kind_of(name), reset_from_segments(rest)?);
    }
    if let Some(rest) = status_parts(msg) {
        return Some(Class::Quota {
            kind: "usage",
            reset: reset_from_segments(rest)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::test_support::line_corpus;

    #[test]
    fn heads_and_what_may_follow_them() {
        let yes = [
            "You've hit your 5-hour limit",
            "You've reached your org's monthly spend limit \u{b7} ask your admin",
            "You're out of extra usage.",
            "Your org is out of usage \u{b7} add funds to continue",
            "Your seat type doesn't include usage credits",
            "Your group's usage limit is set to $0. Ask your admin to raise it.",
            "This service is disabled for your org.",
            "Mythos Preview requires usage credits.",
            "Opus 5 requires usage credits. Run /usage-credits to turn them on.",
            "Claude Max usage limit reached! Your limit will reset at 5pm.",
            "Claude AI usage limit reached|1764374400123",
            "Sonnet weekly limit reached. \u{b7} resets Oct 24",
            "Usage limit reached again",
        ];
        for msg in yes {
            assert!(matches!(classify(msg), Some(Class::Quota { .. })), "{msg}");
        }
        let no = [
            "You've hit your",
            "You've hit your \u{b7} resets 1am",
            "You've hit your stride today, friend",
            "You're out of coffee",
            "Your seat type doesn't includes usage",
            "This service is disabled for your organisation",
            "Sonnet x \u{b7} y requires usage credits.",
            "Opus requires usage credits",
            "Claude usage limit reached, apparently",
            "Claude AI usage limit reached|17643744",
            "Weekly limit reached for the team",
            "Usage limit reached \u{b7} resets whenever, friend.",
        ];
        for msg in no {
            assert!(!matches!(classify(msg), Some(Class::Quota { .. })), "{msg}");
        }
        assert_eq!(
            old_claude_parts(
                "Claude usage limit reached. Your limit will reset at 3pm (Europe/Paris)."
            ),
            Some(Some("3pm (Europe/Paris)"))
        );
        assert_eq!(
            old_epoch("Claude AI usage limit reached|1764374400"),
            Some("1764374400")
        );
    }

    /// The recognisers cut lines by byte offsets: none may cut inside a character or read past
    /// the end, whatever the line (every fixture line, cut and mutated thousands of ways).
    #[test]
    fn the_recognisers_never_panic() {
        for s in line_corpus() {
            let _ = classify(&s);
            let _ = super::reset_parts(&s);
            is_message_start(&s);
            is_tool_header(&s);
            is_turn_done(&s);
            is_placeholder(&s);
        }
    }
}
