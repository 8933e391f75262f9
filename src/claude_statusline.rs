//! The statusLine piece of `claude-hooks install --statusline`: each account's own statusLine
//! command is wrapped as `'<binary>' statusline -- '<the user's command>'`, so Claude Code hands
//! us its usage figures while the user's command still runs and prints exactly as before.
//! Claude Code has one statusLine only (a higher-priority source replaces the user's), so
//! wrapping is the one way that keeps the user's.
//!
//! Like the hooks, by small text edits with a backup and a note beside the file: `remove` puts
//! back a file nobody touched since byte for byte, and otherwise unwraps the command in place
//! (the user's command text as it was written).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::accounts::Account;
use crate::claude_settings::{self as settings, Change, Install, Noted, Record, Remove, Removing};
use crate::json_text;

pub const SUBCOMMAND: &str = "statusline";

/// The statusLine command that runs `user` through the wrapper (or the wrapper alone).
pub fn wrapped(binary: &Path, user: Option<&str>) -> String {
    let bin = binary.display().to_string();
    let mut s = format!("'{}' {SUBCOMMAND}", bin.replace('\'', r"'\''"));
    if let Some(u) = user {
        s.push_str(" -- ");
        s.push_str(&format!("'{}'", u.replace('\'', r"'\''")));
    }
    s
}

/// Is `command` our wrapper? Then the binary it names and the user's command inside (if any).
fn unwrap(command: &str) -> Option<(String, Option<String>)> {
    let words = crate::shell::split(command).ok()?;
    let ours = |bin: &str| {
        Path::new(bin)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("claude-failover"))
    };
    match words.as_slice() {
        [bin, sub] if sub == SUBCOMMAND && ours(bin) => Some((bin.clone(), None)),
        [bin, sub, dashes, user @ ..]
            if sub == SUBCOMMAND && dashes == "--" && ours(bin) && !user.is_empty() =>
        {
            Some((bin.clone(), Some(user.join(" "))))
        }
        _ => None,
    }
}

/// What an account's settings say about the statusLine.
#[derive(Clone, Debug, PartialEq)]
pub enum Wrap {
    /// No settings.json, or no statusLine in it.
    Absent,
    /// The user's own command, not wrapped.
    Unwrapped(String),
    /// Wrapped: the user's command (none when there was none), and whether the wrapper is this
    /// binary.
    Wrapped {
        user: Option<String>,
        this_binary: bool,
    },
}

impl Wrap {
    pub fn sentence(&self) -> String {
        match self {
            Wrap::Absent => {
                "no statusLine (`claude-hooks install --statusline` adds the usage recorder)".into()
            }
            Wrap::Unwrapped(c) => format!("statusLine `{c}` not wrapped (no usage recorded)"),
            Wrap::Wrapped { user, this_binary } => {
                let what = match user {
                    Some(u) => format!("statusLine wrapped (your command: `{u}`)"),
                    None => "statusLine is the usage recorder alone".to_string(),
                };
                if *this_binary {
                    what
                } else {
                    format!("{what}, by another binary; `claude-hooks install --statusline` points it here")
                }
            }
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            Wrap::Absent => "absent",
            Wrap::Unwrapped(_) => "not-wrapped",
            Wrap::Wrapped { .. } => "wrapped",
        }
    }
}

/// What install did, kept beside the settings file (apart from the hooks' note, so that each
/// undoes its own edit, the later one first).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Note {
    #[serde(flatten)]
    record: Record,
    created_member: bool,
    /// The user's command as its JSON text stood in the file (escapes and all).
    original_raw: Option<String>,
}

impl Noted for Note {
    fn record(&mut self) -> &mut Record {
        &mut self.record
    }
}

fn note_path(account: &Account) -> PathBuf {
    account.dir.join("settings.json.claude-failover-statusline")
}

/// The statusLine's command node, or why the statusLine cannot be wrapped.
fn command_node<'a>(root: &'a json_text::Node, path: &Path) -> Result<Option<&'a json_text::Node>> {
    let Some(line) = root.member("statusLine") else {
        return Ok(None);
    };
    match line.member("command") {
        Some(node) if matches!(node.kind, json_text::Kind::Scalar) => Ok(Some(node)),
        _ => bail!(
            "`statusLine` in {} has no command string, so it was not wrapped",
            path.display()
        ),
    }
}

