//! What the simulated Claude Code shows, as lines of text: the banner, the conversation and the
//! prompt box at the bottom, laid out like the real 2.1.332 full-screen view (see
//! `tests/fixtures/real-claude/`). Pure: no terminal here.

pub const VERSION: &str = "2.1.332";
/// The prompt marker of the input box: `❯` then a no-break space.
pub const PROMPT: &str = "\u{276f}\u{a0}";
const NOTICE: [&str; 3] = [
    "Auto mode is now Claude Code's default permission mode.",
    "Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and prompt injection before executing, runs the ones it assesses as lower-risk, and blocks the rest.",
    "https://code.claude.com/docs/en/permission-modes",
];
const MODE_IDLE: &str = "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)";
const MODE_BUSY: &str =
    "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle) \u{b7} esc to interrupt";
const USER_BG: &str = "\x1b[48;5;237m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// One element of the conversation view.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A prompt the user sent: `❯ text` on a highlighted full-width line.
    User(String),
    /// Assistant text or an API error: `● text`.
    Assistant(String),
    /// A result under the previous item, e.g. the usage-limit message: `  ⎿  text`.
    Result(String),
    /// A status line under a finished turn: `✻ Worked for 1s · done 10:47 PM`.
    Status(String),
    /// A line of the simulator itself (a bad `sim-mode`), drawn as a warning.
    Warning(String),
}

/// Everything below the conversation, which the real CLI keeps pinned to the bottom.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bottom {
    /// The spinner line while a turn runs.
    pub spinner: Option<String>,
    pub input: String,
    /// Dim text shown in the empty input box (`Resend your message to try again`).
    pub placeholder: Option<String>,
    /// Notification lines above the mode line (the usage-limit footer, a usage warning).
    pub notices: Vec<String>,
    pub busy: bool,
    /// `Press Ctrl-C again to exit` replaces the mode line while armed.
    pub exit_hint: Option<String>,
}

/// The banner at the top of the screen; `cwd` as the CLI shows it (`~` for the home folder).
pub fn banner(cwd: &str, width: usize) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        format!(" \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259b}\u{2588}   Claude Code v{VERSION}"),
        "\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2580}  Sonnet 5.5 \u{b7} Claude API"
            .to_string(),
        format!(" \u{259d}\u{259d}   \u{259d}\u{259d}   {cwd}"),
        String::new(),
    ];
    for para in NOTICE {
        lines.extend(prefixed(para, "\u{258e} ", "\u{258e} ", width));
    }
    lines
}

/// The lines of the conversation; each item but a result is preceded by an empty line.
pub fn conversation(items: &[Item], width: usize, styled: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for item in items {
        match item {
            Item::User(text) => {
                lines.push(String::new());
                for l in prefixed(text, "\u{276f} ", "  ", width) {
                    lines.push(if styled {
                        // Full width, like the real highlighted prompt line.
                        format!("{USER_BG}{}{RESET}", pad(&l, width))
                    } else {
                        l
                    });
                }
            }
            Item::Assistant(text) => {
                lines.push(String::new());
                lines.extend(prefixed(text, "\u{25cf} ", "  ", width));
            }
            Item::Result(text) => lines.extend(prefixed(text, "  \u{23bf} \u{a0}", "     ", width)),
            Item::Status(text) => {
                lines.push(String::new());
                lines.extend(prefixed(text, "\u{273b} ", "  ", width));
            }
            Item::Warning(text) => {
                lines.push(String::new());
                lines.extend(prefixed(text, "\u{26a0} ", "  ", width));
            }
        }
    }
    lines
}

