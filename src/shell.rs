//! Shell words: quoting what we send to `sh`, and splitting option values into arguments.

use anyhow::{bail, Result};

/// Quote one word for a POSIX shell. Words made only of safe characters stay bare so that
/// commands shown to users stay readable.
pub fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@%:=+,".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Split a value such as `--model opus "--append-system-prompt=be brief"` into words, with
/// POSIX-style single quotes, double quotes and backslashes. Nothing is expanded.
pub fn split(value: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => bail!("unterminated single quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => bail!("unterminated double quote"),
                        },
                        Some(c) => word.push(c),
                        None => bail!("unterminated double quote"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => bail!("trailing backslash"),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_round_trips_through_split() {
        for w in [
            "plain",
            "with space",
            "it's",
            "$(rm -rf ~)",
            "`x`",
            "a\"b",
            "",
            "ü ñ",
        ] {
            assert_eq!(split(&quote(w)).unwrap(), vec![w.to_string()], "{w}");
        }
    }

    #[test]
    fn split_handles_quotes() {
        assert_eq!(
            split(r#"--a "b c" 'd e' f\ g"#).unwrap(),
            vec!["--a", "b c", "d e", "f g"]
        );
        assert!(split("'open").is_err());
        assert!(split("\"open").is_err());
        assert!(split("").unwrap().is_empty());
    }
}