fn decode(raw: &str) -> Result<String> {
    serde_json::from_str::<String>(raw).context("the statusLine command is not a string")
}

pub fn inspect(account: &Account, binary: &Path) -> Result<Wrap> {
    let path = settings::settings_path(account);
    let Some(text) = settings::read(&path)? else {
        return Ok(Wrap::Absent);
    };
    let root = json_text::parse(&text)?;
    let Some(node) = command_node(&root, &path)? else {
        return Ok(Wrap::Absent);
    };
    let command = decode(&text[node.start..node.end])?;
    Ok(match unwrap(&command) {
        Some((bin, user)) => Wrap::Wrapped {
            user,
            this_binary: Path::new(&bin) == binary,
        },
        None => Wrap::Unwrapped(command),
    })
}

/// Wrap the account's statusLine command (or add the recorder alone when there is none).
pub fn install(account: &Account, binary: &Path) -> Result<Change> {
    let mut edit: Install<Note> =
        Install::begin(settings::settings_path(account), note_path(account))?;
    let original = edit.before.clone().unwrap_or_else(|| "{}\n".to_string());
    let root = json_text::parse(&original)?;
    let mut expect: Value = serde_json::from_str(&original)?;
    let note = &mut edit.note;
    let text = match command_node(&root, &edit.path)? {
        Some(node) => {
            let raw = &original[node.start..node.end];
            let current = decode(raw)?;
            let (user, raw_user) = match unwrap(&current) {
                Some((bin, _)) if Path::new(&bin) == binary => return Ok(Change::Unchanged),
                Some((_, user)) => (user, None),
                None => (Some(current.clone()), Some(raw.to_string())),
            };
            if note.original_raw.is_none() {
                note.original_raw = raw_user;
            }
            let command = wrapped(binary, user.as_deref());
            expect["statusLine"]["command"] = json!(command);
            format!(
                "{}{}{}",
                &original[..node.start],
                Value::String(command),
                &original[node.end..]
            )
        }
        None => {
            let style = json_text::style(&original, &root);
            let line = json!({"type": "command", "command": wrapped(binary, None)});
            expect["statusLine"] = line.clone();
            note.created_member = true;
            let item = format!("\"statusLine\": {}", json_text::render(&line, 1, &style));
            json_text::append(&original, &root, 0, &item, &style)
        }
    };
    // The edit must change exactly the statusLine command: checked on the parsed values.
    edit.finish(
        text,
        &expect,
        ("wrapping the statusLine of", "its command"),
        "before-claude-failover-statusline",
    )
}

