//! Test material that the screen tests and the line tests of `message` and `reset` share: a
//! fixed clock, every 2.1.332 wording, real screen lines, a small PRNG, and the corpus of fixture
//! lines and their mutations. One copy here, so that every test module draws on the same inputs.

use super::{normalize, parse_line};
use jiff::{Timestamp, Zoned};

pub(super) fn now() -> Zoned {
    "2025-11-28T22:00:00+01:00[Europe/Paris]".parse().unwrap()
}

pub(super) fn at(s: &str) -> Option<Timestamp> {
    Some(s.parse().unwrap())
}

pub(super) fn result(msg: &str) -> String {
    format!("  \u{23bf} \u{a0}{msg}")
}

/// Every 2.1.332 limit wording: (message, kind, reset as of `now()`).
pub(super) const WORDINGS: &[(&str, &str, Option<&str>)] = &[
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

/// Every line of every fixture file (as captured, its message after the marker,
/// normalized), the tails after each space and `·` in it, the line pool, and mutations of all of
/// these: truncations, case changes, digit changes, inserted spaces, dots, `·`, non-ASCII letters.
pub(super) fn line_corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut stack = vec![root];
    let mut lines = line_pool();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                // Screens only: the transcripts' JSON lines are long and no screen line.
                if let Ok(text) = std::fs::read_to_string(&path) {
                    lines.extend(text.lines().map(String::from));
                }
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

/// `n` mutations of `seeds`: truncations, case changes, digit changes, deletions, non-ASCII
/// letters that look like ASCII ones, inserted spaces, dots, `·`, digits, brackets.
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

pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(super) fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[self.below(items.len())]
    }
}

pub(super) const REAL: &[&str] = &[
    include_str!("../../tests/fixtures/real-claude/429-usage-limit-5h-interactive.txt"),
    include_str!("../../tests/fixtures/real-claude/429-server-throttle-final-interactive.txt"),
    include_str!("../../tests/fixtures/real-claude/500-retrying-interactive.txt"),
    include_str!("../../tests/fixtures/real-claude/529-overloaded-interactive.txt"),
    include_str!("../../tests/fixtures/real-claude/ok-interactive.txt"),
    include_str!("../../tests/fixtures/real-claude/exit-resume-hint.txt"),
    include_str!("../../tests/fixtures/real-claude/print-429-usage-limit-5h.txt"),
    include_str!("../../tests/fixtures/real-claude/print-529-overloaded.txt"),
];

/// Real lines, every wording in every marker, prose, tool output, diff lines, spinners.
pub(super) fn line_pool() -> Vec<String> {
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
