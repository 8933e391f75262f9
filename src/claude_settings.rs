//! The plugin's entries in an account's Claude Code `settings.json`: added and taken out by
//! small text edits (every other byte of the file stays), with a backup and a note of what was
//! added, so that `remove` restores a file nobody else touched byte for byte.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::accounts::Account;
use crate::json_text::{self, Node};

/// The oldest Claude Code release with the `StopFailure` hook.
pub const STOP_FAILURE_SINCE: Version = Version(2, 1, 78);

/// The hidden subcommand Claude Code runs.
pub const HOOK_SUBCOMMAND: &str = "claude-hook";

/// One kind of entry the plugin puts into settings.json. A hook entry sits in
/// `hooks.<event>[]`; other kinds (a wrapped `statusLine`) fit as more variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// `StopFailure` with matcher `rate_limit`: fires when a rate-limit error ended a turn.
    StopFailureHook,
    /// `Stop` (no matcher): a turn ended; finishes a restart the swap deferred for that turn.
    StopHook,
}

impl Piece {
    pub const ALL: [Piece; 2] = [Piece::StopFailureHook, Piece::StopHook];

    pub fn name(self) -> &'static str {
        match self {
            Piece::StopFailureHook => "StopFailure hook",
            Piece::StopHook => "Stop hook",
        }
    }

    fn event(self) -> &'static str {
        match self {
            Piece::StopFailureHook => "StopFailure",
            Piece::StopHook => "Stop",
        }
    }

    fn entry(self, command: &str) -> Value {
        match self {
            Piece::StopFailureHook => json!({
                "matcher": "rate_limit",
                "hooks": [{"type": "command", "command": command}],
            }),
            Piece::StopHook => json!({"hooks": [{"type": "command", "command": command}]}),
        }
    }

    /// The Claude Code release that first runs this piece.
    pub fn since(self) -> Version {
        match self {
            // `Stop` is much older; it only matters with the swaps StopFailure starts.
            Piece::StopFailureHook | Piece::StopHook => STOP_FAILURE_SINCE,
        }
    }
}

/// The command Claude Code runs: the binary's absolute path, always single-quoted.
pub fn hook_command(binary: &Path) -> String {
    let path = binary.display().to_string();
    format!("'{}' {HOOK_SUBCOMMAND}", path.replace('\'', r"'\''"))
}

/// Is this hook entry one of ours (any binary path)? Ours run `<path>/claude-failover… claude-hook`.
fn ours(entry: &Value) -> Option<String> {
    let hooks = entry.get("hooks")?.as_array()?;
    if hooks.len() != 1 {
        return None;
    }
    let command = hooks[0].get("command")?.as_str()?;
    let words = crate::shell::split(command).ok()?;
    match words.as_slice() {
        [bin, sub]
            if sub == HOOK_SUBCOMMAND
                && Path::new(bin)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("claude-failover")) =>
        {
            Some(command.to_string())
        }
        _ => None,
    }
}

/// What the hooks' install wrote, kept beside the settings file: the record every note keeps,
/// and the containers it created.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Note {
    #[serde(flatten)]
    pub record: Record,
    pub created_hooks: bool,
    pub created_events: Vec<String>,
}

impl Noted for Note {
    fn record(&mut self) -> &mut Record {
        &mut self.record
    }
}

/// What every install note keeps (at the top level of its JSON): the exact text written (to
/// know whether anyone changed the file since) and how to put the file back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    pub written: String,
    /// The file did not exist before install.
    pub created_file: bool,
    pub backup: Option<PathBuf>,
}

/// A note kept beside a settings file by one kind of install.
pub(crate) trait Noted: Default + Serialize + serde::de::DeserializeOwned {
    fn record(&mut self) -> &mut Record;
}

/// An install's edit of one settings file: begun by reading the file (a link, a non-file or
/// text that is not JSON is refused) and its note; a file changed since the last install
/// starts a new note.
pub(crate) struct Install<N> {
    pub path: PathBuf,
    note_path: PathBuf,
    pub before: Option<String>,
    pub note: N,
    /// The file is still exactly what the last install wrote.
    untouched: bool,
}

impl<N: Noted> Install<N> {
    pub fn begin(path: PathBuf, note_path: PathBuf) -> Result<Install<N>> {
        let before = read(&path)?;
        let mut note: N = read_note(&note_path).unwrap_or_default();
        let untouched = before.as_deref() == Some(note.record().written.as_str());
        if !untouched {
            note = N::default();
            note.record().created_file = before.is_none();
        }
        Ok(Install {
            path,
            note_path,
            before,
            note,
            untouched,
        })
    }

