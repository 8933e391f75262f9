//! Minimal edits of JSON text: where each member and element of an object or array sits, so a
//! few entries can be added or taken out while every other byte of a user's file stays as it was
//! (a parse and re-print would reorder keys and reflow the formatting).

use anyhow::{bail, Result};

/// A value's byte span in the text, and for containers the spans of what they hold.
#[derive(Debug, Clone)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// Members: (key, the key's start, the value).
    Object(Vec<(String, usize, Node)>),
    Array(Vec<Node>),
    Scalar,
}

impl Node {
    pub fn member(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Object(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }
}

/// The root value of `text` (already known to be valid JSON).
pub fn parse(text: &str) -> Result<Node> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        bail!("text after the JSON value at byte {}", p.i);
    }
    Ok(node)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<()> {
        if self.b.get(self.i) != Some(&c) {
            bail!("expected `{}` at byte {}", c as char, self.i);
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node> {
        if depth > 128 {
            bail!("JSON nested too deeply");
        }
        let start = self.i;
        let kind = match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.i;
                        self.string()?;
                        let key: String = serde_json::from_slice(&self.b[key_start..self.i])?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                        let v = self.value(depth + 1)?;
                        members.push((key, key_start, v));
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => bail!("expected `,` or `}}` at byte {}", self.i),
                        }
                    }
                }
                Kind::Object(members)
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => bail!("expected `,` or `]` at byte {}", self.i),
                        }
                    }
                }
                Kind::Array(items)
            }
            Some(b'"') => {
                self.string()?;
                Kind::Scalar
            }
            Some(_) => {
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    bail!("expected a value at byte {start}");
                }
                Kind::Scalar
            }
            None => bail!("unexpected end of the text"),
        };
        Ok(Node {
            start,
            end: self.i,
            kind,
        })
    }

    fn string(&mut self) -> Result<()> {
        self.eat(b'"')?;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'"' => return Ok(()),
                _ => {}
            }
        }
        bail!("unterminated string")
    }
}

/// How the file is laid out: one indent step (`None` for a one-line file) and its line ending.
#[derive(Debug, Clone)]
pub struct Style {
    pub indent: Option<String>,
    pub newline: &'static str,
}

pub fn style(text: &str, root: &Node) -> Style {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let first_key = match &root.kind {
        Kind::Object(m) => m.first().map(|(_, k, _)| *k),
        Kind::Array(items) => items.first().map(|n| n.start),
        Kind::Scalar => None,
    };
    let indent = match first_key {
        Some(k) => {
            let before = &text[..k];
            before.rfind('\n').map(|nl| before[nl + 1..].to_string())
        }
        // An empty root: pretty, two spaces, as Claude Code writes it.
        None => Some("  ".to_string()),
    };
    let indent = indent.filter(|s| !s.is_empty() && s.chars().all(|c| c == ' ' || c == '\t'));
    Style { indent, newline }
}

/// `value` printed at nesting `depth` in `style` (the first line without its indent).
pub fn render(value: &serde_json::Value, depth: usize, style: &Style) -> String {
    let Some(unit) = &style.indent else {
        return compact(value);
    };
    let mut out = String::new();
    pretty(value, depth, unit, style.newline, &mut out);
    out
}

/// Keys that come first, in this order, as Claude Code's documentation writes hook entries
/// (serde_json's map would sort them).
const KEY_ORDER: [&str; 4] = ["matcher", "type", "hooks", "command"];

fn ordered(m: &serde_json::Map<String, serde_json::Value>) -> Vec<(&String, &serde_json::Value)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by_key(|(k, _)| {
        KEY_ORDER
            .iter()
            .position(|o| o == k)
            .unwrap_or(KEY_ORDER.len())
    });
    v
}

