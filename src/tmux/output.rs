//! Reading what tmux prints, the same way on every version from 3.2a to master.
//!
//! tmux 3.4 to 3.5a pass everything a command prints (`display -p`, `list-* -F`, `show-options`)
//! through vis(3): a control character comes back as octal (`\037`) or a C escape (`\r`), and a
//! `$` before a letter, `_` or `{` gets a backslash, while backslashes themselves are left alone.
//! So a control-character separator reads as one field there, and that escaping alone cannot be
//! undone. 3.2a-3.3a and 3.6+ print values as they are.
//!
//! So every value is asked for as `#{q:NAME}`, tmux's shell quoting (the same code from 3.2a to
//! master), which puts a backslash before each of ``|&;<>()$`\"'*?[# =%``. In what comes back:
//! - a space or `|` without a backslash is always ours: fields are separated by one space and a
//!   record ends with `|` (values may hold newlines, which `q` leaves as they are);
//! - read left to right, `\` + one of q's characters is that character; `\` + an octal digit
//!   or a C letter is a control character as vis wrote it (q never escapes digits or letters);
//!   `\\$` is a `$` that vis escaped once more (q always puts `\` before `$`).
//!
//! Pane text, folder and session names and option values cannot forge a field or a record.

/// Between two fields of a record.
const FIELD: u8 = b' ';
/// After the last field of a record.
const END: u8 = b'|';

/// `#{q:NAME}`: one value, quoted so that it cannot hold an unescaped separator.
pub fn field(name: &str) -> String {
    format!("#{{q:{name}}}")
}

/// A tmux format printing `items` as one record. Each item is a format variable (quoted with
/// `#{q:}`) unless it starts with `=`, which makes it a literal tag (letters only).
pub fn record(items: &[&str]) -> String {
    let mut f = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.push(FIELD as char);
        }
        match item.strip_prefix('=') {
            Some(tag) => {
                debug_assert!(tag.bytes().all(|b| b.is_ascii_alphanumeric()));
                f.push_str(tag)
            }
            None => f.push_str(&field(item)),
        }
    }
    f.push(END as char);
    f
}

/// The first record in `text`: its fields, and what follows its end (and the newline tmux
/// prints after it). None when `text` holds no whole record.
pub fn parse_record(text: &str) -> Option<(Vec<String>, &str)> {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut value: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            FIELD => {
                fields.push(std::mem::take(&mut value));
                i += 1;
            }
            END => {
                fields.push(value);
                let mut rest = i + 1;
                if bytes.get(rest) == Some(&b'\n') {
                    rest += 1;
                }
                let fields = fields
                    .into_iter()
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
                    .collect();
                return Some((fields, &text[rest..]));
            }
            b'\\' => i += unescape(&bytes[i..], &mut value),
            b => {
                value.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Every record in `text` (the output of `list-* -F record(...)`); a cut-off last one is dropped.
pub fn parse_records(mut text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    while let Some((fields, rest)) = parse_record(text) {
        out.push(fields);
        text = rest;
    }
    out
}

/// Decode the escape at the start of `s` (which starts with `\`) into `out`; the bytes used.
fn unescape(s: &[u8], out: &mut Vec<u8>) -> usize {
    match s.get(1).copied() {
        None => {
            out.push(b'\\');
            1
        }
        // vis's `\$` after q's backslash: a `$` (q never leaves a bare `$`).
        Some(b'\\') if s.get(2) == Some(&b'$') => {
            out.push(b'$');
            3
        }
        Some(d @ b'0'..=b'7') => {
            let mut n = u32::from(d - b'0');
            let mut used = 2;
            while used < 4 {
                match s.get(used) {
                    Some(&d @ b'0'..=b'7') => n = n * 8 + u32::from(d - b'0'),
                    _ => break,
                }
                used += 1;
            }
            out.push(n as u8);
            used
        }
        Some(c) => {
            out.push(match c {
                b'n' => b'\n',
                b'r' => b'\r',
                b'b' => 0x08,
                b'a' => 0x07,
                b'v' => 0x0b,
                b't' => b'\t',
                b'f' => 0x0c,
                b's' => b' ',
                other => other,
            });
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tmux's `#{q:}` (format_quote_shell, unchanged from 3.2a to master).
    fn q(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            if "|&;<>()$`\\\"'*?[# =%".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// What tmux 3.4-3.5a do to printed output (utf8_strvis with VIS_OCTAL|VIS_CSTYLE|
    /// VIS_NOSLASH): control characters escaped, `$` before a letter, `_` or `{` escaped.
    fn vis(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::new();
        for (i, ch) in s.char_indices() {
            let c = ch as u32;
            if ch == '$'
                && matches!(b.get(i + 1), Some(n) if n.is_ascii_alphabetic() || *n == b'_' || *n == b'{')
            {
                out.push_str("\\$");
            } else if c >= 0x80 || (0x20..0x7f).contains(&c) || ch == '\t' || ch == '\n' {
                out.push(ch);
            } else {
                match ch {
                    '\r' => out.push_str("\\r"),
                    '\x08' => out.push_str("\\b"),
                    '\x07' => out.push_str("\\a"),
                    '\x0b' => out.push_str("\\v"),
                    '\x0c' => out.push_str("\\f"),
                    _ => out.push_str(&format!("\\{c:03o}")),
                }
            }
        }
        out
    }

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "with space",
        "new\nline",
        "sep\x1fsep",
        "\\037",
        "a|b",
        "a b|\nc d|",
        "#{pane_id}",
        "x;y\\;",
        "$HOME ${X} $_ $1 \\$HOME \\\\$x",
        "tab\there\r\x07\x08\x0b\x0c\x1b[0m",
        "back\\slash\\",
        "ünï ✓",
        "'\"`*?[=%&<>()",
    ];

    #[test]
    fn every_value_survives_every_version() {
        for printed in [q as fn(&str) -> String, |s: &str| vis(&q(s))] {
            let mut text = String::new();
            for v in HOSTILE {
                text.push_str(&format!("P {} {}|\n", printed(v), printed("%1")));
            }
            let records = parse_records(&text);
            assert_eq!(records.len(), HOSTILE.len(), "{text:?}");
            for (rec, v) in records.iter().zip(HOSTILE) {
                assert_eq!(rec, &["P", v, "%1"], "{text:?}");
            }
        }
    }

    #[test]
    fn a_record_leaves_what_follows_it() {
        let text = format!("{} {}|\nnext line\n", q("a b"), q(""));
        let (fields, rest) = parse_record(&text).unwrap();
        assert_eq!(fields, ["a b", ""]);
        assert_eq!(rest, "next line\n");
        assert!(parse_record("no end").is_none());
        assert!(parse_record("escaped end\\|").is_none());
    }

    #[test]
    fn formats_quote_variables_and_keep_tags() {
        assert_eq!(
            record(&["=P", "pane_id", "@opt"]),
            "P #{q:pane_id} #{q:@opt}|"
        );
    }
}