    /// Write `text`, checked first to parse to exactly `expect` (else nothing is written and
    /// the error says `<doing> <file> would have changed more than <scope>`). The file before
    /// is backed up, unless it is still our own last write (which keeps the first backup);
    /// then the note records what was written.
    pub fn finish(
        mut self,
        text: String,
        expect: &Value,
        (doing, scope): (&str, &str),
        backup_tag: &str,
    ) -> Result<Change> {
        let got: Value = serde_json::from_str(&text).context("the edited settings are not JSON")?;
        if got != *expect {
            bail!(
                "{doing} {} would have changed more than {scope}; nothing was written",
                self.path.display()
            );
        }
        let record = self.note.record();
        if !self.untouched {
            if let Some(before) = &self.before {
                record.backup = Some(back_up(&self.path, before, backup_tag)?);
            }
        }
        record.written = text.clone();
        let backup = record.backup.clone();
        write(&self.path, &text)?;
        let data = serde_json::to_string_pretty(&self.note)?;
        crate::fsutil::write_atomic(&self.note_path, data.as_bytes())?;
        Ok(Change::Written { backup })
    }
}

/// A remove's edit of one settings file that is there and was changed since install.
pub(crate) struct Remove<N> {
    pub path: PathBuf,
    note_path: PathBuf,
    pub text: String,
    pub note: Option<N>,
}

/// How a remove begins: done already, or an edit to make.
pub(crate) enum Removing<N> {
    Done(Change),
    Edit(Remove<N>),
}

impl<N: Noted> Remove<N> {
    /// Nothing to do without a file; a file nobody touched since install is put back byte for
    /// byte (or deleted when install created it).
    pub fn begin(path: PathBuf, note_path: PathBuf) -> Result<Removing<N>> {
        let Some(text) = read(&path)? else {
            return Ok(Removing::Done(Change::Unchanged));
        };
        let mut note: Option<N> = read_note(&note_path);
        if let Some(record) = note.as_mut().map(|n| n.record()) {
            if record.written == text {
                restore(&path, record.created_file, record.backup.as_deref())?;
                let _ = std::fs::remove_file(&note_path);
                return Ok(Removing::Done(Change::Restored));
            }
        }
        Ok(Removing::Edit(Remove {
            path,
            note_path,
            text,
            note,
        }))
    }

    /// Nothing of ours to take out: the note goes.
    pub fn unchanged(self) -> Change {
        let _ = std::fs::remove_file(&self.note_path);
        Change::Unchanged
    }

    /// Write `out` in place of the file, which is backed up first; the note goes either way.
    pub fn finish(self, out: &str, backup_tag: &str) -> Result<Change> {
        if out == self.text {
            return Ok(self.unchanged());
        }
        let backup = back_up(&self.path, &self.text, backup_tag)?;
        write(&self.path, out)?;
        let _ = std::fs::remove_file(&self.note_path);
        Ok(Change::Written {
            backup: Some(backup),
        })
    }
}

/// Keep `text` beside `path` under a new name tagged `tag`.
fn back_up(path: &Path, text: &str, tag: &str) -> Result<PathBuf> {
    let aside = crate::fsutil::aside_path(path, tag);
    std::fs::write(&aside, text.as_bytes())
        .with_context(|| format!("could not write the backup {}", aside.display()))?;
    Ok(aside)
}

pub fn settings_path(account: &Account) -> PathBuf {
    account.dir.join("settings.json")
}

fn note_path_of(account: &Account) -> PathBuf {
    account.dir.join("settings.json.claude-failover")
}

/// What is in one account's settings file, as far as the plugin is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// No settings.json.
    Missing,
    /// Each piece: installed with this binary, installed with another binary path, or not.
    Read(Vec<(Piece, Presence)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    Installed,
    OtherBinary(String),
    Absent,
}