/// One line with a space after `:` and `,`, for one-line files.
fn compact(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(m) => {
            let parts: Vec<String> = ordered(m)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), compact(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn pretty(value: &serde_json::Value, depth: usize, unit: &str, nl: &str, out: &mut String) {
    use serde_json::Value;
    let pad = |d: usize| unit.repeat(d);
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('{');
            for (n, (k, v)) in ordered(m).into_iter().enumerate() {
                out.push_str(if n == 0 { "" } else { "," });
                out.push_str(nl);
                out.push_str(&pad(depth + 1));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                pretty(v, depth + 1, unit, nl, out);
            }
            out.push_str(nl);
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            for (n, v) in a.iter().enumerate() {
                out.push_str(if n == 0 { "" } else { "," });
                out.push_str(nl);
                out.push_str(&pad(depth + 1));
                pretty(v, depth + 1, unit, nl, out);
            }
            out.push_str(nl);
            out.push_str(&pad(depth));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Insert `item` (already rendered; for an object `"key": value`) as the last entry of the
/// container `node` that sits at nesting `depth`.
pub fn append(text: &str, node: &Node, depth: usize, item: &str, style: &Style) -> String {
    let last_end = match &node.kind {
        Kind::Object(m) => m.last().map(|(_, _, v)| v.end),
        Kind::Array(items) => items.last().map(|n| n.end),
        Kind::Scalar => None,
    };
    let (open, close) = (node.start + 1, node.end - 1);
    let mut out = String::with_capacity(text.len() + item.len() + 16);
    match (last_end, &style.indent) {
        (Some(end), Some(unit)) => {
            out.push_str(&text[..end]);
            out.push(',');
            out.push_str(style.newline);
            out.push_str(&unit.repeat(depth + 1));
            out.push_str(item);
            out.push_str(&text[end..]);
        }
        (Some(end), None) => {
            out.push_str(&text[..end]);
            out.push_str(", ");
            out.push_str(item);
            out.push_str(&text[end..]);
        }
        // An empty container: its inside (whitespace only) is replaced.
        (None, Some(unit)) => {
            out.push_str(&text[..open]);
            out.push_str(style.newline);
            out.push_str(&unit.repeat(depth + 1));
            out.push_str(item);
            out.push_str(style.newline);
            out.push_str(&unit.repeat(depth));
            out.push_str(&text[close..]);
        }
        (None, None) => {
            out.push_str(&text[..open]);
            out.push_str(item);
            out.push_str(&text[close..]);
        }
    }
    out
}

/// Take out entry `index` of the container `node` (a member from its key, or an element) with
/// the separator that goes with it, leaving the rest as it was.
pub fn remove(text: &str, node: &Node, index: usize) -> String {
    let spans: Vec<(usize, usize)> = match &node.kind {
        Kind::Object(m) => m.iter().map(|(_, k, v)| (*k, v.end)).collect(),
        Kind::Array(items) => items.iter().map(|n| (n.start, n.end)).collect(),
        Kind::Scalar => return text.to_string(),
    };
    let Some(&(start, end)) = spans.get(index) else {
        return text.to_string();
    };
    let (cut_from, cut_to) = if index > 0 {
        // From the end of the entry before: its `,` and the line break before ours go.
        (spans[index - 1].1, end)
    } else if let Some(next) = spans.get(1) {
        (start, next.0)
    } else {
        // The only entry: the container becomes empty, as tight as `{}`.
        (node.start + 1, node.end - 1)
    };
    format!("{}{}", &text[..cut_from], &text[cut_to..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spans_and_round_trips() {
        let text = "{\n  \"a\": [1, {\"x\": \"}\\\"]\"}],\n  \"b\": {}\n}\n";
        let root = parse(text).unwrap();
        let a = root.member("a").unwrap();
        assert_eq!(&text[a.start..a.end], "[1, {\"x\": \"}\\\"]\"}]");
        let st = style(text, &root);
        assert_eq!(st.indent.as_deref(), Some("  "));
        let b = root.member("b").unwrap();
        let t = append(text, b, 1, "\"k\": 1", &st);
        assert_eq!(
            t,
            "{\n  \"a\": [1, {\"x\": \"}\\\"]\"}],\n  \"b\": {\n    \"k\": 1\n  }\n}\n"
        );
        let r = parse(&t).unwrap();
        let t2 = append(&t, &r, 0, "\"c\": true", &st);
        assert!(t2.ends_with("  },\n  \"c\": true\n}\n"), "{t2}");
        let r2 = parse(&t2).unwrap();
        assert_eq!(remove(&t2, &r2, 2), t);
        let r = parse(&t).unwrap();
        let b = r.member("b").unwrap();
        assert_eq!(remove(&t, b, 0), text);
        let r = parse(text).unwrap();
        assert_eq!(remove(text, &r, 0), "{\n  \"b\": {}\n}\n");
    }

    #[test]
    fn one_line_files_stay_on_one_line() {
        let text = r#"{"a":1}"#;
        let root = parse(text).unwrap();
        let st = style(text, &root);
        assert!(st.indent.is_none());
        let item = format!("\"h\": {}", render(&json!({"k": [1]}), 1, &st));
        assert_eq!(
            append(text, &root, 0, &item, &st),
            r#"{"a":1, "h": {"k": [1]}}"#
        );
    }

    #[test]
    fn bad_text_is_an_error() {
        for bad in ["{", "[1,", "{\"a\" 1}", "\"x", "{} x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