/// The pinned bottom block: spinner, the input box between two rules, notices, mode line.
/// Returns the lines and the (line, column) where the cursor belongs.
pub fn bottom(b: &Bottom, width: usize, styled: bool) -> (Vec<String>, (usize, usize)) {
    let mut lines = Vec::new();
    if let Some(s) = &b.spinner {
        lines.extend(prefixed(s, "", "  ", width));
    }
    lines.push(String::new());
    let rule = "\u{2500}".repeat(width);
    lines.push(rule.clone());
    let cursor;
    if b.input.is_empty() {
        cursor = (lines.len(), 2);
        match &b.placeholder {
            Some(p) if styled => lines.push(format!("{PROMPT}{DIM}{p}{RESET}")),
            Some(p) => lines.push(format!("{PROMPT}{p}")),
            None => lines.push(PROMPT.to_string()),
        }
    } else {
        // Typed text is broken at the width, not at words, like an editor.
        let chars: Vec<char> = b.input.chars().collect();
        let per = width.saturating_sub(2).max(1);
        for (n, chunk) in chars.chunks(per).enumerate() {
            let s: String = chunk.iter().collect();
            lines.push(if n == 0 {
                format!("{PROMPT}{s}")
            } else {
                format!("  {s}")
            });
        }
        let last = (chars.len().max(1) - 1) / per;
        let col = 2 + chars.len() - last * per;
        cursor = (
            lines.len() - 1 - (chars.len().div_ceil(per) - 1 - last),
            col,
        );
    }
    lines.push(rule);
    for n in &b.notices {
        lines.extend(prefixed(n, "", "    ", width));
    }
    lines.push(match &b.exit_hint {
        Some(h) => format!("  {h}"),
        None if b.busy => MODE_BUSY.to_string(),
        None => MODE_IDLE.to_string(),
    });
    (lines, cursor)
}

/// The whole screen, `rows` lines: the top (banner and conversation) from its start, or its
/// end when it does not fit, and the bottom block on the last rows. Also the cursor (row, col),
/// both from 0.
pub fn compose(
    top: &[String],
    bottom: &[String],
    cursor: (usize, usize),
    rows: usize,
) -> (Vec<String>, (usize, usize)) {
    let room = rows.saturating_sub(bottom.len());
    let shown = &top[top.len().saturating_sub(room)..];
    let mut lines: Vec<String> = shown.to_vec();
    lines.resize(room, String::new());
    let offset = lines.len();
    lines.extend(bottom.iter().cloned());
    let skip = lines.len().saturating_sub(rows);
    let lines = lines.split_off(skip);
    let row = (offset + cursor.0).saturating_sub(skip);
    (lines, (row.min(rows.saturating_sub(1)), cursor.1))
}