/// Read the settings file: refuse a link, a non-file, text that is not a JSON object, or
/// `hooks` of the wrong shape (each named as a sentence).
pub(crate) fn read(path: &Path) -> Result<Option<String>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    if meta.file_type().is_symlink() {
        let to = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        bail!(
            "{} is a link (to {to}): it is left alone; add the hook to the file it points to by \
             hand, or replace the link with a file",
            path.display()
        );
    }
    if !meta.is_file() {
        bail!("{} is not a regular file", path.display());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {} as text", path.display()))?;
    let value: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not valid JSON, so it was not changed",
            path.display()
        )
    })?;
    let Some(obj) = value.as_object() else {
        bail!("{} does not hold a JSON object", path.display());
    };
    if let Some(hooks) = obj.get("hooks") {
        let Some(hooks) = hooks.as_object() else {
            bail!("`hooks` in {} is not an object", path.display());
        };
        for piece in Piece::ALL {
            if hooks.get(piece.event()).is_some_and(|v| !v.is_array()) {
                bail!(
                    "`hooks.{}` in {} is not a list",
                    piece.event(),
                    path.display()
                );
            }
        }
    }
    Ok(Some(text))
}

fn presence(text: &str, piece: Piece, command: &str) -> Presence {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let entries = value["hooks"][piece.event()]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mine: Vec<String> = entries.iter().filter_map(ours).collect();
    if mine.iter().any(|c| c == command) && mine.len() == 1 {
        Presence::Installed
    } else if let Some(other) = mine.into_iter().find(|c| c != command) {
        Presence::OtherBinary(other)
    } else {
        Presence::Absent
    }
}

pub fn inspect(account: &Account, binary: &Path) -> Result<Found> {
    let path = settings_path(account);
    let Some(text) = read(&path)? else {
        return Ok(Found::Missing);
    };
    let command = hook_command(binary);
    Ok(Found::Read(
        Piece::ALL
            .iter()
            .map(|&p| (p, presence(&text, p, &command)))
            .collect(),
    ))
}

/// What an install or remove did to one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Unchanged,
    Written {
        backup: Option<PathBuf>,
    },
    /// Remove put back the file as it was before install (or deleted the file install created).
    Restored,
}

/// Add every piece that is not there (replacing our entries that name another binary path).
pub fn install(account: &Account, binary: &Path) -> Result<Change> {
    if !account.dir.is_dir() {
        bail!(
            "the account folder {} does not exist (log in there once with \
             `CLAUDE_CONFIG_DIR={} claude`)",
            account.dir.display(),
            account.dir.display()
        );
    }
    let mut edit: Install<Note> = Install::begin(settings_path(account), note_path_of(account))?;
    let command = hook_command(binary);
    let mut text = edit.before.clone().unwrap_or_else(|| "{}\n".to_string());
    let mut changed = false;
    for piece in Piece::ALL {
        if presence(&text, piece, &command) == Presence::Installed {
            continue;
        }
        text = strip(&text, piece, &mut Note::default())?;
        let (t, created_hooks, created_event) = add(&text, piece, &command)?;
        text = t;
        let note = &mut edit.note;
        note.created_hooks |= created_hooks;
        if created_event && !note.created_events.iter().any(|e| e == piece.event()) {
            note.created_events.push(piece.event().to_string());
        }
        changed = true;
    }
    if !changed {
        return Ok(Change::Unchanged);
    }
    // The edit must change exactly our entries: checked on the parsed values.
    let expect = expected_after_install(edit.before.as_deref().unwrap_or_default(), &command)?;
    edit.finish(
        text,
        &expect,
        ("editing", "the plugin's entries"),
        "before-claude-failover",
    )
}

/// Take out exactly what install added.
pub fn remove(account: &Account) -> Result<Change> {
    let edit = match Remove::<Note>::begin(settings_path(account), note_path_of(account))? {
        Removing::Done(change) => return Ok(change),
        Removing::Edit(edit) => edit,
    };
    let mut created = edit.note.clone().unwrap_or_default();
    let mut out = edit.text.clone();
    for piece in Piece::ALL {
        out = strip(&out, piece, &mut created)?;
    }
    edit.finish(&out, "before-claude-failover-remove")
}

/// Add one piece's entry; says whether `hooks` and the event's list were created.
fn add(text: &str, piece: Piece, command: &str) -> Result<(String, bool, bool)> {
    let root = json_text::parse(text)?;
    let style = json_text::style(text, &root);
    let entry = piece.entry(command);
    let key = |k: &str| Value::String(k.to_string()).to_string();
    Ok(match root.member("hooks") {
        None => {
            let v = json!({ piece.event(): [entry] });
            let item = format!("{}: {}", key("hooks"), json_text::render(&v, 1, &style));
            (json_text::append(text, &root, 0, &item, &style), true, true)
        }
        Some(hooks) => match hooks.member(piece.event()) {
            None => {
                let v = json!([entry]);
                let item = format!(
                    "{}: {}",
                    key(piece.event()),
                    json_text::render(&v, 2, &style)
                );
                (
                    json_text::append(text, hooks, 1, &item, &style),
                    false,
                    true,
                )
            }
            Some(list) => {
                let item = json_text::render(&entry, 3, &style);
                (
                    json_text::append(text, list, 2, &item, &style),
                    false,
                    false,
                )
            }
        },
    })
}

