//! Has the user typed something into a pane's prompt box that is not sent yet? A pane with such
//! text is never restarted ahead of time: the text lives only in that Claude process.

use super::{find_prompt_box, is_placeholder, last_lines, parse_line, strip_ansi, Line, Mark};

/// True when the prompt box at the bottom of `screen` holds typed text (not one of Claude's dim
/// placeholders such as `Resend your message to try again`). A screen without a prompt box
/// (a dialog, a shell) holds none.
pub fn unsent_input(screen: &str) -> bool {
    if empty_box(screen) {
        return false;
    }
    // The box sits near the bottom: only the rows that can hold it are read.
    let rows = super::BOX_NEAR_BOTTOM + super::BOX_MAX_HEIGHT + 2;
    let clean = strip_ansi(last_lines(screen, rows));
    let lines: Vec<Line> = clean.split('\n').map(parse_line).collect();
    let (top, footer) = find_prompt_box(&lines);
    if top >= lines.len() {
        return false;
    }
    let inner = &lines[top + 1..footer.saturating_sub(1).max(top + 1)];
    let Some(first) = inner.iter().position(|l| l.mark == Mark::Prompt) else {
        return false;
    };
    let typed = inner[first].msg;
    // More rows under the prompt line are the rest of a long or multi-line input.
    let more = inner[first + 1..].iter().any(|l| l.mark != Mark::Blank);
    more || !(typed.is_empty() || is_placeholder(typed))
}

/// The common case on every poll, decided without parsing the screen: the last `❯` line sits
/// alone between two rules with nothing typed after the marker.
fn empty_box(screen: &str) -> bool {
    let rule = |l: &str| {
        let t = l.trim();
        !t.is_empty() && t.chars().all(|c| c == '\u{2500}')
    };
    let lines: Vec<&str> = screen
        .lines()
        .rev()
        .take(super::BOX_NEAR_BOTTOM + 2)
        .collect();
    let Some(i) = lines
        .iter()
        .position(|l| l.trim_start().starts_with('\u{276f}'))
    else {
        return false;
    };
    let rest = lines[i].trim_start()['\u{276f}'.len_utf8()..].trim();
    rest.is_empty() && i > 0 && rule(lines[i - 1]) && lines.get(i + 1).is_some_and(|l| rule(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(input_rows: &[&str]) -> String {
        let rule = "\u{2500}".repeat(40);
        let mut s = vec![
            "\u{276f} hi".to_string(),
            String::new(),
            "\u{25cf} Hello.".to_string(),
            String::new(),
            rule.clone(),
        ];
        s.extend(input_rows.iter().map(|r| r.to_string()));
        s.push(rule);
        s.push("  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)".into());
        s.join("\n")
    }

    #[test]
    fn typed_text_is_unsent_input_and_placeholders_are_not() {
        assert!(!unsent_input(&screen(&["\u{276f}\u{a0}"])));
        assert!(!unsent_input(&screen(&["\u{276f}    "])));
        assert!(!unsent_input(&screen(&[
            "\u{276f}\u{a0}Resend your message to try again"
        ])));
        assert!(empty_box(&screen(&["\u{276f}\u{a0}"])));
        assert!(unsent_input(&screen(&["\u{276f}\u{a0}fix the build"])));
        // An empty `❯` in the user's statusLine under the box does not hide typed text.
        let mut with_status = screen(&["\u{276f}\u{a0}fix the build"]);
        with_status.push_str("\n  \u{276f}");
        assert!(unsent_input(&with_status));
        assert!(unsent_input(&screen(&[
            "\u{276f}\u{a0}a long line",
            "  that goes on"
        ])));
        // No prompt box at all (a shell).
        assert!(!unsent_input("$ ls\nfile\n$ "));
        assert!(!unsent_input(""));
    }

    #[test]
    fn the_real_idle_screens_hold_no_input() {
        for name in ["ok-interactive.txt", "429-usage-limit-5h-interactive.txt"] {
            let path = format!(
                "{}/tests/fixtures/real-claude/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!unsent_input(&text), "{name}");
            // The idle screen is decided by the quick look alone.
            assert!(empty_box(&text), "{name}");
        }
    }
}