/// `text` word-wrapped so that `first`+line or `rest`+line fits in `width` columns (one
/// column per character; a word longer than the room is cut). Explicit newlines are kept.
pub fn prefixed(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        // Leading spaces are indentation (footer lines), not word separators.
        let body = para.trim_start_matches(' ');
        let first = format!("{first}{}", &para[..para.len() - body.len()]);
        for line in wrap(body, width.saturating_sub(first.chars().count()).max(8)) {
            let prefix = if out.is_empty() { first.as_str() } else { rest };
            out.push(format!("{prefix}{line}"));
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut chars: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + chars.len() <= width {
            cur.push(' ');
            cur.extend(&chars);
            len += 1 + chars.len();
            continue;
        }
        if len > 0 || !lines.is_empty() || !cur.is_empty() {
            // Like Ink, the space at a break stays at the end of the line (when it fits).
            if len < width {
                cur.push(' ');
            }
            lines.push(std::mem::take(&mut cur));
        }
        while chars.len() > width {
            let tail = chars.split_off(width);
            lines.push(chars.iter().collect());
            chars = tail;
        }
        cur = chars.iter().collect();
        len = chars.len();
    }
    lines.push(cur);
    lines
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_matches_the_real_screen_at_200_columns() {
        let fixture = "\n \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259b}\u{2588}   Claude Code v2.1.332\n\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2580}  Sonnet 5.5 \u{b7} Claude API\n \u{259d}\u{259d}   \u{259d}\u{259d}   /home/me/work\n\n\u{258e} Auto mode is now Claude Code's default permission mode.\n\u{258e} Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and prompt injection before executing, runs the ones it assesses as lower-risk, and \n\u{258e} blocks the rest.\n\u{258e} https://code.claude.com/docs/en/permission-modes";
        assert_eq!(banner("/home/me/work", 200).join("\n"), fixture);
    }

    #[test]
    fn limit_lines_are_byte_exact() {
        let items = vec![
            Item::User("hi".into()),
            Item::Result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into()),
            Item::Assistant(
                "Usage limit reached \u{b7} set to continue automatically at 1am".into(),
            ),
        ];
        assert_eq!(
            conversation(&items, 200, false),
            vec![
                "".to_string(),
                "\u{276f} hi".into(),
                "  \u{23bf} \u{a0}You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"
                    .into(),
                "".into(),
                "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am".into(),
            ]
        );
    }

    #[test]
    fn long_errors_wrap_at_words_with_an_indent() {
        let text = "API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} Number of concurrent connections has exceeded your rate limit. Please try again later or contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.";
        let lines = conversation(&[Item::Assistant(text.into())], 200, false);
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with("contact sales at "), "{}", lines[1]);
        assert_eq!(lines[1].chars().count(), 184);
        assert_eq!(
            lines[2],
            "  https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
        );
        for l in conversation(&[Item::Assistant("x".repeat(50))], 20, false) {
            assert!(l.chars().count() <= 20, "{l}");
        }
    }

    #[test]
    fn bottom_block_and_cursor() {
        let b = Bottom {
            notices: vec!["  \u{26a0} Usage limit reached \u{b7} limit resets 1am".into()],
            ..Default::default()
        };
        let (lines, cursor) = bottom(&b, 30, false);
        assert_eq!(lines[0], "");
        assert_eq!(lines[2], PROMPT);
        assert_eq!(cursor, (2, 2));
        assert_eq!(lines[4], "  \u{26a0} Usage limit reached \u{b7} ");
        assert_eq!(lines[5], "    limit resets 1am");
        assert_eq!(lines.last().unwrap(), MODE_IDLE);
        let b = Bottom {
            input: "abcdefghijk".into(),
            spinner: Some("\u{273b} Thinking\u{2026} (esc to interrupt)".into()),
            busy: true,
            ..Default::default()
        };
        let (lines, cursor) = bottom(&b, 10, false);
        let at = lines.iter().position(|l| l.starts_with(PROMPT)).unwrap();
        assert_eq!(lines[at], format!("{PROMPT}abcdefgh"));
        assert_eq!(lines[at + 1], "  ijk");
        assert_eq!(cursor, (at + 1, 5));
        assert_eq!(lines.last().unwrap(), MODE_BUSY);
    }

    #[test]
    fn compose_pins_the_bottom_and_scrolls_the_top() {
        let top: Vec<String> = (0..10).map(|n| n.to_string()).collect();
        let bottom = vec!["a".to_string(), "b".to_string()];
        let (lines, cur) = compose(&top, &bottom, (1, 3), 5);
        assert_eq!(lines, vec!["7", "8", "9", "a", "b"]);
        assert_eq!(cur, (4, 3));
        let (lines, _) = compose(&top[..1], &bottom, (0, 0), 5);
        assert_eq!(lines, vec!["0", "", "", "a", "b"]);
        let (lines, cur) = compose(&top, &bottom, (1, 0), 1);
        assert_eq!(lines, vec!["b"]);
        assert_eq!(cur, (0, 0));
    }

    #[test]
    fn wrap_edge_cases() {
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("a b", 10), vec!["a b"]);
        assert_eq!(wrap("aaaa bbbb", 4), vec!["aaaa", "bbbb"]);
        assert_eq!(wrap("aaa bbbb", 4), vec!["aaa ", "bbbb"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