/// Take out our entries of one piece, then the list and `hooks` when install created them and
/// they are empty now.
fn strip(text: &str, piece: Piece, note: &mut Note) -> Result<String> {
    let mut text = text.to_string();
    loop {
        let root = json_text::parse(&text)?;
        let Some(list) = root.member("hooks").and_then(|h| h.member(piece.event())) else {
            break;
        };
        let json_text::Kind::Array(items) = &list.kind else {
            break;
        };
        let hit = items.iter().position(|n| {
            serde_json::from_str::<Value>(&text[n.start..n.end])
                .ok()
                .as_ref()
                .and_then(ours)
                .is_some()
        });
        match hit {
            Some(i) => text = json_text::remove(&text, list, i),
            None => break,
        }
    }
    let root = json_text::parse(&text)?;
    if let Some(hooks) = root.member("hooks") {
        if let Some(i) = empty_member(hooks, piece.event())
            .filter(|_| note.created_events.iter().any(|e| e == piece.event()))
        {
            text = json_text::remove(&text, hooks, i);
        }
    }
    let root = json_text::parse(&text)?;
    if note.created_hooks {
        if let Some(i) = empty_member(&root, "hooks") {
            text = json_text::remove(&text, &root, i);
        }
    }
    Ok(text)
}

/// The index of member `key` of `obj` when its value is an empty object or list.
fn empty_member(obj: &Node, key: &str) -> Option<usize> {
    let json_text::Kind::Object(members) = &obj.kind else {
        return None;
    };
    members.iter().position(|(k, _, v)| {
        k == key
            && match &v.kind {
                json_text::Kind::Object(m) => m.is_empty(),
                json_text::Kind::Array(a) => a.is_empty(),
                json_text::Kind::Scalar => false,
            }
    })
}

/// The parsed file as install should leave it: our old entries gone, the current ones added.
fn expected_after_install(original: &str, command: &str) -> Result<Value> {
    let mut v: Value = if original.is_empty() {
        json!({})
    } else {
        serde_json::from_str(original)?
    };
    let obj = v.as_object_mut().context("settings are not an object")?;
    let hooks = obj.entry("hooks").or_insert_with(|| json!({}));
    for piece in Piece::ALL {
        let list = hooks
            .as_object_mut()
            .context("hooks is not an object")?
            .entry(piece.event())
            .or_insert_with(|| json!([]));
        let arr = list.as_array_mut().context("not a list")?;
        arr.retain(|e| ours(e).is_none());
        arr.push(piece.entry(command));
    }
    Ok(v)
}

/// A note kept beside a settings file (never read through a link).
fn read_note<T: serde::de::DeserializeOwned>(p: &Path) -> Option<T> {
    if std::fs::symlink_metadata(p).ok()?.file_type().is_symlink() {
        return None;
    }
    serde_json::from_slice(&std::fs::read(p).ok()?).ok()
}

/// Put a file back as it was before an install nobody changed since: remove it when install
/// created it, else write its backup back, and the backup goes.
fn restore(path: &Path, created_file: bool, backup: Option<&Path>) -> Result<()> {
    if created_file {
        std::fs::remove_file(path)
            .with_context(|| format!("could not remove {}", path.display()))?;
    } else {
        let b = backup.context("the install note names no backup")?;
        let old = std::fs::read(b)
            .with_context(|| format!("could not read the backup {}", b.display()))?;
        write(path, &String::from_utf8_lossy(&old))?;
        let _ = std::fs::remove_file(b);
    }
    Ok(())
}

/// Atomic, keeping the file's permission bits (write_atomic makes a new 0600 file).
pub(crate) fn write(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions().mode());
    crate::fsutil::write_atomic(path, text.as_bytes())?;
    if let Some(mode) = mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777))
            .with_context(|| format!("could not restore the permissions of {}", path.display()))?;
    }
    Ok(())
}

/// A Claude Code release number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let core = s.trim().split([' ', '-']).next()?;
        let mut it = core.split('.').map(|p| p.parse::<u32>().ok());
        Some(Version(it.next()??, it.next()??, it.next()??))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The newest Claude Code version seen for an account, and where: the live-session files
