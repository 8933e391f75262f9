//! Claude's input box on a captured screen: has the user typed something not yet sent?
//!
//! The CLI draws the box at the bottom: a prompt line starting `❯ ` (`> ` in older versions)
//! between two full-width `───` rules, or, in older versions, inside a `╭──╮ │ > │ ╰──╯` frame.
//! A prompt typed there lives nowhere else (not on disk), so a restart would lose it.

/// Texts the CLI shows dimmed in an empty box: not typed by anyone.
const PLACEHOLDERS: &[&str] = &[
    "Resend your message to try again",
    "Once fixed, resend your message",
];

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 10 && t.chars().all(|c| c == '\u{2500}')
}

fn is_frame_top(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('\u{256d}') && t.ends_with('\u{256e}')
}

fn is_frame_bottom(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('\u{2570}') && t.ends_with('\u{256f}')
}

/// The text in the input box nearest the bottom of `screen`, trimmed; None when no box shows
/// (a dialog, a shell, the CLI starting). An empty string is an empty box.
pub fn box_text(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    // From the bottom: the closing rule or frame, then the opening one above it.
    let (end, framed) = lines
        .iter()
        .rposition(|l| is_rule(l) || is_frame_bottom(l))
        .map(|i| (i, is_frame_bottom(lines[i])))?;
    let start = lines[..end]
        .iter()
        .rposition(|l| if framed { is_frame_top(l) } else { is_rule(l) })?;
    let inside: Vec<String> = lines[start + 1..end]
        .iter()
        .map(|l| {
            let mut t = l.trim();
            if framed {
                t = t
                    .trim_start_matches('\u{2502}')
                    .trim_end_matches('\u{2502}');
            }
            t.trim().to_string()
        })
        .collect();
    let first = inside.first()?;
    let rest = first
        .strip_prefix('\u{276f}')
        .or_else(|| first.strip_prefix('>'))?;
    let mut text = rest.trim().to_string();
    for more in &inside[1..] {
        if !more.is_empty() {
            text.push('\n');
            text.push_str(more);
        }
    }
    if PLACEHOLDERS.contains(&text.as_str()) || is_suggestion(&text) {
        text.clear();
    }
    Some(text)
}

/// The example prompts an empty box shows in a new session: `Try "..."`.
fn is_suggestion(text: &str) -> bool {
    text.starts_with("Try \"") && text.ends_with('"') && !text.contains('\n')
}

/// True when the input box holds text the user typed and has not sent.
pub fn holds_unsent_text(screen: &str) -> bool {
    box_text(screen).is_some_and(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/real-claude")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn real_screens_with_an_empty_box_hold_nothing() {
        for name in [
            "ok-interactive.txt",
            "429-usage-limit-5h-interactive.txt",
            "529-overloaded-interactive.txt",
            "500-retrying-interactive.txt",
            "429-server-throttle-final-interactive.txt",
        ] {
            let screen = fixture(name);
            assert_eq!(box_text(&screen).as_deref(), Some(""), "{name}");
            assert!(!holds_unsent_text(&screen), "{name}");
        }
    }

    #[test]
    fn typed_text_is_seen_in_both_box_styles() {
        let screen = fixture("ok-interactive.txt");
        // The last prompt line of the fixture is the box's.
        let i = screen.rfind('\u{276f}').unwrap();
        let typed_last = format!("{}\u{276f}\u{a0}refactor the parser\n{}", &screen[..i], {
            let rest = &screen[i..];
            &rest[rest.find('\n').unwrap() + 1..]
        });
        assert!(holds_unsent_text(&typed_last), "{typed_last}");
        let rule = "\u{2500}".repeat(40);
        let multi = format!(
            "\u{25cf} done\n\n{rule}\n\u{276f} first line\n  second\n{rule}\n  ? for shortcuts\n"
        );
        assert_eq!(box_text(&multi).as_deref(), Some("first line\nsecond"));
        let old = "\u{256d}\u{2500}\u{2500}\u{2500}\u{256e}\n\u{2502} > half a prompt \u{2502}\n\u{2570}\u{2500}\u{2500}\u{2500}\u{256f}\n";
        assert_eq!(box_text(old).as_deref(), Some("half a prompt"));
        let old_empty = "\u{256d}\u{2500}\u{2500}\u{2500}\u{256e}\n\u{2502} >   \u{2502}\n\u{2570}\u{2500}\u{2500}\u{2500}\u{256f}\n";
        assert!(!holds_unsent_text(old_empty));
        assert_eq!(box_text("$ ls\nfile\n$ "), None);
        let suggestion = format!("{rule}\n\u{276f} Try \"fix lint errors\"\n{rule}\n");
        assert!(!holds_unsent_text(&suggestion));
    }
}