/// Undo `install`: the file as it was when nobody touched it since, else the user's command
/// back in place of the wrapper (and the recorder taken out where install added it).
pub fn remove(account: &Account) -> Result<Change> {
    let edit = match Remove::<Note>::begin(settings::settings_path(account), note_path(account))? {
        Removing::Done(change) => return Ok(change),
        Removing::Edit(edit) => edit,
    };
    let text = edit.text.clone();
    let root = json_text::parse(&text)?;
    let Some(node) = command_node(&root, &edit.path).ok().flatten() else {
        return Ok(edit.unchanged());
    };
    let Some((_, user)) = unwrap(&decode(&text[node.start..node.end])?) else {
        return Ok(edit.unchanged());
    };
    let out = match user {
        Some(u) => {
            // The user's own text when it is the same command, else a plain JSON string.
            let raw = edit
                .note
                .as_ref()
                .and_then(|n| n.original_raw.clone())
                .filter(|r| decode(r).is_ok_and(|d| d == u))
                .unwrap_or_else(|| Value::String(u).to_string());
            format!("{}{raw}{}", &text[..node.start], &text[node.end..])
        }
        None => {
            let json_text::Kind::Object(members) = &root.kind else {
                return Ok(edit.unchanged());
            };
            let i = members
                .iter()
                .position(|(k, _, _)| k == "statusLine")
                .context("statusLine vanished")?;
            json_text::remove(&text, &root, i)
        }
    };
    edit.finish(&out, "before-claude-failover-statusline-remove")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIN: &str = "/opt/it's here/claude-failover";

    fn tmp(tag: &str) -> (PathBuf, Account) {
        let d = std::env::temp_dir().join(format!("cf-statusline-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let a = Account {
            name: "t".into(),
            dir: d.clone(),
            env: Some(d.display().to_string()),
        };
        (d, a)
    }

    #[test]
    fn the_wrapper_round_trips_any_command() {
        let bin = Path::new(BIN);
        for user in [
            "ccstatusline",
            "~/bin/status.sh --color",
            r#"printf '%s' "$(jq -r .model.display_name)""#,
            "echo it's; exit 3",
        ] {
            let w = wrapped(bin, Some(user));
            assert_eq!(
                unwrap(&w),
                Some((BIN.to_string(), Some(user.to_string()))),
                "{w}"
            );
            // What sh hands the wrapper is exactly the user's string.
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(w.replacen(
                    &format!("'{}'", BIN.replace('\'', r"'\''")),
                    "printf '<%s>'",
                    1,
                ))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("<statusline><--><{user}>")
            );
        }
        assert_eq!(unwrap(&wrapped(bin, None)), Some((BIN.to_string(), None)));
        assert_eq!(unwrap("ccstatusline"), None);
        assert_eq!(unwrap("'/x/claude-failover' statusline --"), None);
    }

    #[test]
    fn install_then_remove_restores_each_file_byte_for_byte() {
        let bin = Path::new(BIN);
        for (tag, original) in [
            (
                "user",
                "{\n    \"model\": \"opus\",\n    \"statusLine\": {\n        \"type\": \"command\",\n        \"command\": \"~/bin/st\\u0061tus.sh 'a b'\",\n        \"padding\": 0\n    }\n}",
            ),
            ("none", "{\"model\":\"opus\"}\n"),
            ("crlf", "{\r\n  \"a\": 1\r\n}\r\n"),
        ] {
            let (d, acc) = tmp(tag);
            let path = d.join("settings.json");
            std::fs::write(&path, original).unwrap();
            assert!(matches!(install(&acc, bin).unwrap(), Change::Written { backup: Some(_) }));
            let wrap = inspect(&acc, bin).unwrap();
            assert!(matches!(wrap, Wrap::Wrapped { this_binary: true, .. }), "{tag}: {wrap:?}");
            if tag == "user" {
                assert_eq!(
                    wrap,
                    Wrap::Wrapped {
                        user: Some("~/bin/status.sh 'a b'".into()),
                        this_binary: true
                    }
                );
            }
            assert_eq!(install(&acc, bin).unwrap(), Change::Unchanged, "{tag}");
            assert_eq!(remove(&acc).unwrap(), Change::Restored, "{tag}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), original, "{tag}");
            let left: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().collect();
            assert_eq!(left.len(), 1, "{tag}: {left:?}");
            let _ = std::fs::remove_dir_all(&d);
        }
    }

    #[test]
    fn remove_after_an_edit_unwraps_in_place_and_a_created_file_goes() {
        let bin = Path::new(BIN);
        let (d, acc) = tmp("edited");
        let path = d.join("settings.json");
        let original = "{\n  \"statusLine\": {\"type\": \"command\", \"command\": \"st\\u0061tus\"},\n  \"model\": \"opus\"\n}\n";
        std::fs::write(&path, original).unwrap();
        install(&acc, bin).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, after.replace("opus", "sonnet")).unwrap();
        assert!(matches!(remove(&acc).unwrap(), Change::Written { .. }));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            original.replace("opus", "sonnet")
        );
        let _ = std::fs::remove_dir_all(&d);
        let (d, acc) = tmp("created");
        install(&acc, bin).unwrap();
        assert_eq!(
            inspect(&acc, bin).unwrap(),
            Wrap::Wrapped {
                user: None,
                this_binary: true
            }
        );
        assert_eq!(remove(&acc).unwrap(), Change::Restored);
        assert!(!d.join("settings.json").exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_statusline_without_a_command_is_refused_and_left_alone() {
        let (d, acc) = tmp("bad");
        let path = d.join("settings.json");
        let text = "{\"statusLine\": {\"type\": \"static\"}}";
        std::fs::write(&path, text).unwrap();
        let err = format!("{:#}", install(&acc, Path::new(BIN)).unwrap_err());
        assert!(err.contains("no command string"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let _ = std::fs::remove_dir_all(&d);
    }
}