/// (2.1.150+ write `version`), else the global state file's `lastOnboardingVersion`.
pub fn version_seen(account: &Account) -> Option<(Version, String)> {
    let sessions = account.dir.join("sessions");
    let mut newest: Option<(std::time::SystemTime, Version, PathBuf)> = None;
    for e in std::fs::read_dir(&sessions).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(m) = e.metadata().and_then(|m| m.modified()) else {
            continue;
        };
        let Some(v) = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v["version"].as_str().and_then(Version::parse))
        else {
            continue;
        };
        if newest.as_ref().is_none_or(|(t, _, _)| m > *t) {
            newest = Some((m, v, p));
        }
    }
    if let Some((_, v, p)) = newest {
        return Some((v, p.display().to_string()));
    }
    let mut states = vec![account.dir.join(".claude.json")];
    if let Ok(home) = crate::accounts::home() {
        if account.dir == home.join(".claude") {
            states.push(home.join(".claude.json"));
        }
    }
    for p in states {
        let Some(v) = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| {
                v["lastOnboardingVersion"]
                    .as_str()
                    .or(v["lastReleaseNotesSeen"].as_str())
                    .and_then(Version::parse)
            })
        else {
            continue;
        };
        return Some((v, p.display().to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(dir: &Path) -> Account {
        Account {
            name: "t".into(),
            dir: dir.to_path_buf(),
            env: Some(dir.display().to_string()),
        }
    }

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cf-settings-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const BIN: &str = "/opt/it's here/claude-failover";

    const USER_FILE: &str = "{\n    \"model\": \"opus\",\n    \"zeta\": 1.50,\n    \"hooks\": {\n        \"Stop\": [\n            {\"hooks\": [{\"type\": \"command\", \"command\": \"notify-send done\"}]}\n        ]\n    },\n    \"alpha\": \"\\u00e9\"\n}";

    #[test]
    fn install_then_remove_restores_the_file_byte_for_byte() {
        for (tag, original) in [
            ("user", USER_FILE),
            ("empty", "{}"),
            ("oneline", r#"{"b":1,"a":{"x":[]}}"#),
            ("crlf", "{\r\n  \"a\": 1\r\n}\r\n"),
            (
                "stopfailure",
                "{\n  \"hooks\": {\n    \"StopFailure\": [\n      {\"matcher\": \"server_error\", \"hooks\": []}\n    ]\n  }\n}\n",
            ),
        ] {
            let d = tmp(tag);
            let acc = account(&d);
            let path = d.join("settings.json");
            std::fs::write(&path, original).unwrap();
            let bin = Path::new(BIN);
            let change = install(&acc, bin).unwrap();
            assert!(matches!(change, Change::Written { backup: Some(_) }), "{tag}");
            let after = std::fs::read_to_string(&path).unwrap();
            assert!(after.starts_with(&original[..original.len() / 3]), "{tag}: {after}");
            assert_eq!(
                inspect(&acc, bin).unwrap(),
                Found::Read(Piece::ALL.iter().map(|&p| (p, Presence::Installed)).collect())
            );
            // Idempotent.
            assert_eq!(install(&acc, bin).unwrap(), Change::Unchanged, "{tag}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
            // The user's values are all still there.
            let mut v: Value = serde_json::from_str(&after).unwrap();
            for event in ["StopFailure", "Stop"] {
                v["hooks"][event].as_array_mut().unwrap().retain(|e| ours(e).is_none());
            }
            let o: Value = serde_json::from_str(original).unwrap();
            for (k, val) in o.as_object().unwrap() {
                if k != "hooks" {
                    assert_eq!(&v[k], val, "{tag}");
                }
            }
            assert_eq!(remove(&acc).unwrap(), Change::Restored, "{tag}");
            assert_eq!(std::fs::read(&path).unwrap(), original.as_bytes(), "{tag}");
            let leftovers: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().map(|e| e.file_name()).collect();
            assert_eq!(leftovers.len(), 1, "{tag}: {leftovers:?}");
            let _ = std::fs::remove_dir_all(&d);
        }
    }

    /// An install from before the Stop hook (StopFailure only) is incomplete; installing again
    /// adds the Stop entry after the user's own, and remove still restores the original.
    #[test]
    fn an_older_install_is_upgraded_and_still_removed_exactly() {
        let d = tmp("upgrade");
        let acc = account(&d);
        let path = d.join("settings.json");
        std::fs::write(&path, USER_FILE).unwrap();
        let bin = Path::new(BIN);
        install(&acc, bin).unwrap();
        // As the older install left it: our Stop entry was never there.
        let full = std::fs::read_to_string(&path).unwrap();
        let old = strip(&full, Piece::StopHook, &mut Note::default()).unwrap();
        std::fs::write(&path, &old).unwrap();
        let note_path = note_path_of(&acc);
        let mut note: Note = read_note(&note_path).unwrap();
        note.record.written = old.clone();
        std::fs::write(&note_path, serde_json::to_string(&note).unwrap()).unwrap();
        assert_eq!(
            inspect(&acc, bin).unwrap(),
            Found::Read(vec![
                (Piece::StopFailureHook, Presence::Installed),
                (Piece::StopHook, Presence::Absent)
            ])
        );
        assert!(matches!(
            install(&acc, bin).unwrap(),
            Change::Written { .. }
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), full);
        let v: Value = serde_json::from_str(&full).unwrap();
        let stop = v["hooks"]["Stop"].as_array().unwrap();
        assert_eq!(stop.len(), 2, "{full}");
        assert_eq!(stop[0]["hooks"][0]["command"], "notify-send done");
        assert!(ours(&stop[1]).is_some() && stop[1].get("matcher").is_none());
        assert_eq!(remove(&acc).unwrap(), Change::Restored);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), USER_FILE);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_install_created_is_removed_again() {
        let d = tmp("created");
        let acc = account(&d);
        install(&acc, Path::new(BIN)).unwrap();
        let text = std::fs::read_to_string(d.join("settings.json")).unwrap();
        assert!(
            text.contains(r#""command": "'/opt/it'\\''s here/claude-failover' claude-hook""#),
            "{text}"
        );
        assert!(
            text.find("matcher") < text.find("hooks\": [")
                && text.find("type") < text.find("command"),
            "{text}"
        );
        assert_eq!(remove(&acc).unwrap(), Change::Restored);
        assert!(!d.join("settings.json").exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn remove_after_the_user_edited_takes_out_only_our_entry() {
        let d = tmp("edited");
        let acc = account(&d);
        let path = d.join("settings.json");
        std::fs::write(&path, USER_FILE).unwrap();
        install(&acc, Path::new(BIN)).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        let edited = after.replace("\"opus\"", "\"sonnet\"");
        std::fs::write(&path, &edited).unwrap();
        assert!(matches!(remove(&acc).unwrap(), Change::Written { .. }));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            USER_FILE.replace("\"opus\"", "\"sonnet\"")
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_moved_binary_is_replaced_not_doubled() {
        let d = tmp("moved");
        let acc = account(&d);
        install(&acc, Path::new("/old/claude-failover")).unwrap();
        assert!(matches!(
            inspect(&acc, Path::new(BIN)).unwrap(),
            Found::Read(ref v) if matches!(v[0].1, Presence::OtherBinary(_))
        ));
        install(&acc, Path::new(BIN)).unwrap();
        let v: Value =
            serde_json::from_slice(&std::fs::read(d.join("settings.json")).unwrap()).unwrap();
        assert_eq!(v["hooks"]["StopFailure"].as_array().unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn invalid_json_and_links_are_refused_and_left_untouched() {
        let d = tmp("bad");
        let acc = account(&d);
        let path = d.join("settings.json");
        std::fs::write(&path, "{\"a\": 1,}").unwrap();
        let err = format!("{:#}", install(&acc, Path::new(BIN)).unwrap_err());
        assert!(err.contains("is not valid JSON"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\": 1,}");
        std::fs::remove_file(&path).unwrap();
        let target = d.join("real.json");
        std::fs::write(&target, "{}").unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = format!("{:#}", install(&acc, Path::new(BIN)).unwrap_err());
        assert!(err.contains("is a link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
        assert!(std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_missing_account_folder_is_named() {
        let d = tmp("missing").join("nope");
        let err = format!("{:#}", install(&account(&d), Path::new(BIN)).unwrap_err());
        assert!(err.contains("does not exist"), "{err}");
        assert!(!d.exists());
    }

    #[test]
    fn versions() {
        assert_eq!(
            Version::parse("2.1.78 (Claude Code)"),
            Some(Version(2, 1, 78))
        );
        assert!(Version::parse("2.1.77").unwrap() < STOP_FAILURE_SINCE);
        assert!(Version::parse("2.1.332").unwrap() >= STOP_FAILURE_SINCE);
        assert_eq!(Version::parse("x"), None);
    }
}
